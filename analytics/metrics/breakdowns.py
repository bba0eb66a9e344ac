"""Totals per category, SKU or customer, and per period and group for stacked charts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.metrics.common import NOT_SET, MetricError, check_choice, group_sums
from analytics.metrics.periods import (
    FREQ_ALIASES,
    choose_granularity,
    period_numbers,
    period_starts_of,
)
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

BREAKDOWN_KEYS: tuple[str, ...] = (CATEGORY, SKU, CUSTOMER)
BREAKDOWN_METRICS: tuple[str, ...] = (
    REVENUE,
    COST,
    PROFIT,
    "margin",
    "transactions",
    QUANTITY,
)
#: Largest period × group grid ``breakdown_by_period`` builds.
MAX_GRID_CELLS = 5_000_000


def totals_by(
    df: pd.DataFrame, key: pd.Series, name: str, *, sort: bool = False
) -> pd.DataFrame:
    """Revenue, cost, profit, margin, transactions and quantity per value of ``key``
    (which has no missing values); groups in order of appearance, or sorted."""
    codes, labels = pd.factorize(key, sort=sort)
    return totals_of(df, codes, labels, name)


def totals_of(df: pd.DataFrame, codes: np.ndarray, labels, name: str) -> pd.DataFrame:
    """``totals_by`` from the group of each row already numbered: ``codes`` (0..n-1,
    one per row of ``df``) index ``labels``, the group names (column ``name``)."""
    size = len(labels)
    counts = np.bincount(codes, minlength=size)

    def known_sums(column: str) -> np.ndarray:
        values = df[column].to_numpy()
        return group_sums(codes, values, size, nan_when_unknown=True, counts=counts)

    revenue = group_sums(codes, df[REVENUE].to_numpy(), size)
    profit = known_sums(PROFIT)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.where(revenue != 0, profit / revenue, np.nan)
    return pd.DataFrame(
        {
            name: pd.Series(labels, dtype="str"),
            REVENUE: revenue,
            COST: known_sums(COST),
            PROFIT: profit,
            "margin": margin,
            "transactions": counts.astype("int64"),
            QUANTITY: known_sums(QUANTITY),
        }
    )


def sort_by(
    frame: pd.DataFrame, metric: str, key: str, ascending: bool
) -> pd.DataFrame:
    """Sort by ``metric`` (NaN last), ties by ``key`` ascending; fresh RangeIndex."""
    if frame[key].is_monotonic_increasing:
        # already in key order (e.g. ``sku_totals``): a stable sort by the metric alone
        # keeps ties in key order, without the slower sort on two keys
        ordered = frame.sort_values(
            metric, ascending=ascending, na_position="last", kind="mergesort"
        )
    else:
        ordered = frame.sort_values(
            [metric, key],
            ascending=[ascending, True],
            na_position="last",
            kind="mergesort",
        )
    return ordered.reset_index(drop=True)


def breakdown(
    df: pd.DataFrame, by: str = CATEGORY, metric: str = REVENUE
) -> pd.DataFrame:
    """Totals per category (or SKU, customer), sorted by ``metric``, largest first.

    Parameters
    ----------
    df:
        Canonical frame; uses ``revenue``, ``cost``, ``profit``, ``quantity`` and ``by``.
    by:
        "category", "sku" or "customer". Rows without a value are grouped as ``NOT_SET``.
    metric:
        Sort key: "revenue", "cost", "profit", "margin", "transactions" or "quantity";
        unknown values (NaN) sort last, ties by name.

    Returns
    -------
    Columns ``<by>``, ``revenue``, ``cost``, ``profit``, ``margin``, ``transactions``,
    ``quantity``, ``revenue_share`` (share of total revenue; NaN when it is 0). Cost,
    profit and quantity are NaN for groups with none known.
    """
    check_choice(by, BREAKDOWN_KEYS, "breakdown")
    check_choice(metric, BREAKDOWN_METRICS, "metric")
    key = df[by].fillna(NOT_SET)
    out = totals_by(df, key, by)
    total = out[REVENUE].sum()
    out["revenue_share"] = out[REVENUE] / total if total != 0 else np.nan
    return sort_by(out, metric, by, ascending=False)


def breakdown_by_period(
    df: pd.DataFrame, granularity: str | None = None, by: str = CATEGORY
) -> pd.DataFrame:
    """Revenue and profit per period and category (or SKU, customer), for stacked charts.

    Parameters
    ----------
    df:
        Canonical frame; rows without a date are left out, rows without ``by`` are
        grouped as ``NOT_SET``.
    granularity:
        "day", "week", "month" or "quarter"; None chooses from the span.

    Returns
    -------
    Long frame ``period``, ``<by>``, ``revenue``, ``profit`` with every period of the
    range × every group (revenue 0 where a group sold nothing; profit NaN where the data
    has no profit figures, else 0), sorted by period then group.
    """
    check_choice(by, BREAKDOWN_KEYS, "breakdown")
    granularity = granularity or choose_granularity(df)
    check_choice(granularity, tuple(FREQ_ALIASES), "granularity")
    dated = df.loc[df[DATE].notna()]
    if dated.empty:
        return pd.DataFrame(
            {
                "period": pd.Series([], dtype="datetime64[ns]"),
                by: pd.Series([], dtype="str"),
                REVENUE: pd.Series([], dtype="float64"),
                PROFIT: pd.Series([], dtype="float64"),
            }
        )
    numbers = period_numbers(dated[DATE], granularity)
    first = int(numbers.min())
    periods = int(numbers.max()) - first + 1
    group_codes, groups = pd.factorize(dated[by].fillna(NOT_SET), sort=True)
    cells = periods * len(groups)
    if cells > MAX_GRID_CELLS:
        raise MetricError(
            f"A {granularity} breakdown by {by} would have {cells:,} cells; "
            "choose a coarser granularity or narrow the filters."
        )
    codes = (numbers - first) * len(groups) + group_codes
    profit = group_sums(codes, dated[PROFIT].to_numpy(), cells, nan_when_unknown=True)
    if dated[PROFIT].notna().any():
        profit = np.nan_to_num(profit)
    starts = period_starts_of(np.arange(first, first + periods), granularity)
    return pd.DataFrame(
        {
            "period": np.repeat(starts, len(groups)),
            by: pd.Series(
                np.tile(np.asarray(groups, dtype=object), periods), dtype="str"
            ),
            REVENUE: group_sums(codes, dated[REVENUE].to_numpy(), cells),
            PROFIT: profit,
        }
    )


# ---- seasonality -------------------------------------------------------------------------
