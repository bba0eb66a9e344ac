"""The SKU ranking table: one page of the ranking under the filters, sorted as asked,
and the SKU a click opens."""

from __future__ import annotations

import math

from dash import Dash, Input, Output
from dash.exceptions import PreventUpdate

from analytics.formatting import format_number
from analytics.metrics import BAND_LABELS, FilterError, hide_few_sales
from analytics.metrics.sku_table import SORT_FIELDS
from callbacks.context import store, triggered_id
from callbacks.filters import FILTERS_INPUT, download_links, filters_of, min_sales_of
from components import ids
from components.sku_table import SKU_PAGE_SIZE
from services.views import cached_sku_scores, load_view


def update_sku_table(
    session_id: str | None,
    filters: dict | None,
    page_current: int | None,
    sort_by: list[dict] | None,
    hide_few: bool | None = False,
    min_sales: object = None,
) -> tuple[list[dict], int, int, str, str, str]:
    """One page of the SKU ranking under the filters, sorted as asked, and the links
    to download the ranking as shown (CSV, XLSX).

    With the switch on, SKUs with fewer than ``min_sales`` sales are left out of the
    table; the others keep the scores and ranks computed among every SKU in view.
    """
    try:
        view = load_view(store(), session_id or "", filters_of(filters))
    except FilterError:
        return [], 1, 0, "", "#", "#"
    if view is None:
        return [], 1, 0, "", "#", "#"
    scores = cached_sku_scores(store(), view)
    threshold = min_sales_of(hide_few, min_sales)
    shown = hide_few_sales(scores, threshold)
    if triggered_id() not in (ids.SKU_TABLE, None):
        page_current = 0  # a filter changed: back to the first page
    page = int(page_current or 0)
    sort = (sort_by or [{"column_id": "rank", "direction": "asc"}])[0]
    column = SORT_FIELDS.get(sort["column_id"], "rank")
    ordered = shown.sort_values(
        [column, "rank"],
        ascending=[sort["direction"] == "asc", True],
        kind="mergesort",
        na_position="last",
    )
    page_count = max(1, math.ceil(len(ordered) / SKU_PAGE_SIZE))
    page = min(page, page_count - 1)
    rows = ordered.iloc[page * SKU_PAGE_SIZE : (page + 1) * SKU_PAGE_SIZE]
    records = [
        {
            **{k: _cell(v) for k, v in row.items()},
            "id": row["sku"],
            "band_label": BAND_LABELS.get(row["band"], ""),
            "note": "few sales" if row.get("few_sales") else "",
            "trend": "▼ down" if row.get("trending_down") else "",
        }
        for row in rows.to_dict("records")
    ]
    if not len(scores):
        count = "No SKU column in this data"
    elif threshold is None:
        count = f"{format_number(len(scores))} SKUs ranked"
    else:
        count = (
            f"{format_number(len(shown))} of {format_number(len(scores))} SKUs shown "
            f"(hiding those with fewer than {format_number(threshold)} sales)"
        )
    links = download_links(view, threshold)
    return records, page_count, page, count, links[2], links[3]


def _cell(value: object) -> object:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value


def select_sku(
    active_cell: dict | None, bars_click: dict | None, pareto_click: dict | None
) -> str:
    """The SKU to open: a clicked table row, or a clicked SKU bar."""
    trigger = triggered_id()
    if trigger == ids.SKU_TABLE and active_cell and active_cell.get("row_id"):
        return str(active_cell["row_id"])
    click = bars_click if trigger == ids.SKU_BARS_GRAPH else pareto_click
    if (
        trigger in (ids.SKU_BARS_GRAPH, ids.PARETO_GRAPH)
        and click
        and click.get("points")
    ):
        point = click["points"][0]
        # the raw SKU travels in customdata (axis labels are escaped for display)
        custom = point.get("customdata")
        if trigger == ids.PARETO_GRAPH:
            sku = custom[1] if isinstance(custom, list) and len(custom) > 1 else None
        else:
            sku = custom if isinstance(custom, str) else None
        if sku is None:
            sku = point.get("y") if trigger == ids.SKU_BARS_GRAPH else point.get("x")
        if sku is not None:
            return str(sku)
    raise PreventUpdate


def register(app: Dash) -> None:
    app.callback(
        Output(ids.SKU_TABLE, "data"),
        Output(ids.SKU_TABLE, "page_count"),
        Output(ids.SKU_TABLE, "page_current"),
        Output(ids.SKU_COUNT, "children"),
        Output(ids.DOWNLOAD_SKUS_CSV, "href"),
        Output(ids.DOWNLOAD_SKUS_XLSX, "href"),
        Input(ids.SESSION_ID, "data"),
        FILTERS_INPUT,
        Input(ids.SKU_TABLE, "page_current"),
        Input(ids.SKU_TABLE, "sort_by"),
        Input(ids.SKU_HIDE_FEW, "value"),
        Input(ids.SKU_MIN_SALES, "value"),
    )(update_sku_table)
    app.callback(
        Output(ids.SKU_SELECTED, "data"),
        Input(ids.SKU_TABLE, "active_cell"),
        Input(ids.SKU_BARS_GRAPH, "clickData"),
        Input(ids.PARETO_GRAPH, "clickData"),
        prevent_initial_call=True,
    )(select_sku)
