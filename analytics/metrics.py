"""Headline figures, comparisons, series, breakdowns and rankings of canonical frames."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.filters import DateLike, date_bounds, previous_period_bounds
from analytics.formatting import MONTH_NAMES
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

#: Pandas offset aliases for the granularities the dashboard offers.
#: Period starts: weeks start on Monday, months and quarters on their first day.
FREQ_ALIASES: dict[str, str] = {
    "day": "D",
    "week": "W-MON",
    "month": "MS",
    "quarter": "QS",
}


def _money(value: float) -> float | None:
    """Round a money figure to cents; NaN/inf become None (JSON null)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 2)


_MONTHS_BEFORE_1970 = 1970 * 12
_MAX_LOOKUP_DAYS = 400_000  # about 1,100 years


def month_numbers(dates: pd.Series) -> np.ndarray:
    """``year * 12 + month - 1`` of each date (no missing values): consecutive months
    differ by 1, so integer maths replaces slow calendar conversions.

    The calendar is looked up once per day of the span, then gathered per row.
    """
    days = _epoch_days(dates)
    if days.size == 0:
        return days
    first, last = int(days.min()), int(days.max())
    if last - first > _MAX_LOOKUP_DAYS:
        return (
            dates.dt.year.to_numpy(dtype="int64") * 12
            + dates.dt.month.to_numpy(dtype="int64")
            - 1
        )
    span = pd.DatetimeIndex(np.arange(first, last + 1).astype("datetime64[D]"))
    table = np.asarray(span.year * 12 + span.month - 1, dtype="int64")
    return table[days - first]


def month_starts_of(numbers: np.ndarray) -> np.ndarray:
    """First days (``datetime64[ns]``) of the months numbered by ``month_numbers``."""
    since_1970 = np.asarray(numbers, dtype="int64") - _MONTHS_BEFORE_1970
    return since_1970.astype("datetime64[M]").astype("datetime64[ns]")


def _epoch_days(dates: pd.Series) -> np.ndarray:
    """Whole days since 1970-01-01 of each date (no missing values), in any time unit."""
    values = dates.to_numpy()
    if values.dtype.kind != "M":
        values = values.astype("datetime64[ns]")
    unit, count = np.datetime_data(values.dtype)
    per_day = np.timedelta64(1, "D") // np.timedelta64(count, unit)
    return values.view("int64") // per_day


def _period_numbers(dates: pd.Series, granularity: str) -> np.ndarray:
    """Consecutive integers numbering the day / Monday-week / month / quarter of dates."""
    if granularity == "day":
        return _epoch_days(dates)
    if granularity == "week":
        return (_epoch_days(dates) + 3) // 7  # 1970-01-01 was a Thursday
    months = month_numbers(dates)
    return months if granularity == "month" else months // 3


def _period_starts_of(numbers: np.ndarray, granularity: str) -> np.ndarray:
    """Start dates (``datetime64[ns]``) of the periods numbered by ``_period_numbers``."""
    numbers = np.asarray(numbers, dtype="int64")
    if granularity == "day":
        return numbers.astype("datetime64[D]").astype("datetime64[ns]")
    if granularity == "week":
        return (numbers * 7 - 3).astype("datetime64[D]").astype("datetime64[ns]")
    return month_starts_of(numbers if granularity == "month" else numbers * 3)


def _sums(
    codes: np.ndarray,
    values: np.ndarray,
    size: int,
    *,
    nan_when_unknown: bool = False,
    counts: np.ndarray | None = None,
) -> np.ndarray:
    """Per-code sums of ``values`` (codes 0..size-1). With ``nan_when_unknown``, NaN
    values are skipped and a code with no known value gets NaN (``min_count=1``).

    ``counts`` (rows per code, ``np.bincount(codes, minlength=size)``) saves a pass when
    several columns are summed over the same codes.
    """
    values = np.asarray(values, dtype="float64")
    if not nan_when_unknown:
        return np.bincount(codes, weights=values, minlength=size).astype("float64")
    known = ~np.isnan(values)
    if not known.any():
        return np.full(size, np.nan)
    if known.all():
        total = np.bincount(codes, weights=values, minlength=size).astype("float64")
        if counts is None:
            counts = np.bincount(codes, minlength=size)
        total[counts == 0] = np.nan
        return total
    total = np.bincount(codes, weights=np.where(known, values, 0.0), minlength=size)
    total = total.astype("float64")
    total[np.bincount(codes, weights=known, minlength=size) == 0] = np.nan
    return total


