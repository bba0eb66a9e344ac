"""Rankings of SKUs, categories, customers and periods; distinct counts."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analytics import metrics
from analytics.chat.common import (
    AOV,
    AOV_ORDER,
    CALENDAR_DIMENSIONS,
    DEFAULT_TOP_N,
    METRIC_LABELS,
    ORDERS,
    PERIOD_DIMENSIONS,
    Intent,
    dimension_words,
)
from analytics.chat.ops.common import (
    has_dimension,
    metric_table,
    metric_value,
    plain_words,
    ranked_metric,
    rows_in,
    scoped_rows,
    totals_by,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
    quote,
)
from analytics.grounding.periods import (
    Period,
    month_period,
    quarter_period,
    range_period,
    year_period,
)
from analytics.schema import (
    CATEGORY,
    DATE,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)


def op_ranking(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    if intent.dimension in PERIOD_DIMENSIONS:
        op_period_ranking(sheet, df, ctx, intent)
        return
    if intent.dimension in CALENDAR_DIMENSIONS:
        op_calendar_ranking(sheet, df, ctx, intent)
        return
    metric = ranked_metric(sheet, ctx, intent.metric)
    dimension = intent.dimension or SKU
    if intent.dimension is None and dimension == SKU and not ctx.has_sku:
        dimension = CATEGORY
    if intent.dimension is None and dimension == CATEGORY and not ctx.has_category:
        dimension = SKU if ctx.has_sku else None
    if dimension is not None and not has_dimension(df, dimension):
        singular, plural = dimension_words(dimension)
        sheet.add(f"Your data has no {singular} column, so I can't rank {plural}.")
        return
    if dimension is None:
        sheet.add(
            "Your data has no SKU or category column, so there is nothing to rank."
        )
        return
    n = intent.n or DEFAULT_TOP_N
    scoped, scope_words = scoped_rows(df, replace(intent, skus=()))
    period = intent.periods[0] if intent.periods else None
    rows = rows_in(scoped, period)
    where = period.label if period else f"all dates ({ctx.span()})"
    sheet.op(
        "ranking",
        metric=metric,
        by=dimension,
        n=n,
        bottom=intent.bottom,
        period=period.iso() if period else "all",
        categories=list(intent.categories),
    )
    sheet.period, sheet.rows = (period.label if period else ctx.span()), len(rows)
    if rows.empty:
        sheet.add(f"There are no sales{scope_words} in {where}.")
        return
    if dimension == SKU and metric in metrics.RANKING_METRICS:
        table_metric = metric
        top, bottom = metrics.top_bottom_skus(rows, n=n, by=metric)
        ranked = bottom if intent.bottom else top
    else:
        table, table_metric = metric_table(rows, dimension, metric)
        table = table.loc[table[table_metric].notna()]
        if intent.bottom:
            table = table.iloc[::-1]
        ranked = table.head(n).reset_index(drop=True)
    singular, plural = dimension_words(dimension)
    word = "Bottom" if intent.bottom else "Top"
    name = METRIC_LABELS[metric]
    listed = sheet.count(f"Number of {plural} listed", len(ranked))
    sheet.add(
        f"**{word} {listed} {plural} by {name.lower()}**{scope_words}, {where}:", ""
    )
    ranked = ranked.rename(columns={dimension: "group_key"})
    for position, row in enumerate(ranked.itertuples(index=False), start=1):
        key = row.group_key
        value = getattr(row, table_metric)
        shown = sheet.figure(metric, f"{name} of {singular} {key}, {where}", value)
        extra = ""
        if metric != REVENUE:
            revenue = sheet.money(f"Revenue of {singular} {key}, {where}", row.revenue)
            shown = {
                QUANTITY: f"{shown} units",
                "transactions": f"{shown} transactions",
                ORDERS: f"{shown} orders",
                AOV: f"average sale {shown}",
                AOV_ORDER: f"average order {shown}",
            }.get(metric, f"{name.lower()} {shown}")
            extra = f" on revenue {revenue}"
        if metric in (REVENUE, PROFIT) and ctx.has_profit and pd.notna(row.margin):
            margin = sheet.pct(
                f"Profit margin of {singular} {key}, {where}", row.margin
            )
            extra += f" ({margin} margin)"
        sheet.add(f"{position}. {quote(key)}: {shown}{extra}")
    total = metric_value(rows, metric)
    if metric in (REVENUE, PROFIT, QUANTITY, "transactions") and total:
        listed_total = float(pd.to_numeric(ranked[table_metric], errors="coerce").sum())
        share = sheet.pct(
            f"Share of total {name.lower()} of the listed {plural}",
            listed_total / total,
        )
        total_shown = sheet.figure(metric, f"Total {name.lower()}, {where}", total)
        sheet.add("", f"Together they account for {share} of the {total_shown} total.")


_PERIOD_FORMATS = {
    "day": "%Y-%m-%d",
    "week": "week of %Y-%m-%d",
    "month": "%B %Y",
    "year": "%Y",
}


def _period_name(start: pd.Timestamp, granularity: str) -> str:
    if granularity == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return start.strftime(_PERIOD_FORMATS[granularity])


def op_period_ranking(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Best (or worst) months, quarters, weeks, days or years by a metric."""
    granularity = intent.dimension or "month"
    if not ctx.has_dates:
        sheet.add("Your data has no dates, so there are no periods to rank.")
        return
    metric = ranked_metric(sheet, ctx, intent.metric)
    scoped, scope_words = scoped_rows(df, intent)
    period = intent.periods[0] if intent.periods else None
    rows = rows_in(scoped, period)
    where = period.label if period else f"all dates ({ctx.span()})"
    n = intent.n or (1 if granularity == "year" else 3)
    sheet.op(
        "period_ranking",
        metric=metric,
        granularity=granularity,
        n=n,
        bottom=intent.bottom,
        period=period.iso() if period else "all",
    )
    sheet.period, sheet.rows = (period.label if period else ctx.span()), len(rows)
    dated = rows.loc[rows[DATE].notna()]
    if dated.empty:
        sheet.add(f"There are no dated sales{scope_words} in {where}.")
        return
    freq = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
    start = dated[DATE].dt.to_period(freq[granularity]).dt.start_time
    totals = totals_by(dated, start, orders=metric in (ORDERS, AOV_ORDER))
    ranked = (
        totals[metric]
        .dropna()
        .sort_values(ascending=intent.bottom, kind="mergesort")
        .head(n)
    )
    name = METRIC_LABELS[metric]
    word = "Weakest" if intent.bottom else "Best"
    plural = granularity + "s"
    count = sheet.count(f"Number of {plural} listed", len(ranked))
    sheet.add(
        f"**{word} {count} {plural} by {name.lower()}**{scope_words}, {where}:", ""
    )
    for position, (when, value) in enumerate(ranked.items(), start=1):
        label = _period_name(when, granularity)
        shown = sheet.figure(
            metric, f"{name}{plain_words(scope_words)}, {label}", value
        )
        sheet.add(f"{position}. {label}: {shown}")
    periods_n = sheet.count(f"{plural.capitalize()} with sales, {where}", len(totals))
    typical = totals[metric].median()
    typical_shown = sheet.figure(
        metric, f"Median {name.lower()} per {granularity}", typical
    )
    sheet.add(
        "",
        f"For comparison, the median of the {periods_n} {plural} is {typical_shown}.",
    )
    first_period = _period_name(totals.index[0], granularity)
    last_period = _period_name(totals.index[-1], granularity)
    if not ctx.covers(_as_period(totals.index[0], granularity)) or not ctx.covers(
        _as_period(totals.index[-1], granularity)
    ):
        sheet.caveat(
            f"Note: the first or last {granularity} ({first_period}, {last_period}) may "
            "be only partly covered by your data."
        )


