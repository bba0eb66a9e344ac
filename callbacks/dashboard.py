"""Dashboard callbacks: KPI cards and charts from the session's stored data."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import Dash, Input, Output, html

from analytics.formatting import format_money, format_number, format_pct
from analytics.metrics import kpis, timeseries
from callbacks.context import store
from components import ids
from components.dashboard import kpi_card
from components.figures import empty_figure, timeseries_figure
from services.datasets import load_dataset

EXPIRED = "This session has expired. Upload the file again."


def update_overview(session_id: str | None, granularity: str | None) -> tuple[list, go.Figure]:
    """KPI cards and the revenue/cost/profit chart for a session."""
    dataset = load_dataset(store(), session_id or "")
    if dataset is None:
        return [html.Div(EXPIRED, className="text-muted")], empty_figure(EXPIRED)
    currency = dataset.meta.get("currency") or "$"
    figures = kpis(dataset.frame)
    cards = kpi_cards(figures, currency)
    used, series = timeseries(dataset.frame, granularity or None)
    return cards, timeseries_figure(series, used, currency)


def kpi_cards(figures: dict, currency: str) -> list:
    profit = figures["total_profit"]
    margin = figures["profit_margin"]
    span = (
        f"{figures['date_start']} to {figures['date_end']}" if figures["date_start"] else "No dates"
    )
    return [
        kpi_card("Total revenue", format_money(figures["total_revenue"], currency), note=span),
        kpi_card("Total cost", format_money(figures["total_cost"], currency),
                 note=None if figures["total_cost"] is not None else "No cost column"),
        kpi_card("Gross profit", format_money(profit, currency),
                 tone=None if profit is None else ("success" if profit >= 0 else "danger")),
        kpi_card("Profit margin", format_pct(margin),
                 tone=None if margin is None else ("success" if margin >= 0 else "danger")),
        kpi_card("Transactions", format_number(figures["transactions"])),
        kpi_card("Active SKUs", format_number(figures["sku_count"])),
    ]


def register(app: Dash) -> None:
    app.callback(
        Output(ids.KPI_ROW, "children"),
        Output(ids.TIMESERIES_GRAPH, "figure"),
        Input(ids.SESSION_ID, "data"),
        Input(ids.GRANULARITY, "value"),
    )(update_overview)
