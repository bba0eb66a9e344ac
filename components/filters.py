"""The dashboard's filter bar: dates, category, SKU search and the column filters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.cards import labelled_field

if TYPE_CHECKING:
    from services.session_meta import SessionMeta


def filter_state(
    start: str | None = None,
    end: str | None = None,
    categories: list[str] | None = None,
    sku: str | None = None,
    dimensions: dict[str, list[str]] | None = None,
) -> dict:
    """The filters as the page keeps them in one store, ``ids.FILTERS``:
    ``{start, end, categories, sku, dimensions}`` (``assets/filters.js`` writes the
    same dict in the browser from the controls)."""
    return {
        "start": start or None,
        "end": end or None,
        "categories": list(categories or []),
        "sku": sku or "",
        "dimensions": dict(dimensions or {}),
    }


def filter_bar(
    meta: SessionMeta,
    columns: list[str] | None = None,
    state: dict[str, Any] | None = None,
    value_options: dict[str, list[str]] | None = None,
) -> dbc.Card:
    """Dates, category, SKU search, the column filters and "Add filter", set as the
    page's address ``state`` says (``callbacks.filters.parse_search``)."""
    categories = meta.categories
    state = state or {}
    chosen = state.get("dimensions") or {}
    dates = dcc.DatePickerRange(
        id=ids.FILTER_DATES,
        min_date_allowed=meta.date_start,
        max_date_allowed=meta.date_end,
        initial_visible_month=meta.date_end,
        start_date_placeholder_text="From",
        end_date_placeholder_text="To",
        display_format="YYYY-MM-DD",
        clearable=True,
        disabled=not meta.date_start,
        className="w-100",
        start_date=state.get("start"),
        end_date=state.get("end"),
    )
    category = dcc.Dropdown(
        id=ids.FILTER_CATEGORY,
        options=[{"label": c, "value": c} for c in categories],
        multi=True,
        value=state.get("categories") or [],
        placeholder="All categories" if categories else "No category column",
        disabled=not categories,
    )
    sku = dbc.Input(
        id=ids.FILTER_SKU,
        type="search",
        placeholder="Search SKUs…",
        debounce=True,
        size="sm",
        value=state.get("sku") or "",
        style={"height": "34px"},  # as the dropdowns
    )
    add = dcc.Dropdown(
        id=ids.FILTER_ADD,
        options=[{"label": c, "value": c} for c in columns or []],
        placeholder="+ Add filter…" if columns else "No other columns to filter by",
        disabled=not columns,
        clearable=False,
        searchable=True,
    )
    rows = [
        dimension_filter_row(column, values, (value_options or {}).get(column))
        for column, values in chosen.items()
    ]
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(labelled_field("Dates", dates), md=5, lg=4),
                    dbc.Col(labelled_field("Category", category), md=7, lg=4),
                    dbc.Col(labelled_field("SKU", sku), md=8, lg=3),
                    dbc.Col(
                        dbc.Button(
                            "Clear filters",
                            id=ids.CLEAR_FILTERS,
                            color="link",
                            size="sm",
                            className="px-0",
                        ),
                        md=4,
                        lg=1,
                        className="d-flex align-items-end",
                    ),
                    dbc.Col(
                        html.Div(
                            rows,
                            id=ids.FILTER_DIMS_BOX,
                            className="d-flex flex-wrap gap-2",
                        ),
                        xs=12,
                        md=9,
                    ),
                    dbc.Col(
                        labelled_field("Add filter", add, hidden=True), xs=12, md=3
                    ),
                    dbc.Col(
                        html.Div(id=ids.FILTER_SUMMARY, className="small text-muted"),
                        xs=12,
                    ),
                ],
                className="g-2 align-items-end",
            ),
            className="py-2",
        ),
        className="shadow-sm mb-4 filter-bar",
    )


#: Values a column filter lists before the user types (typing searches every value).
VALUE_OPTIONS_SHOWN = 200


def dimension_filter_row(
    column: str, values: list[str], options: list[str] | None = None
) -> html.Div:
    """One column filter: the column's name, a searchable multi-select of its values
    (each chosen value a chip) and a button removing the filter."""
    offered = list(dict.fromkeys([*values, *(options or [])[:VALUE_OPTIONS_SHOWN]]))
    return html.Div(
        [
            html.Span(column, className="small fw-semibold text-nowrap"),
            dcc.Dropdown(
                id={"type": ids.DIM_VALUES, "column": column},
                options=[{"label": v, "value": v} for v in offered],
                value=list(values),
                multi=True,
                searchable=True,
                placeholder=f"Any {column} (type to search)",
                style={"minWidth": "14rem"},
                className="dimension-values",
            ),
            dbc.Button(
                "×",
                id={"type": ids.DIM_REMOVE, "column": column},
                color="link",
                size="sm",
                className="px-1 text-decoration-none",
                title=f"Remove the {column} filter",
            ),
        ],
        className="dimension-filter d-flex align-items-center gap-1 border rounded "
        "px-2 py-1 bg-light",
        **{"data-column": column},
    )
