"""Series over time: revenue, cost and profit per period, margins per period, and the
seasonal profile (average revenue by month of year and by weekday)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.metrics.common import group_sums, known_rows
from analytics.metrics.periods import (
    FREQ_ALIASES,
    MONTH_LABELS,
    WEEKDAY_LABELS,
    choose_granularity,
    distinct_days,
    epoch_days,
    month_numbers,
    period_numbers,
    period_starts_of,
    sampling,
)
from analytics.schema import COST, DATE, PROFIT, REVENUE


def timeseries(
    df: pd.DataFrame, granularity: str | None = None
) -> tuple[str, pd.DataFrame]:
    """Revenue, cost and profit summed per period.

    Parameters
    ----------
    df:
        Canonical frame; rows without a date are left out.
    granularity:
        "day", "week", "month" or "quarter"; None chooses from the span.

    Returns
    -------
    ``(granularity, frame)`` with columns ``period`` (period start, Timestamp), ``revenue``,
    ``cost``, ``profit``; empty periods inside the range appear with 0 revenue. Cost and
    profit are NaN for periods with no known cost/profit.
    """
    granularity = granularity or choose_granularity(df)
    if granularity not in FREQ_ALIASES:
        raise ValueError(
            f"Unknown granularity {granularity!r}; use one of {', '.join(FREQ_ALIASES)}."
        )
    dated = known_rows(df, DATE, [DATE, REVENUE, COST, PROFIT])
    if dated.empty:
        return granularity, pd.DataFrame(
            {
                "period": pd.Series([], dtype="datetime64[ns]"),
                REVENUE: [],
                COST: [],
                PROFIT: [],
            }
        )
    numbers = period_numbers(dated[DATE], granularity)
    first = int(numbers.min())
    codes = numbers - first
    size = int(codes.max()) + 1  # every period of the range, empty ones included
    counts = np.bincount(codes, minlength=size)
    out = pd.DataFrame(
        {
            "period": period_starts_of(np.arange(first, first + size), granularity),
            REVENUE: group_sums(codes, dated[REVENUE].to_numpy(), size),
            COST: group_sums(
                codes,
                dated[COST].to_numpy(),
                size,
                nan_when_unknown=True,
                counts=counts,
            ),
            PROFIT: group_sums(
                codes,
                dated[PROFIT].to_numpy(),
                size,
                nan_when_unknown=True,
                counts=counts,
            ),
        }
    )
    return granularity, out


# --------------------------------------------------------------------------------------
# Breakdowns, comparisons and rankings for the dashboard
# --------------------------------------------------------------------------------------


def margin_series(df: pd.DataFrame, granularity: str | None = None) -> pd.DataFrame:
    """Profit margin per period.

    Parameters
    ----------
    df:
        Canonical frame; rows without a date are left out.
    granularity:
        "day", "week", "month" or "quarter"; None chooses from the span.

    Returns
    -------
    Columns ``period`` (period start), ``revenue``, ``profit``, ``margin`` (profit /
    revenue as a fraction; NaN where revenue is 0 or profit unknown), one row per period
    of ``timeseries``.
    """
    _, series = timeseries(df, granularity)
    return margins_of(series)


def margins_of(series: pd.DataFrame) -> pd.DataFrame:
    """``margin_series`` from a ``timeseries`` frame already computed (same periods)."""
    revenue = series[REVENUE]
    margin = (series[PROFIT] / revenue).where(revenue != 0)
    return pd.DataFrame(
        {
            "period": series["period"].astype("datetime64[ns]"),
            REVENUE: revenue,
            PROFIT: series[PROFIT],
            "margin": margin.astype("float64"),
        }
    )


def seasonality(df: pd.DataFrame) -> dict[str, pd.DataFrame | None]:
    """Average revenue by month of year and, for daily data, by weekday.

    The weekday profile is only given when the data is daily: dates on more than one
    weekday and not all on the 1st of a month (monthly exports) or on a single weekday
    (weekly exports).

    Returns
    -------
    ``{"month": frame | None, "weekday": frame | None}`` (None without dates).
    ``month`` has 12 rows: ``month`` (1-12), ``label`` ("Jan"), ``revenue`` and
    ``profit`` (totals), ``periods`` (how many of that month the data's span covers),
    ``avg_revenue`` (revenue / periods; NaN when 0 periods) and ``index`` (avg_revenue /
    mean of avg_revenue over the months present: 1.2 = 20 % above a typical month).
    ``weekday`` has 7 rows shaped the same with ``weekday`` (0 = Monday) and ``periods``
    counting the days of that weekday in the span.
    """
    days = distinct_days(df[DATE])
    if days.empty:
        return {"month": None, "weekday": None}
    dated = known_rows(df, DATE, [DATE, REVENUE, PROFIT])
    step, _ = sampling(days)

    first_month = days[0].year * 12 + days[0].month - 1
    last_month = days[-1].year * 12 + days[-1].month - 1
    month = _profile(
        dated,
        month_numbers(dated[DATE]) % 12,
        np.bincount(np.arange(first_month, last_month + 1) % 12, minlength=12),
        "month",
        np.arange(1, 13),
        MONTH_LABELS,
    )
    weekday = None
    if step == "day" and days.day_of_week.nunique() > 1:
        first_day, last_day = epoch_days(pd.Series(days[[0, -1]]))
        weekday = _profile(
            dated,
            (epoch_days(dated[DATE]) + 3) % 7,  # 0 = Monday (1970-01-01 was a Thursday)
            np.bincount((np.arange(first_day, last_day + 1) + 3) % 7, minlength=7),
            "weekday",
            np.arange(7),
            WEEKDAY_LABELS,
        )
    return {"month": month, "weekday": weekday}


def _profile(
    dated: pd.DataFrame,
    codes: np.ndarray,
    periods: np.ndarray,
    name: str,
    slots: np.ndarray,
    labels: Sequence[str],
) -> pd.DataFrame:
    """Totals per slot (``codes`` 0..len(slots)-1) and the average per covered period."""
    size = len(slots)
    revenue = group_sums(codes, dated[REVENUE].to_numpy(), size)
    profit = group_sums(codes, dated[PROFIT].to_numpy(), size, nan_when_unknown=True)
    periods = periods.astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        average = np.where(periods > 0, revenue / np.maximum(periods, 1), np.nan)
    typical = np.nanmean(average) if np.isfinite(average).any() else np.nan
    if np.isfinite(typical) and typical != 0:
        index = average / typical
    else:
        index = np.full(size, np.nan)
    return pd.DataFrame(
        {
            name: slots.astype("int64"),
            "label": pd.Series(list(labels), dtype="str"),
            REVENUE: revenue.astype("float64"),
            PROFIT: profit.astype("float64"),
            "periods": periods,
            "avg_revenue": average.astype("float64"),
            "index": np.asarray(index, dtype="float64"),
        }
    )
