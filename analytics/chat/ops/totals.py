"""Totals of a metric in a period, and comparisons of periods or of entities."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analytics.chat.common import (
    METRIC_LABELS,
    ORDERS,
    Intent,
    dimension_words,
)
from analytics.chat.ops.common import (
    change_phrase,
    context_changes,
    figures,
    metric_available,
    metric_value,
    metric_values,
    movers,
    ranked_metric,
    scope_of,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
    quote,
)
from analytics.query import Filter
from analytics.schema import (
    CATEGORY,
    COST,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)


def op_total(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    metric = ranked_metric(sheet, ctx, intent.metric)
    scope = scope_of(intent)
    period = intent.periods[0] if intent.periods else None
    where = ctx.where(period, "all your data")
    sheet.op(
        "total",
        metric=metric,
        period=period.iso() if period else "all",
        skus=list(intent.skus),
        categories=list(intent.categories),
    )
    name = METRIC_LABELS[metric]
    wanted = (metric, "transactions", PROFIT, "margin")
    values = metric_values(df, wanted, scope, period)
    lines = int(values["transactions"] or 0)
    sheet.period, sheet.rows = (period.label if period else ctx.span()), lines
    if period is not None and not ctx.overlaps(period):
        sheet.add(f"Your data has no rows in {period.label}: it covers {ctx.span()}.")
        return
    if not lines:
        sheet.add(f"There are no sales{scope.words} in {where}.")
        return
    value = values[metric]
    shown = sheet.figure(metric, f"{name}{scope.plain}, {where}", value, exact=True)
    sentence = f"{name}{scope.words} in {where} was **{shown}**"
    if metric not in ("transactions",):
        count = sheet.count(f"Transactions{scope.plain}, {where}", lines)
        sentence += f" ({count} transactions)"
    sheet.add(sentence + ".")
    if intent.share and metric in (
        REVENUE,
        PROFIT,
        COST,
        QUANTITY,
        "transactions",
        ORDERS,
    ):
        whole = metric_value(df, metric, None, period)
        if whole and value is not None:
            part = sheet.pct(
                f"Share of {name.lower()}{scope.plain} in the total, {where}",
                value / whole,
            )
            whole_shown = sheet.figure(metric, f"{name}, all rows, {where}", whole)
            sheet.add(
                f"That is **{part}** of the {whole_shown} total {name.lower()} in {where}."
            )
    if period is not None and not ctx.covers(period):
        sheet.caveat(
            f"Note: your data covers only part of {period.label} ({ctx.span()})."
        )
    if period is not None and period.kind in ("month", "quarter", "year", "week"):
        context_changes(sheet, df, scope, ctx, metric, period, value)
    if metric == REVENUE and ctx.has_profit:
        profit, margin = values[PROFIT], values["margin"]
        if profit is not None:
            p = sheet.money(f"Profit{scope.plain}, {where}", profit, exact=True)
            m = sheet.pct(f"Profit margin{scope.plain}, {where}", margin)
            sheet.add(f"Profit was {p}, a margin of {m}.")


def op_compare(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    scope = scope_of(intent)
    scope_words = scope.words
    periods = list(intent.periods)
    if len(periods) == 1:
        periods.append(
            periods[0].previous()
            if periods[0].kind != "month"
            else periods[0].previous()
        )
    first, second = sorted(periods[:2], key=lambda p: p.start)
    current, base = second, first
    sheet.op(
        "compare",
        current=current.iso(),
        baseline=base.iso(),
        skus=list(intent.skus),
        categories=list(intent.categories),
    )
    sheet.period = f"{base.label} and {current.label}"
    missing = [p.label for p in (current, base) if not ctx.overlaps(p)]
    if missing:
        sheet.add(
            f"Your data has no rows in {' or '.join(missing)}: it covers {ctx.span()}."
        )
        sheet.rows = 0
        return
    sheet.add(f"**{current.label} vs {base.label}**{scope_words}:", "")
    sheet.add(f"| | {current.label} | {base.label} | Change |", "|---|---:|---:|---:|")
    shown_metrics = _table_metrics(ctx, intent)
    now = metric_values(df, (*shown_metrics, "transactions"), scope, current)
    then = metric_values(df, (*shown_metrics, "transactions"), scope, base)
    sheet.rows = int((now["transactions"] or 0) + (then["transactions"] or 0))
    for metric in shown_metrics:
        name = METRIC_LABELS[metric]
        a, b = now[metric], then[metric]
        a_shown = sheet.figure(metric, f"{name}, {current.label}", a)
        b_shown = sheet.figure(metric, f"{name}, {base.label}", b)
        if metric == "margin":
            change = (
                sheet.points(
                    f"Change in margin, {current.label} vs {base.label}", (a - b) * 100
                )
                if a is not None and b is not None
                else "—"
            )
        else:
            change = (
                change_phrase(
                    sheet,
                    f"Change in {name.lower()}, {current.label} vs {base.label}",
                    a,
                    b,
                )
                or "—"
            )
        sheet.add(f"| {name} | {a_shown} | {b_shown} | {change} |")
    sheet.add("")
    partial = [p.label for p in (current, base) if not ctx.covers(p)]
    if partial:
        sheet.caveat(
            f"Note: your data covers only part of {' and '.join(partial)} ({ctx.span()}), "
            "so the comparison is not like for like."
        )
    by = CATEGORY if ctx.has_category and not intent.categories else SKU
    if by == SKU and not ctx.has_sku:
        return
    movers(sheet, df, scope, by, current, base)


def op_compare_entities(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Side-by-side figures of two or more categories, SKUs or values of a column."""
    several = [(column, values) for column, values in intent.where if len(values) >= 2]
    if len(intent.categories) >= 2:
        by, names = CATEGORY, intent.categories
        rest = replace(intent, categories=(), skus=())
    elif len(intent.skus) >= 2 or not several:
        by, names = SKU, intent.skus
        rest = replace(intent, skus=())
    else:
        by, names = several[0]
        rest = replace(intent, where=tuple(w for w in intent.where if w[0] != by))
    singular, _ = dimension_words(by)
    period = intent.periods[0] if intent.periods else None
    scope = scope_of(rest)
    scope_words = scope.words
    named = replace(scope, filters=(*scope.filters, Filter(by, tuple(names))))
    where = ctx.where(period)
    sheet.op(
        "compare_entities",
        by=by,
        names=list(names),
        period=period.iso() if period else "all",
    )
    shown_metrics = _table_metrics(ctx, intent)
    table = figures(df, shown_metrics, named, period, by)
    sheet.period = period.label if period else ctx.span()
    sheet.rows = int(table["transactions"].sum())
    table = table.set_index(by).reindex(list(names))
    header = " | ".join(quote(name) for name in names)
    sheet.add(f"**{singular.capitalize()} comparison**{scope_words}, {where}:", "")
    sheet.add(f"| | {header} |", "|---|" + "---:|" * len(names))
    for metric in shown_metrics:
        label = METRIC_LABELS[metric]
        cells = []
        for name in names:
            value = table.loc[name, metric] if name in table.index else None
            value = None if value is None or pd.isna(value) else float(value)
            if metric == "transactions" and value is None:
                value = 0.0
            cells.append(
                sheet.figure(metric, f"{label} of {singular} {name}, {where}", value)
            )
        sheet.add(f"| {label} | " + " | ".join(cells) + " |")
    revenue = table[REVENUE].fillna(0.0)
    if len(revenue) >= 2 and revenue.sum() > 0:
        leader = revenue.idxmax()
        share = sheet.pct(
            f"Share of {singular} {leader} in the compared revenue",
            float(revenue.max() / revenue.sum()),
        )
        sheet.add("", f"{quote(leader)} brings {share} of their combined revenue.")


def _table_metrics(ctx: DataContext, intent: Intent) -> list[str]:
    """Rows of a comparison table: revenue, profit and margin when known, the metric
    the question names, transactions."""
    shown = [REVENUE] + ([PROFIT, "margin"] if ctx.has_profit else [])
    shown.append("transactions")
    if (
        intent.metric_given
        and intent.metric not in shown
        and metric_available(ctx, intent.metric)
    ):
        shown.insert(1, intent.metric)
    return shown
