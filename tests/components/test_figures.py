"""The dashboard's charts: built without Plotly's validation, so checked against its schema here."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.formatting import use_locale
from analytics.ingest import ingest_bytes
from analytics.metrics import (
    abc_pareto,
    breakdown,
    margin_series,
    seasonality,
    timeseries,
    top_bottom_skus,
)
from components.figures import (
    COLORS,
    DARK_TEMPLATE,
    LIGHT_TEMPLATE,
    THEME_COLORS,
    category_figure,
    empty_figure,
    graph_config,
    margin_figure,
    pareto_figure,
    seasonality_figure,
    sku_bars_figure,
    templates_json,
    timeseries_figure,
)
from tests.conftest import transactions_frame


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    return ingest_bytes(frame.to_csv(index=False).encode(), "sales.csv").frame


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return canonical(transactions_frame())


@pytest.fixture(scope="module")
def monthly_rows() -> pd.DataFrame:
    """Every date on the 1st of a month: no weekday profile, one seasonality chart."""
    frame = transactions_frame()
    dates = pd.to_datetime(frame["Date"]).dt.to_period("M").dt.start_time
    return canonical(frame.assign(Date=dates.dt.strftime("%Y-%m-%d")))


def validated(fig: go.Figure) -> go.Figure:
    """The figure rebuilt with Plotly's validation: raises on any invalid property."""
    return go.Figure(fig.to_dict())


def all_figures(rows: pd.DataFrame) -> dict[str, go.Figure]:
    figures = {}
    for granularity in ("day", "week", "month", "quarter"):
        used, series = timeseries(rows, granularity)
        figures[f"timeseries {granularity}"] = timeseries_figure(series, used, "€")
        figures[f"margin {granularity}"] = margin_figure(
            margin_series(rows, used), used
        )
    figures["category"] = category_figure(breakdown(rows), "€")
    for metric in ("revenue", "profit"):
        top, bottom = top_bottom_skus(rows, n=10, by=metric)
        figures[f"sku bars {metric}"] = sku_bars_figure(top, bottom, metric, "€")
        figures[f"pareto {metric}"] = pareto_figure(abc_pareto(rows, by=metric), metric)
    figures["seasonality"] = seasonality_figure(seasonality(rows))
    return figures


def test_every_chart_passes_plotly_validation(rows, monthly_rows):
    figures = {**all_figures(rows), **all_figures(monthly_rows)}
    figures["empty"] = empty_figure("Nothing to show.", height=300)
    for name, fig in figures.items():
        assert json.loads(validated(fig).to_json()) == json.loads(fig.to_json()), name


def test_charts_use_the_light_template_not_plotlys_default(rows):
    light = LIGHT_TEMPLATE.to_plotly_json()
    for name, fig in all_figures(rows).items():
        template = fig.to_dict()["layout"]["template"]
        assert template == light, name
        assert "data" not in template, name  # Plotly's default template styles traces


_THEMED_KEYS = {
    "gridcolor",
    "zerolinecolor",
    "linecolor",
    "plot_bgcolor",
    "paper_bgcolor",
}


def _themed_colors(layout: object, path: str = "") -> list[str]:
    """Colours in a layout that would override the theme's template."""
    found = []
    if isinstance(layout, dict):
        for key, value in layout.items():
            if key == "template":
                continue
            where = f"{path}.{key}"
            if key in _THEMED_KEYS or (key == "font" and "color" in value):
                found.append(where)
            found += _themed_colors(value, where)
    elif isinstance(layout, list):
        for index, value in enumerate(layout):
            found += _themed_colors(value, f"{path}[{index}]")
    return found


def test_no_chart_fixes_a_colour_the_theme_owns(rows, monthly_rows):
    """Text, grid and background colours come from the template alone, so the dark
    template (swapped in by the page) recolours every chart."""
    figures = {**all_figures(rows), **all_figures(monthly_rows)}
    figures["empty"] = empty_figure("Nothing to show.")
    for name, fig in figures.items():
        assert _themed_colors(fig.to_dict()["layout"]) == [], name


