"""The dashboard page: header, filters, KPI cards, charts, SKU ranking and drill-down.

The layout is static for a session; callbacks fill KPI cards, figures and the table from
the stored data whenever a filter or a chart option changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
from dash import dash_table, dcc, html

from analytics.formatting import format_date_range, format_number
from components import ids
from components.assistant import chat_card, insights_card
from components.cards import (
    chart_card,
    graph,
    labelled_field,
    list_table_style,
    segmented,
)
from components.customers import customers_section
from components.files import files_actions
from components.filters import filter_bar, filter_state
from components.forecast import forecast_card
from components.quality import quality_card
from components.report import report_button, report_menu_items
from components.share import share_button, share_modal
from components.sku_table import sku_detail_panel, sku_ranking_card

if TYPE_CHECKING:
    from services.session_meta import SessionMeta

GRANULARITY_OPTIONS = [
    {"label": "Day", "value": "day"},
    {"label": "Week", "value": "week"},
    {"label": "Month", "value": "month"},
    {"label": "Quarter", "value": "quarter"},
]
COMPARE_OPTIONS = [
    {"label": "No comparison", "value": "off"},
    {"label": "Previous period", "value": "previous_period"},
    {"label": "Year ago", "value": "year_ago"},
]
DEFAULT_COMPARE = "previous_period"
METRIC_OPTIONS = [
    {"label": "Revenue", "value": "revenue"},
    {"label": "Profit", "value": "profit"},
]


def dashboard_page(
    meta: SessionMeta,
    granularity: str,
    columns: list[str] | None = None,
    state: dict[str, Any] | None = None,
    value_options: dict[str, list[str]] | None = None,
) -> html.Div:
    """The page; ``columns`` are those the data can be filtered and broken down by,
    ``state`` the selection read from the page's address (see
    ``callbacks.dashboard.parse_search``), ``value_options`` the first values offered
    for each column filter in it."""
    has_profit = bool(meta.mapping.get("profit") or meta.mapping.get("cost"))
    columns = columns or []
    state = state or {}
    return html.Div(
        [
            dcc.Store(id=ids.SESSION_ID, data=meta.session_id),
            dcc.Store(id=ids.SKU_SELECTED),
            dcc.Store(id=ids.FILTER_DIMENSIONS, data=state.get("dimensions") or {}),
            dcc.Store(
                id=ids.FILTERS,
                data=filter_state(
                    state.get("start"),
                    state.get("end"),
                    state.get("categories"),
                    state.get("sku"),
                    state.get("dimensions"),
                ),
            ),
            dashboard_header(meta),
            warnings_panel(meta.warnings),
            quality_card(meta),
            filter_bar(meta, columns, state, value_options or {}),
            html.Div(id=ids.DASHBOARD_ALERTS),
            dcc.Loading(
                dbc.Row(id=ids.KPI_ROW, className="g-3 mb-4"),
                type="dot",
                delay_show=400,
                # the cards come with the page: shown at once, not behind a spinner
                show_initially=False,
            ),
            insights_card(),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            "Revenue, cost and profit over time",
                            graph(ids.TIMESERIES_GRAPH),
                            tools=html.Div(
                                [
                                    segmented(
                                        ids.COMPARE,
                                        COMPARE_OPTIONS,
                                        state.get("compare") or DEFAULT_COMPARE,
                                    ),
                                    segmented(
                                        ids.GRANULARITY,
                                        GRANULARITY_OPTIONS,
                                        granularity,
                                    ),
                                ],
                                className="d-flex flex-wrap gap-2",
                            ),
                            hint="Compare: the dashed lines are the comparison "
                            "period, period by period; the KPI cards compare with it "
                            "too.",
                        ),
                        lg=8,
                    ),
                    dbc.Col(
                        chart_card(
                            "Revenue and profit by category",
                            graph(ids.CATEGORY_GRAPH),
                            hint="Click a bar to filter by that category.",
                        ),
                        lg=4,
                    ),
                ],
                className="g-3",
            ),
            changes_card(),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            "Profit margin over time", graph(ids.MARGIN_GRAPH, 300)
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        chart_card(
                            "Seasonality",
                            graph(ids.SEASONALITY_GRAPH, 300),
                            hint="Average revenue per month of the year (and per "
                            "weekday for daily data), 1.0 = a typical period.",
                        ),
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            "Top and bottom SKUs",
                            graph(ids.SKU_BARS_GRAPH, 460),
                            tools=segmented(
                                ids.SKU_BARS_METRIC,
                                METRIC_OPTIONS,
                                "profit" if has_profit else "revenue",
                            ),
                            hint="Loss-making SKUs are red. Click a bar to open the SKU.",
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        chart_card(
                            "Pareto (ABC) of SKUs",
                            graph(ids.PARETO_GRAPH, 460),
                            tools=segmented(
                                ids.PARETO_METRIC, METRIC_OPTIONS, "revenue"
                            ),
                            hint="A = SKUs making the first 80 %, B = the next 15 %, C = the rest.",
                        ),
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
            breakdown_card(columns, state.get("by")),
            customers_section(meta),
            forecast_card(has_profit),
            chat_card(),
            sku_ranking_card(),
            sku_detail_panel(),
            share_modal(),
        ],
        className="dashboard",
    )


def changes_card() -> dbc.Card:
    """What changed against the comparison period, split by the values that moved most."""
    return chart_card(
        "What changed",
        html.Div(
            [
                html.Div(id=ids.CHANGES_TEXT, className="small px-2"),
                # hidden, with its hint, while there is nothing to compare: the card is
                # then one line saying why
                html.Div(
                    [
                        graph(ids.CHANGES_GRAPH, 340),
                        html.Div(
                            "The change against the comparison period chosen above, "
                            "split by the column whose values moved most; the bars add "
                            "up to the total change.",
                            className="small text-muted px-2 pb-1",
                        ),
                    ],
                    id=ids.CHANGES_CHART,
                ),
            ]
        ),
        tools=segmented(ids.CHANGES_MEASURE, METRIC_OPTIONS, "revenue"),
    )


def demo_badge() -> dbc.Badge:
    return dbc.Badge(
        "Demo data",
        id=ids.DEMO_BADGE,
        color="info",
        text_color="dark",
        className="ms-2 align-middle fs-6",
    )


def dashboard_header(meta: SessionMeta) -> html.Div:
    is_demo = meta.source == "demo"
    rows_read = meta.rows_read
    details = [f"{format_number(meta.rows)} rows used"]
    if rows_read != meta.rows:
        details.append(f"of {format_number(rows_read)} read")
    if meta.date_start:
        details.append(f"· {format_date_range(meta.date_start, meta.date_end)}")
    downloads = dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem("Cleaned data", header=True),
            dbc.DropdownMenuItem(
                "CSV", id=ids.DOWNLOAD_DATA_CSV, href="#", external_link=True
            ),
            dbc.DropdownMenuItem(
                "Excel (XLSX)", id=ids.DOWNLOAD_DATA_XLSX, href="#", external_link=True
            ),
            dbc.DropdownMenuItem(divider=True),
            dbc.DropdownMenuItem("SKU ranking", header=True),
            dbc.DropdownMenuItem(
                "CSV", id=ids.DOWNLOAD_SKUS_CSV, href="#", external_link=True
            ),
            dbc.DropdownMenuItem(
                "Excel (XLSX)", id=ids.DOWNLOAD_SKUS_XLSX, href="#", external_link=True
            ),
            *report_menu_items(),
        ],
        label="Download",
        color="outline-secondary",
        size="sm",
        align_end=True,
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        [meta.filename, demo_badge() if is_demo else None],
                        className="h3 fw-bold mb-1 text-break",
                    ),
                    html.Div(" ".join(details), className="text-muted small"),
                    html.Div(
                        "These are made-up sales of a sample coffee shop, to show what "
                        "the dashboard does. Upload your own export to see your business.",
                        className="small text-info-emphasis mt-1",
                    )
                    if is_demo
                    else None,
                ]
            ),
            html.Div(
                [
                    share_button(),
                    report_button(),
                    downloads,
                    files_actions(meta),
                    dbc.Button(
                        "Upload another file",
                        href="/",
                        color="outline-primary",
                        size="sm",
                        external_link=True,
                    ),
                ],
                className="ms-md-auto d-flex flex-wrap gap-2 align-self-start",
            ),
        ],
        className="d-flex flex-column flex-md-row gap-2 mb-3",
    )


BREAKDOWN_COLUMNS = [
    ("revenue", "Revenue", {"specifier": ",.2f"}),
    ("profit", "Profit", {"specifier": ",.2f"}),
    ("margin", "Margin", {"specifier": ".1%"}),
    ("orders", "Orders", {"specifier": ","}),
    ("transactions", "Lines", {"specifier": ","}),
    # "Share" of revenue (the note under the table says so): short, so the table fits
    ("share", "Share", {"specifier": ".1%"}),
]


def breakdown_card(columns: list[str], by: str | None) -> dbc.Card:
    """ "Break down by" any column: a bar chart (click a bar to filter by it) and a
    table of revenue, profit, margin, orders, lines and share per value."""
    picker = dcc.Dropdown(
        id=ids.BREAKDOWN_BY,
        options=[{"label": c, "value": c} for c in columns],
        value=by if by in columns else (columns[0] if columns else None),
        clearable=False,
        searchable=True,
        disabled=not columns,
        placeholder="No column to break down by",
        style={"minWidth": "14rem"},
    )
    table = dash_table.DataTable(
        id=ids.BREAKDOWN_TABLE,
        columns=[{"name": "Value", "id": "value", "type": "text"}],
        data=[],
        page_size=15,
        sort_action="native",
        **list_table_style(),
        style_cell_conditional=[{"if": {"column_id": "value"}, "textAlign": "left"}],
        style_data_conditional=[
            {
                "if": {"filter_query": "{profit} < 0", "column_id": "profit"},
                "color": "var(--smbrc-loss, #dc3545)",
                "fontWeight": "600",
            }
        ],
    )
    card = chart_card(
        "Break down by",
        dbc.Row(
            [
                # as tall as the figure's least height: no blank band under few bars
                dbc.Col(graph(ids.BREAKDOWN_GRAPH, 300), lg=5),
                dbc.Col(
                    [
                        dcc.Loading(table, type="dot", delay_show=400),
                        html.Div(
                            id=ids.BREAKDOWN_NOTE, className="small text-muted mt-1"
                        ),
                    ],
                    lg=7,
                ),
            ],
            className="g-2",
        ),
        tools=html.Div(labelled_field("Column", picker, hidden=True)),
        hint="Click a bar to filter by that value.",
    )
    card.className += " breakdown-card"
    return card


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
