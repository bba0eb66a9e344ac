"""The SKU performance ranking: its table, the few-sales switch and the drill-down panel."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dash_table, dcc, html

from analytics.metrics import AMBER_FROM, BAND_LABELS, FEW_SALES_BELOW, GREEN_FROM
from analytics.metrics.sku_table import shown_columns
from components import ids
from components.cards import list_table_style

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


def table_columns() -> list[dict]:
    """The DataTable's columns, from ``analytics.metrics.sku_table.SKU_COLUMNS``."""
    out = []
    for column in shown_columns():
        spec: dict = {"name": column.label, "id": column.name, "type": column.type}
        if column.format:
            spec["format"] = {"specifier": column.format}
        out.append(spec)
    return out


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
        columns=table_columns(),
        data=[],
        page_action="custom",
        page_current=0,
        page_size=SKU_PAGE_SIZE,
        sort_action="custom",
        sort_mode="single",
        sort_by=[{"column_id": "rank", "direction": "asc"}],
        **list_table_style(header={"whiteSpace": "normal"}, cell={"cursor": "pointer"}),
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
