"""Dashboard callbacks: every KPI, chart and the SKU table follow the filters."""

from __future__ import annotations

import logging
import math
from urllib.parse import parse_qsl, urlencode

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, MATCH, Dash, Input, Output, State, html
from dash.exceptions import PreventUpdate

from analytics.filters import FilterError
from analytics.formatting import (
    format_date,
    format_money,
    format_month_span,
    format_number,
    format_pct,
    format_points,
)
from analytics.metrics import (
    breakdown,
    choose_granularity,
    kpi_cards,
    margins_of,
    pareto_classes,
    rank_skus,
    seasonality,
    sku_totals,
    timeseries,
)
from analytics.query import QueryError, order_figures
from analytics.schema import CATEGORY, PROFIT
from analytics.sku import BAND_LABELS, FEW_SALES_BELOW, hide_few_sales
from callbacks.context import store, triggered_id
from components import ids
from components.dashboard import (
    BREAKDOWN_COLUMNS,
    DEFAULT_COMPARE,
    SKU_PAGE_SIZE,
    VALUE_OPTIONS_SHOWN,
    dimension_filter_row,
    kpi_card,
)
from components.figures import (
    category_figure,
    empty_figure,
    margin_figure,
    pareto_figure,
    seasonality_figure,
    sku_bars_figure,
    timeseries_figure,
    warm_up,
)
from services.views import (
    Comparison,
    Filters,
    View,
    cached_dataset,
    cached_sku_scores,
    column_values,
    dimension_breakdown,
    join_filter_values,
    load_view,
    split_filter_values,
    view_comparison,
)

logger = logging.getLogger(__name__)

EXPIRED = "This session has expired. Upload the file again to rebuild the dashboard."
FILTER_INPUTS = [
    Input(ids.SESSION_ID, "data"),
    Input(ids.FILTER_DATES, "start_date"),
    Input(ids.FILTER_DATES, "end_date"),
    Input(ids.FILTER_CATEGORY, "value"),
    Input(ids.FILTER_SKU, "value"),
]
#: The column filters ({column: [values]}); callbacks take them as their last argument.
DIMENSIONS_INPUT = Input(ids.FILTER_DIMENSIONS, "data")
KPI_OUTPUTS = [
    Output(ids.KPI_ROW, "children"),
    Output(ids.FILTER_SUMMARY, "children"),
    Output(ids.DASHBOARD_ALERTS, "children"),
    Output(ids.DOWNLOAD_DATA_CSV, "href"),
    Output(ids.DOWNLOAD_DATA_XLSX, "href"),
]
CHART_OUTPUTS = [
    Output(ids.TIMESERIES_GRAPH, "figure"),
    Output(ids.MARGIN_GRAPH, "figure"),
    Output(ids.CATEGORY_GRAPH, "figure"),
    Output(ids.SKU_BARS_GRAPH, "figure"),
    Output(ids.PARETO_GRAPH, "figure"),
    Output(ids.SEASONALITY_GRAPH, "figure"),
]
NO_MATCH = "No rows match these filters. Widen the dates or clear the filters."


def update_overview(
    session_id: str | None,
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    granularity: str | None,
    sku_metric: str | None,
    pareto_metric: str | None,
    compare: str | None = None,
    dimensions: dict[str, list[str]] | None = None,
) -> tuple:
    """KPI cards, every chart, the filter summary and download links for the view;
    ``compare`` (``previous_period``, ``year_ago``, ``off``) draws the comparison period
    on the time series and makes the KPI cards compare with it.

    The page gets these from two callbacks, ``update_kpis`` (fast: the figures a person
    reads first) and ``update_charts``; both share one filtered view per filter change.
    """
    cards, summary, alert, *links = update_kpis(
        session_id, start, end, categories, sku_query, compare, granularity, dimensions
    )
    charts = update_charts(
        session_id,
        start,
        end,
        categories,
        sku_query,
        granularity,
        sku_metric,
        pareto_metric,
        compare,
        dimensions,
    )
    return (cards, *charts, summary, alert, *links)


