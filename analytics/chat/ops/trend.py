"""Trends: a year against the year before, month by month; a period against the one before."""

from __future__ import annotations

import pandas as pd

from analytics import metrics
from analytics.chat.common import (
    METRIC_LABELS,
    Intent,
)
from analytics.chat.ops.common import (
    change_phrase,
    context_changes,
    metric_value,
    movers,
    plain_words,
    rows_in,
    scoped_rows,
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
    DATE,
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
    scoped, scope_words = scoped_rows(df, intent)
    if not ctx.has_dates:
        sheet.add("Your data has no dates, so there is no trend to show.")
        return
    name = METRIC_LABELS[metric]
    if intent.periods and intent.periods[0].kind == "year":
        year = intent.periods[0].start.year
    elif intent.periods:
        op_period_trend(sheet, scoped, ctx, metric, intent.periods[0], scope_words)
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
    rows = rows_in(scoped, this)
    sheet.rows = len(rows)
    if rows.empty:
        sheet.add(f"There are no sales{scope_words} in {this.label}.")
        return
    total = metric_value(rows, metric)
    shown_total = sheet.figure(
        metric, f"{name}{plain_words(scope_words)}, {this.label}", total
    )
    last_year = range_period(
        this.start - pd.DateOffset(years=1),
        this.end - pd.DateOffset(years=1),
        f"the same months of {year - 1}" if this.kind == "range" else str(year - 1),
    )
    bullet = f"- {name}{scope_words}, {this.label}: **{shown_total}**"
    previous_rows = rows_in(scoped, last_year)
    has_previous = ctx.covers(last_year) and not previous_rows.empty
    if has_previous:
        previous_total = metric_value(previous_rows, metric)
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

    _, monthly = metrics.timeseries(rows, "month")
    monthly = monthly.loc[
        [ctx.covers(month_period(p.year, p.month)) for p in monthly["period"]]
    ]
    values = monthly[metric] if metric in monthly else None
    if metric == QUANTITY:
        values = _monthly_quantity(rows, monthly["period"])
    if values is not None and len(monthly) >= 2:
        best, worst = int(values.to_numpy().argmax()), int(values.to_numpy().argmin())
        best_p, worst_p = monthly["period"].iloc[best], monthly["period"].iloc[worst]
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
            prev_monthly = metrics.timeseries(previous_rows, "month")[1]
            prev_values = (
                _monthly_quantity(previous_rows, prev_monthly["period"])
                if metric == QUANTITY
                else prev_monthly[metric]
            )
            prev_by_month = pd.Series(
                prev_values.to_numpy(), index=prev_monthly["period"].dt.month
            )
            aligned = prev_by_month.reindex(monthly["period"].dt.month.to_numpy())
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
        margin = metric_value(rows, "margin")
        m = sheet.pct(f"Profit margin, {this.label}", margin)
        line = f"- Profit margin: {m}"
        if has_previous:
            previous_margin = metric_value(previous_rows, "margin")
            if margin is not None and previous_margin is not None:
                pm = sheet.pct(f"Profit margin, {last_year.label}", previous_margin)
                diff = sheet.points(
                    f"Change in profit margin, {this.label} vs {last_year.label}",
                    (margin - previous_margin) * 100,
                )
                line += f" against {pm} ({diff})"
        sheet.add(line + ".")
    if has_previous and ctx.has_category and not intent.categories:
        movers(sheet, rows, previous_rows, CATEGORY, this, last_year)
    elif has_previous and ctx.has_sku and not intent.skus:
        movers(sheet, rows, previous_rows, SKU, this, last_year)


def _monthly_quantity(rows: pd.DataFrame, periods: pd.Series) -> pd.Series:
    month = rows[DATE].dt.to_period("M").dt.start_time
    sums = rows[QUANTITY].groupby(month).sum()
    return pd.Series(
        sums.reindex(periods.to_numpy(), fill_value=0.0).to_numpy(), index=periods.index
    )


def op_period_trend(
    sheet: FactSheet,
    scoped: pd.DataFrame,
    ctx: DataContext,
    metric: str,
    period: Period,
    scope_words: str,
) -> None:
    """Trend within a month/quarter/range: its total and the change on the period before."""
    sheet.op("trend", metric=metric, period=period.iso())
    sheet.period = period.label
    rows = rows_in(scoped, period)
    sheet.rows = len(rows)
    name = METRIC_LABELS[metric]
    if rows.empty:
        sheet.add(f"There are no sales{scope_words} in {period.label}.")
        return
    value = metric_value(rows, metric)
    shown = sheet.figure(
        metric, f"{name}{plain_words(scope_words)}, {period.label}", value
    )
    sheet.add(f"{name}{scope_words} in {period.label}: **{shown}**.")
    context_changes(sheet, scoped, ctx, metric, period, value, scope_words)
