"""The dashboard page: header, data notes, controls, KPI cards and charts.

The layout is static for a session; callbacks fill KPI cards and figures from the stored data.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids

GRANULARITY_OPTIONS = [
    {"label": "Day", "value": "day"},
    {"label": "Week", "value": "week"},
    {"label": "Month", "value": "month"},
    {"label": "Quarter", "value": "quarter"},
]


def dashboard_page(meta: dict[str, Any], granularity: str) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.SESSION_ID, data=meta["session_id"]),
            dashboard_header(meta),
            warnings_panel(meta.get("warnings", [])),
            dbc.Row(id=ids.KPI_ROW, className="g-3 mb-4"),
            chart_card(
                "Revenue, cost and profit over time",
                dcc.Graph(
                    id=ids.TIMESERIES_GRAPH,
                    config={"displaylogo": False, "responsive": True},
                    className="dash-graph",
                ),
                tools=segmented(ids.GRANULARITY, GRANULARITY_OPTIONS, granularity),
            ),
        ],
        className="dashboard",
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


def dashboard_header(meta: dict[str, Any]) -> html.Div:
    rows_read = meta.get("rows_read", meta["rows"])
    details = [f"{meta['rows']:,} rows used"]
    if rows_read != meta["rows"]:
        details.append(f"of {rows_read:,} read")
    return html.Div(
        [
            html.Div(
                [
                    html.H1(meta["filename"], className="h3 fw-bold mb-1 text-break"),
                    html.Div(" ".join(details), className="text-muted small"),
                ]
            ),
            dbc.Button(
                "Upload another file", href="/", color="outline-primary", size="sm",
                external_link=True, className="ms-md-auto align-self-start",
            ),
        ],
        className="d-flex flex-column flex-md-row gap-2 mb-3",
    )


def warnings_panel(warnings: list[str]) -> html.Div:
    if not warnings:
        return html.Div()
    return dbc.Alert(
        [
            html.Strong("Notes on your data"),
            html.Ul([html.Li(w) for w in warnings], className="mb-0 mt-1 small"),
        ],
        color="warning",
        className="mb-3",
        dismissable=True,
    )


def chart_card(title: str, body: Any, *, tools: Any = None) -> dbc.Card:
    header = [html.H2(title, className="h6 fw-semibold mb-0")]
    if tools is not None:
        header.append(html.Div(tools, className="ms-auto"))
    return dbc.Card(
        [
            dbc.CardHeader(header, className="d-flex flex-wrap align-items-center gap-2 bg-white"),
            dbc.CardBody(body, className="p-2"),
        ],
        className="shadow-sm mb-4",
    )


def kpi_card(label: str, value: str, *, note: str | None = None, tone: str | None = None,
             card_id: str | None = None) -> dbc.Col:
    """One headline figure; ``tone`` colours the value ("success", "danger")."""
    body = [
        html.Div(label, className="kpi-label text-muted small text-uppercase fw-semibold"),
        html.Div(value, className=f"kpi-value fs-4 fw-bold{' text-' + tone if tone else ''}"),
    ]
    if note:
        body.append(html.Div(note, className="kpi-note small text-muted"))
    return dbc.Col(
        dbc.Card(dbc.CardBody(body), className="h-100 shadow-sm kpi-card", id=card_id or ""),
        xs=6, md=4, xl=3,
    )
