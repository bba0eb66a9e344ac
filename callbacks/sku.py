"""SKU drill-down: why a SKU ranks where it does, its score trend and its transactions."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from analytics.forecast import ForecastError, sku_score_forecast
from analytics.formatting import format_money, format_number
from analytics.metrics import FilterError, UnknownSkuError, sku_history, sku_summary
from callbacks.context import store
from callbacks.filters import FILTERS_STATE, filters_of
from components import ids
from components.figures import graph_config
from components.sku_figures import sku_history_figure, sku_score_figure
from services.views import cached_monthly_scores, load_view

BAND_COLORS = {"green": "success", "amber": "warning", "red": "danger"}
COMPONENT_LABELS = {
    "frequency": "Frequency",
    "price": "Price",
    "consistency": "Consistency",
}


def show_sku_detail(
    sku: str | None,
    session_id: str | None,
    filters: dict | None,
) -> tuple[bool, object, str]:
    """Open the side panel for ``sku`` under the current filters."""
    if not sku:
        raise PreventUpdate
    try:
        view = load_view(
            store(),
            session_id or "",
            filters_of(filters),
        )
    except FilterError as error:
        return True, dbc.Alert(str(error), color="warning"), sku
    if view is None:
        return True, dbc.Alert("This session has expired.", color="secondary"), sku
    currency = view.dataset.meta.currency_symbol
    try:
        summary = sku_summary(view.rows, sku, currency)
        history = sku_history(view.rows, sku)
    except UnknownSkuError as error:
        return True, dbc.Alert(str(error), color="info"), sku
    monthly = cached_monthly_scores(store(), view)
    try:
        trend = sku_score_forecast(monthly, sku, periods=3)
    except ForecastError:
        trend = {
            "history": [],
            "projection": [],
            "message": "No monthly scores for this SKU.",
        }

    components = summary["components"]
    body = [
        html.Div(
            [
                dbc.Badge(
                    f"{summary['score']:.1f} · {summary['band_label']}",
                    color=BAND_COLORS[summary["band"]],
                    className="fs-5 me-2",
                ),
                html.Span(
                    f"rank {format_number(summary['rank'])} of {format_number(summary['of'])}",
                    className="text-muted",
                ),
                html.Span(
                    f" · few sales ({format_number(len(history))}): "
                    "the score rests on little evidence",
                    className="text-muted fst-italic small",
                )
                if summary["few_sales"]
                else None,
            ],
            className="mb-2",
        ),
        html.P(summary["explanation"], className="small"),
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th("Component"),
                            html.Th("Score"),
                            html.Th("Median SKU"),
                            html.Th("Points vs median"),
                        ]
                    )
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Td(
                                    f"{COMPONENT_LABELS[name]} ({int(c['weight'] * 100)}%)"
                                ),
                                html.Td(f"{c['score']:.2f}"),
                                html.Td(f"{c['median_score']:.2f}"),
                                html.Td(
                                    f"{c['impact']:+.1f}",
                                    className="text-success"
                                    if c["impact"] >= 0
                                    else "text-danger",
                                ),
                            ]
                        )
                        for name, c in components.items()
                    ]
                ),
            ],
            size="sm",
            className="small mb-3",
        ),
        html.Div(
            [
                html.Div(
                    [
                        html.Div("Revenue", className="text-muted small"),
                        html.Div(
                            format_money(history["revenue"].sum(), currency),
                            className="fw-bold",
                        ),
                    ]
                ),
                html.Div(
                    [
                        html.Div("Transactions", className="text-muted small"),
                        html.Div(format_number(len(history)), className="fw-bold"),
                    ]
                ),
                html.Div(
                    [
                        html.Div("Profit", className="text-muted small"),
                        html.Div(
                            format_money(history["profit"].sum(min_count=1), currency),
                            className="fw-bold",
                        ),
                    ]
                ),
            ],
            className="d-flex gap-4 mb-3",
        ),
        html.H3("Score by month", className="h6 fw-semibold"),
        dcc.Graph(
            figure=sku_score_figure(trend["history"], trend["projection"]),
            config=graph_config(),
            id="sku-score-graph",
        ),
        html.P(trend.get("message") or "", className="small text-muted"),
        html.H3("Transactions", className="h6 fw-semibold mt-2"),
        dcc.Graph(
            figure=sku_history_figure(history, currency),
            config=graph_config(),
            id="sku-history-graph",
        ),
    ]
    return True, body, f"SKU {sku}"


def register(app: Dash) -> None:
    app.callback(
        Output(ids.SKU_DETAIL, "is_open"),
        Output(ids.SKU_DETAIL_BODY, "children"),
        Output(ids.SKU_DETAIL, "title"),
        Input(ids.SKU_SELECTED, "data"),
        State(ids.SESSION_ID, "data"),
        FILTERS_STATE,
        prevent_initial_call=True,
    )(show_sku_detail)