def update_kpis(
    session_id: str | None,
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    compare: str | None = None,
    granularity: str | None = None,
    dimensions: dict[str, list[str]] | None = None,
) -> tuple:
    """KPI cards, the filter summary, the alert and the data download links; with
    ``compare`` the cards compare with that period (weekday-aligned for daily and weekly
    series, as the chart draws it)."""
    filters = Filters.from_inputs(start, end, categories, sku_query, dimensions)
    try:
        view = load_view(store(), session_id or "", filters)
    except FilterError as error:
        return (
            [],
            "",
            dbc.Alert(str(error), color="warning", className="mb-3"),
            "#",
            "#",
        )
    if view is None:
        return [], "", dbc.Alert(EXPIRED, color="secondary", className="mb-3"), "#", "#"
    currency = view.dataset.meta.get("currency") or "$"
    rows = view.rows
    links = download_links(view)[:2]
    summary = _summary(view)
    if rows.empty:
        return (
            [html.Div(NO_MATCH, className="text-muted")],
            summary,
            dbc.Alert(NO_MATCH, color="info", className="mb-3"),
            *links,
        )
    comparison = view_comparison(view, compare, granularity or choose_granularity(rows))
    cards = kpi_cards(
        view.history,
        rows,
        start=filters.start,
        end=filters.end,
        previous=comparison.rows
        if comparison is not None and comparison.covered
        else None,
    )
    if comparison is not None:
        _compare_cards(cards, comparison)
    elif compare == "off":
        _no_comparison(cards)
    return kpi_row(cards, currency, orders=order_figures(rows)), summary, None, *links


def _no_comparison(cards: dict) -> None:
    """The cards show their figures without a change ("No comparison" chosen, or no
    data for the compared period)."""
    cards["comparison"]["available"] = False
    for card in cards.values():
        if isinstance(card, dict) and "previous" in card:
            card["previous"] = None


def _compare_cards(cards: dict, comparison: Comparison) -> None:
    """Name the compared period on the cards; without data for it, compare nothing."""
    cards["comparison"].update(
        available=comparison.covered,
        previous_start=f"{comparison.previous_start:%Y-%m-%d}",
        previous_end=f"{comparison.previous_end:%Y-%m-%d}",
        label=comparison.label,
    )
    if not comparison.covered:
        _no_comparison(cards)


def update_charts(
    session_id: str | None,
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    granularity: str | None,
    sku_metric: str | None,
    pareto_metric: str | None,
    compare: str | None = None,
    dimensions: dict[str, list[str]] | None = None,
) -> tuple:
    """The six charts of the overview for the view; with ``compare`` the time series
    also draws the comparison period."""
    filters = Filters.from_inputs(start, end, categories, sku_query, dimensions)
    try:
        view = load_view(store(), session_id or "", filters)
    except FilterError as error:
        return (empty_figure(str(error)),) * len(CHART_OUTPUTS)
    if view is None:
        return (empty_figure(EXPIRED),) * len(CHART_OUTPUTS)
    currency = view.dataset.meta.get("currency") or "$"
    rows = view.rows
    if rows.empty:
        return (empty_figure(NO_MATCH),) * len(CHART_OUTPUTS)
    used, series = timeseries(rows, granularity or None)
    comparison = view_comparison(view, compare, used)
    compared_series = None
    if comparison is not None and comparison.covered and len(comparison.rows):
        compared_series = timeseries(comparison.rows, used)[1]
    margins = margins_of(series)
    has_categories = bool(rows[CATEGORY].notna().any())
    categories_fig = category_figure(
        breakdown(rows, by=CATEGORY)
        if has_categories
        else rows.iloc[0:0].assign(category=[]),
        currency,
    )
    metric = sku_metric if sku_metric in ("revenue", "profit") else "revenue"
    if metric == PROFIT and not rows[PROFIT].notna().any():
        metric = "revenue"
    per_sku = sku_totals(rows)  # one pass for the SKU bars and the Pareto chart
    top, bottom = rank_skus(per_sku, n=10, by=metric)
    pareto_by = pareto_metric if pareto_metric in ("revenue", "profit") else "revenue"
    return (
        timeseries_figure(
            series,
            used,
            currency,
            compared_series,
            "" if comparison is None else comparison.label,
        ),
        margin_figure(margins, used),
        categories_fig,
        sku_bars_figure(top, bottom, metric, currency),
        pareto_figure(pareto_classes(per_sku, by=pareto_by), pareto_by, currency),
        seasonality_figure(seasonality(rows)),
    )


