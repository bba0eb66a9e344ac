"""Named days of the week as a filter: "revenue on Mondays", "sales on weekends".

The figures are the query engine's totals per day of the week (the same grouping as the
weekday ranking), kept for the days asked about: their total in the period, how many
such days the data covers there, and the average per such day. Ratios (margin, average
values) are ratios of the sums.
"""

from __future__ import annotations

import pandas as pd

from analytics.chat.asks import DAY_NAMES, days_unit, days_words
from analytics.chat.common import METRIC_LABELS, Intent
from analytics.chat.ops.common import figures, period_op, ranked_metric, scope_of
from analytics.chat.ops.rankings import RATIO_PARTS
from analytics.grounding.context import DataContext
from analytics.grounding.facts import FactSheet
from analytics.schema import REVENUE


def covered_weekdays(
    ctx: DataContext, period_start: pd.Timestamp | None, period_end: pd.Timestamp | None
) -> pd.Series:
    """How many of each day of the week (index 0 = Monday) the data covers, from its
    first day (or ``period_start``) to its last covered day (or ``period_end``)."""
    first, last = ctx.first, ctx.covered_to
    if period_start is not None:
        first = max(first, period_start)
    if period_end is not None:
        last = min(last, period_end)
    days = pd.date_range(first, last, freq="D") if first <= last else []
    counts = pd.Series(pd.DatetimeIndex(days).day_of_week).value_counts()
    return counts.reindex(range(7), fill_value=0)


def op_weekday_total(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """The metric on the named days of the week, in the period and scope asked."""
    days = tuple(sorted(intent.weekdays))
    said = days_words(days)
    period = intent.periods[0] if intent.periods else None
    metric = ranked_metric(sheet, ctx, intent.metric)
    scope = scope_of(intent)
    where = ctx.where(period)
    if period_op(
        sheet,
        ctx,
        period,
        "weekday_total",
        metric=metric,
        days=[DAY_NAMES[d] for d in days],
    ):
        return
    if not ctx.has_dates:
        sheet.add("Your data has no dates, so I can't tell the days of the week apart.")
        return
    parts = RATIO_PARTS.get(metric, (metric,))
    table = figures(df, parts, scope, period, "weekday")
    table = table.set_index(table["weekday"].map(DAY_NAMES.index))
    chosen = table.reindex(list(days))
    sheet.rows = int(chosen["transactions"].fillna(0).sum())
    counted = covered_weekdays(
        ctx,
        period.start if period else None,
        period.end if period else None,
    )
    n_days = int(counted.loc[list(days)].sum())
    name = METRIC_LABELS[metric]
    plain = scope.plain
    label_days = days_unit(days)
    n_shown = sheet.count(f"{label_days.capitalize()} covered{plain}, {where}", n_days)
    if n_days == 0:
        sheet.add(f"Your data covers no {said} in {where}.")
        return
    sums = chosen[list(parts)].sum(min_count=1)
    if metric in RATIO_PARTS:
        top, bottom = RATIO_PARTS[metric]
        value = sums[top] / sums[bottom] if sums[bottom] else None
        shown = sheet.figure(metric, f"{name} on {label_days}{plain}, {where}", value)
        sheet.add(
            f"**{name} on {said}**{scope.words}, {where}: **{shown}** "
            f"(over the {n_shown} {label_days} your data covers there)."
        )
    else:
        total = float(sums[metric]) if pd.notna(sums[metric]) else 0.0
        shown = sheet.figure(metric, f"{name} on {label_days}{plain}, {where}", total)
        per_day = sheet.figure(
            metric, f"Average {name.lower()} per day on {label_days}{plain}, {where}",
            total / n_days,
        )  # fmt: skip
        sheet.add(
            f"**{name} on {said}**{scope.words}, {where}: **{shown}** over the "
            f"{n_shown} {label_days} your data covers there, {per_day} per day on "
            "average."
        )
        everything = figures(df, (metric,), scope, period)
        whole = float(everything[metric].iloc[0]) if len(everything) else 0.0
        if metric == REVENUE and whole > 0 and total >= 0:
            share = sheet.pct(
                f"Share of revenue on {label_days}{plain}, {where}", total / whole
            )
            sheet.add(f"That is {share} of the revenue{scope.words} in {where}.")
    if len(days) > 1 and len(days) < 7:
        sheet.add("", "Each day:")
        for day in days:
            day_sums = chosen.loc[day, list(parts)]
            day_name = DAY_NAMES[day] + "s"
            if metric in RATIO_PARTS:
                top, bottom = RATIO_PARTS[metric]
                value = day_sums[top] / day_sums[bottom] if day_sums[bottom] else None
            else:
                value = float(day_sums[metric]) if pd.notna(day_sums[metric]) else 0.0
            day_shown = sheet.figure(
                metric, f"{name} on {day_name}{plain}, {where}", value
            )
            day_n = sheet.count(
                f"{day_name} covered{plain}, {where}", int(counted.loc[day])
            )
            sheet.add(f"- {day_name}: {day_shown} (over {day_n} {day_name})")
    sheet.add(
        "",
        "Days are the dates of your data's lines; a day counts as covered when it lies "
        "between the first and the last date of your data (and in the period asked), "
        "with or without sales.",
    )
