"""Plotly figure builders shared by the dashboard's charts."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

COLORS = {
    "revenue": "#0d6efd",
    "cost": "#fd7e14",
    "profit": "#198754",
    "loss": "#dc3545",
    "muted": "#6c757d",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def base_layout(fig: go.Figure, *, height: int = 360) -> go.Figure:
    """Common look: white background, light grid, legend on top, compact margins."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 12},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="x unified",
        separators=".,",
    )
    fig.update_yaxes(tickformat=",.0f", gridcolor="#eef0f3", zeroline=True, zerolinecolor="#ced4da")
    return fig


def empty_figure(message: str, *, height: int = 360) -> go.Figure:
    """A blank chart that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
        font={"size": 14, "color": COLORS["muted"]},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template="plotly_white", height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


PERIOD_HOVER = {"day": "%d %b %Y", "week": "week of %d %b %Y", "month": "%b %Y", "quarter": "%b %Y"}


def timeseries_figure(series: pd.DataFrame, granularity: str, currency: str = "$") -> go.Figure:
    """Revenue, cost and profit per period (lines; profit as bars when periods are few)."""
    if series.empty:
        return empty_figure("No dated rows to chart. Map a date column to see trends.")
    fig = go.Figure()
    x = series["period"]
    hover = PERIOD_HOVER.get(granularity, "%d %b %Y")
    for column in ("revenue", "cost", "profit"):
        values = series[column]
        if values.notna().sum() == 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                name=column.capitalize(),
                mode="lines+markers" if len(series) <= 60 else "lines",
                line={"color": COLORS[column], "width": 2.5 if column == "revenue" else 2},
                hovertemplate=f"{column.capitalize()}: {currency}%{{y:,.2f}}<extra></extra>",
            )
        )
    base_layout(fig)
    fig.update_xaxes(hoverformat=hover, gridcolor="#f3f4f6")
    fig.update_yaxes(tickprefix=currency)
    return fig