def test_dark_template_is_readable_and_transparent():
    light, dark = LIGHT_TEMPLATE.to_plotly_json(), DARK_TEMPLATE.to_plotly_json()
    assert dark["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
    assert dark["layout"]["font"]["color"] != light["layout"]["font"]["color"]
    both = json.loads(templates_json())
    assert both == {"light": light, "dark": dark}
    # the page's dark card is #212529: text on it passes WCAG AA (4.5:1)
    assert _contrast(THEME_COLORS["dark"]["text"], "#212529") >= 4.5
    assert _contrast(THEME_COLORS["dark"]["muted"], "#212529") >= 4.5
    assert _contrast(THEME_COLORS["light"]["muted"], "#ffffff") >= 4.5


def _contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
            for c in channels
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_charts_follow_the_locale(rows):
    used, series = timeseries(rows, "month")
    with use_locale("de-DE"):
        fig = timeseries_figure(series, used, "€").to_dict()
        config = graph_config()
    assert fig["layout"]["separators"] == ",."
    assert fig["layout"]["yaxis"]["ticksuffix"] == "\u00a0€"
    assert fig["layout"]["yaxis"]["tickprefix"] == ""
    assert fig["data"][0]["hovertemplate"] == (
        "Revenue: %{y:,.2f}\u00a0€<extra></extra>"
    )
    assert fig["layout"]["xaxis"]["hoverformat"] == "%b %Y"
    assert config["locale"] == "de-DE"
    assert config["locales"]["de-DE"]["format"]["months"][2] == "März"
    english = timeseries_figure(series, used, "€").to_dict()
    assert english["layout"]["separators"] == ".,"
    assert english["data"][0]["hovertemplate"] == "Revenue: €%{y:,.2f}<extra></extra>"


def test_timeseries_figure_data_and_look(rows):
    used, series = timeseries(rows, "month")
    fig = timeseries_figure(series, used, "€")
    assert [trace.name for trace in fig.data] == ["Revenue", "Cost", "Profit"]
    assert list(fig.data[0].y) == pytest.approx(series["revenue"].tolist())
    assert pd.DatetimeIndex(fig.data[0].x).equals(pd.DatetimeIndex(series["period"]))
    assert fig.layout.yaxis.tickprefix == "€"
    assert fig.layout.yaxis.tickformat == ",.0f"
    assert fig.layout.xaxis.hoverformat == "%b %Y"
    assert fig.layout.hovermode == "x unified"


def test_sku_bars_sit_side_by_side_with_losses_in_red(rows):
    loss_rows = rows.assign(
        profit=np.where(rows["sku"] == "SKU-000", -500.0, rows["profit"])
    )
    top, bottom = top_bottom_skus(loss_rows, n=5, by="profit")
    fig = sku_bars_figure(top, bottom, "profit", "$")
    assert [(t.xaxis, t.yaxis) for t in fig.data] == [("x", "y"), ("x2", "y2")]
    assert [a.text for a in fig.layout.annotations] == ["Top 5", "Bottom 5"]
    worst = list(fig.data[1].y).index("SKU-000")
    assert fig.data[1].marker.color[worst] == COLORS["loss"]
    assert fig.layout.yaxis2.type == "category"
    assert fig.layout.xaxis.domain[1] < fig.layout.xaxis2.domain[0]


def test_seasonality_has_a_typical_line_on_each_chart(rows, monthly_rows):
    both = seasonality_figure(seasonality(rows))
    assert [t.x[0] for t in both.data] == ["Jan", "Mon"]
    assert [(s.xref, s.yref, s.y0) for s in both.layout.shapes] == [
        ("x domain", "y", 1.0),
        ("x2 domain", "y2", 1.0),
    ]
    months_only = seasonality_figure(seasonality(monthly_rows))
    assert len(months_only.data) == 1 and len(months_only.layout.shapes) == 1


def test_category_and_pareto_figures(rows):
    totals = breakdown(rows)
    fig = category_figure(totals, "$")
    assert list(fig.data[0].y) == totals["category"].iloc[::-1].tolist()
    assert fig.layout.clickmode == "event"
    pareto = abc_pareto(rows)
    fig = pareto_figure(pareto, "revenue", "$")
    assert fig.data[1].yaxis == "y2"
    assert fig.layout.title.text.startswith(
        f"A: {int((pareto['class'] == 'A').sum()):,} SKUs"
    )


def test_empty_figure_says_why():
    fig = empty_figure("No rows match.")
    assert fig.data == ()
    assert fig.layout.annotations[0].text == "No rows match."
    assert fig.layout.xaxis.visible is False


def test_figures_do_not_share_mutable_parts(rows):
    used, series = timeseries(rows, "month")
    first = timeseries_figure(series, used)
    first.update_layout(template={"layout": {"plot_bgcolor": "black"}})
    first.layout.yaxis.tickprefix = "X"
    second = timeseries_figure(series, used)
    assert second.layout.template.layout.plot_bgcolor == "rgba(0,0,0,0)"
    assert second.layout.yaxis.tickprefix == "$"


def test_user_text_in_charts_is_shown_literally():
    """A SKU or category named like HTML must not become a live link in a chart."""
    from components.figures import plot_text

    link = '<a href="https://evil.example">x</a> & co'
    shown = plot_text(np.array([link, "plain"], dtype=object))
    assert shown[0] == ('&lt;a href="https://evil.example"&gt;x&lt;/a&gt; &amp; co')
    assert shown[1] == "plain"
    totals = pd.DataFrame({"category": [link], "revenue": [10.0], "profit": [2.0]})
    fig = category_figure(totals)
    assert all("<a" not in str(label) for trace in fig.data for label in trace.y)
    assert fig.data[0].customdata[0] == link  # clicks still filter on the raw name


def test_an_empty_chart_shows_its_message_as_text():
    fig = empty_figure('No rows for category <a href="https://evil.example">x</a>')
    assert fig.layout.annotations[0].text == (
        'No rows for category &lt;a href="https://evil.example"&gt;x&lt;/a&gt;'
    )