def _summary(view: View) -> str:
    total = len(view.dataset.frame)
    shown = len(view.rows)
    if not view.filters.active:
        return f"Showing all {format_number(total)} rows."
    return f"Showing {format_number(shown)} of {format_number(total)} rows · {view.filters.describe()}."


def download_links(view: View, min_sales: int | None = None) -> list[str]:
    """Data CSV/XLSX and SKU ranking CSV/XLSX links under the view's filters; the ranking
    links also hide SKUs with fewer than ``min_sales`` sales, as the table does."""
    sid = view.dataset.meta["session_id"]
    query = filter_params(view.filters)
    suffix = f"?{urlencode(query)}" if query else ""
    if min_sales is not None:
        query.append(("min_sales", str(min_sales)))
    ranking = f"?{urlencode(query)}" if query else ""
    return [
        f"/api/export/{sid}/data.csv{suffix}",
        f"/api/export/{sid}/data.xlsx{suffix}",
        f"/api/export/{sid}/skus.csv{ranking}",
        f"/api/export/{sid}/skus.xlsx{ranking}",
    ]


def filter_params(filters: Filters) -> list[tuple[str, str]]:
    """The filters as query parameters of ``/api/data`` and the exports: ``start``,
    ``end``, ``category``, ``sku`` and one ``filter=Column:value`` per chosen value."""
    params = [
        (k, v)
        for k, v in (
            ("start", filters.start),
            ("end", filters.end),
            ("category", ",".join(filters.categories)),
            ("sku", filters.sku_query),
        )
        if v
    ]
    params += [
        ("filter", f"{column}:{join_filter_values([value])}")
        for column, values in filters.dimensions
        for value in values
    ]
    return params


# -- the selection in the page's address ---------------------------------------------------

#: Query parameters of the dashboard's address this page reads and writes.
STATE_PARAMS = {"start", "end", "category", "sku", "filter", "by", "compare"}
COMPARE_CHOICES = {"off", "previous_period", "year_ago"}


def parse_search(search: str | None) -> dict:
    """The selection in a dashboard address's query string (``?start=…&end=…&
    category=A,B&sku=…&filter=Column:v1,v2&by=Column&compare=year_ago``; ``filter``
    repeatable) as ``{start, end, categories, sku, dimensions: {column: [values]}, by,
    compare}``. A ``filter``
    without a column or values is left out."""
    state: dict = {"dimensions": {}}
    for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=False):
        value = value.strip()
        if key in ("start", "end") and value:
            state[key] = value[:10]
        elif key == "category":
            state["categories"] = [c.strip() for c in value.split(",") if c.strip()]
        elif key == "sku" and value:
            state["sku"] = value
        elif key == "by" and value:
            state["by"] = value
        elif key == "compare" and value in COMPARE_CHOICES:
            state["compare"] = value
        elif key == "filter":
            column, sep, values = value.partition(":")
            picked = split_filter_values(values)
            if sep and column.strip() and picked:
                chosen = state["dimensions"].setdefault(column.strip(), [])
                chosen.extend(v for v in picked if v not in chosen)
    return state


def state_search(
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    dimensions: dict[str, list[str]] | None,
    by: str | None,
    current: str | None = None,
    compare: str | None = None,
) -> str:
    """The query string holding the selection; parameters of ``current`` this page
    does not own (such as ``v``) are kept."""
    kept = [
        (k, v)
        for k, v in parse_qsl((current or "").lstrip("?"), keep_blank_values=True)
        if k not in STATE_PARAMS
    ]
    filters = Filters.from_inputs(start, end, categories, sku_query, dimensions)
    params = [*kept, *filter_params(filters)]
    if by:
        params.append(("by", by))
    if compare in COMPARE_CHOICES and compare != DEFAULT_COMPARE:
        params.append(("compare", compare))
    return f"?{urlencode(params)}" if params else ""


def write_search(
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    dimensions: dict[str, list[str]] | None,
    by: str | None,
    compare: str | None,
    pathname: str | None,
    current: str | None,
) -> str:
    """Keep the dashboard's selection in its address (bookmarkable, reloadable)."""
    if not (pathname or "").startswith("/dashboard/"):
        raise PreventUpdate
    search = state_search(
        start, end, categories, sku_query, dimensions, by, current, compare
    )
    if search == (current or ""):
        raise PreventUpdate
    return search


# -- column filters and the breakdown --------------------------------------------------------

