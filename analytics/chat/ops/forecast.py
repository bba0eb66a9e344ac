"""Forecast questions, answered from a given or freshly computed forecast."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analytics.chat.common import (
    METRIC_LABELS,
    Intent,
)
from analytics.chat.ops.common import (
    change_phrase,
    metric_value,
    usable_metric,
)
from analytics.forecast import MODEL_LABELS
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
)
from analytics.grounding.periods import (
    Period,
    quarter_period,
    range_period,
)
from analytics.schema import (
    COST,
    PROFIT,
    QUANTITY,
    REVENUE,
)


def _forecast_window(intent: Intent, ctx: DataContext) -> Period | None:
    if intent.periods:
        return intent.periods[0]
    if intent.horizon is None or ctx.covered_to is None:
        return None
    unit, count = intent.horizon
    after = ctx.covered_to + pd.Timedelta(days=1)
    if unit == "day":
        return range_period(
            after, after + pd.Timedelta(days=count - 1), f"the next {count} days"
        )
    if unit == "week":
        return range_period(
            after, after + pd.Timedelta(days=7 * count - 1), f"the next {count} weeks"
        )
    if unit == "month":
        start = after if after.day == 1 else after + pd.offsets.MonthBegin(1)
        end = start + pd.DateOffset(months=count) - pd.Timedelta(days=1)
        label = f"{start:%B %Y}" if count == 1 else f"the next {count} months"
        return range_period(
            start, end, f"next month ({label})" if count == 1 else label
        )
    if unit == "quarter":
        start = (
            after
            if after.is_quarter_start
            else after + pd.offsets.QuarterBegin(1, startingMonth=1)
        )
        q = quarter_period(start.year, (start.month - 1) // 3 + 1)
        end = start + pd.DateOffset(months=3 * count) - pd.Timedelta(days=1)
        label = (
            f"next quarter ({q.label})" if count == 1 else f"the next {count} quarters"
        )
        return range_period(q.start, end, label)
    start = (
        after
        if (after.month, after.day) == (1, 1)
        else pd.Timestamp(year=after.year + 1, month=1, day=1)
    )
    end = pd.Timestamp(year=start.year + count - 1, month=12, day=31)
    return range_period(
        start,
        end,
        f"next year ({start.year})" if count == 1 else f"the next {count} years",
    )


_UNIT_NAMES = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
}


def _horizon_for(
    window: Period | None, last_history: pd.Timestamp, label: str
) -> int | None:
    if window is None:
        return None
    days = (window.end - last_history).days
    per = {"daily": 1, "weekly": 7, "monthly": 30.4, "quarterly": 91.3}.get(label, 30.4)
    return max(1, int(math.ceil(days / per)) + 1)


def _compute_forecast(
    df: pd.DataFrame, ctx: DataContext, metric: str, window: Period | None
) -> dict[str, Any]:
    from analytics.forecast import MAX_HORIZON, ForecastError, aggregate_series
    from analytics.forecast import forecast as run_forecast

    months = (
        (ctx.covered_to.year - ctx.first.year) * 12
        + ctx.covered_to.month
        - ctx.first.month
        + 1
    )
    freq = "MS" if months >= 24 else None
    try:
        info, series = aggregate_series(df, metric, freq)
        horizon = _horizon_for(window, series.index[-1], info.label)
        if horizon is not None and horizon > min(len(series), MAX_HORIZON):
            return {
                "status": "too_far",
                "points": [],
                "backtest": {},
                "unit": info.label,
                "history": len(series),
                "last": series.index[-1],
            }
        result = run_forecast(df, metric=metric, horizon=horizon, freq=freq)
    except ForecastError as exc:
        return {"status": "failed", "message": str(exc), "points": [], "backtest": {}}
    return result.to_dict()


def op_forecast(
    sheet: FactSheet,
    df: pd.DataFrame,
    ctx: DataContext,
    intent: Intent,
    given: Mapping[str, Any] | None,
) -> None:
    metric = (
        intent.metric if intent.metric in (REVENUE, PROFIT, COST, QUANTITY) else REVENUE
    )
    metric = usable_metric(sheet, ctx, metric)
    name = METRIC_LABELS[metric]
    if not ctx.has_dates:
        sheet.add("Your data has no dates, so I can't forecast it.")
        return
    window = _forecast_window(intent, ctx)
    fc = (
        dict(given)
        if given is not None and given.get("metric", REVENUE) == metric
        else None
    )
    source = "given"
    if fc is None:
        fc = _compute_forecast(df, ctx, metric, window)
        source = "computed"
    sheet.op(
        "forecast",
        metric=metric,
        window=window.iso() if window else "all",
        source=source,
        model=fc.get("model"),
    )
    sheet.period, sheet.rows = ctx.span(), ctx.rows
    points = fc.get("points") or []
    if fc.get("status") == "too_far" and window is not None:
        unit = _UNIT_NAMES.get(fc["unit"], "period")
        sheet.add(
            f"{window.iso()} is too far "
            f"ahead to forecast: your data ends on {ctx.last or fc['last']:%Y-%m-%d} and holds "
            f"{fc['history']} {unit}s, and I don't forecast further ahead than the "
            "history the forecast learns from. Ask about a nearer period, or add "
            "older data."
        )
        return
    if fc.get("status") == "failed" or not points:
        sheet.add(
            f"I can't forecast {name.lower()} from this data: "
            f"{_no_digits(fc.get('model_reason') or fc.get('message') or 'there is too little history')}."
        )
        return
    frame = pd.DataFrame(points)
    frame["date"] = pd.to_datetime(frame["date"])
    if window is not None:
        inside = frame.loc[
            (frame["date"] >= window.start) & (frame["date"] <= window.end)
        ]
        if inside.empty:
            last_point = frame["date"].max()
            sheet.add(
                f"The forecast reaches only {last_point:%Y-%m-%d}, before {window.label} "
                f"({window.iso()}). Choose a longer horizon on the forecast page."
            )
            return
    else:
        inside = frame
        window = range_period(
            frame["date"].min(), frame["date"].max(), f"the next {len(frame)} periods"
        )
    model = str(fc.get("model") or "the model")
    model_label = MODEL_LABELS.get(model, model)
    total = float(inside["yhat"].sum())
    shown = sheet.figure(metric, f"Forecast {name.lower()}, {window.label}", total)
    sheet.text("Forecast model", model_label)
    sheet.add(
        f"Forecast {name.lower()} for **{window.label}**: about **{shown}** (model: {model_label})."
    )
    lower_col = "yhat_lower_80" if "yhat_lower_80" in inside else "yhat_lower"
    upper_col = "yhat_upper_80" if "yhat_upper_80" in inside else "yhat_upper"
    band = "80%" if lower_col.endswith("80") else "95%"
    if band == "80%":
        sheet.fact("Width of the forecast band", 0.8, "80%")
    else:
        sheet.fact("Width of the forecast band", 0.95, "95%")
    for row in inside.head(12).itertuples(index=False):
        when = _point_label(row.date, fc.get("freq_label", ""))
        v = sheet.figure(metric, f"Forecast {name.lower()}, {when}", row.yhat)
        lo = sheet.figure(
            metric,
            f"Forecast {name.lower()} low end ({band}), {when}",
            getattr(row, lower_col),
        )
        hi = sheet.figure(
            metric,
            f"Forecast {name.lower()} high end ({band}), {when}",
            getattr(row, upper_col),
        )
        sheet.add(f"- {when}: {v} (likely between {lo} and {hi})")
    if len(inside) > 12:
        more = sheet.count("Further forecast periods", len(inside) - 12)
        sheet.add(f"- … and {more} more periods.")
    backtest = (fc.get("backtest") or {}).get(model)
    if backtest:
        mape, coverage = backtest.get("mape"), backtest.get("coverage_80")
        parts = []
        if mape is not None:
            parts.append(
                f"it was off by {sheet.pct('Backtest error of the model (MAPE)', mape / 100)} on average"
            )
        if coverage is not None:
            parts.append(
                f"{sheet.pct('Share of actual values inside the 80% band in the backtest', coverage)} "
                "of actual values fell inside its 80% band"
            )
        if parts:
            sheet.add(
                "",
                "How far to trust it: tested on past data, "
                + " and ".join(parts)
                + ".",
            )
    else:
        sheet.add(
            "",
            "This forecast was not back-tested, so its accuracy on your data is unknown.",
        )
    earlier = range_period(
        window.start - pd.DateOffset(years=1),
        window.end - pd.DateOffset(years=1),
        f"the same period a year earlier ({window.start.year - 1})"
        if window.start.year == window.end.year
        else "the same period a year earlier",
    )
    if ctx.covers(earlier):
        actual = metric_value(df, metric, None, earlier)
        a = sheet.figure(metric, f"{name}, {earlier.iso()}", actual)
        change = change_phrase(
            sheet, f"Forecast change on {earlier.iso()}", total, actual
        )
        sheet.add(
            f"For comparison, {name.lower()} in {earlier.label} was {a}"
            + (f" ({change} forecast change)." if change else ".")
        )


def _point_label(date: pd.Timestamp, freq_label: str) -> str:
    if freq_label == "monthly":
        return f"{date:%B %Y}"
    if freq_label == "quarterly":
        return f"Q{(date.month - 1) // 3 + 1} {date.year}"
    if freq_label == "weekly":
        return f"week of {date:%Y-%m-%d}"
    return f"{date:%Y-%m-%d}"


def _no_digits(text: str) -> str:
    """A message from elsewhere with its figures removed (they are not facts here)."""
    return re.sub(r"\s*\(?[-+]?\d[\d.,%]*\)?", "", str(text)).rstrip(". ")
