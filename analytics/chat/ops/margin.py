"""Underperforming SKUs and what holds the profit margin back."""

from __future__ import annotations

import pandas as pd

from analytics.chat.common import (
    DEFAULT_TOP_N,
    FALLING_SHARE,
    Intent,
)
from analytics.chat.ops.common import (
    comparison_windows,
    figures,
    metric_value,
    metric_values,
    ranked,
    relative_change,
    rows_in,
    weakest_words,
    year_span,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
    quote,
)
from analytics.grounding.periods import (
    Period,
    range_period,
)
from analytics.metrics.skus import sku_scores, sku_summary
from analytics.query import NOT_SET
from analytics.schema import (
    CATEGORY,
    PROFIT,
    REVENUE,
    SKU,
)


def op_underperforming(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    period = intent.periods[0] if intent.periods else None
    rows = rows_in(df, period)
    where = ctx.where(period, "")
    sheet.period, sheet.rows = (period.label if period else ctx.span()), len(rows)
    if not ctx.has_sku:
        _underperforming_categories(sheet, df, ctx, period, where)
        return
    sheet.op("loss_making_skus", period=period.iso() if period else "all")
    found_any = False
    if ctx.has_profit:
        losses = loss_making(df, period)
        if not losses.empty:
            found_any = True
            n = sheet.count(f"Loss-making SKUs, {where}", len(losses))
            total = sheet.money(
                f"Total loss of loss-making SKUs, {where}", float(losses[PROFIT].sum())
            )
            revenue = sheet.money(
                f"Revenue of loss-making SKUs, {where}", float(losses[REVENUE].sum())
            )
            sheet.add(
                f"**{n} SKUs lose money** ({where}): together {total} of profit on "
                f"{revenue} of revenue. They sell below cost, so every sale deepens the loss. "
                "The worst:",
            )
            for position, row in enumerate(
                losses.head(DEFAULT_TOP_N).itertuples(index=False), 1
            ):
                loss = sheet.money(f"Profit of SKU {row.sku}, {where}", row.profit)
                rev = sheet.money(f"Revenue of SKU {row.sku}, {where}", row.revenue)
                margin = sheet.pct(
                    f"Profit margin of SKU {row.sku}, {where}", row.margin
                )
                sheet.add(
                    f"{position}. {quote(row.sku)}: profit {loss} on revenue {rev} ({margin} margin)"
                )
            sheet.add("")
    windows = comparison_windows(sheet, ctx) if period is None else None
    if windows is not None:
        recent, before = windows
        sheet.op("declining_skus", recent=recent.iso(), before=before.iso())
        now = sku_figures(df, recent).set_index(SKU)[REVENUE]
        then = sku_figures(df, before).set_index(SKU)[REVENUE]
        material = then[then >= then.median()] if len(then) else then
        change = now.reindex(material.index, fill_value=0.0) - material
        drop = change / material.where(material != 0)
        falling = change[drop <= -FALLING_SHARE]
        falling = falling.sort_values(kind="mergesort").head(DEFAULT_TOP_N)
        if not falling.empty:
            found_any = True
            sheet.add(f"**Falling sales** ({recent.label} against {before.label}):")
            for position, sku in enumerate(falling.index, 1):
                new = float(now.get(sku, 0.0))
                old = float(material[sku])
                new_s = (
                    sheet.money(f"Revenue of SKU {sku}, {recent.label}", new)
                    if new
                    else "no sales"
                )
                old_s = sheet.money(f"Revenue of SKU {sku}, {before.label}", old)
                pct = sheet.change(
                    f"Change in revenue of SKU {sku}, {recent.label} vs {before.label}",
                    relative_change(new, old),
                )
                sheet.add(f"{position}. {quote(sku)}: {new_s} against {old_s} ({pct})")
            sheet.add("")
    scores = sku_scores(rows)
    sheet.op("sku_scores", period=period.iso() if period else "all")
    if len(scores) >= 3:
        red = scores.loc[scores["band"] == "red"]
        lowest = scores.tail(3).iloc[::-1]
        n_red = sheet.count(f"SKUs in the red score band, {where}", len(red))
        of = sheet.count(f"SKUs scored, {where}", len(scores))
        sheet.add(
            f"**Lowest performance scores**: {n_red} of {of} SKUs score below 40 "
            "(the score combines how often a SKU sells, its average sale and how steady it is). "
            "Lowest:"
        )
        sheet.fact("Score threshold of the red band", 40, "40")
        for position, row in enumerate(lowest.itertuples(index=False)):
            score = sheet.count(f"Score of SKU {row.sku}", row.score, 1)
            rank = sheet.count(f"Rank of SKU {row.sku}", row.rank)
            line = f"- {quote(row.sku)}: score {score}, rank {rank}"
            if position == 0:
                # Each summary rescores every SKU: explain the lowest one only.
                line += "; " + weakest_words(sheet, sku_summary(rows, row.sku))
            sheet.add(line)
        found_any = True
    if not found_any:
        sheet.add(
            "No SKU stands out as underperforming: none loses money and none is falling."
        )


def _underperforming_categories(
    sheet: FactSheet,
    df: pd.DataFrame,
    ctx: DataContext,
    period: Period | None,
    where: str,
) -> None:
    if not ctx.has_category:
        sheet.add(
            "Your data has no SKU or category column, so I can't tell which products "
            "underperform. Map a product column when uploading to see this."
        )
        return
    sheet.op("breakdown", by=CATEGORY, metric="margin")
    metric = "margin" if ctx.has_profit else REVENUE
    table = ranked(figures(df, (metric,), None, period, CATEGORY), CATEGORY, metric)
    weakest = table.iloc[::-1].head(3)
    label = "margin" if ctx.has_profit else "revenue"
    sheet.add(
        f"Your data has no SKU column; the weakest categories by {label} ({where}):"
    )
    for row in weakest.itertuples(index=False):
        rev = sheet.money(f"Revenue of category {row.category}, {where}", row.revenue)
        extra = ""
        if ctx.has_profit and pd.notna(row.margin):
            extra = (
                " at "
                + sheet.pct(
                    f"Profit margin of category {row.category}, {where}", row.margin
                )
                + " margin"
            )
        sheet.add(f"- {quote(row.category)}: {rev}{extra}")


def op_margin(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    period = intent.periods[0] if intent.periods else None
    rows = rows_in(df, period)
    where = ctx.where(period, "")
    sheet.period, sheet.rows = (period.label if period else ctx.span()), len(rows)
    sheet.op("margin_drivers", period=period.iso() if period else "all")
    if not ctx.has_profit:
        sheet.add(
            "Your data has no cost or profit figures, so I can't see your margin. Map a cost "
            "(or profit) column when uploading and I can show which products and categories "
            "hold it back."
        )
        return
    totals = metric_values(df, (REVENUE, PROFIT, "margin"), None, period)
    revenue, profit, margin = totals[REVENUE], totals[PROFIT], totals["margin"]
    m = sheet.pct(f"Profit margin, {where}", margin)
    p = sheet.money(f"Profit, {where}", profit)
    r = sheet.money(f"Revenue, {where}", revenue)
    sheet.add(
        f"Your profit margin is **{m}** ({p} profit on {r} revenue, {where}). Where to look:",
        "",
    )
    step = 1
    if ctx.has_sku:
        losses = loss_making(df, period)
        if not losses.empty and revenue:
            loss = float(losses[PROFIT].sum())
            lost_revenue = float(losses[REVENUE].sum())
            n = sheet.count(f"Loss-making SKUs, {where}", len(losses))
            total = sheet.money(f"Total loss of loss-making SKUs, {where}", loss)
            without = _ratio_or_none(profit - loss, revenue - lost_revenue)
            w = sheet.pct("Profit margin without the loss-making SKUs", without)
            worst = ", ".join(quote(s) for s in losses[SKU].head(3))
            sheet.add(
                f"{step}. **Fix or drop the loss-makers.** {n} SKUs lose money ({total} in "
                f"total; worst: {worst}). Without them the margin would be {w}. Raise their "
                "prices, cut their costs or stop selling them."
            )
            step += 1
    if ctx.has_category:
        table = figures(df, ("margin",), None, period, CATEGORY)
        material = table.loc[table["revenue_share"] >= 0.1].sort_values(
            "margin", kind="mergesort"
        )
        if (
            not material.empty
            and margin is not None
            and material["margin"].iloc[0] < margin
        ):
            row = material.iloc[0]
            cm = sheet.pct(
                f"Profit margin of category {row[CATEGORY]}, {where}", row["margin"]
            )
            cs = sheet.pct(
                f"Revenue share of category {row[CATEGORY]}, {where}",
                row["revenue_share"],
            )
            best = material.iloc[-1]
            bm = sheet.pct(
                f"Profit margin of category {best[CATEGORY]}, {where}", best["margin"]
            )
            sheet.add(
                f"{step}. **Work on the thin category.** {quote(row[CATEGORY])} brings {cs} of "
                f"revenue at only {cm} margin, against {bm} for {quote(best[CATEGORY])}. Review "
                "its pricing, discounts and supplier costs, or steer sales to the "
                "higher-margin category."
            )
            step += 1
    if ctx.has_sku and margin is not None:
        totals = sku_figures(df, period, "margin")
        big = totals.loc[totals[REVENUE] >= totals[REVENUE].quantile(0.9)]
        thin = (
            big.loc[(big["margin"] < margin) & (big["margin"] >= 0)]
            .sort_values(REVENUE, ascending=False, kind="mergesort")
            .head(3)
        )
        if not thin.empty:
            items = []
            for row in thin.itertuples(index=False):
                rv = sheet.money(f"Revenue of SKU {row.sku}, {where}", row.revenue)
                mg = sheet.pct(f"Profit margin of SKU {row.sku}, {where}", row.margin)
                items.append(f"{quote(row.sku)} ({rv} revenue at {mg})")
            sheet.add(
                f"{step}. **Reprice the big sellers with thin margins:** "
                + "; ".join(items)
                + ". A small price rise on high-volume items moves profit most."
            )
            step += 1
    if ctx.has_dates and period is None:
        year = ctx.covered_to.year
        this, before = year_span(ctx, year), None
        before = range_period(
            this.start - pd.DateOffset(years=1),
            this.end - pd.DateOffset(years=1),
            str(year - 1) if this.kind == "year" else f"the same months of {year - 1}",
        )
        if ctx.covers(before):
            now_m = metric_value(df, "margin", None, this)
            then_m = metric_value(df, "margin", None, before)
            if now_m is not None and then_m is not None:
                a = sheet.pct(f"Profit margin, {this.label}", now_m)
                b = sheet.pct(f"Profit margin, {before.label}", then_m)
                d = sheet.points(
                    f"Change in profit margin, {this.label} vs {before.label}",
                    (now_m - then_m) * 100,
                )
                sheet.add(
                    f"{step}. **Watch the trend:** margin was {a} in {this.label} against {b} in {before.label} ({d})."
                )
                step += 1
    if step == 1:
        sheet.add(
            "No single product or category drags the margin down; gains will come from pricing and costs across the range."
        )


def _ratio_or_none(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator in (None, 0):
        return None
    return numerator / denominator


def sku_figures(df: pd.DataFrame, period: Period | None, *extra: str) -> pd.DataFrame:
    """Revenue (and ``extra`` metrics) per SKU from the engine, sorted by SKU; lines
    without a SKU are left out."""
    table = figures(df, (REVENUE, *extra), None, period, SKU)
    table = table.loc[table[SKU] != NOT_SET]
    return table.sort_values(SKU, kind="mergesort").reset_index(drop=True)


def loss_making(df: pd.DataFrame, period: Period | None) -> pd.DataFrame:
    """SKUs whose total profit is negative, biggest loss first (ties by SKU)."""
    totals = sku_figures(df, period, PROFIT, "margin")
    losses = totals.loc[totals[PROFIT] < 0]
    return losses.sort_values(PROFIT, kind="mergesort").reset_index(drop=True)