#: Values the breakdown table lists (largest revenue first); the API gives every value.
BREAKDOWN_ROWS = 500


def _chosen(values: list | None, value_ids: list | None) -> dict[str, list[str]]:
    return {
        item["column"]: list(chosen or [])
        for item, chosen in zip(value_ids or [], values or [], strict=False)
    }


def _dimension_rows(session_id: str | None, chosen: dict[str, list[str]]) -> list:
    dataset = cached_dataset(store(), session_id or "")
    return [
        dimension_filter_row(
            column,
            values,
            column_values(dataset, column)[:VALUE_OPTIONS_SHOWN] if dataset else [],
        )
        for column, values in chosen.items()
    ]


def edit_dimension_filters(
    add: str | None,
    _remove_clicks: list | None,
    bar_click: dict | None,
    _clear_clicks: int | None,
    values: list | None,
    value_ids: list | None,
    by: str | None,
    session_id: str | None,
) -> tuple:
    """Add a column filter (the "Add filter" picker, or a clicked breakdown bar, which
    also picks that value), remove one, or clear them all; returns the filter rows,
    the chosen values and a reset picker."""
    trigger = triggered_id()
    chosen = _chosen(values, value_ids)
    if trigger == ids.FILTER_ADD:
        if not add:
            raise PreventUpdate
        chosen.setdefault(add, [])
    elif trigger == ids.BREAKDOWN_GRAPH:
        point = ((bar_click or {}).get("points") or [{}])[0]
        value = point.get("customdata")
        if value is None or not by:
            raise PreventUpdate
        picked = chosen.setdefault(by, [])
        if str(value) not in picked:
            picked.append(str(value))
    elif trigger == ids.CLEAR_FILTERS:
        chosen = {}
    elif isinstance(trigger, dict) and trigger.get("type") == ids.DIM_REMOVE:
        if not any(_remove_clicks or []):
            raise PreventUpdate
        chosen.pop(trigger.get("column"), None)
    else:
        raise PreventUpdate
    return (
        _dimension_rows(session_id, chosen),
        {c: v for c, v in chosen.items() if v},
        None,
    )


def collect_dimension_values(values: list | None, value_ids: list | None) -> dict:
    """The column filters' chosen values as ``{column: [values]}``."""
    return {c: v for c, v in _chosen(values, value_ids).items() if v}


def search_column_values(
    search: str | None,
    chosen: list[str] | None,
    session_id: str | None,
    component_id: dict | None = None,
) -> list[dict]:
    """The values a column filter offers: those chosen, then those containing what
    the user types (ignoring case), at most ``VALUE_OPTIONS_SHOWN``."""
    if component_id is None:
        component_id = triggered_id() or {}
    dataset = cached_dataset(store(), session_id or "")
    if dataset is None or not isinstance(component_id, dict):
        raise PreventUpdate
    values = pd.Series(column_values(dataset, component_id.get("column", "")))
    if search:
        values = values[values.str.contains(search, case=False, regex=False)]
    offered = list(
        dict.fromkeys([*(chosen or []), *values.head(VALUE_OPTIONS_SHOWN).tolist()])
    )
    return [{"label": v, "value": v} for v in offered]


def update_breakdown(
    session_id: str | None,
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    by: str | None,
    dimensions: dict[str, list[str]] | None = None,
) -> tuple:
    """The breakdown chart and table: revenue, profit, margin, orders, lines and share
    of revenue per value of column ``by`` among the rows in view."""
    columns = [{"name": "Value", "id": "value", "type": "text"}]
    if not by:
        return empty_figure("No column to break down by."), columns, [], ""
    filters = Filters.from_inputs(start, end, categories, sku_query, dimensions)
    try:
        view = load_view(store(), session_id or "", filters)
        if view is None:
            return empty_figure(EXPIRED), columns, [], ""
        if view.rows.empty:
            message = "No rows match these filters."
            return empty_figure(message), columns, [], message
        result = dimension_breakdown(view, [by], limit=BREAKDOWN_ROWS)
    except (FilterError, QueryError) as error:
        return empty_figure(str(error)), columns, [], str(error)
    currency = view.dataset.meta.get("currency") or "$"
    group = result.columns[0]
    records = [{"value": row[group], **row} for row in result.rows]
    for record in records:
        record.pop(group, None)
        if record["value"] is None:
            record["value"] = "(blank)"
    shown = [m for m in BREAKDOWN_COLUMNS if m[0] in result.units]
    columns += [
        {
            "name": f"{label} ({currency})" if result.units[key] == "money" else label,
            "id": key,
            "type": "numeric",
            "format": fmt,
        }
        for key, label, fmt in shown
    ]
    frame = pd.DataFrame(records)
    bars = frame.rename(columns={"value": "category"}).assign(
        profit=frame["profit"] if "profit" in frame else float("nan")
    )
    figure = category_figure(bars, currency, limit=20)
    note = " ".join(result.notes)
    if result.groups > 20:
        note = f"The chart shows the 20 largest of {result.groups:,} values. {note}"
    return figure, columns, records, note.strip()


