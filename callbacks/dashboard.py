"""Dashboard callbacks: every KPI, chart and the SKU table follow the filters."""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, html

from analytics.formatting import (
    format_number,
)
from analytics.metrics import (
    FilterError,
)
from analytics.query import QueryError
from callbacks.context import store
from callbacks.filters import VIEW_INPUTS, download_links, filters_of
from callbacks.kpis import kpi_row
from components import ids
from components.dashboard import BREAKDOWN_COLUMNS
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
from services.overview import Overview
from services.views import (
    Comparison,
    View,
    dimension_breakdown,
    load_view,
)

logger = logging.getLogger(__name__)

EXPIRED = "This session has expired. Upload the file again to rebuild the dashboard."
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
    filters: dict | None,
    granularity: str | None,
    sku_metric: str | None,
    pareto_metric: str | None,
    compare: str | None = None,
) -> tuple:
    """KPI cards, every chart, the filter summary and download links for the view;
    ``compare`` (``previous_period``, ``year_ago``, ``off``) draws the comparison period
    on the time series and makes the KPI cards compare with it.

    The page gets these from two callbacks, ``update_kpis`` (fast: the figures a person
    reads first) and ``update_charts``; both share one filtered view per filter change.
    """
    cards, summary, alert, *links = update_kpis(
        session_id, filters, compare, granularity
    )
    charts = update_charts(
        session_id, filters, granularity, sku_metric, pareto_metric, compare
    )
    return (cards, *charts, summary, alert, *links)


def update_kpis(
    session_id: str | None,
    filters: dict | None,
    compare: str | None = None,
    granularity: str | None = None,
) -> tuple:
    """KPI cards, the filter summary, the alert and the data download links; with
    ``compare`` the cards compare with that period (weekday-aligned for daily and weekly
    series, as the chart draws it)."""
    filters = filters_of(filters)
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
    currency = view.dataset.meta.currency_symbol
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
    overview = Overview(view, granularity)
    comparison = overview.comparison(compare)
    cards = overview.kpi_cards(comparison)
    if comparison is not None:
        _compare_cards(cards, comparison)
    elif compare == "off":
        _no_comparison(cards)
    return kpi_row(cards, currency, orders=overview.orders), summary, None, *links


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
    filters: dict | None,
    granularity: str | None,
    sku_metric: str | None,
    pareto_metric: str | None,
    compare: str | None = None,
) -> tuple:
    """The six charts of the overview for the view; with ``compare`` the time series
    also draws the comparison period."""
    filters = filters_of(filters)
    try:
        view = load_view(store(), session_id or "", filters)
    except FilterError as error:
        return (empty_figure(str(error)),) * len(CHART_OUTPUTS)
    if view is None:
        return (empty_figure(EXPIRED),) * len(CHART_OUTPUTS)
    currency = view.dataset.meta.currency_symbol
    rows = view.rows
    if rows.empty:
        return (empty_figure(NO_MATCH),) * len(CHART_OUTPUTS)
    overview = Overview(view, granularity)
    used, series = overview.freq, overview.series
    comparison = overview.comparison(compare)
    compared_series = overview.compared_series(comparison)
    by_category = overview.by_category
    categories_fig = category_figure(
        by_category if by_category is not None else rows.iloc[0:0].assign(category=[]),
        currency,
    )
    metric = overview.sku_metric(sku_metric)
    top, bottom = overview.top_bottom(metric, n=10)
    pareto_by = pareto_metric if pareto_metric in ("revenue", "profit") else "revenue"
    return (
        timeseries_figure(
            series,
            used,
            currency,
            compared_series,
            "" if comparison is None else comparison.label,
        ),
        margin_figure(overview.margins, used),
        categories_fig,
        sku_bars_figure(top, bottom, metric, currency),
        pareto_figure(overview.pareto(pareto_by), pareto_by, currency),
        seasonality_figure(overview.seasonality),
    )


def _summary(view: View) -> str:
    total = len(view.dataset.frame)
    shown = len(view.rows)
    if not view.filters.active:
        return f"Showing all {format_number(total)} rows."
    return f"Showing {format_number(shown)} of {format_number(total)} rows · {view.filters.describe()}."


# -- the selection in the page's address ---------------------------------------------------


# -- column filters and the breakdown --------------------------------------------------------

#: Values the breakdown table lists (largest revenue first); the API gives every value.
BREAKDOWN_ROWS = 500


def update_breakdown(
    session_id: str | None,
    filters: dict | None,
    by: str | None,
) -> tuple:
    """The breakdown chart and table: revenue, profit, margin, orders, lines and share
    of revenue per value of column ``by`` among the rows in view."""
    columns = [{"name": "Value", "id": "value", "type": "text"}]
    if not by:
        return empty_figure("No column to break down by."), columns, [], ""
    filters = filters_of(filters)
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
    currency = view.dataset.meta.currency_symbol
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


# -- SKU ranking table -----------------------------------------------------------------------


# -- interactions ----------------------------------------------------------------------------


def register(app: Dash) -> None:
    warm_up()
    app.callback(
        *KPI_OUTPUTS,
        *VIEW_INPUTS,
        Input(ids.COMPARE, "value"),
        Input(ids.GRANULARITY, "value"),
        # the page arrives with its cards (callbacks.routing.fill_kpis)
        prevent_initial_call=True,
    )(update_kpis)
    app.callback(
        *CHART_OUTPUTS,
        *VIEW_INPUTS,
        Input(ids.GRANULARITY, "value"),
        Input(ids.SKU_BARS_METRIC, "value"),
        Input(ids.PARETO_METRIC, "value"),
        Input(ids.COMPARE, "value"),
    )(update_charts)
    app.callback(
        Output(ids.BREAKDOWN_GRAPH, "figure"),
        Output(ids.BREAKDOWN_TABLE, "columns"),
        Output(ids.BREAKDOWN_TABLE, "data"),
        Output(ids.BREAKDOWN_NOTE, "children"),
        *VIEW_INPUTS,
        Input(ids.BREAKDOWN_BY, "value"),
    )(update_breakdown)
