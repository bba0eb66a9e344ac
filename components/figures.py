"""Plotly figure builders shared by the dashboard's charts."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.formatting import (
    current_locale,
    d3_date_format,
    format_date,
    format_number,
    money_affixes,
    plotly_locale,
)

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

#: Chart colours of each theme (text, grid, axis lines, hover label): the page's own
#: Bootstrap colours, so a chart reads like the card around it.
THEME_COLORS = {
    "light": {
        "text": "#212529",
        "muted": "#595f65",
        "grid": "#eef0f3",
        "line": "#ced4da",
        "hover_bg": "#ffffff",
    },
    "dark": {
        "text": "#dee2e6",
        "muted": "#adb5bd",
        "grid": "#343a40",
        "line": "#6c757d",
        "hover_bg": "#2b3035",
    },
}


def chart_template(theme: str = "light") -> go.layout.Template:
    """A small template of our own per theme (Plotly's built-in ones are large, and
    validating one costs ~30 ms per figure, most of a dashboard update). Backgrounds are
    transparent: the card's colour shows through in both themes."""
    colors = THEME_COLORS[theme]
    axis = {
        "gridcolor": colors["grid"],
        "linecolor": colors["line"],
        "zerolinecolor": colors["line"],
        "tickcolor": colors["line"],
        "automargin": True,
    }
    return go.layout.Template(
        layout={
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"color": colors["text"]},
            "colorway": [
                "#0d6efd",
                "#fd7e14",
                "#198754",
                "#6f42c1",
                "#dc3545",
                "#20c997",
            ],
            "xaxis": {**axis, "zeroline": False},
            "yaxis": axis,
            "hoverlabel": {
                "align": "left",
                "bgcolor": colors["hover_bg"],
                "font": {"color": colors["text"]},
                "bordercolor": colors["line"],
            },
            "annotationdefaults": {"font": {"color": colors["muted"]}},
            "legend": {"font": {"color": colors["text"]}},
        }
    )


LIGHT_TEMPLATE = chart_template("light")
DARK_TEMPLATE = chart_template("dark")


def templates_json() -> str:
    """Both themes' templates as JSON, for the page script that swaps them when the
    reader's theme changes (``assets/theme.js``)."""
    return json.dumps(
        {
            "light": LIGHT_TEMPLATE.to_plotly_json(),
            "dark": DARK_TEMPLATE.to_plotly_json(),
        }
    )


GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


def graph_config(**extra: object) -> dict:
    """``dcc.Graph`` config in the current locale: Plotly writes axis numbers, month
    and day names the way the cards do (``analytics.formatting.plotly_locale``)."""
    where = current_locale()
    return {
        **GRAPH_CONFIG,
        **extra,
        "locale": where.tag,
        "locales": {where.tag: plotly_locale(where)},
    }


def money_hover(value: str, currency: str | None, decimals: int = 2) -> str:
    """Hover text of an amount: ``"$%{y:,.2f}"`` (en-US), ``"%{y:,.2f} €"`` (de-DE);
    Plotly writes the digits with the figure's ``separators``."""
    before, after = money_affixes(currency)
    return f"{before}%{{{value}:,.{decimals}f}}{after}"


def money_axis(currency: str | None) -> dict:
    """Tick prefix and suffix of a money axis in the current locale."""
    before, after = money_affixes(currency)
    return {"tickprefix": before, "ticksuffix": after}


def period_hover(granularity: str) -> str:
    """The hover date of a chart's periods, in the current locale's order and names."""
    if granularity in ("month", "quarter"):
        return d3_date_format("month")
    day = d3_date_format("day")
    return f"week of {day}" if granularity == "week" else day


def new_figure(data: object = None) -> go.Figure:
    """An empty figure on the light template (never Plotly's default one)."""
    return go.Figure(data=data, layout={"template": LIGHT_TEMPLATE})


def base_layout(fig: go.Figure, *, height: int = 360) -> go.Figure:
    """Common look: our template, legend on top, compact margins, the locale's
    separators."""
    fig.update_layout(
        template=LIGHT_TEMPLATE,
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 12},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="x unified",
        separators=current_locale().separators,
    )
    fig.update_yaxes(tickformat=",.0f", zeroline=True)
    return fig


def empty_figure(message: str, *, height: int = 360) -> go.Figure:
    """A blank chart that says why it is blank (the message shown as plain text: it can
    quote a filter or a name the user typed)."""
    return _figure(
        [],
        {
            "annotations": [
                {
                    "text": str(plot_text(np.array([message], dtype=object))[0]),
                    "showarrow": False,
                    "x": 0.5,
                    "y": 0.5,
                    "xref": "paper",
                    "yref": "paper",
                    "font": {"size": 14},
                }
            ],
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        },
    )