# -- KPI cards -------------------------------------------------------------------------------

#: For these figures a rise is bad news (shown in red).
RISE_IS_BAD = {"total_cost"}


def _change_note(card: dict, key: str, period_label: str) -> html.Span | None:
    change, direction = card.get("change"), card.get("direction")
    if card.get("previous") is None or direction is None:
        return None
    if key == "profit_margin":
        text = format_points(change)
    else:
        text = format_pct(change, signed=True) if change is not None else "new"
    arrow = {"up": "▲", "down": "▼", "flat": "■"}[direction]
    good = (direction == "up") != (key in RISE_IS_BAD)
    tone = (
        "text-muted"
        if direction == "flat"
        else ("text-success" if good else "text-danger")
    )
    return html.Span(
        [
            html.Span(f"{arrow} {text}", className=f"fw-semibold {tone}"),
            f" {period_label}",
        ]
    )


def kpi_row(cards: dict, currency: str, orders: dict | None = None) -> list:
    """The KPI cards; with ``orders`` (``analytics.query.order_figures``) holding a
    count, Orders and Average order value cards follow the lines (transactions)."""
    comparison = cards.get("comparison") or {}
    period_label = "vs previous period"
    if comparison.get("available") and comparison.get("previous_start"):
        said = f"{comparison['label']} " if comparison.get("label") else ""
        first, last = comparison["previous_start"], comparison["previous_end"]
        period_label = f"vs {said}{format_date(first)} – {format_date(last)}"

    def money(key: str, label: str, tone_by_sign: bool = False) -> object:
        card = cards[key]
        value = card["value"]
        tone = None
        if tone_by_sign and value is not None:
            tone = "success" if value >= 0 else "danger"
        return kpi_card(
            label,
            format_money(value, currency),
            tone=tone,
            note=_change_note(card, key, period_label),
            card_id=f"kpi-{key}",
        )

    margin = cards["profit_margin"]
    out = [
        money("total_revenue", "Total revenue"),
        money("total_cost", "Total cost"),
        money("gross_profit", "Gross profit", tone_by_sign=True),
        kpi_card(
            "Profit margin",
            format_pct(margin["value"]),
            tone=None
            if margin["value"] is None
            else ("success" if margin["value"] >= 0 else "danger"),
            note=_change_note(margin, "profit_margin", period_label),
            card_id="kpi-profit_margin",
        ),
        growth_card(cards.get("growth") or {}),
        kpi_card(
            "Transactions (lines)"
            if (orders or {}).get("orders") is not None
            else "Transactions",
            format_number(cards["transactions"]["value"]),
            note=_change_note(cards["transactions"], "transactions", period_label),
            card_id="kpi-transactions",
        ),
        *_order_cards(orders or {}, currency),
        money("avg_transaction_value", "Avg transaction"),
        kpi_card(
            "Active SKUs",
            format_number(cards["active_skus"]["value"]),
            note=_change_note(cards["active_skus"], "active_skus", period_label),
            card_id="kpi-active_skus",
        ),
    ]
    return out


def _order_cards(orders: dict, currency: str) -> list:
    if orders.get("orders") is None:
        return []
    repeat = orders.get("repeat_customers")
    customers = orders.get("customers")
    note = (
        f"{format_number(repeat)} of {format_number(customers)} customers ordered more "
        "than once"
        if repeat is not None and customers
        else None
    )
    return [
        kpi_card(
            "Orders",
            format_number(orders["orders"]),
            note=note,
            card_id="kpi-orders",
        ),
        kpi_card(
            "Avg order value",
            format_money(orders.get("avg_order_value"), currency),
            note="net revenue / orders",
            card_id="kpi-avg_order_value",
        ),
    ]


