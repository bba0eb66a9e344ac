"""Overview, help and questions outside the data."""

from __future__ import annotations

import pandas as pd

from analytics import metrics
from analytics.chat.common import (
    EXAMPLE_QUESTIONS,
    Intent,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
    quote,
)
from analytics.schema import (
    CATEGORY,
    DATE,
    REVENUE,
    SKU,
)


def op_overview(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    sheet.op("overview")
    sheet.period, sheet.rows = ctx.span(), ctx.rows
    figures = metrics.kpis(df)
    r = sheet.money("Revenue, all dates", figures["total_revenue"])
    t = sheet.count("Transactions, all dates", figures["transactions"])
    line = f"Across {ctx.span()}: revenue **{r}** from {t} transactions"
    if figures["total_profit"] is not None:
        p = sheet.money("Profit, all dates", figures["total_profit"])
        m = sheet.pct("Profit margin, all dates", figures["profit_margin"])
        line += f", profit {p} ({m} margin)"
    sheet.add(line + ".")
    if ctx.has_dates and ctx.first.year < ctx.covered_to.year:
        years = df[DATE].dt.year
        by_year = df[REVENUE].groupby(years).sum()
        parts = [
            sheet.money(f"Revenue, {int(y)}", float(v)) for y, v in by_year.items()
        ]
        labels = [f"{int(y)}: {p}" for y, p in zip(by_year.index, parts, strict=True)]
        sheet.add("Revenue by year: " + ", ".join(labels) + ".")
    if ctx.has_category:
        top = metrics.breakdown(df, by=CATEGORY).iloc[0]
        share = sheet.pct(
            f"Revenue share of category {top[CATEGORY]}", top["revenue_share"]
        )
        sheet.add(f"Largest category: {quote(top[CATEGORY])} ({share} of revenue).")
    if ctx.has_sku:
        top_sku = metrics.top_bottom_skus(df, n=1)[0].iloc[0]
        rev = sheet.money(f"Revenue of SKU {top_sku[SKU]}", top_sku[REVENUE])
        sheet.add(f"Best-selling SKU: {quote(top_sku[SKU])} ({rev}).")
    sheet.add(
        "",
        "You can ask, for example: "
        + "; ".join(f"“{q}”" for q in EXAMPLE_QUESTIONS[:4])
        + ".",
    )


def op_help(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    sheet.op("help")
    sheet.period, sheet.rows = ctx.span(), ctx.rows
    sheet.add("I answer from your uploaded data. Try:", "")
    sheet.add(*(f"- {q}" for q in EXAMPLE_QUESTIONS))


def capabilities(ctx: DataContext) -> str:
    holds = ["dates"] if ctx.has_dates else []
    holds.append("revenue")
    if ctx.has_cost or ctx.has_profit:
        holds.append("cost and profit")
    if ctx.has_sku:
        holds.append("SKUs")
    if ctx.has_category:
        holds.append("categories")
    if ctx.has_customer:
        holds.append("customers")
    return ", ".join(holds)


def op_out_of_scope(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    sheet.op("out_of_scope", topic=intent.topic)
    sheet.period, sheet.rows = ctx.span(), ctx.rows
    sheet.add(
        f"Your data doesn't show {intent.topic}, so I can't answer that from it, and I "
        "won't guess. Your file holds " + capabilities(ctx) + ".",
        "",
        "I can answer, for example:",
        *(f"- {q}" for q in EXAMPLE_QUESTIONS[:5]),
    )