# -- the dashboard's charts ------------------------------------------------------------------
#
# These are built as plain trace and layout dicts and wrapped without Plotly's property
# validation, which costs 20-50 ms a figure (most of a dashboard update) while the dicts
# below never change shape; tests/components/test_figures.py validates every chart they
# can produce against Plotly's schema instead. The look is that of ``base_layout``.

#: ``base_layout``'s y axis.
_Y_AXIS = {"tickformat": ",.0f", "zeroline": True}
_TEMPLATE = LIGHT_TEMPLATE.to_plotly_json()


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure on the light template from JSON-ready dicts, without validation."""
    return go.Figure(
        {"data": data, "layout": {"template": _TEMPLATE, **layout}}, _validate=False
    )


def _layout(height: int = 360) -> dict:
    """``base_layout`` as a dict (the y axis included)."""
    return {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "font": {"family": FONT, "size": 12},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "hovermode": "x unified",
        "separators": current_locale().separators,
        "yaxis": dict(_Y_AXIS),
    }


def _array(values: pd.Series | np.ndarray) -> np.ndarray:
    """Trace data as Plotly's validation leaves it: a NumPy array."""
    return values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)


def plot_text(values: pd.Series | np.ndarray) -> np.ndarray:
    """User text (category and SKU names) as Plotly shows it literally.

    Plotly reads a subset of HTML in labels, ticks and hover text, so a SKU named
    ``<a href="https://…">`` would become a live link; ``&``, ``<`` and ``>`` are
    written as entities, which Plotly displays as the characters themselves. The raw
    values travel in ``customdata`` for click handling.
    """
    text = pd.Series(_array(values), dtype="object").astype(str)
    return (
        text.str.replace("&", "&amp;", regex=False)
        .str.replace("<", "&lt;", regex=False)
        .str.replace(">", "&gt;", regex=False)
        .to_numpy()
    )


@lru_cache(maxsize=64)
def _grid_json(
    cols: int,
    titles: tuple[str, ...] | None,
    column_widths: tuple[float, ...] | None,
    horizontal_spacing: float | None,
) -> str:
    from plotly.subplots import make_subplots

    fig = make_subplots(
        figure=go.Figure(layout={"template": {}}),
        rows=1,
        cols=cols,
        subplot_titles=titles,
        column_widths=list(column_widths) if column_widths else None,
        horizontal_spacing=horizontal_spacing,
    )
    layout = fig.to_plotly_json()["layout"]
    layout.pop("template", None)
    return json.dumps(layout)


def _grid(
    cols: int,
    *,
    titles: tuple[str, ...] | None = None,
    column_widths: tuple[float, ...] | None = None,
    horizontal_spacing: float | None = None,
) -> dict:
    """The layout ``make_subplots`` gives one row of ``cols`` charts (axes and titles);
    worked out once per shape."""
    return json.loads(_grid_json(cols, titles, column_widths, horizontal_spacing))


def warm_up() -> None:
    """Work out the subplot layouts of the dashboard's charts now, not in a user's first
    update (``make_subplots`` takes 20-50 ms the first time)."""
    _grid(2, titles=("Top 10", "Bottom 10"), horizontal_spacing=0.28)
    _grid(2, titles=("Month of year", "Weekday"), column_widths=(0.65, 0.35))
    _grid(1)


def _axis_names(col: int) -> tuple[str, str]:
    """Layout keys of the x and y axes of subplot ``col`` (1-based)."""
    suffix = "" if col == 1 else str(col)
    return f"xaxis{suffix}", f"yaxis{suffix}"


def timeseries_figure(
    series: pd.DataFrame,
    granularity: str,
    currency: str = "$",
    comparison: pd.DataFrame | None = None,
    comparison_label: str = "",
) -> go.Figure:
    """Revenue, cost and profit per period (lines); with ``comparison`` (the same series
    of the comparison period) revenue and profit of it as dashed lines, period i drawn
    over period i of the view."""
    if series.empty:
        return empty_figure("No dated rows to chart. Map a date column to see trends.")
    x = _array(series["period"])
    hover = period_hover(granularity)
    traces = []
    for column in ("revenue", "cost", "profit"):
        values = series[column]
        if values.notna().sum() == 0:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": _array(values),
                "name": column.capitalize(),
                "mode": "lines+markers" if len(series) <= 60 else "lines",
                "line": {
                    "color": COLORS[column],
                    "width": 2.5 if column == "revenue" else 2,
                },
                "hovertemplate": (
                    f"{column.capitalize()}: {money_hover('y', currency)}<extra></extra>"
                ),
            }
        )
    if comparison is not None and len(comparison):
        n = min(len(series), len(comparison))
        then = comparison.iloc[:n]
        for column in ("revenue", "profit"):
            if then[column].notna().sum() == 0 or series[column].notna().sum() == 0:
                continue
            traces.append(
                {
                    "type": "scatter",
                    "x": x[:n],
                    "y": _array(then[column]),
                    "customdata": np.array(
                        [format_date(p) for p in then["period"]], dtype=object
                    ),
                    "name": f"{column.capitalize()}, {comparison_label}",
                    "mode": "lines",
                    "line": {"color": COLORS[column], "width": 1.5, "dash": "dash"},
                    "opacity": 0.7,
                    "hovertemplate": (
                        f"{column.capitalize()} (period from %{{customdata}}): "
                        f"{money_hover('y', currency)}<extra></extra>"
                    ),
                }
            )
    layout = _layout()
    layout["xaxis"] = {"hoverformat": hover}
    layout["yaxis"].update(money_axis(currency))
    return _figure(traces, layout)


