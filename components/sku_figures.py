"""The SKU drill-down's figures: a SKU's monthly score with its projection, and its
transactions."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.formatting import d3_date_format
from components.figures import (
    COLORS,
    base_layout,
    empty_figure,
    money_axis,
    money_hover,
    new_figure,
)


def sku_score_figure(history: list[dict], projection: list[dict]) -> go.Figure:
    """A SKU's monthly score with its projection band."""
    if not history:
        return empty_figure("No dated transactions for a monthly score.", height=260)
    fig = new_figure()
    fig.add_trace(
        go.Scatter(
            x=[h["month"] for h in history],
            y=[h["score"] for h in history],
            name="Score",
            mode="lines+markers",
            line={"color": COLORS["revenue"], "width": 2},
            hovertemplate=f"%{{x|{d3_date_format('month')}}}: %{{y:.1f}}<extra></extra>",
        )
    )
    if projection:
        months = [p["month"] for p in projection]
        fig.add_trace(
            go.Scatter(
                x=months + months[::-1],
                y=[p["upper"] for p in projection]
                + [p["lower"] for p in projection][::-1],
                fill="toself",
                fillcolor="rgba(13,110,253,0.12)",
                line={"width": 0},
                name="80% band",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[history[-1]["month"]] + months,
                y=[history[-1]["score"]] + [p["score"] for p in projection],
                name="Projection",
                mode="lines+markers",
                line={"color": COLORS["revenue"], "dash": "dash"},
                hovertemplate=(
                    f"%{{x|{d3_date_format('month')}}}: %{{y:.1f}} (projected)"
                    "<extra></extra>"
                ),
            )
        )
    base_layout(fig, height=260)
    fig.update_yaxes(range=[0, 100], tickformat=".0f", tickprefix="")
    fig.update_layout(hovermode="closest")
    return fig


def sku_history_figure(history: pd.DataFrame, currency: str = "$") -> go.Figure:
    """A SKU's transactions: amount per line over time, sized by quantity when known."""
    dated = history.loc[history["date"].notna()]
    if dated.empty:
        return empty_figure("No dated transactions for this SKU.", height=260)
    has_qty = dated["quantity"].notna().any()
    fig = new_figure(
        go.Scatter(
            x=dated["date"],
            y=dated["revenue"],
            mode="markers",
            marker={
                "color": [
                    COLORS["loss"] if v < 0 else COLORS["revenue"]
                    for v in dated["revenue"]
                ],
                "size": 7,
                "opacity": 0.75,
            },
            customdata=dated["quantity"].fillna(0) if has_qty else None,
            hovertemplate=(
                f"%{{x|{d3_date_format('day')}}}<br>{money_hover('y', currency)}"
                + ("<br>Quantity: %{customdata:,}" if has_qty else "")
                + "<extra></extra>"
            ),
            name="Transactions",
        )
    )
    base_layout(fig, height=260)
    fig.update_yaxes(**money_axis(currency))
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig
