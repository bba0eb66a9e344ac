"""The forecast card: controls, progress/cancel, the forecast chart and its backtest."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from analytics.forecast import MODEL_LABELS
from analytics.formatting import d3_date_format, format_number, format_pct
from components import ids
from components.cards import labelled_field
from components.figures import (
    COLORS,
    base_layout,
    empty_figure,
    graph_config,
    money_axis,
    money_hover,
    new_figure,
)

PERIOD_WORDS = {
    "daily": "days",
    "weekly": "weeks",
    "monthly": "months",
    "quarterly": "quarters",
}


#: The "By" selector's first choice: one forecast of the whole business.
BY_TOTAL = [{"label": "Total", "value": "total"}]
#: Groups a forecast by SKU / dimension shows on the card (the API gives up to 200).
BY_LIMIT = 8
#: Line colours of the groups, in order of size.
GROUP_COLORS = (
    "#0d6efd",
    "#fd7e14",
    "#198754",
    "#6f42c1",
    "#dc3545",
    "#20c997",
    "#6c757d",
    "#d63384",
)


def by_options(choices: list[tuple[str, str]]) -> list[dict]:
    """The "By" selector's options: Total, then ``(value, label)`` per column."""
    return BY_TOTAL + [{"label": label, "value": value} for value, label in choices]


def forecast_card(has_profit: bool) -> dbc.Card:
    metric_options = [{"label": "Revenue", "value": "revenue"}]
    if has_profit:
        metric_options.append({"label": "Profit", "value": "profit"})
    controls = dbc.Row(
        [
            dbc.Col(
                _select(ids.FORECAST_METRIC, "Forecast", metric_options, "revenue"),
                xs=6,
                md=2,
            ),
            dbc.Col(
                # the data's SKU / category / dimensions are added when a session opens
                _select(ids.FORECAST_BY, "By", BY_TOTAL, "total"),
                xs=6,
                md=2,
            ),
            dbc.Col(
                _select(
                    ids.FORECAST_FREQ,
                    "Period",
                    [
                        {"label": "Automatic", "value": "auto"},
                        {"label": "Daily", "value": "daily"},
                        {"label": "Weekly", "value": "weekly"},
                        {"label": "Monthly", "value": "monthly"},
                        {"label": "Quarterly", "value": "quarterly"},
                    ],
                    "auto",
                ),
                xs=6,
                md=2,
            ),
            dbc.Col(
                labelled_field(
                    "Horizon (periods)",
                    dbc.Input(
                        id=ids.FORECAST_HORIZON,
                        type="number",
                        min=1,
                        max=1000,
                        step=1,
                        placeholder="Automatic",
                        size="sm",
                        debounce=True,
                    ),
                ),
                xs=6,
                md=2,
            ),
            dbc.Col(
                _select(
                    ids.FORECAST_MODEL,
                    "Model",
                    [
                        {"label": "Automatic (backtest)", "value": "best"},
                        *(
                            {"label": label, "value": name}
                            for name, label in MODEL_LABELS.items()
                        ),
                    ],
                    "best",
                ),
                xs=6,
                md=2,
            ),
            dbc.Col(
                html.Div(
                    [
                        dbc.Button(
                            "Cancel",
                            id=ids.FORECAST_CANCEL,
                            color="outline-secondary",
                            size="sm",
                            disabled=True,
                        ),
                        # shown when a forecast failed, timed out, was lost or cancelled
                        dbc.Button(
                            "Retry",
                            id=ids.FORECAST_RUN,
                            color="primary",
                            size="sm",
                            n_clicks=0,
                            className="d-none",
                        ),
                    ],
                    className="d-flex gap-2 justify-content-md-end",
                ),
                xs=12,
                md=2,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mb-2",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.H2("Forecast", className="h6 fw-semibold mb-0"),
                className="bg-white",
            ),
            dbc.CardBody(
                [
                    controls,
                    dbc.Progress(
                        id=ids.FORECAST_PROGRESS,
                        value=0,
                        label="",
                        striped=True,
                        animated=True,
                        className="mb-2 forecast-progress",
                        style={"height": "1.1rem"},
                    ),
                    dcc.Graph(
                        id=ids.FORECAST_GRAPH,
                        figure=empty_figure("Preparing the forecast…"),
                        config=graph_config(),
                        style={"minHeight": "360px"},
                    ),
                    html.Div(id=ids.FORECAST_INFO, className="small"),
                ],
                className="p-2 p-md-3",
            ),
        ],
        className="shadow-sm mb-4",
    )