def changes_figure(rows: pd.DataFrame, total: float, currency: str = "$") -> go.Figure:
    """Waterfall: each value's change, then the total change."""
    if rows.empty:
        return empty_figure("Nothing to compare.", height=340)
    labels = [*rows["value"].astype(str), "Total change"]
    values = [*rows["change"].astype(float), float(total)]
    fig = go.Figure(
        go.Waterfall(
            x=labels,
            y=values,
            measure=["relative"] * len(rows) + ["total"],
            increasing={"marker": {"color": COLORS["profit"]}},
            decreasing={"marker": {"color": COLORS["loss"]}},
            totals={"marker": {"color": COLORS["revenue"]}},
            hovertemplate=f"%{{x}}: {money_hover('y', currency)}<extra></extra>",
        )
    )
    fig = base_layout(fig, height=340)
    fig.update_layout(showlegend=False, hovermode="closest")
    fig.update_yaxes(**money_axis(currency))
    return fig


def margin_figure(margins: pd.DataFrame, granularity: str) -> go.Figure:
    """Profit margin per period (``period``, ``margin`` as a fraction)."""
    known = margins.loc[margins["margin"].notna()]
    if known.empty:
        return empty_figure(
            "No cost or profit figures: map a cost or profit column to see margins.",
            height=300,
        )
    margin = _array(known["margin"])
    trace = {
        "type": "scatter",
        "x": _array(known["period"]),
        "y": margin,
        "mode": "lines+markers" if len(known) <= 60 else "lines",
        "line": {"color": COLORS["profit"], "width": 2},
        "marker": {
            "color": np.where(margin >= 0, COLORS["profit"], COLORS["loss"]).tolist()
        },
        "name": "Margin",
        "hovertemplate": "Margin: %{y:.1%}<extra></extra>",
    }
    layout = _layout(height=300)
    layout["yaxis"].update(tickformat=".0%", tickprefix="")
    layout["xaxis"] = {"hoverformat": period_hover(granularity)}
    layout["showlegend"] = False
    return _figure([trace], layout)


def category_figure(
    totals: pd.DataFrame, currency: str = "$", limit: int = 15
) -> go.Figure:
    """Horizontal bars of revenue and profit per category, largest revenue on top."""
    if totals.empty:
        return empty_figure("No category column: map one to compare categories.")
    top = totals.head(limit).iloc[::-1]
    names = _array(top["category"])
    labels = plot_text(names)
    traces = [
        {
            "type": "bar",
            "y": labels,
            "x": _array(top["revenue"]),
            "name": "Revenue",
            "orientation": "h",
            "marker": {"color": COLORS["revenue"]},
            "customdata": names,
            "hovertemplate": (
                f"%{{y}}<br>Revenue: {money_hover('x', currency)}<extra></extra>"
            ),
        }
    ]
    if top["profit"].notna().any():
        profit = _array(top["profit"])
        traces.append(
            {
                "type": "bar",
                "y": labels,
                "x": profit,
                "name": "Profit",
                "orientation": "h",
                "marker": {
                    "color": np.where(
                        np.nan_to_num(profit) >= 0, COLORS["profit"], COLORS["loss"]
                    ).tolist()
                },
                "customdata": names,
                "hovertemplate": (
                    f"%{{y}}<br>Profit: {money_hover('x', currency)}<extra></extra>"
                ),
            }
        )
    layout = _layout(height=max(300, 60 + 34 * len(top)))
    layout.update(barmode="group", hovermode="closest", clickmode="event")
    layout["xaxis"] = {**money_axis(currency), "tickformat": "~s"}
    layout["yaxis"].update(tickprefix="", tickformat="", automargin=True)
    return _figure(traces, layout)


