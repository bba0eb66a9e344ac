"""The dashboard page: header, filters, KPI cards, charts, SKU ranking and drill-down.

The layout is static for a session; callbacks fill KPI cards, figures and the table from
the stored data whenever a filter or a chart option changes.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dash_table, dcc, html

from analytics.formatting import current_locale, format_date_range, format_number
from analytics.sku import AMBER_FROM, BAND_LABELS, FEW_SALES_BELOW, GREEN_FROM
from components import ids
from components.assistant import chat_card, insights_card
from components.figures import GRAPH_CONFIG, graph_config  # noqa: F401 (re-exported)
from components.files import files_actions
from components.forecast import forecast_card
from components.quality import quality_card
from components.report import report_button, report_menu_items
from components.share import share_button, share_modal

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
SKU_PAGE_SIZE = 15

SCORE_HELP = (
    "Score = 100 × (0.4 × frequency + 0.4 × price + 0.2 × consistency). Each part is the "
    "SKU's percentile rank among the SKUs in view, from 0 (lowest) to 1 (highest), with "
    "tied SKUs sharing their rank: frequency ranks the number of sales, price the average "
    "sale amount, consistency how steady the sale amounts are (the smaller their spread "
    "relative to the average, the higher). A SKU with a single sale, or whose sales "
    "average to zero, gets 0 for consistency. "
    f"{BAND_LABELS['green']} (green) from {GREEN_FROM:g}, {BAND_LABELS['amber']} (amber) "
    f"from {AMBER_FROM:g}, {BAND_LABELS['red']} (red) below. “few sales” marks SKUs with "
    f"fewer than {FEW_SALES_BELOW} sales, whose score rests on little evidence. "
    "“Next month” projects each SKU's monthly score (the same formula within each month) "
    "over its last 6 months; ▼ marks a significant downward trend."
)


def dashboard_page(
    meta: dict[str, Any],
    granularity: str,
    columns: list[str] | None = None,
    state: dict[str, Any] | None = None,
    value_options: dict[str, list[str]] | None = None,
) -> html.Div:
    """The page; ``columns`` are those the data can be filtered and broken down by,
    ``state`` the selection read from the page's address (see
    ``callbacks.dashboard.parse_search``), ``value_options`` the first values offered
    for each column filter in it."""
    # the section builds on this module's cards, so it is imported here
    from components.customers import customers_section

    has_profit = bool(meta["mapping"].get("profit") or meta["mapping"].get("cost"))
    columns = columns or []
    state = state or {}
    return html.Div(
        [
            dcc.Store(id=ids.SESSION_ID, data=meta["session_id"]),
            dcc.Store(id=ids.SKU_SELECTED),
            dcc.Store(id=ids.FILTER_DIMENSIONS, data=state.get("dimensions") or {}),
            dashboard_header(meta),
            warnings_panel(meta.get("warnings", [])),
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


def demo_badge() -> dbc.Badge:
    return dbc.Badge(
        "Demo data",
        id=ids.DEMO_BADGE,
        color="info",
        text_color="dark",
        className="ms-2 align-middle fs-6",
    )


def dashboard_header(meta: dict[str, Any]) -> html.Div:
    is_demo = meta.get("source") == "demo"
    rows_read = meta.get("rows_read", meta["rows"])
    details = [f"{format_number(meta['rows'])} rows used"]
    if rows_read != meta["rows"]:
        details.append(f"of {format_number(rows_read)} read")
    if meta.get("date_start"):
        details.append(f"· {format_date_range(meta['date_start'], meta['date_end'])}")
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
                        [meta["filename"], demo_badge() if is_demo else None],
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


def filter_bar(
    meta: dict[str, Any],
    columns: list[str] | None = None,
    state: dict[str, Any] | None = None,
    value_options: dict[str, list[str]] | None = None,
) -> dbc.Card:
    categories = meta.get("categories") or []
    state = state or {}
    chosen = state.get("dimensions") or {}
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(
                                "Dates",
                                html_for=ids.FILTER_DATES,
                                className="small fw-semibold mb-1",
                            ),
                            dcc.DatePickerRange(
                                id=ids.FILTER_DATES,
                                min_date_allowed=meta.get("date_start"),
                                max_date_allowed=meta.get("date_end"),
                                initial_visible_month=meta.get("date_end"),
                                start_date_placeholder_text="From",
                                end_date_placeholder_text="To",
                                display_format="YYYY-MM-DD",
                                clearable=True,
                                disabled=not meta.get("date_start"),
                                className="w-100",
                                start_date=state.get("start"),
                                end_date=state.get("end"),
                            ),
                        ],
                        md=5,
                        lg=4,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(
                                "Category",
                                html_for=ids.FILTER_CATEGORY,
                                className="small fw-semibold mb-1",
                            ),
                            dcc.Dropdown(
                                id=ids.FILTER_CATEGORY,
                                options=[{"label": c, "value": c} for c in categories],
                                multi=True,
                                value=state.get("categories") or [],
                                placeholder="All categories"
                                if categories
                                else "No category column",
                                disabled=not categories,
                            ),
                        ],
                        md=7,
                        lg=4,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(
                                "SKU",
                                html_for=ids.FILTER_SKU,
                                className="small fw-semibold mb-1",
                            ),
                            dbc.Input(
                                id=ids.FILTER_SKU,
                                type="search",
                                placeholder="Search SKUs…",
                                debounce=True,
                                size="sm",
                                value=state.get("sku") or "",
                                style={"height": "34px"},  # as the dropdowns
                            ),
                        ],
                        md=8,
                        lg=3,
                    ),
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
                            [
                                dimension_filter_row(
                                    column, values, (value_options or {}).get(column)
                                )
                                for column, values in chosen.items()
                            ],
                            id=ids.FILTER_DIMS_BOX,
                            className="d-flex flex-wrap gap-2",
                        ),
                        xs=12,
                        md=9,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(
                                "Add filter",
                                html_for=ids.FILTER_ADD,
                                className="visually-hidden",
                            ),
                            dcc.Dropdown(
                                id=ids.FILTER_ADD,
                                options=[
                                    {"label": c, "value": c} for c in columns or []
                                ],
                                placeholder="+ Add filter…"
                                if columns
                                else "No other columns to filter by",
                                disabled=not columns,
                                clearable=False,
                                searchable=True,
                            ),
                        ],
                        xs=12,
                        md=3,
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
        style_as_list_view=True,
        style_table={"overflowX": "auto"},
        style_header={
            "fontWeight": "600",
            "backgroundColor": "var(--bs-tertiary-bg, #f8f9fa)",
        },
        # numbers written with the reader's separators (the layout is built per request)
        locale_format={
            "decimal": current_locale().decimal,
            "group": current_locale().group,
        },
        style_cell={
            "fontFamily": "inherit",
            "fontSize": "0.875rem",
            "padding": "6px 10px",
            "textAlign": "right",
        },
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
        tools=html.Div(
            [
                dbc.Label(
                    "Column", html_for=ids.BREAKDOWN_BY, className="visually-hidden"
                ),
                picker,
            ]
        ),
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


SKU_COLUMNS = [
    {"name": "Rank", "id": "rank", "type": "numeric"},
    {"name": "SKU", "id": "sku", "type": "text"},
    {"name": "Score", "id": "score", "type": "numeric", "format": {"specifier": ".1f"}},
    {"name": "Band", "id": "band_label", "type": "text"},
    {
        "name": "Frequency",
        "id": "frequency_score",
        "type": "numeric",
        "format": {"specifier": ".2f"},
    },
    {
        "name": "Price",
        "id": "price_score",
        "type": "numeric",
        "format": {"specifier": ".2f"},
    },
    {
        "name": "Consistency",
        "id": "consistency_score",
        "type": "numeric",
        "format": {"specifier": ".2f"},
    },
    {
        "name": "Transactions",
        "id": "transactions",
        "type": "numeric",
        "format": {"specifier": ","},
    },
    {"name": "Note", "id": "note", "type": "text"},
    {
        "name": "Avg amount",
        "id": "avg_amount",
        "type": "numeric",
        "format": {"specifier": ",.2f"},
    },
    {
        "name": "Revenue",
        "id": "revenue",
        "type": "numeric",
        "format": {"specifier": ",.2f"},
    },
    {
        "name": "Profit",
        "id": "profit",
        "type": "numeric",
        "format": {"specifier": ",.2f"},
    },
    {
        "name": "Next month",
        "id": "projected_score",
        "type": "numeric",
        "format": {"specifier": ".1f"},
    },
    {"name": "Trend", "id": "trend", "type": "text"},
]

BAND_COLOURS = {
    "green": ("#d1e7dd", "#0f5132"),
    "amber": ("#fff3cd", "#664d03"),
    "red": ("#f8d7da", "#842029"),
}
BAND_STYLES = [
    *(
        {
            "if": {"filter_query": f'{{band}} = "{band}"', "column_id": column},
            "backgroundColor": background,
            "color": text,
            "fontWeight": "600",
        }
        for band, (background, text) in BAND_COLOURS.items()
        for column in ("score", "band_label")
    ),
    {
        "if": {"filter_query": '{note} = "few sales"', "column_id": "note"},
        "color": "var(--smbrc-muted, #6c757d)",
        "fontStyle": "italic",
    },
    {
        "if": {"filter_query": "{profit} < 0", "column_id": "profit"},
        "color": "var(--smbrc-loss, #dc3545)",
        "fontWeight": "600",
    },
    {
        "if": {"filter_query": '{trend} = "▼ down"', "column_id": "trend"},
        "color": "var(--smbrc-loss, #dc3545)",
        "fontWeight": "600",
    },
    {
        "if": {"state": "active"},
        "backgroundColor": "var(--smbrc-active-bg, #e7f1ff)",
        "border": "1px solid #0d6efd",
    },
]


def sku_ranking_card() -> dbc.Card:
    table = dash_table.DataTable(
        id=ids.SKU_TABLE,
        columns=SKU_COLUMNS,
        data=[],
        page_action="custom",
        page_current=0,
        page_size=SKU_PAGE_SIZE,
        sort_action="custom",
        sort_mode="single",
        sort_by=[{"column_id": "rank", "direction": "asc"}],
        style_as_list_view=True,
        style_table={"overflowX": "auto"},
        style_header={
            "fontWeight": "600",
            "backgroundColor": "var(--bs-tertiary-bg, #f8f9fa)",
            "whiteSpace": "normal",
        },
        # numbers written with the reader's separators (the layout is built per request)
        locale_format={
            "decimal": current_locale().decimal,
            "group": current_locale().group,
        },
        style_cell={
            "fontFamily": "inherit",
            "fontSize": "0.875rem",
            "padding": "6px 10px",
            "textAlign": "right",
            "cursor": "pointer",
        },
        style_cell_conditional=[{"if": {"column_id": "sku"}, "textAlign": "left"}],
        style_data_conditional=BAND_STYLES,
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H2("SKU performance ranking", className="h6 fw-semibold mb-0"),
                    html.Span(id=ids.SKU_COUNT, className="ms-auto small text-muted"),
                ],
                className="d-flex flex-wrap align-items-center gap-2 bg-white",
            ),
            dbc.CardBody(
                [
                    html.P(SCORE_HELP, className="small text-muted mb-2"),
                    few_sales_switch(),
                    dcc.Loading(table, type="dot", delay_show=400),
                    html.Div(
                        "Click a row to see that SKU's score trend and transactions.",
                        className="small text-muted mt-2",
                    ),
                ],
                className="p-2 p-md-3",
            ),
        ],
        className="shadow-sm mb-4",
    )


def few_sales_switch() -> html.Div:
    """ "Hide SKUs with fewer than N sales" (off by default; N = 3 to start with)."""
    return html.Div(
        [
            dbc.Switch(
                id=ids.SKU_HIDE_FEW,
                label="Hide SKUs with fewer than",
                value=False,
                className="mb-0",
            ),
            dbc.Input(
                id=ids.SKU_MIN_SALES,
                type="number",
                min=1,
                step=1,
                value=FEW_SALES_BELOW,
                size="sm",
                debounce=True,
                style={"width": "5rem"},
            ),
            dbc.Label(
                "Fewest sales a SKU needs to be shown",
                html_for=ids.SKU_MIN_SALES,
                className="visually-hidden",
            ),
            html.Span("sales"),
        ],
        className="d-flex flex-wrap align-items-center gap-2 small mb-2",
    )


def sku_detail_panel() -> dbc.Offcanvas:
    return dbc.Offcanvas(
        html.Div(id=ids.SKU_DETAIL_BODY),
        id=ids.SKU_DETAIL,
        title="SKU details",
        placement="end",
        is_open=False,
        scrollable=True,
        className="sku-detail",
    )
