"""Building blocks shared by the dashboard's sections: cards, graphs, labelled fields."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from analytics.formatting import current_locale
from components.figures import graph_config


def graph(component_id: str, height: int = 360) -> dcc.Loading:
    return dcc.Loading(
        dcc.Graph(
            id=component_id,
            config=graph_config(),
            className="dash-graph",
            style={"minHeight": f"{height}px"},
        ),
        type="circle",
        delay_show=400,
    )


def segmented(component_id: str, options: list[dict], value: str) -> html.Div:
    """A compact button group acting as a radio control."""
    return html.Div(
        dbc.RadioItems(
            id=component_id,
            options=options,
            value=value,
            className="btn-group btn-group-sm",
            inputClassName="btn-check",
            labelClassName="btn btn-outline-secondary",
            labelCheckedClassName="active",
        ),
        className="segmented",
    )


def chart_card(
    title: str, body: Any, *, tools: Any = None, hint: str | None = None
) -> dbc.Card:
    header = [html.H2(title, className="h6 fw-semibold mb-0")]
    if tools is not None:
        header.append(html.Div(tools, className="ms-auto"))
    content = [body]
    if hint:
        content.append(html.Div(hint, className="small text-muted px-2 pb-1"))
    return dbc.Card(
        [
            dbc.CardHeader(
                header, className="d-flex flex-wrap align-items-center gap-2 bg-white"
            ),
            dbc.CardBody(content, className="p-2"),
        ],
        className="shadow-sm mb-4",
    )


def kpi_card(
    label: str,
    value: str,
    *,
    note: Any = None,
    tone: str | None = None,
    card_id: str | None = None,
) -> dbc.Col:
    """One headline figure; ``tone`` colours the value ("success", "danger")."""
    body = [
        html.Div(
            label, className="kpi-label text-muted small text-uppercase fw-semibold"
        ),
        html.Div(
            value, className=f"kpi-value fs-4 fw-bold{' text-' + tone if tone else ''}"
        ),
    ]
    if note:
        body.append(html.Div(note, className="kpi-note small text-muted"))
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(body), className="h-100 shadow-sm kpi-card", id=card_id or ""
        ),
        xs=6,
        md=4,
        xl=3,
    )


def labelled_field(label: str, control: Any, *, hidden: bool = False) -> list:
    """A control under its label (``hidden``: the label is for screen readers only),
    the label pointing at the control's id."""
    return [
        dbc.Label(
            label,
            html_for=control.id,
            className="visually-hidden" if hidden else "small fw-semibold mb-1",
        ),
        control,
    ]


def list_table_style(
    *, header: dict | None = None, cell: dict | None = None
) -> dict[str, Any]:
    """The look shared by the dashboard's list-view tables, as ``DataTable`` keywords.

    ``header`` and ``cell`` add to (or override) the shared header and cell styles. The
    numbers are written with the reader's separators, so call it while the layout is
    built (per request).
    """
    locale = current_locale()
    return {
        "style_as_list_view": True,
        "style_table": {"overflowX": "auto"},
        "style_header": {
            "fontWeight": "600",
            "backgroundColor": "var(--bs-tertiary-bg, #f8f9fa)",
            **(header or {}),
        },
        "locale_format": {"decimal": locale.decimal, "group": locale.group},
        "style_cell": {
            "fontFamily": "inherit",
            "fontSize": "0.875rem",
            "padding": "6px 10px",
            "textAlign": "right",
            **(cell or {}),
        },
    }
