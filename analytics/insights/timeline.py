"""Insights on the course of revenue over time: anomalies (robust z-score against the
rolling median), the forecast outlook and the seasonal peak."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.formatting import format_pct
from analytics.grounding import (
    DataContext,
    FactSheet,
    range_period,
)
from analytics.insights.common import (
    ANOMALY_MIN_PERIODS,
    ANOMALY_WINDOW,
    ANOMALY_Z,
    MAD_SCALE,
    complete_months,
    insight,
    shown_as_zero,
    slice_of,
)
from analytics.metrics.series import seasonality, timeseries
from analytics.schema import REVENUE


def expected_revenue(revenue: pd.Series, season: int | None = None) -> pd.Series:
    """What each period's revenue "should" be, from the periods around or before it.

    With at least two full seasons plus one period of history (``season`` periods per
    year: 12 for months, 52 for weeks), the same period a year earlier scaled by the
    growth of the last ``season`` periods over the ``season`` before them (NaN where the
    history is too short), so a December peak seen every year is expected, not flagged.
    Otherwise the centred rolling median of ``ANOMALY_WINDOW`` neighbouring periods.
    """
    if season and len(revenue) > 2 * season:
        trailing = revenue.rolling(season).sum().shift(1)
        before = trailing.shift(season)
        growth = (trailing / before.where(before > 0)).replace(
            [np.inf, -np.inf], np.nan
        )
        return revenue.shift(season) * growth
    return revenue.rolling(ANOMALY_WINDOW, center=True, min_periods=3).median()


def _complete_weeks(ctx: DataContext, weekly: pd.DataFrame) -> pd.DataFrame:
    start = weekly["period"]
    keep = (start >= ctx.first - pd.Timedelta(days=6)) & (
        start + pd.Timedelta(days=6) <= ctx.covered_to
    )
    return weekly.loc[keep].reset_index(drop=True)


def anomaly_insight(
    df: pd.DataFrame, ctx: DataContext, currency: str | None
) -> dict | None:
    """The period furthest from what its history suggests (robust z-score of the gap)."""
    if not ctx.has_dates:
        return None
    granularity, season = "month", 12
    series = complete_months(ctx, timeseries(df, "month")[1])
    if ctx.sampling == "week" or len(series) < ANOMALY_MIN_PERIODS:
        granularity, season = "week", 52
        series = _complete_weeks(ctx, timeseries(df, "week")[1])
    if len(series) < ANOMALY_MIN_PERIODS:
        return None
    revenue = series[REVENUE].astype("float64")
    expected = expected_revenue(revenue, season)
    residual = revenue - expected
    if residual.notna().sum() < ANOMALY_MIN_PERIODS:
        return None
    mad = float(np.nanmedian(np.abs(residual - np.nanmedian(residual))))
    scale = MAD_SCALE * mad
    if not np.isfinite(scale) or scale <= 0:
        return None
    z = residual / scale
    flagged = z.abs() >= ANOMALY_Z
    if not flagged.any():
        return None
    sheet = FactSheet(currency)
    order = (
        z.abs().where(flagged).sort_values(ascending=False, kind="mergesort").dropna()
    )
    count = sheet.count("Unusual periods found", len(order))
    worst = order.index[0]
    when = series["period"].iloc[worst]
    label = (
        f"{when:%B %Y}" if granularity == "month" else f"the week of {when:%Y-%m-%d}"
    )
    actual = sheet.money(f"Revenue, {label}", float(revenue.iloc[worst]))
    normal = sheet.money(f"Expected revenue, {label}", float(expected.iloc[worst]))
    score = sheet.count(f"Robust z-score of revenue, {label}", float(z.iloc[worst]), 1)
    sheet.fact(
        "Robust z-score threshold for an unusual period", ANOMALY_Z, f"{ANOMALY_Z:g}"
    )
    direction = "above" if z.iloc[worst] > 0 else "below"
    plural = "s" if len(order) > 1 else ""
    basis = (
        "the same period a year earlier, grown at the recent rate, suggests"
        if len(revenue) > 2 * season
        else "its neighbouring periods suggest"
    )
    sheet.add(
        f"Revenue in {label} was {actual}, far {direction} the {normal} {basis} "
        f"(robust z-score {score}; beyond {ANOMALY_Z:g} counts as unusual). "
        f"{count} unusual period{plural} in all; check for one-off orders, returns or "
        "data errors."
    )
    if len(order) > 1:
        others = [
            (
                f"{series['period'].iloc[i]:%B %Y}"
                if granularity == "month"
                else f"the week of {series['period'].iloc[i]:%Y-%m-%d}"
            )
            for i in order.index[1:3]
        ]
        sheet.add("Also unusual: " + ", ".join(others) + ".")
    return insight("anomaly", f"Unusual revenue in {label}", sheet)


def forecast_insight(
    df: pd.DataFrame, ctx: DataContext, forecast: Any, currency: str | None
) -> dict | None:
    """The forecast outlook with its backtested accuracy, when a forecast is given."""
    if forecast is None:
        return None
    fc = forecast.to_dict() if hasattr(forecast, "to_dict") else dict(forecast)
    points = fc.get("points") or []
    if fc.get("status") == "failed" or not points:
        return None
    frame = pd.DataFrame(points)
    frame["date"] = pd.to_datetime(frame["date"])
    sheet = FactSheet(currency)
    metric = fc.get("metric") or REVENUE
    name = "revenue" if metric == REVENUE else str(metric)
    total = float(frame["yhat"].sum())
    periods = sheet.count("Forecast periods", len(frame))
    t = sheet.money(
        f"Forecast {name}, {frame['date'].min():%Y-%m-%d} to {frame['date'].max():%Y-%m-%d}",
        total,
    )
    word = {
        "daily": "days",
        "weekly": "weeks",
        "monthly": "months",
        "quarterly": "quarters",
    }.get(fc.get("freq_label", ""), "periods")
    sheet.add(f"The forecast expects {t} of {name} over the next {periods} {word}.")
    start, end = frame["date"].min(), frame["date"].max()
    earlier = range_period(start - pd.DateOffset(years=1), end - pd.DateOffset(years=1))
    if ctx.covers(earlier) and metric in df:
        actual = float(slice_of(df, earlier)[metric].sum())
        if actual:
            a = sheet.money(f"Actual {name}, {earlier.iso()}", actual)
            c = sheet.change(
                "Forecast change on the same period a year earlier",
                (total - actual) / abs(actual),
            )
            if shown_as_zero(c):
                sheet.add(f"That is level with the same period a year earlier ({a}).")
            else:
                sheet.add(f"That is {c} on the same period a year earlier ({a}).")
    model = fc.get("model")
    score = (fc.get("backtest") or {}).get(model) if model else None
    if score and score.get("mape") is not None:
        e = sheet.pct(
            "Backtest error of the forecast model (MAPE)", score["mape"] / 100
        )
        sheet.add(
            f"In backtests the model was off by {e} on average, so treat it as a guide."
        )
    elif score is None:
        sheet.add("The model was not back-tested, so its accuracy is unknown.")
    return insight("forecast", f"Outlook: {t} expected", sheet)


def seasonality_insight(
    df: pd.DataFrame, ctx: DataContext, currency: str | None
) -> dict | None:
    """The peak month of the seasonal profile (a fallback)."""
    if not ctx.has_dates:
        return None
    profile = seasonality(df)["month"]
    if profile is None:
        return None
    present = profile.loc[profile["periods"] >= 2]
    if len(present) < 12:
        return None
    sheet = FactSheet(currency)
    best = present.loc[present["index"].idxmax()]
    worst = present.loc[present["index"].idxmin()]
    if shown_as_zero(format_pct(best["index"] - 1)) or shown_as_zero(
        format_pct(1 - worst["index"])
    ):
        return None  # no month stands out at the shown precision: not seasonal
    b = sheet.pct(
        f"Revenue of an average {best['label']} against a typical month",
        best["index"] - 1,
    )
    w = sheet.pct(
        f"Revenue of an average {worst['label']} against a typical month",
        1 - worst["index"],
    )
    sheet.add(
        f"Sales are seasonal: {best['label']} runs {b} above a typical month and "
        f"{worst['label']} {w} below it. Plan stock and cash for the peak."
    )
    return insight("seasonality", f"Peak month: {best['label']}", sheet)