def _select(component_id: str, label: str, options: list[dict], value: str) -> list:
    return labelled_field(
        label, dbc.Select(id=component_id, options=options, value=value, size="sm")
    )


def forecast_figure(result: dict[str, Any], currency: str = "$") -> go.Figure:
    """History, forecast line and its 80 % / 95 % bands."""
    history, points = result.get("history") or [], result.get("points") or []
    if not history:
        return empty_figure(result.get("message") or "No forecast for this data.")
    fig = new_figure()
    hover_x = f"%{{x|{d3_date_format('day')}}}"
    hx = [h["date"] for h in history]
    fig.add_trace(
        go.Scatter(
            x=hx,
            y=[h["y"] for h in history],
            name="Actual",
            mode="lines",
            line={"color": COLORS["revenue"], "width": 2},
            hovertemplate=f"{hover_x}: {money_hover('y', currency)}<extra>Actual</extra>",
        )
    )
    if points:
        px = [p["date"] for p in points]
        score = (result.get("backtest") or {}).get(result.get("model") or "") or {}
        for lower, upper, level, alpha in (
            ("yhat_lower", "yhat_upper", 95, 0.10),
            ("yhat_lower_80", "yhat_upper_80", 80, 0.18),
        ):
            name = f"{level}% band"
            if score.get("n_points"):
                name += f" ({score[f'inside_{level}']} of {score['n_points']} past values inside)"
            if points[0].get(lower) is None:
                continue
            fig.add_trace(
                go.Scatter(
                    x=px + px[::-1],
                    y=[p[upper] for p in points] + [p[lower] for p in points][::-1],
                    fill="toself",
                    mode="lines",
                    fillcolor=f"rgba(253,126,20,{alpha})",
                    line={"width": 0},
                    name=name,
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=[hx[-1], *px],
                y=[history[-1]["y"], *(p["yhat"] for p in points)],
                name="Forecast",
                mode="lines",
                line={"color": COLORS["cost"], "width": 2.5, "dash": "dash"},
                hovertemplate=(
                    f"{hover_x}: {money_hover('y', currency)}<extra>Forecast</extra>"
                ),
            )
        )
    base_layout(fig)
    fig.update_yaxes(**money_axis(currency))
    fig.update_layout(hovermode="closest")
    return fig


def _inside(score: dict[str, Any], level: int) -> str:
    """``24 of 30 (80%)``: backtest values inside the band, or the share alone."""
    share = score.get(f"coverage_{level}")
    if share is None:
        return "—"
    if score.get("n_points"):
        inside, points = score[f"inside_{level}"], score["n_points"]
        return (
            f"{format_number(inside)} of {format_number(points)} "
            f"({format_pct(share, decimals=0)})"
        )
    return format_pct(share, decimals=0)


