"""Rankings of SKUs, categories, customers, any column and periods; distinct counts.

Every figure comes from the query engine (:func:`~analytics.chat.ops.common.figures`):
one grouped query per answer, ranked and worded here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.chat.asks import DAY_NAMES
from analytics.chat.common import (
    AOV,
    AOV_ORDER,
    AVG_PRICE,
    CALENDAR_DIMENSIONS,
    DEFAULT_TOP_N,
    METRIC_LABELS,
    ORDERS,
    PERIOD_DIMENSIONS,
    Intent,
    dimension_words,
)
from analytics.chat.ops.common import (
    Scope,
    figures,
    has_dimension,
    plain_words,
    ranked,
    ranked_metric,
    scope_of,
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
from analytics.metrics.skus import pareto_classes
from analytics.query import NOT_SET
from analytics.schema import (
    CATEGORY,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)


@dataclass(frozen=True)
class _Ask:
    """What a ranking question covers: its metric, rows and words for them."""

    metric: str
    scope: Scope
    period: Period | None
    where: str  # "2016" or "all dates (… to …)"


def _ask(
    sheet: FactSheet,
    ctx: DataContext,
    intent: Intent,
    op: str,
    *,
    skus: bool = True,
    **details,
) -> _Ask:
    """The metric (falling back to revenue with a caveat), scope and period of a
    ranking, recorded on the sheet."""
    metric = ranked_metric(sheet, ctx, intent.metric)
    period = intent.periods[0] if intent.periods else None
    sheet.op(
        op,
        metric=metric,
        **details,
        bottom=intent.bottom,
        period=period.iso() if period else "all",
    )
    sheet.period = period.label if period else ctx.span()
    where = ctx.where(period)
    return _Ask(metric, scope_of(intent, skus=skus), period, where)


def _grouped(df: pd.DataFrame, ask: _Ask, by: str, *extra: str) -> pd.DataFrame:
    """The engine's figures per value of ``by`` (a column or a time grain)."""
    return figures(df, (ask.metric, *extra), ask.scope, ask.period, by)