def sku_bars_figure(
    top: pd.DataFrame, bottom: pd.DataFrame, metric: str, currency: str = "$"
) -> go.Figure:
    """Best and worst SKUs by revenue or profit side by side; losses in red."""
    if top.empty:
        what = "profit" if metric == "profit" else "SKU"
        return empty_figure(f"No {what} figures to rank SKUs by.", height=460)
    layout = {
        **_layout(height=460),
        **_grid(
            2,
            titles=(f"Top {len(top)}", f"Bottom {len(bottom)}"),
            horizontal_spacing=0.28,
        ),
    }
    bar_color = COLORS["revenue"] if metric == "revenue" else COLORS["profit"]
    traces = []
    for col, frame in ((1, top.iloc[::-1]), (2, bottom.iloc[::-1])):
        values = _array(frame[metric])
        skus = _array(frame["sku"])
        xaxis, yaxis = _axis_names(col)
        traces.append(
            {
                "type": "bar",
                "y": plot_text(skus),
                "x": values,
                "orientation": "h",
                "showlegend": False,
                "marker": {
                    "color": np.where(values < 0, COLORS["loss"], bar_color).tolist()
                },
                "customdata": skus,
                "hovertemplate": (
                    f"%{{y}}<br>{metric.capitalize()}: {money_hover('x', currency)}"
                    "<extra></extra>"
                ),
                "xaxis": xaxis.replace("axis", ""),
                "yaxis": yaxis.replace("axis", ""),
            }
        )
        layout[xaxis].update(
            **money_axis(currency), tickformat="~s", nticks=4, tickangle=0
        )
        layout[yaxis].update(**_Y_AXIS, tickprefix="", automargin=True, type="category")
        layout[yaxis]["tickformat"] = ""
    layout.update(hovermode="closest", margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return _figure(traces, layout)


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
    skus = _array(shown["sku"])
    labels = plot_text(skus)
    classes = _array(shown["class"])
    traces = [
        {
            "type": "bar",
            "x": labels,
            "y": _array(shown["value"]),
            "name": metric.capitalize(),
            "marker": {"color": [class_colors[c] for c in classes]},
            "customdata": np.column_stack([classes, skus]),
            "hovertemplate": (
                f"%{{x}} (class %{{customdata[0]}})<br>{money_hover('y', currency)}"
                "<extra></extra>"
            ),
        },
        {
            "type": "scatter",
            "x": labels,
            "y": _array(shown["cumulative_share"]),
            "name": "Cumulative share",
            "yaxis": "y2",
            "mode": "lines",
            "line": {"color": COLORS["cost"], "width": 2},
            "hovertemplate": "Cumulative: %{y:.1%}<extra></extra>",
        },
    ]
    layout = _layout(height=460)
    layout.update(
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
            "text": " · ".join(
                f"{k}: {format_number(counts.get(k, 0))} SKUs" for k in "ABC"
            )
            + (f" (first {limit} shown)" if len(pareto) > limit else ""),
            "font": {"size": 12},
            "x": 0.01,
            "y": 0.98,
        },
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )
    layout["yaxis"].update(**money_axis(currency), tickformat="~s")
    return _figure(traces, layout)


def seasonality_figure(profiles: dict) -> go.Figure:
    """Month-of-year (and weekday) revenue index: 1.0 = a typical period."""
    month = profiles.get("month")
    if month is None or month["index"].notna().sum() == 0:
        return empty_figure("No dates: seasonality needs a date column.", height=300)
    weekday = profiles.get("weekday")
    cols = 2 if weekday is not None else 1
    layout = {
        **_layout(height=300),
        **_grid(
            cols,
            titles=("Month of year", "Weekday") if cols == 2 else None,
            column_widths=(0.65, 0.35) if cols == 2 else None,
        ),
        "hovermode": "closest",
        "shapes": [],
    }
    frames = [(1, month)] + ([(2, weekday)] if weekday is not None else [])
    traces = []
    for col, frame in frames:
        index = _array(frame["index"])
        xaxis, yaxis = _axis_names(col)
        x_ref, y_ref = xaxis.replace("axis", ""), yaxis.replace("axis", "")
        traces.append(
            {
                "type": "bar",
                "x": _array(frame["label"]),
                "y": index,
                "showlegend": False,
                "marker": {
                    "color": np.where(
                        np.nan_to_num(index) >= 1, COLORS["revenue"], "#9ec5fe"
                    ).tolist()
                },
                "hovertemplate": "%{x}: %{y:.2f}× a typical period<extra></extra>",
                "xaxis": x_ref,
                "yaxis": y_ref,
            }
        )
        layout[yaxis].update(**_Y_AXIS, tickprefix="")
        layout[yaxis]["tickformat"] = ".1f"
        layout["shapes"].append(
            {
                "line": {"color": COLORS["muted"], "dash": "dot"},
                "type": "line",
                "x0": 0,
                "x1": 1,
                "xref": f"{x_ref} domain",
                "y0": 1.0,
                "y1": 1.0,
                "yref": y_ref,
            }
        )
    return _figure(traces, layout)