def forecast_info(result: dict[str, Any]) -> list:
    """Which model, why, how far to trust it, and the backtest table."""
    if result.get("status") == "pending":
        return [html.Span(result.get("message", ""), className="text-muted")]
    model = result.get("model")
    status = result.get("status")
    tone = {
        "ready": "primary",
        "insufficient_history": "warning",
        "failed": "danger",
    }.get(status, "secondary")
    head = [
        dbc.Badge(MODEL_LABELS.get(model, "No model"), color=tone, className="me-2"),
        html.Span(result.get("model_reason") or "", className="text-muted"),
    ]
    out: list = [
        html.Div(head, className="mb-2"),
        html.P(result.get("message") or "", className="mb-2"),
    ]
    backtest = result.get("backtest") or {}
    if backtest:
        rows = []
        for name, score in sorted(
            backtest.items(), key=lambda kv: kv[1].get("mase") or 1e9
        ):
            error = score.get("mape")
            # MAPE and sMAPE are in percent already
            error_text = (
                format_pct(error / 100)
                if error is not None
                else (
                    f"{format_pct(score['smape'] / 100)} (sMAPE)"
                    if score.get("smape") is not None
                    else "—"
                )
            )
            rows.append(
                html.Tr(
                    [
                        html.Td(
                            [
                                MODEL_LABELS.get(name, name),
                                " ✓" if name == model else "",
                            ],
                            className="fw-semibold" if name == model else "",
                        ),
                        html.Td(format_number(score.get("mase"), decimals=2)),
                        html.Td(error_text),
                        html.Td(_inside(score, 80)),
                        html.Td(_inside(score, 95)),
                    ]
                )
            )
        out.append(
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th("Backtest"),
                                html.Th("MASE"),
                                html.Th("Avg error"),
                                html.Th("In 80% band"),
                                html.Th("In 95% band"),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                responsive=True,
                className="mb-1 backtest-table",
            )
        )
        out.append(
            html.Div(
                "MASE below 1 means more accurate than repeating last season. The default model is "
                "the ensemble (the mean of the statistical models) unless another had a lower MASE "
                "on the last periods of your history cut-off after cut-off, beyond chance (a tie "
                "goes to the simpler one); it is never worse than repeating last season. Bands are calibrated on the backtest's errors; the last two columns "
                "count the past values that fell inside them.",
                className="text-muted",
            )
        )
    return out


def forecast_by_figure(result: dict[str, Any], currency: str = "$") -> go.Figure:
    """One line per group: its recent history (solid) and forecast (dashed)."""
    groups = [g for g in result.get("groups") or [] if g.get("history")]
    if not groups:
        return empty_figure(result.get("message") or "No forecast for this data.")
    fig = new_figure()
    for group, color in zip(groups, GROUP_COLORS, strict=False):
        name = str(group["group"])
        history, points = group["history"], group.get("points") or []
        fig.add_trace(
            go.Scatter(
                x=[h["date"] for h in history],
                y=[h["y"] for h in history],
                name=name,
                legendgroup=name,
                mode="lines",
                line={"color": color, "width": 1.5},
                hovertemplate=f"%{{x}}: {currency}%{{y:,.2f}}<extra>{name}</extra>",
            )
        )
        if points:
            fig.add_trace(
                go.Scatter(
                    x=[history[-1]["date"], *(p["date"] for p in points)],
                    y=[history[-1]["y"], *(p["yhat"] for p in points)],
                    name=f"{name} (forecast)",
                    legendgroup=name,
                    showlegend=False,
                    mode="lines",
                    line={"color": color, "width": 2, "dash": "dash"},
                    hovertemplate=(
                        f"%{{x}}: {currency}%{{y:,.2f}}<extra>{name} forecast</extra>"
                    ),
                )
            )
    base_layout(fig)
    fig.update_yaxes(tickprefix=currency)
    fig.update_layout(hovermode="closest")
    return fig


def forecast_by_info(result: dict[str, Any], currency: str = "$") -> list:
    """The message and a table: each group's forecast against the same periods before."""
    groups = result.get("groups") or []
    out: list = [html.P(result.get("message", ""), className="small mb-2")]
    if not groups:
        return out
    words = PERIOD_WORDS.get(result.get("freq_label") or "", "periods")
    rows = []
    for g in groups:
        change = g.get("change")
        rows.append(
            html.Tr(
                [
                    html.Td(str(g["group"])),
                    html.Td(
                        "—"
                        if g.get("forecast_total") is None
                        else f"{currency}{g['forecast_total']:,.0f}"
                    ),
                    html.Td(
                        "—"
                        if g.get("compared_total") is None
                        else f"{currency}{g['compared_total']:,.0f} ({g['compared']})"
                    ),
                    html.Td("—" if change is None else f"{change:+.0%}"),
                    html.Td(
                        MODEL_LABELS.get(g.get("model") or "", "not enough history")
                    ),
                ]
            )
        )
    out.append(
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th(result.get("by", "")),
                            html.Th(f"Next {result.get('horizon')} {words}"),
                            html.Th("Same periods before"),
                            html.Th("Change"),
                            html.Th("Model"),
                        ]
                    )
                ),
                html.Tbody(rows),
            ],
            size="sm",
            bordered=False,
            responsive=True,
            className="mb-1",
        )
    )
    return out