def growth_card(growth: dict) -> object:
    lines = []
    headline = "—"
    for key, label in (("mom", "Month on month"), ("yoy", "Year on year")):
        item = growth.get(key)
        if not item:
            continue
        change = item["revenue"].get("change")
        text = format_pct(change, signed=True) if change is not None else "—"
        if headline == "—":
            headline = text
        tone = (
            "" if change is None else ("text-success" if change >= 0 else "text-danger")
        )
        lines.append(
            html.Div(
                [
                    f"{label}: ",
                    html.Span(text, className=f"fw-semibold {tone}"),
                    f" ({format_month_span(item['period'])})",
                ]
            )
        )
    if not lines:
        lines = ["Needs at least two full months of history."]
    return kpi_card("Revenue growth", headline, note=lines, card_id="kpi-growth")


# -- SKU ranking table -----------------------------------------------------------------------

SORTABLE = {
    "rank",
    "sku",
    "score",
    "frequency_score",
    "price_score",
    "consistency_score",
    "transactions",
    "avg_amount",
    "revenue",
    "profit",
    "projected_score",
}


#: Text columns of the table sorted by the figure they stand for.
SORT_ALIASES = {"band_label": "score", "note": "transactions"}


def _min_sales(hide_few: bool | None, min_sales: object) -> int | None:
    """The "hide SKUs with fewer than N sales" switch as a number, or None when off.

    An empty or unusable N falls back to the few-sales mark (3).
    """
    if not hide_few:
        return None
    try:
        number = int(float(min_sales))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return FEW_SALES_BELOW
    return number if number >= 1 else FEW_SALES_BELOW


def update_sku_table(
    session_id: str | None,
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    page_current: int | None,
    sort_by: list[dict] | None,
    hide_few: bool | None = False,
    min_sales: object = None,
    dimensions: dict[str, list[str]] | None = None,
) -> tuple[list[dict], int, int, str, str, str]:
    """One page of the SKU ranking under the filters, sorted as asked, and the links
    to download the ranking as shown (CSV, XLSX).

    With the switch on, SKUs with fewer than ``min_sales`` sales are left out of the
    table; the others keep the scores and ranks computed among every SKU in view.
    """
    filters = Filters.from_inputs(start, end, categories, sku_query, dimensions)
    try:
        view = load_view(store(), session_id or "", filters)
    except FilterError:
        return [], 1, 0, "", "#", "#"
    if view is None:
        return [], 1, 0, "", "#", "#"
    scores = cached_sku_scores(store(), view)
    threshold = _min_sales(hide_few, min_sales)
    shown = hide_few_sales(scores, threshold)
    if triggered_id() not in (ids.SKU_TABLE, None):
        page_current = 0  # a filter changed: back to the first page
    page = int(page_current or 0)
    sort = (sort_by or [{"column_id": "rank", "direction": "asc"}])[0]
    column = SORT_ALIASES.get(sort["column_id"], sort["column_id"])
    column = column if column in SORTABLE else "rank"
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


# -- interactions ----------------------------------------------------------------------------


def filter_by_clicked_category(
    click: dict | None, current: list[str] | None
) -> list[str]:
    """Clicking a category bar filters to it (clicking it again keeps it)."""
    if not click or not click.get("points"):
        raise PreventUpdate
    category = click["points"][0].get("customdata") or click["points"][0].get("y")
    if category is None:
        raise PreventUpdate
    return [str(category)]


