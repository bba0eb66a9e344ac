"""Building blocks shared by the chat operations: slices, totals, tables, movers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.chat.common import (
    AOV,
    AOV_ORDER,
    AVG_PRICE,
    DIMENSION_LABELS,
    ENGINE_MEASURES,
    METRIC_LABELS,
    ORDERS,
    Intent,
    dimension_words,
    metric_available,
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
from analytics.query import (
    MIN_ID_COVERAGE,
    Filter,
    QuerySpec,
    frame_model,
    known_share,
)
from analytics.query import table as query_table
from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
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


@dataclass(frozen=True)
class Scope:
    """The rows a question names (its SKUs, categories and column values) as query
    filters, and words describing them (" for region `West`")."""

    filters: tuple[Filter, ...] = ()
    words: str = ""

    @property
    def plain(self) -> str:
        return plain_words(self.words)


def scope_of(intent: Intent, *, skus: bool = True) -> Scope:
    """The :class:`Scope` of a parsed question (its SKUs left out with ``skus=False``)."""
    filters: list[Filter] = []
    words: list[str] = []
    named = [(SKU, intent.skus if skus else ())]
    named += [(CATEGORY, intent.categories), *intent.where]
    for column, values in named:
        if not values:
            continue
        filters.append(Filter(column, tuple(values)))
        words.append(
            dimension_words(column)[0] + " " + ", ".join(quote(v) for v in values)
        )
    return Scope(tuple(filters), (" for " + " and ".join(words)) if words else "")


#: What an order is, said next to every figure about orders.
ORDERS_NOTE = (
    "_Orders are distinct order ids among lines with a positive amount (an id whose "
    "lines are all returns is not an order); the average order value is net revenue "
    "per order._"
)


#: What the average price per unit is, said next to it.
PRICE_NOTE = (
    "_Average price per unit is revenue ÷ units sold: each line's price weighted by "
    "its quantity (returned units included), not the plain average of a price column._"
)


def outside(sheet: FactSheet, ctx: DataContext, period: Period | None) -> bool:
    """Says so (and returns True) when ``period`` lies outside the data."""
    if period is None or ctx.overlaps(period):
        return False
    sheet.rows = 0
    sheet.add(f"Your data has no rows in {period.label}: it covers {ctx.span()}.")
    return True


def period_op(
    sheet: FactSheet, ctx: DataContext, period: Period | None, name: str, **params: Any
) -> bool:
    """Records the operation ``name`` on ``period`` (every date without one) and the
    period the answer speaks of; says so (and returns True) when it lies outside the
    data."""
    sheet.op(name, **params, period=period.iso() if period else "all")
    sheet.period = period.label if period else ctx.span()
    return outside(sheet, ctx, period)


def has_dimension(df: pd.DataFrame, dimension: str) -> bool:
    """True when the frame has column ``dimension`` with at least one value."""
    return dimension in df.columns and bool(df[dimension].notna().any())


_CHAT_NAMES = {"aov": AOV_ORDER}


def _engine_measures(df: pd.DataFrame, wanted: Sequence[str]) -> tuple[str, ...]:
    """The engine measures behind the chat ``wanted`` metrics that ``df`` can give
    (revenue and transactions always; the others are left out when unknown)."""
    out = ["revenue", "transactions"]
    ids = ORDER in df and known_share(df[ORDER]) >= MIN_ID_COVERAGE
    for metric in wanted:
        name = ENGINE_MEASURES.get(metric)
        if name in ("profit", "margin") and not known_share(df[PROFIT]):
            continue
        if name in ("cost", "quantity") and not known_share(df[name]):
            continue
        if name in ("orders", "aov") and not ids:
            continue
        if name == "customers" and not (
            CUSTOMER in df and known_share(df[CUSTOMER]) >= MIN_ID_COVERAGE
        ):
            continue
        if name == "margin":
            out.append("profit")  # ratios come with their parts
        if name == "aov":
            out.append("orders")
        if metric == AVG_PRICE and known_share(df[QUANTITY]):
            out.append("quantity")  # revenue / units
        if name:
            out.append(name)
    return tuple(dict.fromkeys(out))


def figures(
    df: pd.DataFrame,
    wanted: Sequence[str],
    scope: Scope | None = None,
    period: Period | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """The chat ``wanted`` metrics computed by the query engine over the rows of
    ``scope`` in ``period``: one row of totals, or one row per value of ``by`` (a frame
    column or a time grain; column ``by`` holds the value, missing ones as
    ``(not set)``), unsorted, with ``revenue_share``. A metric the data cannot give is
    NaN (the average transaction value too when there are no rows). Money is rounded to
    a millionth: sums of cents shown as cents whatever order they were added in, without
    rounding a figure twice."""
    if period is not None and not known_share(df[DATE]):
        df, period = df.iloc[:0], None  # no dated row falls in any period
    spec = QuerySpec(
        measures=_engine_measures(df, wanted),
        group_by=(by,) if by else (),
        filters=scope.filters if scope else (),
        start=f"{period.start:%Y-%m-%d}" if period else None,
        end=f"{period.end:%Y-%m-%d}" if period else None,
    )
    result = query_table(df, spec, frame_model(df, None))
    out = result.frame
    out.columns = [
        by if by and i == 0 else _CHAT_NAMES.get(c, c)
        for i, c in enumerate(out.columns)
    ]
    money = [c for c in (REVENUE, COST, PROFIT, AOV_ORDER) if c in out]
    out[money] = out[money].round(6)
    for metric in (*wanted, PROFIT, "margin"):
        if metric not in out and metric not in (AOV, AVG_PRICE):
            out[metric] = np.nan
    transactions = out["transactions"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out[AOV] = np.where(transactions > 0, out[REVENUE] / transactions, np.nan)
        if AVG_PRICE in wanted:
            units = (
                out[QUANTITY].to_numpy("float64")
                if QUANTITY in out
                else np.full(len(out), np.nan)
            )
            out[AVG_PRICE] = np.where(units > 0, out[REVENUE] / units, np.nan)
        total = result.totals["revenue"]
        out["revenue_share"] = out[REVENUE] / total if total else np.nan
    return out


def metric_values(
    df: pd.DataFrame,
    wanted: Sequence[str],
    scope: Scope | None = None,
    period: Period | None = None,
) -> dict[str, float | None]:
    """Totals of the ``wanted`` metrics (margin as a fraction); None when unknown."""
    row = figures(df, wanted, scope, period).iloc[0]
    return {m: None if pd.isna(row[m]) else float(row[m]) for m in wanted}


def metric_value(
    df: pd.DataFrame,
    metric: str,
    scope: Scope | None = None,
    period: Period | None = None,
) -> float | None:
    """Total of ``metric`` (margin as a fraction); None when unknown."""
    return metric_values(df, (metric,), scope, period)[metric]


def monthly_values(
    df: pd.DataFrame, metric: str, scope: Scope | None, period: Period | None
) -> pd.Series:
    """``metric`` per month (index: month starts), every month from the first to the
    last with sales (empty months: 0, or NaN for profit and cost)."""
    table = figures(df, (metric,), scope, period, "month")
    if table.empty:
        return pd.Series([], dtype="float64", index=pd.DatetimeIndex([]))
    values = table.set_index(pd.DatetimeIndex(pd.to_datetime(table["month"])))[metric]
    months = pd.date_range(values.index[0], values.index[-1], freq="MS")
    empty = np.nan if metric in (PROFIT, COST, "margin") else 0.0
    return values.reindex(months, fill_value=empty)


def ranked(
    table: pd.DataFrame, by: str, metric: str, *, bottom: bool = False
) -> pd.DataFrame:
    """Groups of ``table`` by ``metric``, largest first (smallest with ``bottom``), ties
    by name, unknown values last."""
    return table.sort_values(
        [metric, by],
        ascending=[bottom, True],
        kind="mergesort",
        na_position="last",
    ).reset_index(drop=True)


def relative_change(new: float | None, old: float | None) -> float | None:
    if new is None or old is None or old == 0:
        return None
    return (new - old) / abs(old)


def usable_metric(sheet: FactSheet, ctx: DataContext, metric: str) -> str:
    if metric_available(ctx, metric):
        return metric
    needs = {
        PROFIT: "cost or profit",
        "margin": "cost or profit",
        COST: "cost",
        QUANTITY: "quantity",
        AVG_PRICE: "quantity",
        ORDERS: "order id",
        AOV_ORDER: "order id",
        "customers": "customer id",
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
    if metric == AVG_PRICE:
        sheet.caveat(PRICE_NOTE)
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
    df: pd.DataFrame,
    where: Scope,
    ctx: DataContext,
    metric: str,
    period: Period,
    value: float | None,
) -> None:
    """Compare with the period before and the same period a year earlier, when covered."""
    name = METRIC_LABELS[metric]
    scope = where.plain
    parts: list[str] = []
    candidates = [period.previous()]
    if period.kind in ("month", "quarter", "week"):
        candidates.append(period.year_earlier())
    for other in candidates:
        if not ctx.covers(other) or not ctx.covers(period):
            continue
        other_value = metric_value(df, metric, where, other)
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
    df: pd.DataFrame,
    where: Scope,
    by: str,
    current: Period,
    base: Period,
) -> None:
    """Which categories/SKUs moved revenue most between two periods."""
    a = figures(df, (REVENUE,), where, current, by).set_index(by)[REVENUE]
    b = figures(df, (REVENUE,), where, base, by).set_index(by)[REVENUE]
    diff = a.sub(b, fill_value=0.0).sort_values(kind="mergesort")
    if diff.empty:
        return
    singular = DIMENSION_LABELS[by][0]
    parts = []
    up, down = diff.index[-1], diff.index[0]
    # a move under half a cent shows as $0.00: float noise, not a rise or a fall
    if diff.iloc[-1] >= 0.005:
        shown = sheet.money(
            f"Revenue change of {singular} {up}, {current.label} vs {base.label}",
            float(diff.iloc[-1]),
        )
        parts.append(f"the biggest rise came from {singular} {quote(up)} (+{shown})")
    if diff.iloc[0] <= -0.005:
        shown = sheet.money(
            f"Revenue change of {singular} {down}, {current.label} vs {base.label}",
            float(diff.iloc[0]),
        )
        parts.append(f"the biggest fall from {quote(down)} ({shown})")
    if parts:
        sheet.add("Behind the change: " + "; ".join(parts) + ".")


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
