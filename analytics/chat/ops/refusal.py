"""Questions the data cannot answer as asked: say which part and why, offer three that work.

The chat never answers a different question instead. The three suggestions are questions
the parser reads with no gap on this data (each is checked), starting with the part of
the question that can be answered.
"""

from __future__ import annotations

import pandas as pd

from analytics.chat.common import (
    AOV_ORDER,
    METRIC_LABELS,
    ORDERS,
    PERIOD_DIMENSIONS,
    Intent,
    dimension_words,
)
from analytics.chat.dataset import ChatDataset, chat_dataset
from analytics.chat.ops.common import has_dimension, metric_available
from analytics.chat.parser import parse_intent
from analytics.grounding.context import DataContext
from analytics.grounding.facts import FactSheet
from analytics.schema import PROFIT, REVENUE

#: How many answerable questions a refusal offers.
SUGGESTIONS = 3
_METRIC_WORD = {
    REVENUE: "revenue",
    PROFIT: "profit",
    "cost": "cost",
    "margin": "profit margin",
    "quantity": "units sold",
    "transactions": "transactions",
}


def op_not_covered(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    sheet.op("not_covered", parts=[gap.part for gap in intent.gaps])
    sheet.period, sheet.rows = ctx.span(), ctx.rows
    sheet.add(
        "I can't answer that as asked, and I won't answer a different question instead:",
        "",
        *(f"- **{gap.part}**: {gap.reason}" for gap in intent.gaps),
        "",
        "I can answer, for example:",
        *(f"- {q}" for q in suggested_questions(df, ctx, intent)),
    )


def suggested_questions(
    df: pd.DataFrame,
    ctx: DataContext,
    intent: Intent,
    dataset: ChatDataset | None = None,
) -> list[str]:
    """Up to ``SUGGESTIONS`` questions this data answers, closest to ``intent`` first."""
    dataset = dataset or chat_dataset(df)
    metric = intent.metric if metric_available(ctx, intent.metric) else REVENUE
    word = _METRIC_WORD.get(metric, "revenue")
    if metric in (ORDERS, AOV_ORDER) and not ctx.has_orders:
        word = "revenue"
    when = intent.periods[0].label if intent.periods else None
    year = str(ctx.covered_to.year) if ctx.has_dates else None
    candidates: list[str] = []
    if intent.metric in (ORDERS, AOV_ORDER) and not ctx.has_orders:
        candidates.append(f"How many transactions were there in {when or year}?")
        candidates.append("What is the average transaction value?")
    kind = intent.asked or intent.kind
    dimension = intent.dimension
    if (
        dimension
        and dimension not in PERIOD_DIMENSIONS
        and has_dimension(df, dimension)
        and kind in ("ranking", "breakdown")
    ):
        plural = dimension_words(dimension)[1]
        candidates.append(f"Top five {plural} by {word}")
    if kind in ("total", "compare", "ranking", "breakdown", "trend") and when:
        candidates.append(f"What was {word} in {when}?")
    for column in dataset.dimensions()[:2]:
        singular = dimension_words(str(column.frame_column))[0]
        candidates.append(f"Which {singular} made the most {word}?")
        if column.values:
            candidates.append(f"What was {word} for {column.values[0]}?")
    if ctx.has_sku:
        candidates.append(f"Top five products by {word}")
    if year:
        candidates.append(f"What was {word} in {year}?")
    if ctx.has_category:
        candidates.append(f"{word.capitalize()} by category")
    if ctx.has_customer:
        candidates.append("How many customers do I have?")
    candidates.append(f"How has {METRIC_LABELS[REVENUE].lower()} changed this year?")
    candidates.append("Give me a summary")
    out: list[str] = []
    for question in dict.fromkeys(candidates):
        parsed = parse_intent(question, ctx, (), dataset)
        if parsed.gaps or parsed.kind in ("out_of_scope", "unknown_sku", "help"):
            continue
        out.append(question)
        if len(out) == SUGGESTIONS:
            break
    return out


__all__ = ["SUGGESTIONS", "op_not_covered", "suggested_questions"]
