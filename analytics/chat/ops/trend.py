"""Trends: a year against the year before, month by month; a period against the one before."""

from __future__ import annotations

import pandas as pd

from analytics.chat.common import (
    METRIC_LABELS,
    Intent,
)
from analytics.chat.ops.common import (
    Scope,
    change_phrase,
    context_changes,
    metric_values,
    monthly_values,
    movers,
    plain_words,
    scope_of,
    usable_metric,
    year_span,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
)
from analytics.grounding.periods import (
    Period,
    month_period,
    range_period,
)
from analytics.schema import (
    CATEGORY,
    COST,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)


def op_trend(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    metric = (
        intent.metric if intent.metric in (REVENUE, PROFIT, COST, QUANTITY) else REVENUE
    )
    metric = usable_metric(sheet, ctx, metric)
    scope = scope_of(intent)
    scope_words = scope.words
    if not ctx.has_dates:
        sheet.add("Your data has no dates, so there is no trend to show.")
        return
    name = METRIC_LABELS[metric]
    if intent.periods and intent.periods[0].kind == "year":
        year = intent.periods[0].start.year
    elif intent.periods:
        op_period_trend(sheet, df, ctx, metric, intent.periods[0], scope)
        return
    else:
        year = ctx.covered_to.year
    this = year_span(ctx, year)
    sheet.op("trend", metric=metric, period=this.iso(), granularity="month")
    sheet.period = this.label
    if year == ctx.covered_to.year:
        sheet.caveat(
            f"“This year” is **{year}**, the latest year in your data "
            f"(which runs to {ctx.covered_to:%Y-%m-%d})."
        )
    now = metric_values(df, (metric, "transactions", "margin"), scope, this)
    sheet.rows = int(now["transactions"] or 0)
    if not sheet.rows:
        sheet.add(f"There are no sales{scope_words} in {this.label}.")
        return
    total = now[metric]
    shown_total = sheet.figure(
        metric, f"{name}{plain_words(scope_words)}, {this.label}", total
    )
    last_year = range_period(
        this.start - pd.DateOffset(years=1),
        this.end - pd.DateOffset(years=1),
        f"the same months of {year - 1}" if this.kind == "range" else str(year - 1),
    )
    bullet = f"- {name}{scope_words}, {this.label}: **{shown_total}**"
    before = metric_values(df, (metric, "transactions", "margin"), scope, last_year)
    has_previous = ctx.covers(last_year) and bool(before["transactions"])
    if has_previous:
        previous_total = before[metric]
        prev_shown = sheet.figure(
            metric,
            f"{name}{plain_words(scope_words)}, {last_year.label}",
            previous_total,
        )
        change = change_phrase(
            sheet,
            f"Change in {name.lower()}, {this.label} vs {last_year.label}",
            total,
            previous_total,
        )
        if change:
            bullet += f", {change} on {last_year.label} ({prev_shown})"
    sheet.add(bullet + ".")

    monthly = monthly_values(df, metric, scope, this)
    monthly = monthly.loc[
        [ctx.covers(month_period(p.year, p.month)) for p in monthly.index]
    ]
    values = monthly.reset_index(drop=True)
    periods = pd.Series(monthly.index)
    if len(monthly) >= 2:
        best, worst = int(values.to_numpy().argmax()), int(values.to_numpy().argmin())
        best_p, worst_p = periods.iloc[best], periods.iloc[worst]
        best_v = sheet.figure(
            metric, f"{name}, best month {best_p:%B %Y}", float(values.iloc[best])
        )
        worst_v = sheet.figure(
            metric, f"{name}, weakest month {worst_p:%B %Y}", float(values.iloc[worst])
        )
        sheet.add(
            f"- Best month: {best_p:%B %Y} ({best_v}); weakest: {worst_p:%B %Y} ({worst_v})."
        )
        if has_previous:
            prev_monthly = monthly_values(df, metric, scope, last_year)
            prev_by_month = pd.Series(
                prev_monthly.to_numpy(), index=prev_monthly.index.month
            )
            aligned = prev_by_month.reindex(periods.dt.month.to_numpy())
            both = aligned.notna().to_numpy()
            above = int((values.to_numpy()[both] > aligned.to_numpy()[both]).sum())
            months_n = int(both.sum())
            if months_n:
                a = sheet.count(
                    f"Months of {year} above the same month of {year - 1}", above
                )
                m = sheet.count(f"Months of {year} compared with {year - 1}", months_n)
                sheet.add(
                    f"- {a} of {m} months were above the same month of {year - 1}."
                )
        half = len(values) // 2
        if half >= 2:
            early = float(values.iloc[:half].mean())
            late = float(values.iloc[-half:].mean())
            direction = change_phrase(
                sheet,
                f"Average monthly {name.lower()}, last {half} vs first {half} months of {this.label}",
                late,
                early,
            )
            if direction:
                half_shown = sheet.count(
                    f"Months in each half of {this.label} compared", half
                )
                late_shown = sheet.figure(
                    metric, f"Average monthly {name.lower()}, last {half} months", late
                )
                early_shown = sheet.figure(
                    metric,
                    f"Average monthly {name.lower()}, first {half} months",
                    early,
                )
                sheet.add(
                    f"- Momentum: the last {half_shown} months averaged {late_shown} a month "
                    f"against {early_shown} in the first {half_shown} ({direction})."
                )
    if metric == REVENUE and ctx.has_profit:
        margin = now["margin"]
        m = sheet.pct(f"Profit margin, {this.label}", margin)
        line = f"- Profit margin: {m}"
        if has_previous:
            previous_margin = before["margin"]
            if margin is not None and previous_margin is not None:
                pm = sheet.pct(f"Profit margin, {last_year.label}", previous_margin)
                diff = sheet.points(
                    f"Change in profit margin, {this.label} vs {last_year.label}",
                    (margin - previous_margin) * 100,
                )
                line += f" against {pm} ({diff})"
        sheet.add(line + ".")
    if has_previous and ctx.has_category and not intent.categories:
        movers(sheet, df, scope, CATEGORY, this, last_year)
    elif has_previous and ctx.has_sku and not intent.skus:
        movers(sheet, df, scope, SKU, this, last_year)


def op_period_trend(
    sheet: FactSheet,
    df: pd.DataFrame,
    ctx: DataContext,
    metric: str,
    period: Period,
    scope: Scope,
) -> None:
    """Trend within a month/quarter/range: its total and the change on the period before."""
    sheet.op("trend", metric=metric, period=period.iso())
    sheet.period = period.label
    values = metric_values(df, (metric, "transactions"), scope, period)
    sheet.rows = int(values["transactions"] or 0)
    name = METRIC_LABELS[metric]
    if not sheet.rows:
        sheet.add(f"There are no sales{scope.words} in {period.label}.")
        return
    value = values[metric]
    shown = sheet.figure(metric, f"{name}{scope.plain}, {period.label}", value)
    sheet.add(f"{name}{scope.words} in {period.label}: **{shown}**.")
    context_changes(sheet, df, scope, ctx, metric, period, value)