def _known_rows(df: pd.DataFrame, column: str, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the rows where ``column`` is known (no copy when all are)."""
    known = df[column].notna()
    return df[columns] if known.all() else df.loc[known, columns]


def kpis(df: pd.DataFrame) -> dict:
    """Headline figures of a canonical frame.

    Parameters
    ----------
    df:
        Canonical frame (``analytics.schema``); needs ``revenue``, ``cost``, ``profit``,
        ``sku``, ``date``.

    Returns
    -------
    ``{total_revenue, total_cost, total_profit, profit_margin, transactions, sku_count,
    date_start, date_end, orders, avg_order_value, customers, repeat_customers}``. Cost
    and profit are None when the data has none; the margin is profit / revenue (None
    when either is unknown or revenue is 0); dates are ``YYYY-MM-DD`` or None.
    ``transactions`` counts lines; orders, average order value (net revenue / orders),
    customers and repeat customers (more than one order) are None without an order id
    or customer column (see :func:`analytics.query.order_figures`).
    """
    from analytics.query.engine import order_figures

    revenue = float(df[REVENUE].sum())
    has_cost = bool(df[COST].notna().any())
    has_profit = bool(df[PROFIT].notna().any())
    total_cost = float(df[COST].sum()) if has_cost else None
    total_profit = float(df[PROFIT].sum()) if has_profit else None
    margin = (
        round(total_profit / revenue, 6)
        if total_profit is not None and revenue != 0
        else None
    )
    dates = df[DATE].dropna()
    return {
        "total_revenue": _money(revenue),
        "total_cost": _money(total_cost) if total_cost is not None else None,
        "total_profit": _money(total_profit) if total_profit is not None else None,
        "profit_margin": margin,
        "transactions": int(len(df)),
        "sku_count": int(df[SKU].nunique(dropna=True)),
        "date_start": dates.min().strftime("%Y-%m-%d") if len(dates) else None,
        "date_end": dates.max().strftime("%Y-%m-%d") if len(dates) else None,
        **order_figures(df),
    }


def choose_granularity(df: pd.DataFrame) -> str:
    """Pick day/week/month/quarter from the span of the data's dates.

    Up to 62 days → day; up to ~9 months → week; up to 4 years → month; longer → quarter.
    Frames without dates get "month".
    """
    dates = df[DATE].dropna()
    if dates.empty:
        return "month"
    span = (dates.max() - dates.min()).days
    if span <= 62:
        return "day"
    if span <= 270:
        return "week"
    if span <= 4 * 366:
        return "month"
    return "quarter"


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
    dated = _known_rows(df, DATE, [DATE, REVENUE, COST, PROFIT])
    if dated.empty:
        return granularity, pd.DataFrame(
            {
                "period": pd.Series([], dtype="datetime64[ns]"),
                REVENUE: [],
                COST: [],
                PROFIT: [],
            }
        )
    numbers = _period_numbers(dated[DATE], granularity)
    first = int(numbers.min())
    codes = numbers - first
    size = int(codes.max()) + 1  # every period of the range, empty ones included
    counts = np.bincount(codes, minlength=size)
    out = pd.DataFrame(
        {
            "period": _period_starts_of(np.arange(first, first + size), granularity),
            REVENUE: _sums(codes, dated[REVENUE].to_numpy(), size),
            COST: _sums(
                codes,
                dated[COST].to_numpy(),
                size,
                nan_when_unknown=True,
                counts=counts,
            ),
            PROFIT: _sums(
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

#: Label of rows whose category / SKU / customer is unknown, in breakdowns.
NOT_SET = "(not set)"

#: Keys of the cards returned by ``kpi_cards``, in display order.
KPI_CARD_KEYS: tuple[str, ...] = (
    "total_revenue",
    "total_cost",
    "gross_profit",
    "profit_margin",
    "transactions",
    "avg_transaction_value",
    "active_skus",
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
RANKING_METRICS: tuple[str, ...] = (REVENUE, PROFIT)
#: Largest period × group grid ``breakdown_by_period`` builds.
MAX_GRID_CELLS = 5_000_000

MONTH_LABELS: tuple[str, ...] = tuple(name[:3] for name in MONTH_NAMES)
WEEKDAY_LABELS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class MetricError(ValueError):
    """A metric was asked for with an option it does not support (user-readable)."""


def _check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise MetricError(f"Unknown {what} {value!r}; use one of {', '.join(allowed)}.")


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` rounded to 6 places; None when undefined."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    value = numerator / denominator
    return round(value, 6) if math.isfinite(value) else None


# ---- sampling and coverage of the dates ----------------------------------------------


@dataclass(frozen=True)
class _Coverage:
    """The span of time a frame's dates speak for, and how densely they are sampled.

    ``step`` is "day", "week" or "month". Monthly data (every date the 1st of a month)
    speaks for whole periods: a date stands for ``step_months`` months, so ``end`` is the
    last day of the last period.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    step: str
    step_months: int = 1

    def tolerance(self, window_days: int) -> pd.Timedelta:
        """Slack at the edges of a window: a tenth of it, at most a week (a few quiet
        days at the start or end of the data), at least one sampling step."""
        step_days = 7 if self.step == "week" else 1
        return pd.Timedelta(days=max(step_days - 1, min(window_days // 10, 7)))

    def covers(self, first: pd.Timestamp, last: pd.Timestamp) -> bool:
        """True when the data reaches (nearly) both edges of ``[first, last]``."""
        slack = self.tolerance((last - first).days + 1)
        return self.start <= first + slack and self.end >= last - slack

    def reaches_back_to(self, first: pd.Timestamp, last: pd.Timestamp) -> bool:
        """True when the data starts (nearly) at or before the window ``[first, last]``."""
        return self.start <= first + self.tolerance((last - first).days + 1)


def _distinct_days(dates: pd.Series) -> pd.DatetimeIndex:
    """The sorted distinct calendar days of the dates (times of day dropped)."""
    days = np.sort(pd.unique(_epoch_days(dates.dropna())))
    return pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"))


def _sampling(days: pd.DatetimeIndex) -> tuple[str, int]:
    """("day" | "week" | "month", months per period) from the distinct dates.

    Monthly when there are at least two dates and every one is the 1st of a month (the
    step is then the gcd of the month gaps: 3 for quarterly data); weekly when they all
    fall on one weekday; daily otherwise.
    """
    if len(days) < 2:
        return "day", 1
    if bool(days.is_month_start.all()):
        months = np.asarray(days.year * 12 + days.month - 1, dtype="int64")
        gap = int(np.gcd.reduce(np.diff(months)))
        return "month", max(1, min(gap, 12))
    if days.day_of_week.nunique() == 1:
        return "week", 1
    return "day", 1


def _coverage(df: pd.DataFrame) -> _Coverage | None:
    days = _distinct_days(df[DATE])
    if days.empty:
        return None
    step, step_months = _sampling(days)
    end = days[-1]
    if step == "month":
        end = end + pd.DateOffset(months=step_months) - pd.Timedelta(days=1)
    return _Coverage(start=days[0], end=end, step=step, step_months=step_months)


# ---- KPI cards --------------------------------------------------------------------------


def _figures(df: pd.DataFrame) -> dict[str, float | int | None]:
    """The raw card figures of one frame."""
    revenue = float(df[REVENUE].sum())
    cost = df[COST].sum(min_count=1)
    profit = df[PROFIT].sum(min_count=1)
    transactions = len(df)
    cost = None if pd.isna(cost) else float(cost)
    profit = None if pd.isna(profit) else float(profit)
    return {
        "total_revenue": _money(revenue),
        "total_cost": None if cost is None else _money(cost),
        "gross_profit": None if profit is None else _money(profit),
        "profit_margin": _ratio(profit, revenue),
        "transactions": transactions,
        "avg_transaction_value": (
            _money(revenue / transactions) if transactions else None
        ),
        "active_skus": int(df[SKU].nunique(dropna=True)),
    }


def _card(value: float | None, previous: float | None, *, points: bool = False) -> dict:
    """``{value, previous, change, direction}``; see ``kpi_cards``."""
    if value is None or previous is None:
        return {"value": value, "previous": previous, "change": None, "direction": None}
    if points:
        change: float | None = round((value - previous) * 100, 6)
    else:
        change = _ratio(value - previous, abs(previous))
    direction = "up" if value > previous else "down" if value < previous else "flat"
    return {
        "value": value,
        "previous": previous,
        "change": change,
        "direction": direction,
    }


def _optional_money(value: float) -> float | None:
    return None if pd.isna(value) else _money(float(value))


def _iso(stamp: pd.Timestamp | None) -> str | None:
    return None if stamp is None else stamp.strftime("%Y-%m-%d")


def _in_dates(
    df: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp
) -> pd.DataFrame:
    """The rows dated within ``[first, last]``, with the columns ``_figures`` reads."""
    dates = df[DATE]
    inside = (dates >= first) & (dates < last + pd.Timedelta(days=1))
    return df.loc[inside, [DATE, REVENUE, COST, PROFIT, SKU]]


def kpi_cards(
    df_full: pd.DataFrame,
    df_filtered: pd.DataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    previous: pd.DataFrame | None = None,
) -> dict:
    """Headline cards of the rows in view, compared with the period before, plus growth.

    Parameters
    ----------
    df_full:
        The whole history under the *same non-date filters* as ``df_filtered`` (categories,
        SKUs), e.g. ``filter_frame(data, categories=cats)``; the comparison period and the
        growth figures are taken from it. Pass the unfiltered data when no non-date filter
        is active.
    df_filtered:
        The rows in view: ``filter_frame(df_full, start=start, end=end)``.
    start, end:
        The selected date range (inclusive). An open side is taken from ``df_full``'s dates.
    previous:
        Optional explicit comparison frame; by default the rows of ``df_full`` in
        ``previous_period_bounds(start, end)``.

    Returns
    -------
    A dict with one card per key in ``KPI_CARD_KEYS`` — ``total_revenue``, ``total_cost``,
    ``gross_profit``, ``profit_margin``, ``transactions``, ``avg_transaction_value``,
    ``active_skus`` — each ``{"value", "previous", "change", "direction"}``:

    - money rounded to cents, margin as a fraction (0.1247); None where unknown (no cost
      or profit data, no rows);
    - ``change`` is relative to the previous value (0.1 = +10 %), None when the previous
      value is 0 or unknown; for ``profit_margin`` it is the difference in percentage
      points (1.5 = +1.5 pp);
    - ``direction`` is "up", "down", "flat" or None.

    ``previous`` is None on every card when the history does not reach back to the
    comparison period (the data must start no later than a tenth of the period's length,
    at most a week, after the comparison period begins) and no explicit ``previous``
    frame is given.

    Plus:

    - ``"comparison"``: ``{"start", "end", "previous_start", "previous_end"}`` as
      ``YYYY-MM-DD`` (None when the data has no dates), and ``"available"`` (bool);
    - ``"growth"``: ``{"mom": ..., "yoy": ...}``. ``mom`` compares the last full month in
      the range with the month before, ``yoy`` the twelve months ending with that month
      with the twelve before; each is ``{"period", "previous_period", "revenue",
      "profit"}`` with periods as ``"YYYY-MM"`` (yoy: ``"YYYY-MM..YYYY-MM"``) and
      revenue/profit as cards (profit None without profit data), or None when the history
      does not allow it (same rule as above for the earlier window). A month is full when
      the range covers it and the data reaches within three days of both its ends
      (monthly data covers its whole month).
    """
    current = _figures(df_filtered)
    coverage = _coverage(df_full)
    chosen_first, chosen_last = date_bounds(start, end)
    first, last = chosen_first, chosen_last
    if coverage is not None:
        first = coverage.start if first is None else first
        last = coverage.end if last is None else last

    comparison: dict[str, object] = {
        "start": _iso(first),
        "end": _iso(last),
        "previous_start": None,
        "previous_end": None,
        "available": False,
    }
    before: dict[str, float | int | None] | None = None
    if previous is not None:
        before = _figures(previous)
        comparison["available"] = True
    if first is not None and last is not None:
        previous_start, previous_end = previous_period_bounds(first, last)
        comparison["previous_start"] = _iso(previous_start)
        comparison["previous_end"] = _iso(previous_end)
        if previous is None and coverage is not None:
            if coverage.reaches_back_to(previous_start, previous_end):
                before = _figures(_in_dates(df_full, previous_start, previous_end))
                comparison["available"] = True

    cards: dict[str, object] = {
        key: _card(
            current[key],
            None if before is None else before[key],
            points=key == "profit_margin",
        )
        for key in KPI_CARD_KEYS
    }
    cards["comparison"] = comparison
    cards["growth"] = _growth(df_full, coverage, chosen_first, chosen_last)
    return cards


def _monthly_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Revenue and profit (NaN where unknown) per month number (``month_numbers``)."""
    dated = _known_rows(df, DATE, [DATE, REVENUE, PROFIT])
    if dated.empty:
        return pd.DataFrame({REVENUE: [], PROFIT: []}, dtype="float64")
    numbers = month_numbers(dated[DATE])
    first = int(numbers.min())
    codes = numbers - first
    size = int(codes.max()) + 1
    return pd.DataFrame(
        {
            REVENUE: _sums(codes, dated[REVENUE].to_numpy(), size),
            PROFIT: _sums(codes, dated[PROFIT].to_numpy(), size, nan_when_unknown=True),
        },
        index=np.arange(first, first + size),
    )


def _month_start(index: int) -> pd.Timestamp:
    return pd.Timestamp(year=index // 12, month=index % 12 + 1, day=1)


def _month_end(index: int) -> pd.Timestamp:
    return _month_start(index + 1) - pd.Timedelta(days=1)


def _growth(
    df_full: pd.DataFrame,
    coverage: _Coverage | None,
    first: pd.Timestamp | None,
    last: pd.Timestamp | None,
) -> dict[str, dict | None]:
    """Month-on-month and year-on-year growth; ``first``/``last`` are the chosen bounds
    (None = open: only the data's own coverage limits the anchor month)."""
    if coverage is None:
        return {"mom": None, "yoy": None}
    end = coverage.end if last is None else min(last, coverage.end)
    anchor = end.year * 12 + end.month - 1
    if not _full_month(anchor, coverage, first, last):
        anchor -= 1
    if not _full_month(anchor, coverage, first, last):
        return {"mom": None, "yoy": None}
    totals = _monthly_totals(df_full)
    return {
        "mom": _window_growth(totals, coverage, anchor, 1),
        "yoy": _window_growth(totals, coverage, anchor, 12),
    }


def _full_month(
    index: int,
    coverage: _Coverage,
    first: pd.Timestamp | None,
    last: pd.Timestamp | None,
) -> bool:
    """True when the chosen range holds the whole month and the data covers it."""
    month_first, month_last = _month_start(index), _month_end(index)
    if first is not None and month_first < first:
        return False
    if last is not None and month_last > last:
        return False
    return coverage.covers(month_first, month_last)


def _window_growth(
    totals: pd.DataFrame, coverage: _Coverage, anchor: int, months: int
) -> dict | None:
    """Compare the ``months`` months ending at ``anchor`` with the ``months`` before."""
    current_first = anchor - months + 1
    previous_first = current_first - months
    window_first, window_last = (
        _month_start(previous_first),
        _month_end(current_first - 1),
    )
    if not coverage.reaches_back_to(window_first, window_last):
        return None
    window = totals.reindex(np.arange(previous_first, anchor + 1))
    revenue = window[REVENUE].fillna(0.0).to_numpy()
    profit = window[PROFIT]
    profit_now = profit.iloc[months:].sum(min_count=1)
    profit_before = profit.iloc[:months].sum(min_count=1)

    def label(first_index: int, last_index: int) -> str:
        first_label = _month_start(first_index).strftime("%Y-%m")
        if first_index == last_index:
            return first_label
        return f"{first_label}..{_month_start(last_index).strftime('%Y-%m')}"

    return {
        "period": label(current_first, anchor),
        "previous_period": label(previous_first, current_first - 1),
        REVENUE: _card(_money(revenue[months:].sum()), _money(revenue[:months].sum())),
        PROFIT: (
            None
            if pd.isna(profit_now)
            else _card(_money(profit_now), _optional_money(profit_before))
        ),
    }


# ---- series and breakdowns ---------------------------------------------------------------


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


def _totals_by(
    df: pd.DataFrame, key: pd.Series, name: str, *, sort: bool = False
) -> pd.DataFrame:
    """Revenue, cost, profit, margin, transactions and quantity per value of ``key``
    (which has no missing values); groups in order of appearance, or sorted."""
    codes, labels = pd.factorize(key, sort=sort)
    size = len(labels)
    counts = np.bincount(codes, minlength=size)

    def known_sums(column: str) -> np.ndarray:
        values = df[column].to_numpy()
        return _sums(codes, values, size, nan_when_unknown=True, counts=counts)

    revenue = _sums(codes, df[REVENUE].to_numpy(), size)
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


def _sort(frame: pd.DataFrame, metric: str, key: str, ascending: bool) -> pd.DataFrame:
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
    _check_choice(by, BREAKDOWN_KEYS, "breakdown")
    _check_choice(metric, BREAKDOWN_METRICS, "metric")
    key = df[by].fillna(NOT_SET)
    out = _totals_by(df, key, by)
    total = out[REVENUE].sum()
    out["revenue_share"] = out[REVENUE] / total if total != 0 else np.nan
    return _sort(out, metric, by, ascending=False)


def sku_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Per-SKU totals (rows without a SKU are left out), sorted by SKU.

    Returns
    -------
    Columns ``sku``, ``revenue``, ``cost``, ``profit``, ``margin``, ``transactions``,
    ``quantity``; cost/profit/quantity NaN where unknown for that SKU.
    """
    return _sku_totals(df, sort=True)


def _sku_totals(df: pd.DataFrame, *, sort: bool) -> pd.DataFrame:
    known = df[SKU].notna()
    if not known.all():
        df = df.loc[known]
    return _totals_by(df, df[SKU], SKU, sort=sort)


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
    _check_choice(by, RANKING_METRICS, "ranking")
    if n < 1:
        raise MetricError("The number of SKUs to show must be at least 1.")
    return rank_skus(_sku_totals(df, sort=False), n, by)


def rank_skus(
    totals: pd.DataFrame, n: int = 10, by: str = REVENUE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``top_bottom_skus`` from per-SKU totals already computed (``sku_totals``)."""
    _check_choice(by, RANKING_METRICS, "ranking")
    if n < 1:
        raise MetricError("The number of SKUs to show must be at least 1.")
    totals = totals.loc[totals[by].notna()]
    top = _sort(totals, by, SKU, ascending=False).head(n)
    bottom = _sort(totals, by, SKU, ascending=True).head(n)
    return top, bottom


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
    _check_choice(by, RANKING_METRICS, "ranking")
    return pareto_classes(_sku_totals(df, sort=False), by)


def pareto_classes(totals: pd.DataFrame, by: str = REVENUE) -> pd.DataFrame:
    """``abc_pareto`` from per-SKU totals already computed (``sku_totals``)."""
    _check_choice(by, RANKING_METRICS, "ranking")
    totals = totals.loc[totals[by].notna(), [SKU, by]].rename(columns={by: "value"})
    ordered = _sort(totals, "value", SKU, ascending=False)
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
    totals = _sku_totals(df, sort=False)
    losses = totals.loc[totals[PROFIT].round(6) < 0]
    return _sort(losses, PROFIT, SKU, ascending=True)


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
    _check_choice(by, BREAKDOWN_KEYS, "breakdown")
    granularity = granularity or choose_granularity(df)
    _check_choice(granularity, tuple(FREQ_ALIASES), "granularity")
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
    numbers = _period_numbers(dated[DATE], granularity)
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
    profit = _sums(codes, dated[PROFIT].to_numpy(), cells, nan_when_unknown=True)
    if dated[PROFIT].notna().any():
        profit = np.nan_to_num(profit)
    starts = _period_starts_of(np.arange(first, first + periods), granularity)
    return pd.DataFrame(
        {
            "period": np.repeat(starts, len(groups)),
            by: pd.Series(
                np.tile(np.asarray(groups, dtype=object), periods), dtype="str"
            ),
            REVENUE: _sums(codes, dated[REVENUE].to_numpy(), cells),
            PROFIT: profit,
        }
    )


# ---- seasonality -------------------------------------------------------------------------


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
    days = _distinct_days(df[DATE])
    if days.empty:
        return {"month": None, "weekday": None}
    dated = _known_rows(df, DATE, [DATE, REVENUE, PROFIT])
    step, _ = _sampling(days)

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
        first_day, last_day = _epoch_days(pd.Series(days[[0, -1]]))
        weekday = _profile(
            dated,
            (_epoch_days(dated[DATE]) + 3)
            % 7,  # 0 = Monday (1970-01-01 was a Thursday)
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
    revenue = _sums(codes, dated[REVENUE].to_numpy(), size)
    profit = _sums(codes, dated[PROFIT].to_numpy(), size, nan_when_unknown=True)
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