def _as_period(start: pd.Timestamp, granularity: str) -> Period:
    if granularity == "month":
        return month_period(start.year, start.month)
    if granularity == "quarter":
        return quarter_period(start.year, (start.month - 1) // 3 + 1)
    if granularity == "year":
        return year_period(start.year)
    days = 7 if granularity == "week" else 1
    return range_period(start, start + pd.Timedelta(days=days - 1))


def op_count(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """How many distinct SKUs, categories or customers sold."""
    dimension = intent.dimension or SKU
    singular, plural = dimension_words(dimension)
    period = intent.periods[0] if intent.periods else None
    scoped, scope_words = scoped_rows(df, replace(intent, skus=()))
    rows = rows_in(scoped, period)
    where = period.label if period else ctx.span()
    sheet.op("count", by=dimension, period=period.iso() if period else "all")
    sheet.period, sheet.rows = where, len(rows)
    if not rows[dimension].notna().any():
        sheet.add(f"Your data has no {singular} column, so I can't count {plural}.")
        return
    n = sheet.count(
        f"Distinct {plural}{plain_words(scope_words)}, {where}",
        rows[dimension].nunique(),
    )
    t = sheet.count(f"Transactions{plain_words(scope_words)}, {where}", len(rows))
    sheet.add(
        f"**{n} different {plural}** had sales{scope_words} in {where} ({t} transactions)."
    )
    if dimension != SKU or not ctx.has_sku:
        return
    pareto = metrics.abc_pareto(rows)
    carriers = sheet.count(
        f"{plural.capitalize()} bringing 80% of revenue, {where}",
        int((pareto["class"] == "A").sum()),
    )
    sheet.fact("Revenue share used for the core range", 0.8, "80%")
    sheet.add(f"{carriers} of them bring 80% of revenue.")


_WEEKDAYS = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
#: Metrics that are ratios: per calendar month or weekday they are ratios of the sums.
_RATIOS = {"margin": (PROFIT, REVENUE), AOV: (REVENUE, "transactions")}


def op_calendar_ranking(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Which calendar month (or day of the week) is usually strongest.

    Months: each complete month of the data, averaged per calendar month over the years.
    Weekdays: the total of each weekday divided by how many of that weekday the data
    covers. Ratios (margin, average values) are ratios of the sums.
    """
    grain = intent.dimension
    if not ctx.has_dates:
        sheet.add("Your data has no dates, so there is no calendar pattern to show.")
        return
    metric = ranked_metric(sheet, ctx, intent.metric)
    scoped, scope_words = scoped_rows(df, intent)
    period = intent.periods[0] if intent.periods else None
    rows = rows_in(scoped, period)
    where = period.label if period else f"all dates ({ctx.span()})"
    n = intent.n or 3
    sheet.op(
        "calendar_ranking",
        metric=metric,
        granularity=grain,
        n=n,
        bottom=intent.bottom,
        period=period.iso() if period else "all",
    )
    sheet.period, sheet.rows = (period.label if period else ctx.span()), len(rows)
    dated = rows.loc[rows[DATE].notna()]
    if dated.empty:
        sheet.add(f"There are no dated sales{scope_words} in {where}.")
        return
    name = METRIC_LABELS[metric]
    if grain == "month_of_year":
        start = dated[DATE].dt.to_period("M").dt.start_time
        months = totals_by(dated, start, orders=metric in (ORDERS, AOV_ORDER))
        complete = [ctx.covers(month_period(t.year, t.month)) for t in months.index]
        months = months.loc[complete]
        if months.empty:
            sheet.add("Your data covers no complete month, so I can't compare months.")
            return
        calendar = months.index.month
        sums = months.groupby(calendar).sum(min_count=1)
        spans = months.groupby(calendar).size()
        labels = {m: month_period(2000, m).label.split()[0] for m in sums.index}
        per, unit = "per year", "year"
    else:
        day = dated[DATE].dt.normalize()
        sums = totals_by(
            dated, day.dt.day_of_week, orders=metric in (ORDERS, AOV_ORDER)
        )
        first, last = ctx.first, ctx.covered_to
        if period is not None:
            first, last = max(first, period.start), min(last, period.end)
        days = pd.date_range(first, last, freq="D")
        spans = pd.Series(days.day_of_week).value_counts().reindex(sums.index).fillna(0)
        labels = {d: _WEEKDAYS[d] for d in sums.index}
        per, unit = "per day", "day"
    if metric in _RATIOS or metric == "margin":
        top_col, bottom_col = _RATIOS.get(metric, (REVENUE, ORDERS))
        values = (sums[top_col] / sums[bottom_col]).where(sums[bottom_col] != 0)
        shown_name = name
    elif metric == AOV_ORDER:
        values = (sums[REVENUE] / sums[ORDERS]).where(sums[ORDERS] != 0)
        shown_name = name
    else:
        values = sums[metric] / spans.where(spans > 0)
        shown_name = f"Average {name.lower()} {per}"
    ranked = (
        values.dropna().sort_values(ascending=intent.bottom, kind="mergesort").head(n)
    )
    word = "Weakest" if intent.bottom else "Strongest"
    what = "months of the year" if grain == "month_of_year" else "days of the week"
    count = sheet.count(f"Number of {what} listed", len(ranked))
    sheet.add(f"**{word} {count} {what} by {name.lower()}**{scope_words}, {where}:", "")
    for position, (key, value) in enumerate(ranked.items(), start=1):
        label = labels[key]
        shown = sheet.figure(
            metric, f"{shown_name}{plain_words(scope_words)}, {label}", value
        )
        spans_n = sheet.count(f"{unit.capitalize()}s counted for {label}", spans[key])
        times = "years" if grain == "month_of_year" else f"{label}s"
        sheet.add(f"{position}. {label}: {shown} (over {spans_n} {times})")
    if grain == "month_of_year":
        sheet.add(
            "",
            "Each complete month of your data counts once; a calendar month's figure is "
            "the average over the years that have it.",
        )
    else:
        sheet.add(
            "",
            "Each weekday's total is divided by how many of that weekday your data covers.",
        )
