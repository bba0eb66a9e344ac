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
FONT = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
)

#: A small template of our own: Plotly's built-in ones are large, and validating one costs
#: ~30 ms per figure, most of a dashboard update.
LIGHT_TEMPLATE = go.layout.Template(
    layout={
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997"],
        "xaxis": {
            "gridcolor": "#f3f4f6",
            "linecolor": "#ced4da",
            "zeroline": False,
            "automargin": True,
        },
        "yaxis": {"gridcolor": "#eef0f3", "linecolor": "#ced4da", "automargin": True},
        "hoverlabel": {"align": "left"},
    }
)


def new_figure(data: object = None) -> go.Figure:
    """An empty figure on the light template (never Plotly's default one)."""
    return go.Figure(data=data, layout={"template": LIGHT_TEMPLATE})


def subplots(**kwargs: object) -> go.Figure:
    """``make_subplots`` on the light template."""
    from plotly.subplots import make_subplots

    return make_subplots(figure=new_figure(), **kwargs)


def base_layout(fig: go.Figure, *, height: int = 360) -> go.Figure:
    """Common look: white background, light grid, legend on top, compact margins."""
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 12},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="x unified",
        separators=".,",
    )
    fig.update_yaxes(
        tickformat=",.0f", gridcolor="#eef0f3", zeroline=True, zerolinecolor="#ced4da"
    )
    return fig


def empty_figure(message: str, *, height: int = 360) -> go.Figure:
    """A blank chart that says why it is blank."""
    fig = new_figure()
    fig.add_annotation(
        text=message,
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 14, "color": COLORS["muted"]},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


PERIOD_HOVER = {
    "day": "%d %b %Y",
    "week": "week of %d %b %Y",
    "month": "%b %Y",
    "quarter": "%b %Y",
}


def timeseries_figure(
    series: pd.DataFrame, granularity: str, currency: str = "$"
) -> go.Figure:
    """Revenue, cost and profit per period (lines; profit as bars when periods are few)."""
    if series.empty:
        return empty_figure("No dated rows to chart. Map a date column to see trends.")
    fig = new_figure()
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
                line={
                    "color": COLORS[column],
                    "width": 2.5 if column == "revenue" else 2,
                },
                hovertemplate=f"{column.capitalize()}: {currency}%{{y:,.2f}}<extra></extra>",
            )
        )
    base_layout(fig)
    fig.update_xaxes(hoverformat=hover, gridcolor="#f3f4f6")
    fig.update_yaxes(tickprefix=currency)
    return fig


def margin_figure(margins: pd.DataFrame, granularity: str) -> go.Figure:
    """Profit margin per period (``period``, ``margin`` as a fraction)."""
    known = margins.loc[margins["margin"].notna()]
    if known.empty:
        return empty_figure(
            "No cost or profit figures: map a cost or profit column to see margins.",
            height=300,
        )
    colors = [COLORS["profit"] if m >= 0 else COLORS["loss"] for m in known["margin"]]
    fig = new_figure(
        go.Scatter(
            x=known["period"],
            y=known["margin"],
            mode="lines+markers" if len(known) <= 60 else "lines",
            line={"color": COLORS["profit"], "width": 2},
            marker={"color": colors},
            name="Margin",
            hovertemplate="Margin: %{y:.1%}<extra></extra>",
        )
    )
    base_layout(fig, height=300)
    fig.update_yaxes(tickformat=".0%", tickprefix="")
    fig.update_xaxes(hoverformat=PERIOD_HOVER.get(granularity, "%d %b %Y"))
    fig.update_layout(showlegend=False)
    return fig


def category_figure(
    totals: pd.DataFrame, currency: str = "$", limit: int = 15
) -> go.Figure:
    """Horizontal bars of revenue and profit per category, largest revenue on top."""
    if totals.empty:
        return empty_figure("No category column: map one to compare categories.")
    top = totals.head(limit).iloc[::-1]
    fig = new_figure()
    fig.add_trace(
        go.Bar(
            y=top["category"],
            x=top["revenue"],
            name="Revenue",
            orientation="h",
            marker_color=COLORS["revenue"],
            customdata=top["category"],
            hovertemplate=f"%{{y}}<br>Revenue: {currency}%{{x:,.2f}}<extra></extra>",
        )
    )
    if top["profit"].notna().any():
        fig.add_trace(
            go.Bar(
                y=top["category"],
                x=top["profit"],
                name="Profit",
                orientation="h",
                marker_color=[
                    COLORS["profit"] if p >= 0 else COLORS["loss"]
                    for p in top["profit"].fillna(0)
                ],
                customdata=top["category"],
                hovertemplate=f"%{{y}}<br>Profit: {currency}%{{x:,.2f}}<extra></extra>",
            )
        )
    base_layout(fig, height=max(300, 60 + 34 * len(top)))
    fig.update_layout(barmode="group", hovermode="closest", clickmode="event")
    fig.update_xaxes(tickprefix=currency, tickformat="~s")
    fig.update_yaxes(tickprefix="", tickformat="", automargin=True)
    return fig


