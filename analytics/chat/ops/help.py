"""Overview, help and questions outside the data."""

from __future__ import annotations

import pandas as pd

from analytics.chat.common import (
    EXAMPLE_QUESTIONS,
    Intent,
)
from analytics.chat.ops.common import figures, metric_values, ranked
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
    quote,
)
from analytics.query import NOT_SET
from analytics.schema import (
    CATEGORY,
    PROFIT,
    REVENUE,
    SKU,
)


def op_overview(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    sheet.op("overview")
    sheet.period, sheet.rows = ctx.span(), ctx.rows
    totals = metric_values(df, (REVENUE, "transactions", PROFIT, "margin"))
    r = sheet.money("Revenue, all dates", totals[REVENUE])
    t = sheet.count("Transactions, all dates", totals["transactions"])
    line = f"Across {ctx.where(None, '')}: revenue **{r}** from {t} transactions"
    if totals[PROFIT] is not None:
        p = sheet.money("Profit, all dates", totals[PROFIT])
        m = sheet.pct("Profit margin, all dates", totals["margin"])
        line += f", profit {p} ({m} margin)"
    sheet.add(line + ".")
    if ctx.has_dates and ctx.first.year < ctx.covered_to.year:
        by_year = figures(df, (REVENUE,), by="year")
        parts = [
            sheet.money(f"Revenue, {year}", float(value))
            for year, value in zip(by_year["year"], by_year[REVENUE], strict=True)
        ]
        labels = [f"{y}: {p}" for y, p in zip(by_year["year"], parts, strict=True)]
        sheet.add("Revenue by year: " + ", ".join(labels) + ".")
    if ctx.has_category:
        top = ranked(figures(df, (REVENUE,), by=CATEGORY), CATEGORY, REVENUE).iloc[0]
        share = sheet.pct(
            f"Revenue share of category {top[CATEGORY]}", top["revenue_share"]
        )
        sheet.add(f"Largest category: {quote(top[CATEGORY])} ({share} of revenue).")
    if ctx.has_sku:
        skus = figures(df, (REVENUE,), by=SKU)
        top_sku = ranked(skus.loc[skus[SKU] != NOT_SET], SKU, REVENUE).iloc[0]
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