def op_ranking(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    if intent.dimension in PERIOD_DIMENSIONS:
        op_period_ranking(sheet, df, ctx, intent)
        return
    if intent.dimension in CALENDAR_DIMENSIONS:
        op_calendar_ranking(sheet, df, ctx, intent)
        return
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
    ask = _ask(
        sheet,
        ctx,
        intent,
        "ranking",
        skus=False,
        by=dimension,
        n=n,
        categories=list(intent.categories),
    )
    metric, where = ask.metric, ask.where
    table = _grouped(df, ask, dimension, "margin")
    sheet.rows = int(table["transactions"].sum())
    if not sheet.rows:
        sheet.add(f"There are no sales{ask.scope.words} in {where}.")
        return
    if dimension == SKU:
        table = table.loc[table[SKU] != NOT_SET]
    ranked_rows = ranked(table.loc[table[metric].notna()], dimension, metric,
                         bottom=intent.bottom).head(n)  # fmt: skip
    singular, plural = dimension_words(dimension)
    word = "Bottom" if intent.bottom else "Top"
    name = METRIC_LABELS[metric]
    listed = sheet.count(f"Number of {plural} listed", len(ranked_rows))
    sheet.add(
        f"**{word} {listed} {plural} by {name.lower()}**{ask.scope.words}, {where}:",
        "",
    )
    for position, row in enumerate(ranked_rows.to_dict("records"), start=1):
        key = row[dimension]
        value = row[metric]
        shown = sheet.figure(metric, f"{name} of {singular} {key}, {where}", value)
        extra = ""
        if metric != REVENUE:
            revenue = sheet.money(f"Revenue of {singular} {key}, {where}", row[REVENUE])
            shown = {
                QUANTITY: f"{shown} units",
                "transactions": f"{shown} transactions",
                ORDERS: f"{shown} orders",
                AOV: f"average sale {shown}",
                AOV_ORDER: f"average order {shown}",
                "customers": f"{shown} customers",
            }.get(metric, f"{name.lower()} {shown}")
            extra = f" on revenue {revenue}"
        if metric in (REVENUE, PROFIT) and ctx.has_profit and pd.notna(row["margin"]):
            margin = sheet.pct(
                f"Profit margin of {singular} {key}, {where}", row["margin"]
            )
            extra += f" ({margin} margin)"
        sheet.add(f"{position}. {quote(key)}: {shown}{extra}")
    total = figures(df, (metric,), ask.scope, ask.period)[metric].iloc[0]
    if metric in (REVENUE, PROFIT, QUANTITY, "transactions") and total:
        listed_total = float(ranked_rows[metric].sum())
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


def _period_start(label: str, granularity: str) -> pd.Timestamp:
    """The first day of a period from the engine's label ("2016-03", "2016-Q2", …)."""
    if granularity == "quarter":
        year, quarter = label.split("-Q")
        return pd.Timestamp(int(year), 3 * int(quarter) - 2, 1)
    return pd.Timestamp(label)


def _by_period(
    df: pd.DataFrame, ask: _Ask, granularity: str, *extra: str
) -> pd.DataFrame:
    """The engine's figures per period (time order), indexed by each period's start."""
    table = _grouped(df, ask, granularity, *extra)
    starts = [_period_start(label, granularity) for label in table[granularity]]
    return table.set_index(pd.DatetimeIndex(starts))


def op_period_ranking(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Best (or worst) months, quarters, weeks, days or years by a metric."""
    granularity = intent.dimension or "month"
    if not ctx.has_dates:
        sheet.add("Your data has no dates, so there are no periods to rank.")
        return
    n = intent.n or (1 if granularity == "year" else 3)
    ask = _ask(sheet, ctx, intent, "period_ranking", granularity=granularity, n=n)
    metric, where, scope_words = ask.metric, ask.where, ask.scope.words
    totals = _by_period(df, ask, granularity)
    sheet.rows = int(totals["transactions"].sum())
    if totals.empty:
        sheet.add(f"There are no dated sales{scope_words} in {where}.")
        return
    ranked_values = (
        totals[metric]
        .dropna()
        .sort_values(ascending=intent.bottom, kind="mergesort")
        .head(n)
    )
    name = METRIC_LABELS[metric]
    word = "Weakest" if intent.bottom else "Best"
    plural = granularity + "s"
    count = sheet.count(f"Number of {plural} listed", len(ranked_values))
    sheet.add(
        f"**{word} {count} {plural} by {name.lower()}**{scope_words}, {where}:", ""
    )
    for position, (when, value) in enumerate(ranked_values.items(), start=1):
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
    """How many distinct SKUs, categories, customers or values of a column sold."""
    dimension = intent.dimension or SKU
    singular, plural = dimension_words(dimension)
    period = intent.periods[0] if intent.periods else None
    scope = scope_of(intent, skus=False)
    where = ctx.where(period, "")
    sheet.op("count", by=dimension, period=period.iso() if period else "all")
    sheet.period, sheet.rows = (period.label if period else ctx.span()), 0
    if not has_dimension(df, dimension):
        sheet.add(f"Your data has no {singular} column, so I can't count {plural}.")
        return
    table = figures(df, (REVENUE,), scope, period, dimension)
    lines = sheet.rows = int(table["transactions"].sum())
    known = table.loc[table[dimension] != NOT_SET]
    if known.empty:
        sheet.add(f"There are no sales with a {singular}{scope.words} in {where}.")
        return
    n = sheet.count(f"Distinct {plural}{scope.plain}, {where}", len(known))
    t = sheet.count(f"Transactions{scope.plain}, {where}", lines)
    sheet.add(
        f"**{n} different {plural}** had sales{scope.words} in {where} ({t} transactions)."
    )
    if dimension != SKU or not ctx.has_sku:
        return
    pareto = pareto_classes(known[[SKU, REVENUE]])
    carriers = sheet.count(
        f"{plural.capitalize()} bringing 80% of revenue, {where}",
        int((pareto["class"] == "A").sum()),
    )
    sheet.fact("Revenue share used for the core range", 0.8, "80%")
    sheet.add(f"{carriers} of them bring 80% of revenue.")


#: Metrics that are ratios: per calendar month or weekday they are ratios of the sums.
RATIO_PARTS = {
    "margin": (PROFIT, REVENUE),
    AOV: (REVENUE, "transactions"),
    AOV_ORDER: (REVENUE, ORDERS),
    AVG_PRICE: (REVENUE, QUANTITY),
}


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
    n = intent.n or 3
    ask = _ask(sheet, ctx, intent, "calendar_ranking", granularity=grain, n=n)
    metric, where, scope_words = ask.metric, ask.where, ask.scope.words
    parts = RATIO_PARTS.get(metric, (metric,))
    name = METRIC_LABELS[metric]
    if grain == "month_of_year":
        months = _by_period(df, ask, "month", *parts)
        sheet.rows = int(months["transactions"].sum())
        if months.empty:
            sheet.add(f"There are no dated sales{scope_words} in {where}.")
            return
        complete = [ctx.covers(month_period(t.year, t.month)) for t in months.index]
        months = months.loc[complete]
        if months.empty:
            sheet.add("Your data covers no complete month, so I can't compare months.")
            return
        calendar = months.index.month
        sums = months[list(parts)].groupby(calendar).sum(min_count=1)
        spans = months.groupby(calendar).size()
        labels = {m: month_period(2000, m).label.split()[0] for m in sums.index}
        per, unit = "per year", "year"
    else:
        days_table = _grouped(df, ask, "weekday", *parts)
        sheet.rows = int(days_table["transactions"].sum())
        if days_table.empty:
            sheet.add(f"There are no dated sales{scope_words} in {where}.")
            return
        weekday = [DAY_NAMES.index(label) for label in days_table["weekday"]]
        sums = days_table.set_index(pd.Index(weekday))[list(parts)].sort_index()
        first, last = ctx.first, ctx.covered_to
        if ask.period is not None:
            first, last = max(first, ask.period.start), min(last, ask.period.end)
        days = pd.date_range(first, last, freq="D")
        spans = pd.Series(days.day_of_week).value_counts().reindex(sums.index).fillna(0)
        labels = {d: DAY_NAMES[d] for d in sums.index}
        per, unit = "per day", "day"
    if metric in RATIO_PARTS:
        top_col, bottom_col = RATIO_PARTS[metric]
        values = (sums[top_col] / sums[bottom_col]).where(sums[bottom_col] != 0)
        shown_name = name
    else:
        values = sums[metric] / spans.where(spans > 0)
        shown_name = f"Average {name.lower()} {per}"
    ranked_values = (
        values.dropna().sort_values(ascending=intent.bottom, kind="mergesort").head(n)
    )
    word = "Weakest" if intent.bottom else "Strongest"
    what = "months of the year" if grain == "month_of_year" else "days of the week"
    count = sheet.count(f"Number of {what} listed", len(ranked_values))
    sheet.add(f"**{word} {count} {what} by {name.lower()}**{scope_words}, {where}:", "")
    for position, (key, value) in enumerate(ranked_values.items(), start=1):
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
