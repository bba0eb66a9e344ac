"""SKU performance score: how often a SKU sells, at what amount, and how steadily.

The score is documented to users and computed exactly as follows. For each SKU, over the
rows of the frame, with ``a`` the row's revenue:

- ``n`` = number of rows; ``m`` = mean of ``a``; ``v`` = population standard deviation of
  ``a`` divided by ``|m|`` when ``n >= 2`` and ``m != 0``, else 0;
- ``F = minmax(n)``, ``P = minmax(m)``, ``C = 1 - minmax(v)``, where
  ``minmax(x) = (x - min) / (max - min)`` over all SKUs, and 1.0 for every SKU when
  ``max = min`` (so when all SKUs share a value, e.g. a single SKU, F = P = 1 and C = 0);
- ``score = 100 * (0.4 F + 0.4 P + 0.2 C)``, rounded to 6 decimals;
- rank 1 is the highest score; equal scores are ranked by revenue (higher first), then
  by SKU id (alphabetical);
- band: "green" from 70, "amber" from 40 up to 70, "red" below 40.

Floating-point noise is not allowed to decide a result: a mean whose sum is within 1e-9
of the SKU's total absolute amount from zero counts as zero, and a spread ``max - min``
within 1e-9 of the values' magnitude (at least 1) counts as ``max = min``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.formatting import format_money, format_number, format_pct
from analytics.metrics import month_numbers, month_starts_of
from analytics.schema import DATE, PROFIT, QUANTITY, REVENUE, SKU

WEIGHTS: dict[str, float] = {"frequency": 0.4, "price": 0.4, "consistency": 0.2}
GREEN_FROM = 70.0
AMBER_FROM = 40.0

SCORE_COLUMNS: tuple[str, ...] = (
    "sku",
    "rank",
    "score",
    "band",
    "frequency_score",
    "price_score",
    "consistency_score",
    "transactions",
    "avg_amount",
    "revenue",
    "profit",
)
MONTHLY_COLUMNS: tuple[str, ...] = (
    "month",
    "sku",
    "score",
    "rank",
    "transactions",
    "revenue",
)

_TOLERANCE = 1e-9


class UnknownSkuError(ValueError):
    """The SKU asked for does not occur in the data (message is shown to the user)."""


# ---- the formula, on per-SKU sums ----------------------------------------------------------


def _sums(codes: np.ndarray, weights: np.ndarray | None, groups: int) -> np.ndarray:
    """Per-group sums (counts when ``weights`` is None) as float64, also when empty."""
    return np.bincount(codes, weights=weights, minlength=groups).astype("float64")


def _moments(
    codes: np.ndarray, amounts: np.ndarray, groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-group ``n``, ``sum``, ``m`` and ``v`` (coefficient of variation as defined).

    ``codes`` are group numbers 0..groups-1 per row. Two passes (mean, then squared
    deviations from it) keep the standard deviation exact for constant amounts.
    """
    n = _sums(codes, None, groups)
    total = _sums(codes, amounts, groups)
    absolute = _sums(codes, np.abs(amounts), groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    mean[np.abs(total) <= _TOLERANCE * absolute] = 0.0
    deviation = amounts - mean[codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = _sums(codes, deviation * deviation, groups) / n
    v = np.zeros(groups)
    defined = (n >= 2) & (mean != 0)
    v[defined] = np.sqrt(variance[defined]) / np.abs(mean[defined])
    return n, total, mean, v


def _segments(sorted_groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets and lengths of the runs of equal values in a sorted array."""
    if sorted_groups.size == 0:
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    return starts, np.diff(np.r_[starts, sorted_groups.size])


def _minmax(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Min-max scaling within each contiguous segment; 1.0 where a segment is flat.

    A segment is flat when ``max - min`` is within 1e-9 of its magnitude (at least 1).
    """
    if values.size == 0:
        return values.astype("float64")
    low = np.repeat(np.minimum.reduceat(values, starts), sizes)
    high = np.repeat(np.maximum.reduceat(values, starts), sizes)
    spread = high - low
    flat = spread <= _TOLERANCE * np.maximum(1.0, np.maximum(np.abs(low), np.abs(high)))
    return np.where(flat, 1.0, (values - low) / np.where(flat, 1.0, spread))


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


def _with_sku(df: pd.DataFrame) -> pd.DataFrame:
    return df.loc[df[SKU].notna()]


# ---- public API -------------------------------------------------------------------------------


def _score_table(df: pd.DataFrame) -> pd.DataFrame:
    """``sku_scores`` plus ``spread`` (v, the relative standard deviation)."""
    rows = _with_sku(df)
    codes, uniques = pd.factorize(rows[SKU], sort=True)
    groups = len(uniques)
    amounts = rows[REVENUE].to_numpy(dtype="float64")
    n, revenue, mean, v = _moments(codes, amounts, groups)

    profit_values = rows[PROFIT].to_numpy(dtype="float64")
    known = ~np.isnan(profit_values)
    profit = _sums(codes, np.where(known, profit_values, 0.0), groups)
    profit[_sums(codes, known.astype("float64"), groups) == 0] = np.nan

    starts, sizes = _segments(np.zeros(groups, dtype="int64"))
    f = _minmax(n, starts, sizes)
    p = _minmax(mean, starts, sizes)
    c = 1.0 - _minmax(v, starts, sizes)
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
            "spread": v[order],
        }
    )


def sku_scores(df: pd.DataFrame) -> pd.DataFrame:
    """Performance score of every SKU (see the module docstring for the formula).

    Parameters
    ----------
    df:
        Canonical frame; uses ``sku``, ``revenue`` and ``profit``. Rows without a SKU are
        left out.

    Returns
    -------
    One row per SKU, sorted by ``rank`` (1 = best), columns ``SCORE_COLUMNS``: ``sku``,
    ``rank`` (int), ``score`` (0-100), ``band`` ("green"/"amber"/"red"),
    ``frequency_score`` (F), ``price_score`` (P), ``consistency_score`` (C) (each 0-1),
    ``transactions`` (n, int), ``avg_amount`` (m), ``revenue`` (sum), ``profit`` (sum of
    known profits; NaN when the SKU has none).
    """
    return _score_table(df).drop(columns="spread")


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
    one pass of sums per (month, SKU) pair, min-max within each month's run of pairs.
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
    f = _minmax(n, starts, sizes)
    p = _minmax(mean, starts, sizes)
    c = 1.0 - _minmax(v, starts, sizes)
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
    ``{"sku", "rank", "of", "score", "band", "components", "weakest", "strongest",
    "explanation"}``. ``components`` maps "frequency", "price" and "consistency" to
    ``{"score", "median_score", "value", "median_value", "weight", "impact"}`` where
    ``value`` is the underlying figure (transactions, average amount, relative spread
    ``v``) and ``impact`` = weight × 100 × (score − median score), the points the component
    adds to or takes from the score compared with the median SKU. ``weakest`` is the
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
        f"({row['band']})."
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
    else:
        detail = (
            f"its sale amounts vary by {format_pct(part['value'])} of their average "
            f"against {format_pct(part['median_value'])} for the median SKU"
        )
    return f"{head} Its weakest point is {weakest}: {detail}."