def sku_bars_figure(
    top: pd.DataFrame, bottom: pd.DataFrame, metric: str, currency: str = "$"
) -> go.Figure:
    """Best and worst SKUs by revenue or profit side by side; losses in red."""
    if top.empty:
        what = "profit" if metric == "profit" else "SKU"
        return empty_figure(f"No {what} figures to rank SKUs by.", height=460)
    fig = subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"Top {len(top)}", f"Bottom {len(bottom)}"),
        horizontal_spacing=0.28,
    )
    for col, frame in ((1, top.iloc[::-1]), (2, bottom.iloc[::-1])):
        values = frame[metric]
        fig.add_trace(
            go.Bar(
                y=frame["sku"],
                x=values,
                orientation="h",
                showlegend=False,
                marker_color=[
                    COLORS["loss"]
                    if v < 0
                    else (
                        COLORS["revenue"] if metric == "revenue" else COLORS["profit"]
                    )
                    for v in values
                ],
                customdata=frame["sku"],
                hovertemplate=f"%{{y}}<br>{metric.capitalize()}: {currency}%{{x:,.2f}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
    base_layout(fig, height=460)
    fig.update_layout(hovermode="closest", margin={"l": 10, "r": 10, "t": 40, "b": 10})
    fig.update_xaxes(tickprefix=currency, tickformat="~s", nticks=4, tickangle=0)
    fig.update_yaxes(tickprefix="", tickformat="", automargin=True, type="category")
    return fig


def pareto_figure(
    pareto: pd.DataFrame, metric: str, currency: str = "$", limit: int = 60
) -> go.Figure:
    """SKUs sorted by value (bars coloured by ABC class) with the cumulative share line."""
    if pareto.empty or pareto["share"].isna().all():
        return empty_figure(
            f"No positive {metric} to build a Pareto chart from.", height=460
        )
    counts = pareto["class"].value_counts()
    shown = pareto.head(limit)
    class_colors = {"A": COLORS["revenue"], "B": "#6ea8fe", "C": "#adb5bd"}
    fig = new_figure()
    fig.add_trace(
        go.Bar(
            x=shown["sku"],
            y=shown["value"],
            name=metric.capitalize(),
            marker_color=[class_colors[c] for c in shown["class"]],
            customdata=shown["class"],
            hovertemplate=f"%{{x}} (class %{{customdata}})<br>{currency}%{{y:,.2f}}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=shown["sku"],
            y=shown["cumulative_share"],
            name="Cumulative share",
            yaxis="y2",
            mode="lines",
            line={"color": COLORS["cost"], "width": 2},
            hovertemplate="Cumulative: %{y:.1%}<extra></extra>",
        )
    )
    base_layout(fig, height=460)
    fig.update_layout(
        hovermode="closest",
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickformat": ".0%",
            "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0],
            "showgrid": False,
        },
        xaxis={"type": "category", "showticklabels": len(shown) <= 25},
        title={
            "text": " · ".join(f"{k}: {counts.get(k, 0):,} SKUs" for k in "ABC")
            + (f" (first {limit} shown)" if len(pareto) > limit else ""),
            "font": {"size": 12},
            "x": 0.01,
            "y": 0.98,
        },
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )
    fig.update_layout(yaxis={"tickprefix": currency, "tickformat": "~s"})
    return fig


def seasonality_figure(profiles: dict) -> go.Figure:
    """Month-of-year (and weekday) revenue index: 1.0 = a typical period."""
    month = profiles.get("month")
    if month is None or month["index"].notna().sum() == 0:
        return empty_figure("No dates: seasonality needs a date column.", height=300)
    weekday = profiles.get("weekday")
    cols = 2 if weekday is not None else 1
    fig = subplots(
        rows=1,
        cols=cols,
        column_widths=[0.65, 0.35] if cols == 2 else None,
        subplot_titles=("Month of year", "Weekday") if cols == 2 else None,
    )
    frames = [(1, month)] + ([(2, weekday)] if weekday is not None else [])
    for col, frame in frames:
        fig.add_trace(
            go.Bar(
                x=frame["label"],
                y=frame["index"],
                showlegend=False,
                marker_color=[
                    COLORS["revenue"] if (v or 0) >= 1 else "#9ec5fe"
                    for v in frame["index"].fillna(0)
                ],
                hovertemplate="%{x}: %{y:.2f}× a typical period<extra></extra>",
            ),
            row=1,
            col=col,
        )
    base_layout(fig, height=300)
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(tickformat=".1f", tickprefix="")
    fig.add_hline(y=1.0, line_dash="dot", line_color=COLORS["muted"])
    return fig


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
            hovertemplate="%{x|%b %Y}: %{y:.1f}<extra></extra>",
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
                hovertemplate="%{x|%b %Y}: %{y:.1f} (projected)<extra></extra>",
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
                f"%{{x|%d %b %Y}}<br>{currency}%{{y:,.2f}}"
                + ("<br>Quantity: %{customdata:,}" if has_qty else "")
                + "<extra></extra>"
            ),
            name="Transactions",
        )
    )
    base_layout(fig, height=260)
    fig.update_yaxes(tickprefix=currency)
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig
