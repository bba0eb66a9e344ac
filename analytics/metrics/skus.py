"""SKUs: per-SKU totals and rankings (top and bottom, ABC classes, loss makers), and the
SKU performance score with its drill-downs.

Per-SKU totals and rankings are plain sums: revenue, cost, profit, margin, transactions
and quantity per SKU (``sku_totals``), ranked by revenue or profit.

The performance score is documented to users and computed exactly as follows. For the
SKUs in view, over the rows of the frame, with ``a`` the row's revenue:
- ``n`` = number of rows; ``m`` = mean of ``a``; ``v`` = population standard deviation of
  ``a`` divided by ``|m|``, defined only when ``n >= 2`` and ``m != 0``;
- ``pr(x)`` = percentile rank of ``x`` among the SKUs where ``x`` is defined:
  ``(average rank of x ascending - 1) / (K - 1)``, where tied values share the average of
  their ranks and ``K`` is the number of those SKUs; 1.0 when ``K = 1``;
- ``F = pr(n)``, ``P = pr(m)``; ``C = 1 - pr(v)`` among the SKUs where ``v`` is defined,
  and ``C = 0`` for the others (a single sale, or sales that average to zero);
- ``score = 100 * (0.4 F + 0.4 P + 0.2 C)``, rounded to 6 decimals;
- rank 1 is the highest score; equal scores are ranked by revenue (higher first), then
  by SKU id (alphabetical);
- band: "green" (label "High") from 70, "amber" ("Medium") from 40 up to 70, "red"
  ("Low") below 40; SKUs with fewer than 3 transactions are marked ``few_sales``.

Ranks depend only on the order of the values, so one very expensive line or one very
busy SKU no longer squeezes every other SKU towards 0, as scaling by the range did.
Floating-point noise is not allowed to decide a result: ``m`` and ``v`` are compared
rounded to 6 decimals (so ``m`` is 0 when it rounds to 0), which keeps equal averages
computed in a different order tied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.formatting import format_money, format_number, format_pct
from analytics.metrics.breakdowns import sort_by, totals_of
from analytics.metrics.common import MetricError, check_choice, group_sums
from analytics.metrics.periods import month_numbers, month_starts_of
from analytics.schema import DATE, PROFIT, QUANTITY, REVENUE, SKU

RANKING_METRICS: tuple[str, ...] = (REVENUE, PROFIT)
WEIGHTS: dict[str, float] = {"frequency": 0.4, "price": 0.4, "consistency": 0.2}
GREEN_FROM = 70.0
AMBER_FROM = 40.0
#: Words shown next to each band's colour.
BAND_LABELS: dict[str, str] = {"green": "High", "amber": "Medium", "red": "Low"}
#: SKUs with fewer transactions than this are marked as having few sales.
FEW_SALES_BELOW = 3

SCORE_COLUMNS: tuple[str, ...] = (
    "sku", "rank", "score", "band", "frequency_score", "price_score", "consistency_score",
    "transactions", "avg_amount", "revenue", "profit", "few_sales",
)  # fmt: skip
MONTHLY_COLUMNS: tuple[str, ...] = (
    "month", "sku", "score", "rank", "transactions", "revenue",
)  # fmt: skip

#: Decimals at which averages and relative spreads are compared.
_DECIMALS_SCALE = 1e6


class UnknownSkuError(ValueError):
    """The SKU asked for does not occur in the data (message is shown to the user)."""


def _with_sku(df: pd.DataFrame) -> pd.DataFrame:
    """The rows that have a SKU (no copy when all have one)."""
    known = df[SKU].notna()
    return df if known.all() else df.loc[known]


# ---- per-SKU totals and rankings ---------------------------------------------------------


@dataclass(frozen=True)
class SkuFigures:
    """The per-SKU figures of one frame, computed once and shared by the SKU rankings,
    the ABC classes, the loss makers and the SKU score (one filter change of the
    dashboard asks for all of them on the same rows).

    ``totals`` is :func:`sku_totals` (SKUs in sorted order); ``codes`` numbers the SKU
    of each row that has one (an index into ``totals``, in row order) and ``known``
    marks those rows (None when every row has a SKU).
    """

    totals: pd.DataFrame
    codes: np.ndarray
    known: np.ndarray | None


def sku_figures(df: pd.DataFrame) -> SkuFigures:
    """The :class:`SkuFigures` of a canonical frame (rows without a SKU left out)."""
    known = df[SKU].notna()
    every = bool(known.all())
    rows = df if every else df.loc[known]
    codes, skus = pd.factorize(rows[SKU], sort=True)
    return SkuFigures(
        totals=totals_of(rows, codes, skus, SKU),
        codes=codes,
        known=None if every else known.to_numpy(dtype=bool),
    )


def sku_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Per-SKU totals (rows without a SKU are left out), sorted by SKU.

    Returns
    -------
    Columns ``sku``, ``revenue``, ``cost``, ``profit``, ``margin``, ``transactions``,
    ``quantity``; cost/profit/quantity NaN where unknown for that SKU.
    """
    return sku_figures(df).totals


def top_bottom_skus(
    df: pd.DataFrame, n: int = 10, by: str = REVENUE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` best and ``n`` worst SKUs by revenue or profit.

    Returns
    -------
    ``(top, bottom)``, frames shaped like ``sku_totals``: ``top`` sorted by ``by``
    descending, ``bottom`` ascending (worst first), ties by SKU. SKUs whose profit is
    unknown are left out when ranking by profit. With fewer than ``2 n`` SKUs the two
    lists share SKUs.
    """
    check_choice(by, RANKING_METRICS, "ranking")
    if n < 1:
        raise MetricError("The number of SKUs to show must be at least 1.")
    return rank_skus(sku_totals(df), n, by)


def rank_skus(
    totals: pd.DataFrame, n: int = 10, by: str = REVENUE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``top_bottom_skus`` from per-SKU totals already computed (``sku_totals``)."""
    check_choice(by, RANKING_METRICS, "ranking")
    if n < 1:
        raise MetricError("The number of SKUs to show must be at least 1.")
    totals = totals.loc[totals[by].notna()]
    return _first(totals, by, n, ascending=False), _first(totals, by, n, ascending=True)


def _first(totals: pd.DataFrame, by: str, n: int, *, ascending: bool) -> pd.DataFrame:
    """``sort_by(totals, by, SKU, ascending).head(n)`` (``by`` has no NaN); for totals in
    SKU order (``sku_totals``), only the ``n`` rows kept are gathered."""
    if not totals[SKU].is_monotonic_increasing:
        return sort_by(totals, by, SKU, ascending=ascending).head(n)
    values = totals[by].to_numpy(dtype="float64")
    order = np.argsort(values if ascending else -values, kind="stable")
    return totals.take(order[:n]).reset_index(drop=True)


def abc_pareto(df: pd.DataFrame, by: str = REVENUE) -> pd.DataFrame:
    """ABC (Pareto) classes of SKUs by revenue or profit.

    SKUs are sorted by value, largest first (ties by SKU). Only positive values count
    towards the total: ``share`` = value / sum of positive values and
    ``cumulative_share`` is the running share of positive values. A SKU is class "A" when
    the SKUs before it hold less than 80 % (so the SKU that crosses 80 % is still A),
    "B" when they hold less than 95 %, else "C". SKUs with a zero or negative value
    (e.g. loss makers by profit) are always "C"; their cumulative share stays at the
    level reached by the positive ones. SKUs with unknown profit are left out when
    ``by="profit"``; when no value is positive every SKU is "C" and shares are NaN.

    Returns
    -------
    Columns ``sku``, ``value``, ``share``, ``cumulative_share``, ``class``.
    """
    check_choice(by, RANKING_METRICS, "ranking")
    return pareto_classes(sku_totals(df), by)


def pareto_classes(totals: pd.DataFrame, by: str = REVENUE) -> pd.DataFrame:
    """``abc_pareto`` from per-SKU totals already computed (``sku_totals``)."""
    check_choice(by, RANKING_METRICS, "ranking")
    totals = totals.loc[totals[by].notna(), [SKU, by]].rename(columns={by: "value"})
    ordered = sort_by(totals, "value", SKU, ascending=False)
    value = ordered["value"].to_numpy(dtype="float64")
    positive = np.clip(value, 0.0, None)
    total = positive.sum()
    if total > 0:
        cumulative = np.cumsum(positive) / total
        before = cumulative - positive / total
        share = value / total
    else:
        cumulative = before = share = np.full(len(value), np.nan)
    eps = 1e-12
    classes = np.where(
        before < 0.80 - eps, "A", np.where(before < 0.95 - eps, "B", "C")
    )
    classes = np.where(value > 0, classes, "C")
    ordered["share"] = share
    ordered["cumulative_share"] = cumulative
    ordered["class"] = pd.Series(classes, dtype="str")
    return ordered


def loss_making_skus(df: pd.DataFrame) -> pd.DataFrame:
    """SKUs whose total profit is negative, biggest loss first (ties by SKU).

    A total is compared in whole millionths: lines that cancel out exactly (12.5 and
    -12.5) add up to a float noise like -2e-15, which is no loss.

    Returns
    -------
    Columns as ``sku_totals``; empty when the data has no profit figures.
    """
    return loss_makers(sku_totals(df))


def loss_makers(totals: pd.DataFrame) -> pd.DataFrame:
    """``loss_making_skus`` from per-SKU totals already computed (``sku_totals``)."""
    losses = totals.loc[totals[PROFIT].round(6) < 0]
    return sort_by(losses, PROFIT, SKU, ascending=True)


# ---- the formula, on per-SKU sums ----------------------------------------------------------


def _compared(values: np.ndarray) -> np.ndarray:
    """``values`` as compared by the score: rounded to 6 decimals (scaled by 1e6)."""
    return np.rint(values * _DECIMALS_SCALE)


def _moments(
    codes: np.ndarray, amounts: np.ndarray, groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-group ``n``, ``sum``, ``m`` and ``v`` (coefficient of variation as defined).

    ``codes`` are group numbers 0..groups-1 per row. ``v`` is NaN where it is not defined
    (fewer than 2 rows, or ``m`` rounds to 0; such a mean is returned as exactly 0). Two
    passes (mean, then squared deviations from it) keep the standard deviation exact for
    constant amounts.
    """
    n = np.bincount(codes, minlength=groups).astype("float64")
    total = group_sums(codes, amounts, groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    mean[_compared(mean) == 0] = 0.0
    deviation = amounts - mean[codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = group_sums(codes, deviation * deviation, groups) / n
    v = np.full(groups, np.nan)
    defined = (n >= 2) & (mean != 0)
    v[defined] = np.sqrt(variance[defined]) / np.abs(mean[defined])
    return n, total, mean, v


def _segments(sorted_groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets and lengths of the runs of equal values in a sorted array."""
    if sorted_groups.size == 0:
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    return starts, np.diff(np.r_[starts, sorted_groups.size])


def _percentile_ranks(keys: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``pr(x)`` of each value within its group; NaN keys are left out (and stay NaN).

    Within a group of ``K`` defined values, ``(average rank ascending - 1) / (K - 1)``,
    tied values sharing the average of their ranks; 1.0 when ``K = 1``. One sort on
    (group, key) of the defined values; run boundaries give every tie's first and last
    position, so the whole computation is vectorised.
    """
    out = np.full(keys.size, np.nan)
    defined = np.flatnonzero(~np.isnan(keys))
    if defined.size == 0:
        return out
    k, g = keys[defined], group[defined]
    order = np.lexsort((k, g))
    k, g = k[order], g[order]
    new_group = np.r_[True, g[1:] != g[:-1]]
    new_value = new_group | np.r_[True, k[1:] != k[:-1]]
    group_id = np.cumsum(new_group) - 1
    group_start = np.flatnonzero(new_group)
    group_size = np.diff(np.r_[group_start, k.size])
    run_id = np.cumsum(new_value) - 1
    run_start = np.flatnonzero(new_value)
    run_last = np.r_[run_start[1:], k.size] - 1
    # average 0-based position of the tie within its group = average rank - 1
    middle = (run_start[run_id] + run_last[run_id]) / 2.0 - group_start[group_id]
    size = group_size[group_id]
    ranks = np.where(size > 1, middle / np.maximum(size - 1, 1), 1.0)
    out[defined[order]] = ranks
    return out


def _components(
    n: np.ndarray, mean: np.ndarray, v: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``F``, ``P`` and ``C`` of each SKU within its group (a month, or all rows)."""
    f = _percentile_ranks(n, group)
    p = _percentile_ranks(_compared(mean), group)
    c = 1.0 - _percentile_ranks(_compared(v), group)
    return f, p, np.where(np.isnan(c), 0.0, c)


def _score(f: np.ndarray, p: np.ndarray, c: np.ndarray) -> np.ndarray:
    raw = 100.0 * (
        WEIGHTS["frequency"] * f + WEIGHTS["price"] * p + WEIGHTS["consistency"] * c
    )
    return np.round(raw, 6)


def _band(score: np.ndarray) -> np.ndarray:
    return np.where(
        score >= GREEN_FROM, "green", np.where(score >= AMBER_FROM, "amber", "red")
    )


def score_band(score: float) -> str:
    """The band of a score: "green" from 70, "amber" from 40 up to 70, "red" below 40."""
    return str(_band(np.asarray(float(score))))


def _ranking_order(
    group: np.ndarray, score: np.ndarray, revenue: np.ndarray
) -> np.ndarray:
    """Order by group, then score (high first), revenue (high first), SKU code.

    The inputs must already be ordered by (group, SKU code). One integer sort places
    group and score (scores carry 6 decimals, so ``score * 1e6`` is exact); only runs of
    equal scores are then re-sorted by revenue (stable sorts keep the SKU order).
    """
    points = np.rint(score * 1e6).astype("int64")
    key = group.astype("int64") * 1_000_000_000 + (200_000_000 - points)
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    tied = np.flatnonzero(ordered[1:] == ordered[:-1])
    if tied.size:
        in_tie = np.zeros(order.size, dtype=bool)
        in_tie[tied] = True
        in_tie[tied + 1] = True
        positions = np.flatnonzero(in_tie)
        members = order[positions]  # in (key, SKU) order
        by_revenue = np.argsort(-revenue[members], kind="stable")
        by_key = np.argsort(key[members][by_revenue], kind="stable")
        order[positions] = members[by_revenue[by_key]]
    return order


def _pair_codes(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-negative ``keys`` (sorted) and each row's index into them.

    Counting into a dense array is linear and much faster than hashing when the key
    space is small (months × SKUs); very sparse key spaces fall back to ``np.unique``.
    """
    size = int(keys.max()) + 1 if keys.size else 0
    if size > max(4 * keys.size, 1_000_000):
        return np.unique(keys, return_inverse=True)
    present = np.bincount(keys, minlength=size) > 0
    distinct = np.flatnonzero(present)
    lookup = np.cumsum(present) - 1
    return distinct, lookup[keys]


# ---- the score of each SKU ------------------------------------------------------------


def _score_table(df: pd.DataFrame, figures: SkuFigures | None = None) -> pd.DataFrame:
    """``sku_scores`` plus ``spread`` (v, the relative standard deviation)."""
    if figures is None:
        rows = _with_sku(df)
        codes, uniques = pd.factorize(rows[SKU], sort=True)
        amounts = rows[REVENUE].to_numpy(dtype="float64")
        profits = rows[PROFIT].to_numpy(dtype="float64")
    else:
        codes, uniques = figures.codes, pd.Index(figures.totals[SKU])
        amounts = df[REVENUE].to_numpy(dtype="float64")
        profits = df[PROFIT].to_numpy(dtype="float64")
        if figures.known is not None:
            amounts, profits = amounts[figures.known], profits[figures.known]
    groups = len(uniques)
    n, revenue, mean, v = _moments(codes, amounts, groups)

    profit = group_sums(codes, profits, groups, nan_when_unknown=True)

    f, p, c = _components(n, mean, v, np.zeros(groups, dtype="int64"))
    score = _score(f, p, c)
    # factorize(sort=True) numbers SKUs alphabetically, so rows are in SKU-id order.
    order = _ranking_order(np.zeros(groups, dtype="int64"), score, revenue)
    return pd.DataFrame(
        {
            "sku": pd.Series(uniques.take(order), dtype="str"),
            "rank": np.arange(1, groups + 1, dtype="int64"),
            "score": score[order],
            "band": pd.Series(_band(score[order]), dtype="str"),
            "frequency_score": f[order],
            "price_score": p[order],
            "consistency_score": c[order],
            "transactions": n[order].astype("int64"),
            "avg_amount": mean[order],
            "revenue": revenue[order],
            "profit": profit[order],
            "few_sales": n[order] < FEW_SALES_BELOW,
            "spread": v[order],
        }
    )


def sku_scores(df: pd.DataFrame, figures: SkuFigures | None = None) -> pd.DataFrame:
    """Performance score of every SKU (see the module docstring for the formula).

    Parameters
    ----------
    df:
        Canonical frame; uses ``sku``, ``revenue`` and ``profit``. Rows without a SKU are
        left out.
    figures:
        The frame's :func:`sku_figures` when already computed (its SKU numbering is
        reused); they must be those of ``df``.

    Returns
    -------
    One row per SKU, sorted by ``rank`` (1 = best), columns ``SCORE_COLUMNS``: ``sku``,
    ``rank`` (int), ``score`` (0-100), ``band`` ("green"/"amber"/"red"),
    ``frequency_score`` (F), ``price_score`` (P), ``consistency_score`` (C) (each 0-1),
    ``transactions`` (n, int), ``avg_amount`` (m), ``revenue`` (sum), ``profit`` (sum of
    known profits; NaN when the SKU has none), ``few_sales`` (bool: fewer than
    ``FEW_SALES_BELOW`` transactions).
    """
    return _score_table(df, figures).drop(columns="spread")


def band_label(band: str) -> str:
    """The words shown with a band's colour: "High", "Medium" or "Low"."""
    return BAND_LABELS[band]


def monthly_sku_scores(df: pd.DataFrame) -> pd.DataFrame:
    """The SKU score computed within each calendar month, across that month's SKUs.

    Parameters
    ----------
    df:
        Canonical frame; uses ``date``, ``sku`` and ``revenue``; rows without a date or a
        SKU are left out.

    Returns
    -------
    Columns ``month`` (month start), ``sku``, ``score``, ``rank`` (1 = best within the
    month; ties as in ``sku_scores``), ``transactions``, ``revenue``; sorted by month then
    rank. Only SKUs with rows in a month appear for it. All months are scored at once:
    one pass of sums per (month, SKU) pair, percentile ranks within each month.
    """
    rows = df.loc[df[SKU].notna() & df[DATE].notna(), [DATE, SKU, REVENUE]]
    if rows.empty:
        return pd.DataFrame(
            {
                "month": pd.Series([], dtype="datetime64[ns]"),
                "sku": pd.Series([], dtype="str"),
                "score": pd.Series([], dtype="float64"),
                "rank": pd.Series([], dtype="int64"),
                "transactions": pd.Series([], dtype="int64"),
                "revenue": pd.Series([], dtype="float64"),
            }
        )
    sku_codes, uniques = pd.factorize(rows[SKU], sort=True)
    skus = len(uniques)
    months = month_numbers(rows[DATE])
    first_month = int(months.min())
    pairs, pair_codes = _pair_codes((months - first_month) * skus + sku_codes)
    n, revenue, mean, v = _moments(
        pair_codes, rows[REVENUE].to_numpy(dtype="float64"), len(pairs)
    )
    pair_month, pair_sku = pairs // skus, pairs % skus
    starts, sizes = _segments(pair_month)
    f, p, c = _components(n, mean, v, pair_month)
    score = _score(f, p, c)

    order = _ranking_order(pair_month, score, revenue)
    rank = np.arange(len(order)) - np.repeat(starts, sizes) + 1
    month_starts = month_starts_of(
        np.arange(first_month, first_month + pair_month[-1] + 1)
    )
    return pd.DataFrame(
        {
            "month": month_starts[pair_month[order]],
            "sku": pd.Series(uniques.take(pair_sku[order]), dtype="str"),
            "score": score[order],
            "rank": rank.astype("int64"),
            "transactions": n[order].astype("int64"),
            "revenue": revenue[order],
        }
    )


def _require(df: pd.DataFrame, sku: str) -> pd.DataFrame:
    rows = df.loc[df[SKU] == sku]
    if rows.empty:
        raise UnknownSkuError(
            f"SKU {sku!r} has no transactions in the selected data; "
            "pick another SKU or widen the filters."
        )
    return rows


def sku_history(df: pd.DataFrame, sku: str) -> pd.DataFrame:
    """The transactions of one SKU.

    Returns
    -------
    Columns ``date``, ``revenue``, ``quantity``, ``profit``, sorted by date (rows without
    a date last, file order kept among equal dates), with a fresh RangeIndex.

    Raises
    ------
    UnknownSkuError
        (a ``ValueError``) when the SKU has no rows in ``df``.
    """
    rows = _require(df, sku)[[DATE, REVENUE, QUANTITY, PROFIT]]
    return rows.sort_values(DATE, kind="mergesort", na_position="last").reset_index(
        drop=True
    )


def sku_summary(df: pd.DataFrame, sku: str, currency: str = "$") -> dict:
    """Why a SKU ranks where it does: its score components against the median SKU.

    Returns
    -------
    ``{"sku", "rank", "of", "score", "band", "band_label", "few_sales", "components", "weakest", "strongest",
    "explanation"}``. ``components`` maps "frequency", "price" and "consistency" to
    ``{"score", "median_score", "value", "median_value", "weight", "impact"}`` where
    ``value`` is the underlying figure (transactions, average amount, relative spread
    ``v``, NaN where ``v`` is not defined; the spread's ``median_value`` is over the SKUs
    where it is defined) and ``impact`` = weight × 100 × (score − median score), the
    points the component adds to or takes from the score compared with the median SKU. ``weakest`` is the
    component with the lowest impact, ``strongest`` the highest; ``explanation`` is one
    plain sentence.

    Raises
    ------
    UnknownSkuError
        When the SKU has no rows in ``df``.
    """
    _require(df, sku)
    scores = _score_table(df)
    position = int(np.flatnonzero((scores["sku"] == sku).to_numpy())[0])
    row = scores.iloc[position]
    columns = {
        "frequency": ("frequency_score", scores["transactions"].astype("float64")),
        "price": ("price_score", scores["avg_amount"]),
        "consistency": ("consistency_score", scores["spread"]),
    }
    components: dict[str, dict[str, float]] = {}
    for name, (column, values) in columns.items():
        median_score = float(scores[column].median())
        components[name] = {
            "score": float(row[column]),
            "median_score": median_score,
            "value": float(values.iloc[position]),
            "median_value": float(values.median()),
            "weight": WEIGHTS[name],
            "impact": round(
                WEIGHTS[name] * 100 * (float(row[column]) - median_score), 6
            ),
        }
    weakest = min(components, key=lambda name: components[name]["impact"])
    strongest = max(components, key=lambda name: components[name]["impact"])
    return {
        "sku": sku,
        "rank": int(row["rank"]),
        "of": len(scores),
        "score": float(row["score"]),
        "band": str(row["band"]),
        "band_label": BAND_LABELS[str(row["band"])],
        "few_sales": bool(row["few_sales"]),
        "components": components,
        "weakest": weakest,
        "strongest": strongest,
        "explanation": _explain(sku, row, len(scores), weakest, components, currency),
    }


def _explain(
    sku: str,
    row: pd.Series,
    of: int,
    weakest: str,
    components: dict[str, dict[str, float]],
    currency: str,
) -> str:
    head = (
        f"{sku} ranks {int(row['rank'])} of {of} with a score of {row['score']:.1f} "
        f"({BAND_LABELS[row['band']]}, {row['band']} band)."
    )
    part = components[weakest]
    if part["impact"] >= 0:
        return f"{head} It is at or above the median SKU on every component."
    if weakest == "frequency":
        detail = (
            f"it sold {format_number(part['value'])} times against "
            f"{format_number(part['median_value'])} for the median SKU"
        )
    elif weakest == "price":
        detail = (
            f"its average sale is {format_money(part['value'], currency)} against "
            f"{format_money(part['median_value'], currency)} for the median SKU"
        )
    elif np.isnan(part["value"]):
        detail = (
            "it sold only once, so its steadiness cannot be measured and counts as 0"
            if int(row["transactions"]) < 2
            else "its sales average to zero, so its steadiness cannot be measured "
            "and counts as 0"
        )
    else:
        detail = (
            f"its sale amounts vary by {format_pct(part['value'])} of their average "
            f"against {format_pct(part['median_value'])} for the median SKU"
        )
    return f"{head} Its weakest point is {weakest}: {detail}."


def hide_few_sales(scores: pd.DataFrame, min_sales: int | None) -> pd.DataFrame:
    """The ranking without the SKUs that sold fewer than ``min_sales`` times.

    Scores and ranks stay those computed over every SKU in view (hiding a row changes
    nothing else), so ranks may skip numbers. ``None`` or 1 keeps every SKU.

    Parameters
    ----------
    scores:
        A frame with a ``transactions`` column, e.g. from :func:`sku_scores`.
    min_sales:
        Fewest transactions a SKU needs to stay; a whole number of at least 1.

    Raises
    ------
    ValueError
        When ``min_sales`` is below 1.
    """
    if min_sales is None:
        return scores
    if min_sales < 1:
        raise ValueError(
            "The minimum number of sales must be a whole number of at least 1."
        )
    return scores.loc[scores["transactions"] >= min_sales].reset_index(drop=True)
