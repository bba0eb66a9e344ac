"""Building blocks shared by the chat operations: slices, totals, tables, movers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics import metrics
from analytics.chat.common import (
    AOV,
    AOV_ORDER,
    DIMENSION_LABELS,
    METRIC_LABELS,
    ORDERS,
    Intent,
    dimension_words,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    FactSheet,
    quote,
)
from analytics.grounding.periods import (
    Period,
    range_period,
    year_period,
)
from analytics.schema import (
    CATEGORY,
    COST,
    DATE,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)

#: Frame column of the order / invoice id, when the file has one.
ORDER = "order_id"


def rows_in(df: pd.DataFrame, period: Period | None) -> pd.DataFrame:
    if period is None:
        return df
    dates = df[DATE]
    return df.loc[(dates >= period.start) & (dates < period.end + pd.Timedelta(days=1))]


def scoped_rows(df: pd.DataFrame, intent: Intent) -> tuple[pd.DataFrame, str]:
    """Rows of the SKUs/categories the question names, and words describing them."""
    out = df
    words: list[str] = []
    if intent.skus:
        out = out.loc[out[SKU].isin(list(intent.skus))]
        words.append("SKU " + ", ".join(quote(s) for s in intent.skus))
    if intent.categories:
        out = out.loc[out[CATEGORY].isin(list(intent.categories))]
        words.append("category " + ", ".join(quote(c) for c in intent.categories))
    for column, values in intent.where:
        out = out.loc[out[column].isin(list(values))]
        words.append(
            dimension_words(column)[0] + " " + ", ".join(quote(v) for v in values)
        )
    return out, (" for " + " and ".join(words)) if words else ""


#: What an order is, said next to every figure about orders.
ORDERS_NOTE = (
    "_Orders are distinct order ids among lines with a positive amount (an id whose "
    "lines are all returns is not an order); the average order value is net revenue "
    "per order._"
)


def order_count(df: pd.DataFrame) -> int:
    """Orders: distinct order ids among lines with a positive amount (an id whose lines
    are all returns is not an order), as the query engine counts them."""
    return int(df.loc[df[REVENUE] > 0, ORDER].nunique())


def has_dimension(df: pd.DataFrame, dimension: str) -> bool:
    """True when the frame has column ``dimension`` with at least one value."""
    return dimension in df.columns and bool(df[dimension].notna().any())


def metric_value(df: pd.DataFrame, metric: str) -> float | None:
    """Total of ``metric`` over ``df`` (margin as a fraction); None when unknown."""
    if metric == "transactions":
        return float(len(df))
    if metric == AOV:
        return float(df[REVENUE].sum()) / len(df) if len(df) else None
    if metric == QUANTITY:
        total = df[QUANTITY].sum(min_count=1)
        return None if pd.isna(total) else float(total)
    if metric == ORDERS:
        return float(order_count(df)) if ORDER in df else None
    if metric == AOV_ORDER:
        orders = order_count(df) if ORDER in df else 0
        return float(df[REVENUE].sum()) / orders if orders else None
    figures = metrics.kpis(df)
    return {
        REVENUE: figures["total_revenue"],
        PROFIT: figures["total_profit"],
        COST: figures["total_cost"],
        "margin": figures["profit_margin"],
    }[metric]


def relative_change(new: float | None, old: float | None) -> float | None:
    if new is None or old is None or old == 0:
        return None
    return (new - old) / abs(old)


def metric_available(ctx: DataContext, metric: str) -> bool:
    if metric in (PROFIT, "margin"):
        return ctx.has_profit
    if metric == COST:
        return ctx.has_cost
    if metric == QUANTITY:
        return ctx.has_quantity
    if metric in (ORDERS, AOV_ORDER):
        return ctx.has_orders
    return True


def usable_metric(sheet: FactSheet, ctx: DataContext, metric: str) -> str:
    if metric_available(ctx, metric):
        return metric
    needs = {
        PROFIT: "cost or profit",
        "margin": "cost or profit",
        COST: "cost",
        QUANTITY: "quantity",
        ORDERS: "order id",
        AOV_ORDER: "order id",
    }[metric]
    sheet.caveat(
        f"Your data has no {needs} figures, so I can't give "
        f"{METRIC_LABELS[metric].lower()}; here is revenue instead. "
        f"(Map a {needs} column when uploading to unlock it.)"
    )
    sheet.add("")
    return REVENUE


def ranked_metric(sheet: FactSheet, ctx: DataContext, metric: str) -> str:
    """:func:`usable_metric`, with the note on how orders are counted when the answer
    is an order count or an order value."""
    metric = usable_metric(sheet, ctx, metric)
    if metric in (ORDERS, AOV_ORDER):
        sheet.caveat(ORDERS_NOTE)
    return metric


def change_phrase(
    sheet: FactSheet, label: str, new: float | None, old: float | None
) -> str:
    change = relative_change(new, old)
    if change is None:
        return ""
    return sheet.change(label, change)


# --------------------------------------------------------------------------- operations


def plain_words(words: str) -> str:
    return words.replace("`", "")


def context_changes(
    sheet: FactSheet,
    scoped: pd.DataFrame,
    ctx: DataContext,
    metric: str,
    period: Period,
    value: float | None,
    scope_words: str = "",
) -> None:
    """Compare with the period before and the same period a year earlier, when covered."""
    name = METRIC_LABELS[metric]
    scope = plain_words(scope_words)
    parts: list[str] = []
    candidates = [period.previous()]
    if period.kind in ("month", "quarter", "week"):
        candidates.append(period.year_earlier())
    for other in candidates:
        if not ctx.covers(other) or not ctx.covers(period):
            continue
        other_value = metric_value(rows_in(scoped, other), metric)
        if other_value is None or value is None:
            continue
        shown = sheet.figure(metric, f"{name}{scope}, {other.label}", other_value)
        if metric == "margin":
            diff = sheet.points(
                f"Change in margin{scope}, {period.label} vs {other.label}",
                (value - other_value) * 100,
            )
            parts.append(f"{diff} on {other.label} ({shown})")
            continue
        change = change_phrase(
            sheet,
            f"Change in {name.lower()}{scope}, {period.label} vs {other.label}",
            value,
            other_value,
        )
        if change:
            parts.append(f"{change} on {other.label} ({shown})")
    if parts:
        sheet.add("That is " + " and ".join(parts) + ".")


def movers(
    sheet: FactSheet,
    now: pd.DataFrame,
    then: pd.DataFrame,
    by: str,
    current: Period,
    base: Period,
) -> None:
    """Which categories/SKUs moved revenue most between two periods."""
    a = metrics.breakdown(now, by=by).set_index(by)[REVENUE]
    b = metrics.breakdown(then, by=by).set_index(by)[REVENUE]
    diff = a.sub(b, fill_value=0.0).sort_values(kind="mergesort")
    if diff.empty:
        return
    singular = DIMENSION_LABELS[by][0]
    parts = []
    up, down = diff.index[-1], diff.index[0]
    if diff.iloc[-1] > 0:
        shown = sheet.money(
            f"Revenue change of {singular} {up}, {current.label} vs {base.label}",
            float(diff.iloc[-1]),
        )
        parts.append(f"the biggest rise came from {singular} {quote(up)} (+{shown})")
    if diff.iloc[0] < 0:
        shown = sheet.money(
            f"Revenue change of {singular} {down}, {current.label} vs {base.label}",
            float(diff.iloc[0]),
        )
        parts.append(f"the biggest fall from {quote(down)} ({shown})")
    if parts:
        sheet.add("Behind the change: " + "; ".join(parts) + ".")


def metric_table(rows: pd.DataFrame, by: str, metric: str) -> tuple[pd.DataFrame, str]:
    """``metrics.breakdown`` sorted by ``metric`` (largest first), plus the column to
    read; the average transaction value is derived from its revenue and transactions.
    Other dimension columns of the file, orders and order values use :func:`group_table`."""
    if by not in metrics.BREAKDOWN_KEYS or metric in (ORDERS, AOV_ORDER):
        return group_table(rows, by, metric), metric
    if metric in metrics.BREAKDOWN_METRICS:
        return metrics.breakdown(rows, by=by, metric=metric), metric
    if metric == AOV:
        table = metrics.breakdown(rows, by=by)
        table[AOV] = table[REVENUE] / table["transactions"]
        table = table.sort_values([AOV, by], ascending=[False, True], kind="mergesort")
        return table.reset_index(drop=True), AOV
    return metrics.breakdown(rows, by=by), REVENUE


def group_table(rows: pd.DataFrame, by: str, metric: str) -> pd.DataFrame:
    """Totals per value of any text column, shaped like ``metrics.breakdown`` plus
    ``avg_transaction`` and, with an order id, ``orders`` and ``avg_order``; sorted by
    ``metric`` (largest first, unknown last), ties by name."""
    codes, uniques = pd.factorize(rows[by], sort=False)
    names = np.append(np.asarray(uniques, dtype=object).astype(str), metrics.NOT_SET)
    codes = np.where(codes < 0, len(names) - 1, codes)
    out = totals_by(
        rows, pd.Series(codes, index=rows.index), orders=metric in (ORDERS, AOV_ORDER)
    )
    out.index = pd.Index(names[out.index.to_numpy()], name=by)
    total = out[REVENUE].sum()
    out["revenue_share"] = out[REVENUE] / total if total != 0 else float("nan")
    out = out.reset_index()
    column = metric if metric in out else REVENUE
    return out.sort_values(
        [column, by], ascending=[False, True], kind="mergesort", na_position="last"
    ).reset_index(drop=True)


def totals_by(
    rows: pd.DataFrame, key: pd.Series, *, orders: bool = False
) -> pd.DataFrame:
    """Every chat metric per value of ``key`` (index: the key values, in order);
    distinct orders and the average order value only with ``orders``."""
    grouped = rows.groupby(key, sort=True)
    out = pd.DataFrame(
        {
            REVENUE: grouped[REVENUE].sum(),
            COST: grouped[COST].sum(min_count=1),
            PROFIT: grouped[PROFIT].sum(min_count=1),
            QUANTITY: grouped[QUANTITY].sum(min_count=1),
            "transactions": grouped.size().astype("float64"),
        }
    )
    out["margin"] = (out[PROFIT] / out[REVENUE]).where(out[REVENUE] != 0)
    out[AOV] = out[REVENUE] / out["transactions"]
    if orders and ORDER in rows:
        sold = (rows[REVENUE] > 0).to_numpy()
        out[ORDERS] = (
            distinct_per(key[sold], rows[ORDER][sold]).reindex(out.index).fillna(0.0)
        )
        out[AOV_ORDER] = (out[REVENUE] / out[ORDERS]).where(out[ORDERS] > 0)
    return out


def distinct_per(key: pd.Series, values: pd.Series) -> pd.Series:
    """How many distinct known ``values`` each ``key`` has (vectorised on codes)."""
    key_codes, key_uniques = pd.factorize(key, sort=False)
    value_codes, value_uniques = pd.factorize(values, sort=False)
    known = (key_codes >= 0) & (value_codes >= 0)
    width = np.int64(max(len(value_uniques), 1))
    pairs = pd.unique(key_codes[known].astype("int64") * width + value_codes[known])
    counts = np.bincount(pairs // width, minlength=len(key_uniques)).astype("float64")
    return pd.Series(counts, index=pd.Index(key_uniques))


def year_span(ctx: DataContext, year: int) -> Period:
    """Year ``year`` as far as the data covers it ("2017" or "2017 to date")."""
    full = year_period(year)
    if ctx.covered_to is not None and ctx.covered_to < full.end - pd.Timedelta(days=3):
        return range_period(full.start, ctx.covered_to, f"{year} to date")
    return full


def comparison_windows(
    sheet: FactSheet, ctx: DataContext
) -> tuple[Period, Period] | None:
    """The latest 12 months and the 12 before (6 and 6 with under two years of data)."""
    if not ctx.has_dates:
        return None
    months = (
        (ctx.covered_to.year - ctx.first.year) * 12
        + ctx.covered_to.month
        - ctx.first.month
        + 1
    )
    size = 12 if months >= 24 else 6 if months >= 12 else 0
    if not size:
        return None
    end = ctx.covered_to
    start = end - pd.DateOffset(months=size) + pd.Timedelta(days=1)
    sheet.count("Months in each comparison window", size)
    recent = range_period(start, end, f"the last {size} months")
    before = range_period(
        start - pd.DateOffset(months=size),
        start - pd.Timedelta(days=1),
        f"the {size} months before",
    )
    return recent, before


def weakest_words(sheet: FactSheet, summary: Mapping[str, Any]) -> str:
    """Why a SKU scores low, in words, with its figures as facts."""
    sku = summary["sku"]
    weakest = summary["weakest"]
    part = summary["components"][weakest]
    if part["impact"] >= 0:
        return "at or above the median SKU on every part of the score"
    if weakest == "frequency":
        value = sheet.count(f"Transactions of SKU {sku}", part["value"])
        median = sheet.count(
            "Transactions of the median SKU",
            part["median_value"],
            0 if float(part["median_value"]).is_integer() else 1,
        )
        return f"it rarely sells ({value} transactions against {median} for the median SKU)"
    if weakest == "price":
        value = sheet.money(f"Average sale of SKU {sku}", part["value"])
        median = sheet.money("Average sale of the median SKU", part["median_value"])
        return (
            f"its average sale is small ({value} against {median} for the median SKU)"
        )
    if math.isnan(part["value"]):
        return (
            "it sold only once or its sales average to zero, so its steadiness "
            "cannot be measured and earns nothing"
        )
    value = sheet.pct(f"Spread of sale amounts of SKU {sku}", part["value"])
    median = sheet.pct("Spread of sale amounts of the median SKU", part["median_value"])
    return f"its sale amounts are erratic (they vary by {value} of their average against {median})"
