"""Insights on how the business performs: revenue trend and its driver, margin
movement, the SKUs that carry revenue or drag profit, category mix, order size, and
the executive summary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.formatting import format_money, format_pct
from analytics.grounding import (
    DataContext,
    Fact,
    FactSheet,
    quote,
)
from analytics.insights.common import (
    category_breakdown,
    complete_months,
    insight,
    shown_as_zero,
    slice_of,
    year_pair,
)
from analytics.metrics.breakdowns import breakdown
from analytics.metrics.cards import kpis, profit_margin
from analytics.metrics.series import timeseries
from analytics.metrics.skus import (
    SkuFigures,
    loss_makers,
    pareto_classes,
    sku_figures,
)
from analytics.schema import CATEGORY, PROFIT, REVENUE, SKU


def trend_insight(
    df: pd.DataFrame, ctx: DataContext, currency: str | None
) -> dict | None:
    """Revenue of the latest year against the one before (or recent months), with its driver."""
    sheet = FactSheet(currency)
    pair = year_pair(ctx)
    if pair is not None:
        this, before = pair
        now = float(slice_of(df, this)[REVENUE].sum())
        then = float(slice_of(df, before)[REVENUE].sum())
        if then == 0:
            return None
        change = (now - then) / abs(then)
        a = sheet.money(f"Revenue, {this.label}", now)
        b = sheet.money(f"Revenue, {before.label}", then)
        c = sheet.change(f"Change in revenue, {this.label} vs {before.label}", change)
        if shown_as_zero(c):
            sheet.add(
                f"Revenue held steady at {a} in {this.label}, against {b} in "
                f"{before.label}."
            )
            return insight("revenue_trend", f"Revenue steady in {this.label}", sheet)
        direction = "grew" if change > 0 else "fell"
        sheet.add(
            f"Revenue {direction} to {a} in {this.label}, {c} on {b} in {before.label}."
        )
        if ctx.has_category:
            _category_driver(
                sheet, slice_of(df, this), slice_of(df, before), this, before
            )
        word = "up" if change > 0 else "down"
        title = f"Revenue {word} {c.lstrip('+−')} in {this.label}"
        return insight("revenue_trend", title, sheet)
    if not ctx.has_dates:
        return None
    _, monthly = timeseries(df, "month")
    monthly = complete_months(ctx, monthly)
    if len(monthly) < 6:
        return None
    recent, earlier = monthly.iloc[-3:], monthly.iloc[-6:-3]
    now, then = float(recent[REVENUE].sum()), float(earlier[REVENUE].sum())
    if then == 0:
        return None
    change = (now - then) / abs(then)
    first, last = recent["period"].iloc[0], recent["period"].iloc[-1]
    e_first, e_last = earlier["period"].iloc[0], earlier["period"].iloc[-1]
    label = f"{first:%B %Y} to {last:%B %Y}"
    label_before = f"{e_first:%B %Y} to {e_last:%B %Y}"
    a = sheet.money(f"Revenue, {label}", now)
    b = sheet.money(f"Revenue, {label_before}", then)
    c = sheet.change(f"Change in revenue, {label} vs {label_before}", change)
    sheet.count("Months in each window", 3)
    if shown_as_zero(c):
        sheet.add(
            f"Revenue in the latest three months ({label}) held steady at {a}, against "
            f"{b} in the three before."
        )
        return insight("revenue_trend", "Recent revenue steady", sheet)
    sheet.add(
        f"Revenue in the latest three months ({label}) was {a}, {c} on the three before ({b})."
    )
    word = "up" if change > 0 else "down"
    title = f"Recent revenue {word} {c.lstrip('+−')}"
    return insight("revenue_trend", title, sheet)


def _category_driver(
    sheet: FactSheet, now: pd.DataFrame, then: pd.DataFrame, this: Any, before: Any
) -> None:
    a = category_breakdown(now).set_index(CATEGORY)[REVENUE]
    b = category_breakdown(then).set_index(CATEGORY)[REVENUE]
    diff = a.sub(b, fill_value=0.0).sort_values(kind="mergesort")
    if diff.empty:
        return
    total_change = float(a.sum() - b.sum())
    key = diff.index[-1] if total_change >= 0 else diff.index[0]
    amount = float(diff[key])
    if amount == 0 or (amount > 0) != (total_change >= 0):
        return
    label = f"Revenue change of category {key}, {this.label} vs {before.label}"
    if shown_as_zero(format_money(amount, sheet.currency)):
        return
    shown = sheet.money(label, amount)
    verb = "added" if amount > 0 else "lost"
    sheet.add(f"Category {quote(key)} {verb} the most ({shown}).")


def margin_insight(
    df: pd.DataFrame, ctx: DataContext, currency: str | None
) -> dict | None:
    """How the profit margin moved between the latest year and the one before."""
    if not ctx.has_profit:
        return None
    sheet = FactSheet(currency)
    pair = year_pair(ctx)
    if pair is not None:
        this, before = pair
        now = profit_margin(slice_of(df, this))
        then = profit_margin(slice_of(df, before))
        if now is not None and then is not None:
            a = sheet.pct(f"Profit margin, {this.label}", now)
            b = sheet.pct(f"Profit margin, {before.label}", then)
            d = sheet.points(
                f"Change in profit margin, {this.label} vs {before.label}",
                (now - then) * 100,
            )
            if shown_as_zero(d):
                sheet.add(
                    f"Profit margin held steady at {a} in {this.label}, against {b} in "
                    f"{before.label}."
                )
                _thin_category(sheet, slice_of(df, this), now, this.label)
                return insight("margin", f"Margin steady at {a}", sheet)
            verb = "widened" if now > then else "narrowed"
            sheet.add(
                f"Profit margin {verb} to {a} in {this.label} from {b} in {before.label} ({d})."
            )
            _thin_category(sheet, slice_of(df, this), now, this.label)
            title = f"Margin {verb} {d}"
            return insight("margin", title, sheet)
    figures = kpis(df)
    margin = figures["profit_margin"]
    if margin is None:
        return None
    m = sheet.pct(f"Profit margin, {ctx.span()}", margin)
    p = sheet.money(f"Profit, {ctx.span()}", figures["total_profit"])
    sheet.add(f"Profit margin is {m} ({p} profit over {ctx.span()}).")
    _thin_category(sheet, df, margin, ctx.span())
    return insight("margin", f"Profit margin {m}", sheet)


def _thin_category(
    sheet: FactSheet, rows: pd.DataFrame, margin: float, where: str
) -> None:
    if rows[CATEGORY].notna().sum() == 0:
        return
    table = category_breakdown(rows)
    material = table.loc[table["revenue_share"] >= 0.1].sort_values(
        "margin", kind="mergesort"
    )
    if (
        material.empty
        or pd.isna(material["margin"].iloc[0])
        or material["margin"].iloc[0] >= margin
    ):
        return
    row = material.iloc[0]
    if format_pct(row["margin"]) == format_pct(margin):
        return  # as shown, the category's margin is the overall one: nothing holds back
    m = sheet.pct(f"Profit margin of category {row[CATEGORY]}, {where}", row["margin"])
    s = sheet.pct(
        f"Revenue share of category {row[CATEGORY]}, {where}", row["revenue_share"]
    )
    sheet.add(f"{quote(row[CATEGORY])} holds it back: {s} of revenue at {m} margin.")


def skus_insight(
    df: pd.DataFrame,
    ctx: DataContext,
    currency: str | None,
    figures: SkuFigures | None = None,
) -> dict | None:
    """The SKUs that carry revenue (A class) and those that lose money; ``figures`` are
    the frame's :func:`sku_figures` when already computed."""
    if not ctx.has_sku:
        return None
    sheet = FactSheet(currency)
    totals = (sku_figures(df) if figures is None else figures).totals
    pareto = pareto_classes(totals)
    carriers = pareto.loc[pareto["class"] == "A"]
    total = len(pareto)
    if total == 0:
        return None
    n = sheet.count("SKUs carrying most revenue (class A)", len(carriers))
    of = sheet.count("SKUs with sales", total)
    share_skus = sheet.pct("Share of SKUs in class A", len(carriers) / total)
    covered = sheet.pct(
        "Revenue share of class A SKUs",
        float(carriers["share"].sum()) if len(carriers) else 0.0,
    )
    top = pareto.iloc[0]
    top_rev = sheet.money(f"Revenue of SKU {top[SKU]}", top["value"])
    sheet.add(
        f"{n} of {of} SKUs ({share_skus}) bring {covered} of revenue; the leader is "
        f"{quote(top[SKU])} with {top_rev}."
    )
    title = f"{n} SKUs carry {covered} of revenue"
    if ctx.has_profit:
        losses = loss_makers(totals)
        if not losses.empty:
            k = sheet.count("Loss-making SKUs", len(losses))
            loss = sheet.money(
                "Total loss of loss-making SKUs", float(losses[PROFIT].sum())
            )
            worst = losses.iloc[0]
            w = sheet.money(f"Profit of SKU {worst[SKU]}", worst[PROFIT])
            sheet.add(
                f"{k} SKUs lose money ({loss} in total); the biggest drag is "
                f"{quote(worst[SKU])} at {w}."
            )
            title += f"; {k} lose money"
    return insight("skus", title, sheet)


