"""A metric broken down by category, SKU or customer."""

from __future__ import annotations

import pandas as pd

from analytics.chat.common import (
    METRIC_LABELS,
    Intent,
    dimension_words,
)
from analytics.chat.ops.common import (
    figures,
    has_dimension,
    ranked,
    ranked_metric,
    scope_of,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
    quote,
)
from analytics.schema import (
    CATEGORY,
)


def op_breakdown(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    dimension = intent.dimension or CATEGORY
    if not has_dimension(df, dimension):
        singular = dimension_words(dimension)[0]
        sheet.add(f"Your data has no {singular} column to break revenue down by.")
        return
    metric = ranked_metric(sheet, ctx, intent.metric)
    period = intent.periods[0] if intent.periods else None
    scope = scope_of(intent, skus=False)
    scope_words = scope.words
    where = ctx.where(period)
    sheet.op(
        "breakdown",
        by=dimension,
        metric=metric,
        period=period.iso() if period else "all",
    )
    table = figures(df, (metric, "margin"), scope, period, dimension)
    lines = int(table["transactions"].sum())
    sheet.period, sheet.rows = (period.label if period else ctx.span()), lines
    if not lines:
        sheet.add(f"There are no sales{scope_words} in {where}.")
        return
    table_metric = metric
    table = ranked(table, dimension, metric).rename(columns={dimension: "group_key"})
    singular, plural = dimension_words(dimension)
    shown_rows = table.head(10)
    name = METRIC_LABELS[metric]
    sheet.add(f"**{name} by {singular}**{scope_words}, {where}:", "")
    for row in shown_rows.itertuples(index=False):
        key = row.group_key
        value = sheet.figure(
            metric, f"{name} of {singular} {key}, {where}", getattr(row, table_metric)
        )
        share = sheet.pct(
            f"Revenue share of {singular} {key}, {where}", row.revenue_share
        )
        extra = ""
        if ctx.has_profit and metric != "margin" and pd.notna(row.margin):
            extra = ", margin " + sheet.pct(
                f"Profit margin of {singular} {key}, {where}", row.margin
            )
        sheet.add(f"- {quote(key)}: {value} ({share} of revenue{extra})")
    if len(table) > len(shown_rows):
        others = sheet.count(f"Other {plural}, {where}", len(table) - len(shown_rows))
        sheet.add(f"- … and {others} more {plural}.")