def clear_filters(n_clicks: int | None) -> tuple:
    if not n_clicks:
        raise PreventUpdate
    return None, None, [], ""


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
    warm_up()
    app.callback(
        *KPI_OUTPUTS,
        *FILTER_INPUTS,
        Input(ids.COMPARE, "value"),
        Input(ids.GRANULARITY, "value"),
        DIMENSIONS_INPUT,
        # the page arrives with its cards (callbacks.routing.fill_kpis)
        prevent_initial_call=True,
    )(update_kpis)
    app.callback(
        *CHART_OUTPUTS,
        *FILTER_INPUTS,
        Input(ids.GRANULARITY, "value"),
        Input(ids.SKU_BARS_METRIC, "value"),
        Input(ids.PARETO_METRIC, "value"),
        Input(ids.COMPARE, "value"),
        DIMENSIONS_INPUT,
    )(update_charts)
    app.callback(
        Output(ids.BREAKDOWN_GRAPH, "figure"),
        Output(ids.BREAKDOWN_TABLE, "columns"),
        Output(ids.BREAKDOWN_TABLE, "data"),
        Output(ids.BREAKDOWN_NOTE, "children"),
        *FILTER_INPUTS,
        Input(ids.BREAKDOWN_BY, "value"),
        DIMENSIONS_INPUT,
    )(update_breakdown)
    app.callback(
        Output(ids.FILTER_DIMS_BOX, "children"),
        Output(ids.FILTER_DIMENSIONS, "data"),
        Output(ids.FILTER_ADD, "value"),
        Input(ids.FILTER_ADD, "value"),
        Input({"type": ids.DIM_REMOVE, "column": ALL}, "n_clicks"),
        Input(ids.BREAKDOWN_GRAPH, "clickData"),
        Input(ids.CLEAR_FILTERS, "n_clicks"),
        State({"type": ids.DIM_VALUES, "column": ALL}, "value"),
        State({"type": ids.DIM_VALUES, "column": ALL}, "id"),
        State(ids.BREAKDOWN_BY, "value"),
        State(ids.SESSION_ID, "data"),
        prevent_initial_call=True,
    )(edit_dimension_filters)
    app.callback(
        Output(ids.FILTER_DIMENSIONS, "data", allow_duplicate=True),
        Input({"type": ids.DIM_VALUES, "column": ALL}, "value"),
        State({"type": ids.DIM_VALUES, "column": ALL}, "id"),
        prevent_initial_call=True,
    )(collect_dimension_values)
    app.callback(
        Output({"type": ids.DIM_VALUES, "column": MATCH}, "options"),
        Input({"type": ids.DIM_VALUES, "column": MATCH}, "search_value"),
        State({"type": ids.DIM_VALUES, "column": MATCH}, "value"),
        State(ids.SESSION_ID, "data"),
        prevent_initial_call=True,
    )(search_column_values)
    app.callback(
        Output(ids.URL, "search"),
        Input(ids.FILTER_DATES, "start_date"),
        Input(ids.FILTER_DATES, "end_date"),
        Input(ids.FILTER_CATEGORY, "value"),
        Input(ids.FILTER_SKU, "value"),
        DIMENSIONS_INPUT,
        Input(ids.BREAKDOWN_BY, "value"),
        Input(ids.COMPARE, "value"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(write_search)
    app.callback(
        Output(ids.SKU_TABLE, "data"),
        Output(ids.SKU_TABLE, "page_count"),
        Output(ids.SKU_TABLE, "page_current"),
        Output(ids.SKU_COUNT, "children"),
        Output(ids.DOWNLOAD_SKUS_CSV, "href"),
        Output(ids.DOWNLOAD_SKUS_XLSX, "href"),
        *FILTER_INPUTS,
        Input(ids.SKU_TABLE, "page_current"),
        Input(ids.SKU_TABLE, "sort_by"),
        Input(ids.SKU_HIDE_FEW, "value"),
        Input(ids.SKU_MIN_SALES, "value"),
        DIMENSIONS_INPUT,
    )(update_sku_table)
    app.callback(
        Output(ids.FILTER_CATEGORY, "value"),
        Input(ids.CATEGORY_GRAPH, "clickData"),
        State(ids.FILTER_CATEGORY, "value"),
        prevent_initial_call=True,
    )(filter_by_clicked_category)
    app.callback(
        Output(ids.FILTER_DATES, "start_date"),
        Output(ids.FILTER_DATES, "end_date"),
        Output(ids.FILTER_CATEGORY, "value", allow_duplicate=True),
        Output(ids.FILTER_SKU, "value"),
        Input(ids.CLEAR_FILTERS, "n_clicks"),
        prevent_initial_call=True,
    )(clear_filters)
    app.callback(
        Output(ids.SKU_SELECTED, "data"),
        Input(ids.SKU_TABLE, "active_cell"),
        Input(ids.SKU_BARS_GRAPH, "clickData"),
        Input(ids.PARETO_GRAPH, "clickData"),
        prevent_initial_call=True,
    )(select_sku)