def category_mix_insight(
    df: pd.DataFrame, ctx: DataContext, currency: str | None
) -> dict | None:
    """The category with the largest share of revenue (a fallback)."""
    if not ctx.has_category:
        return None
    sheet = FactSheet(currency)
    table = breakdown(df, by=CATEGORY)
    top = table.iloc[0]
    share = sheet.pct(
        f"Revenue share of category {top[CATEGORY]}", top["revenue_share"]
    )
    rev = sheet.money(f"Revenue of category {top[CATEGORY]}", top[REVENUE])
    n = sheet.count("Categories", len(table))
    sheet.add(
        f"{quote(top[CATEGORY])} is the largest of {n} categories: {rev}, {share} of revenue."
    )
    return insight(
        "category_mix", f"{top[CATEGORY]} leads with {share} of revenue", sheet
    )


def order_size_insight(
    df: pd.DataFrame, ctx: DataContext, currency: str | None
) -> dict | None:
    """The average sale and how much the largest sales bring (a fallback)."""
    if ctx.rows == 0:
        return None
    sheet = FactSheet(currency)
    revenue = df[REVENUE].to_numpy(dtype="float64")
    average = float(revenue.mean())
    a = sheet.money("Average transaction value", average)
    t = sheet.count("Transactions", len(revenue))
    ordered = np.sort(revenue)[::-1]
    top_n = max(1, len(ordered) // 10)
    total = float(revenue.sum())
    text = f"{t} transactions averaging {a}."
    if total > 0 and len(ordered) >= 10:
        share = sheet.pct(
            "Revenue share of the largest tenth of transactions",
            float(ordered[:top_n].sum()) / total,
        )
        sheet.fact("Largest share of transactions considered", 0.1, "10%")
        text += f" The largest 10% of transactions bring {share} of revenue."
    sheet.add(text)
    return insight("order_size", f"Average sale {a}", sheet)


def summary_of(
    df: pd.DataFrame, ctx: DataContext, currency: str | None
) -> tuple[str, list[Fact]]:
    """The executive summary sentence and its facts."""
    sheet = FactSheet(currency)
    figures = kpis(df)
    r = sheet.money("Revenue, all dates", figures["total_revenue"])
    text = f"Over {ctx.span()} you sold {r}"
    if figures["total_profit"] is not None:
        p = sheet.money("Profit, all dates", figures["total_profit"])
        m = sheet.pct("Profit margin, all dates", figures["profit_margin"])
        text += f" for {p} profit ({m} margin)"
    text += "."
    pair = year_pair(ctx)
    if pair is not None:
        this, before = pair
        now = float(slice_of(df, this)[REVENUE].sum())
        then = float(slice_of(df, before)[REVENUE].sum())
        if then:
            c = sheet.change(
                f"Change in revenue, {this.label} vs {before.label}",
                (now - then) / abs(then),
            )
            if shown_as_zero(c):
                text += f" {this.label} revenue is level with {before.label}."
            else:
                text += f" {this.label} revenue is {c} on {before.label}."
    return text, sheet.facts
