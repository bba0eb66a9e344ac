"""One SKU: its figures, why it ranks where it does, or that it is not in the data."""

from __future__ import annotations

import difflib
import math

import numpy as np
import pandas as pd

from analytics.chat.common import (
    EXPLAINED_SKUS,
    Intent,
)
from analytics.chat.ops.common import (
    change_phrase,
    comparison_windows,
    figures,
    metric_value,
    ranked,
    rows_in,
    scope_of,
    weakest_words,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
    quote,
)
from analytics.metrics.skus import UnknownSkuError, sku_scores, sku_summary
from analytics.query import NOT_SET
from analytics.schema import (
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)


def op_explain_rank(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    if not ctx.has_sku:
        sheet.add(
            "Your data has no SKU column, so there are no SKU rankings to explain."
        )
        return
    period = intent.periods[0] if intent.periods else None
    rows = rows_in(df, period)
    sheet.period, sheet.rows = (period.label if period else ctx.span()), len(rows)
    sheet.fact("Weight of frequency in the score", 0.4, "40%")
    sheet.fact("Weight of consistency in the score", 0.2, "20%")
    sheet.fact("Lowest possible score", 0, "0")
    sheet.fact("Highest possible score", 100, "100")
    method = (
        "The score (0 to 100) weighs how often a SKU sells (40%), its average sale "
        "amount (40%) and how steady its sale amounts are (20%), each by where the SKU "
        "stands among the SKUs in view (a percentile rank, ties sharing their rank); "
        "a SKU with a single sale earns nothing for steadiness."
    )
    if not intent.skus:
        sheet.op("sku_scores", period=period.iso() if period else "all")
        scores = sku_scores(rows)
        if scores.empty:
            sheet.add("No SKU has sales in this selection.")
            return
        of = sheet.count("SKUs scored", len(scores))
        sheet.add(f"The lowest-ranked of your {of} SKUs:", "")
        for row in scores.tail(EXPLAINED_SKUS).iloc[::-1].itertuples(index=False):
            summary = sku_summary(rows, row.sku)
            score = sheet.count(f"Score of SKU {row.sku}", row.score, 1)
            rank = sheet.count(f"Rank of SKU {row.sku}", row.rank)
            sheet.add(
                f"- {quote(row.sku)}: rank {rank}, score {score}; {weakest_words(sheet, summary)}"
            )
        sheet.add(
            "", method, "Ask “why is SKU <id> ranked low?” for one SKU in detail."
        )
        return
    sku = intent.skus[0]
    sheet.op("sku_summary", sku=sku, period=period.iso() if period else "all")
    try:
        summary = sku_summary(rows, sku)
    except UnknownSkuError:
        sheet.add(
            f"SKU {quote(sku)} has no sales in {period.label if period else 'this selection'}."
        )
        return
    rank = sheet.count(f"Rank of SKU {sku}", summary["rank"])
    of = sheet.count("SKUs scored", summary["of"])
    score = sheet.count(f"Score of SKU {sku}", summary["score"], 1)
    band = f"{summary['band_label']}, {summary['band']}"
    sheet.add(
        f"{quote(sku)} ranks **{rank} of {of}** with a score of **{score}** ({band} band).",
        "",
        method,
        "",
    )
    comp = summary["components"]
    lines = []
    for part_name in sorted(comp, key=lambda k: comp[k]["impact"]):
        part = comp[part_name]
        impact = sheet.count(
            f"Score points from {part_name} of SKU {sku} against the median SKU",
            part["impact"],
            1,
        )
        if part_name == "frequency":
            v = sheet.count(f"Transactions of SKU {sku}", part["value"])
            med = sheet.count(
                "Transactions of the median SKU",
                part["median_value"],
                0 if float(part["median_value"]).is_integer() else 1,
            )
            text = f"sold {v} times against {med} for the median SKU"
        elif part_name == "price":
            v = sheet.money(f"Average sale of SKU {sku}", part["value"])
            med = sheet.money("Average sale of the median SKU", part["median_value"])
            text = f"average sale {v} against {med} for the median SKU"
        elif math.isnan(part["value"]):
            text = (
                "it sold only once or its sales average to zero, so its steadiness "
                "cannot be measured and earns nothing"
            )
        else:
            v = sheet.pct(f"Spread of sale amounts of SKU {sku}", part["value"])
            med = sheet.pct(
                "Spread of sale amounts of the median SKU", part["median_value"]
            )
            text = f"sale amounts vary by {v} of their average against {med} for the median SKU"
        sign = "adds" if part["impact"] >= 0 else "costs"
        lines.append(
            f"- **{part_name.capitalize()}** {sign} {impact.lstrip('−+')} points: {text}."
        )
    sheet.add(*lines)
    weakest = summary["weakest"]
    if comp[weakest]["impact"] < 0:
        advice = {
            "frequency": "More frequent sales (promotion, visibility, bundling) would lift it most.",
            "price": "Larger orders per sale (bundles, minimum quantities, upselling) would lift it most.",
            "consistency": "Steadier order sizes (fewer one-off large or tiny orders) would lift it most.",
        }[weakest]
        sheet.add("", advice)
    totals = rows.loc[rows[SKU] == sku]
    revenue = sheet.money(f"Revenue of SKU {sku}", float(totals[REVENUE].sum()))
    line = f"Its revenue is {revenue}"
    if ctx.has_profit and totals[PROFIT].notna().any():
        profit = sheet.money(f"Profit of SKU {sku}", float(totals[PROFIT].sum()))
        line += f" and its profit {profit}"
    sheet.add(line + ".")


def op_sku(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    sku = intent.skus[0]
    rows = df.loc[df[SKU] == sku]
    sheet.op("sku_detail", sku=sku)
    sheet.period, sheet.rows = ctx.span(), len(rows)
    totals = figures(df, (REVENUE, PROFIT, "margin", QUANTITY), by=SKU)
    totals = ranked(totals.loc[totals[SKU] != NOT_SET], SKU, REVENUE)
    position = int(np.flatnonzero((totals[SKU] == sku).to_numpy())[0]) + 1
    row = totals.iloc[position - 1]
    revenue = sheet.money(f"Revenue of SKU {sku}", row[REVENUE], exact=True)
    rank = sheet.count(f"Revenue rank of SKU {sku}", position)
    of = sheet.count("SKUs with sales", len(totals))
    n = sheet.count(f"Transactions of SKU {sku}", row["transactions"])
    sheet.add(
        f"{quote(sku)}: revenue **{revenue}** from {n} transactions, number {rank} of {of} SKUs by revenue."
    )
    if ctx.has_profit and pd.notna(row[PROFIT]):
        profit = sheet.money(f"Profit of SKU {sku}", row[PROFIT], exact=True)
        margin = sheet.pct(f"Profit margin of SKU {sku}", row["margin"])
        sheet.add(f"Profit {profit} ({margin} margin).")
    if ctx.has_quantity and pd.notna(row[QUANTITY]):
        q = sheet.count(
            f"Units sold of SKU {sku}",
            row[QUANTITY],
            0 if float(row[QUANTITY]).is_integer() else 2,
        )
        sheet.add(f"Units sold: {q}.")
    windows = comparison_windows(sheet, ctx)
    if windows is not None:
        recent, before = windows
        this_sku = scope_of(Intent(kind="sku", skus=(sku,)))
        new = metric_value(df, REVENUE, this_sku, recent)
        old = metric_value(df, REVENUE, this_sku, before)
        change = change_phrase(
            sheet,
            f"Change in revenue of SKU {sku}, {recent.label} vs {before.label}",
            new,
            old,
        )
        if change:
            n_s = sheet.money(f"Revenue of SKU {sku}, {recent.label}", new)
            o_s = sheet.money(f"Revenue of SKU {sku}, {before.label}", old)
            sheet.add(
                f"Revenue in {recent.label}: {n_s} against {o_s} in {before.label} ({change})."
            )
    summary = sku_summary(df, sku)
    s_rank = sheet.count(f"Score rank of SKU {sku}", summary["rank"])
    score = sheet.count(f"Score of SKU {sku}", summary["score"], 1)
    sheet.add(
        f"Performance score: {score} ({summary['band_label']}, {summary['band']} band), rank {s_rank} of {of}; {weakest_words(sheet, summary)}."
    )


def op_unknown_sku(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    word = intent.missing_sku or ""
    sheet.op("find_sku", query=word)
    sheet.period, sheet.rows = ctx.span(), ctx.rows
    lower = ctx.skus.str.lower()
    close = difflib.get_close_matches(word.lower(), list(lower), n=3, cutoff=0.6)
    originals = [str(ctx.skus[int(np.flatnonzero(lower == c)[0])]) for c in close]
    line = f"I can't find SKU {quote(word)} in your data"
    if originals:
        line += "; did you mean " + ", ".join(quote(s) for s in originals) + "?"
    else:
        line += (
            ". Check the spelling, or ask for the top or bottom SKUs to see their ids."
        )
    sheet.add(line)
