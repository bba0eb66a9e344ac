"""Headline figures: the KPIs of a frame, and the KPI cards compared with the period
before, with month-on-month and year-on-year growth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.metrics.common import (
    group_sums,
    known_rows,
    money,
    optional_money,
    ratio,
)
from analytics.metrics.filters import DateLike, date_bounds, previous_period_bounds
from analytics.metrics.periods import (
    Coverage,
    coverage_of,
    month_end,
    month_numbers,
    month_start,
)
from analytics.schema import COST, DATE, PROFIT, REVENUE, SKU

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


def _revenue_profit_margin(
    df: pd.DataFrame,
) -> tuple[float, float | None, float | None]:
    revenue = float(df[REVENUE].sum())
    has_profit = bool(df[PROFIT].notna().any())
    total_profit = float(df[PROFIT].sum()) if has_profit else None
    margin = (
        round(total_profit / revenue, 6)
        if total_profit is not None and revenue != 0
        else None
    )
    return revenue, total_profit, margin


def profit_margin(df: pd.DataFrame) -> float | None:
    """``kpis(df)["profit_margin"]`` alone (profit / revenue rounded to 6 places; None
    without profit figures or revenue), without the other headline figures."""
    return _revenue_profit_margin(df)[2]


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

    revenue, total_profit, margin = _revenue_profit_margin(df)
    has_cost = bool(df[COST].notna().any())
    total_cost = float(df[COST].sum()) if has_cost else None
    dates = df[DATE].dropna()
    return {
        "total_revenue": money(revenue),
        "total_cost": money(total_cost) if total_cost is not None else None,
        "total_profit": money(total_profit) if total_profit is not None else None,
        "profit_margin": margin,
        "transactions": int(len(df)),
        "sku_count": int(df[SKU].nunique(dropna=True)),
        "date_start": dates.min().strftime("%Y-%m-%d") if len(dates) else None,
        "date_end": dates.max().strftime("%Y-%m-%d") if len(dates) else None,
        **order_figures(df),
    }


def _figures(df: pd.DataFrame) -> dict[str, float | int | None]:
    """The raw card figures of one frame."""
    revenue = float(df[REVENUE].sum())
    cost = df[COST].sum(min_count=1)
    profit = df[PROFIT].sum(min_count=1)
    transactions = len(df)
    cost = None if pd.isna(cost) else float(cost)
    profit = None if pd.isna(profit) else float(profit)
    return {
        "total_revenue": money(revenue),
        "total_cost": None if cost is None else money(cost),
        "gross_profit": None if profit is None else money(profit),
        "profit_margin": ratio(profit, revenue),
        "transactions": transactions,
        "avg_transaction_value": (
            money(revenue / transactions) if transactions else None
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
        change = ratio(value - previous, abs(previous))
    direction = "up" if value > previous else "down" if value < previous else "flat"
    return {
        "value": value,
        "previous": previous,
        "change": change,
        "direction": direction,
    }


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
    history: HistoryFigures | None = None,
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
    history:
        ``history_figures(df_full)`` when already computed (they do not depend on the
        date range, so a change of dates reuses them); they must be those of ``df_full``.

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
    if history is None:
        history = history_figures(df_full)
    coverage = history.coverage
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
    cards["growth"] = _growth(history, chosen_first, chosen_last)
    return cards


def _monthly_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Revenue and profit (NaN where unknown) per month number (``month_numbers``)."""
    dated = known_rows(df, DATE, [DATE, REVENUE, PROFIT])
    if dated.empty:
        return pd.DataFrame({REVENUE: [], PROFIT: []}, dtype="float64")
    numbers = month_numbers(dated[DATE])
    first = int(numbers.min())
    codes = numbers - first
    size = int(codes.max()) + 1
    return pd.DataFrame(
        {
            REVENUE: group_sums(codes, dated[REVENUE].to_numpy(), size),
            PROFIT: group_sums(
                codes, dated[PROFIT].to_numpy(), size, nan_when_unknown=True
            ),
        },
        index=np.arange(first, first + size),
    )


@dataclass(frozen=True)
class HistoryFigures:
    """What the KPI cards read from the whole history (``kpi_cards``' ``df_full``), the
    same for every date range: the :class:`Coverage` of its dates and its revenue and
    profit per month (index: ``month_numbers``)."""

    coverage: Coverage | None
    monthly: pd.DataFrame


def history_figures(df_full: pd.DataFrame) -> HistoryFigures:
    """The :class:`HistoryFigures` of a history frame."""
    return HistoryFigures(
        coverage=coverage_of(df_full), monthly=_monthly_totals(df_full)
    )


def _growth(
    history: HistoryFigures,
    first: pd.Timestamp | None,
    last: pd.Timestamp | None,
) -> dict[str, dict | None]:
    """Month-on-month and year-on-year growth; ``first``/``last`` are the chosen bounds
    (None = open: only the data's own coverage limits the anchor month)."""
    coverage = history.coverage
    if coverage is None:
        return {"mom": None, "yoy": None}
    end = coverage.end if last is None else min(last, coverage.end)
    anchor = end.year * 12 + end.month - 1
    if not _full_month(anchor, coverage, first, last):
        anchor -= 1
    if not _full_month(anchor, coverage, first, last):
        return {"mom": None, "yoy": None}
    totals = history.monthly
    return {
        "mom": _window_growth(totals, coverage, anchor, 1),
        "yoy": _window_growth(totals, coverage, anchor, 12),
    }


def _full_month(
    index: int,
    coverage: Coverage,
    first: pd.Timestamp | None,
    last: pd.Timestamp | None,
) -> bool:
    """True when the chosen range holds the whole month and the data covers it."""
    month_first, month_last = month_start(index), month_end(index)
    if first is not None and month_first < first:
        return False
    if last is not None and month_last > last:
        return False
    return coverage.covers(month_first, month_last)


def _window_growth(
    totals: pd.DataFrame, coverage: Coverage, anchor: int, months: int
) -> dict | None:
    """Compare the ``months`` months ending at ``anchor`` with the ``months`` before."""
    current_first = anchor - months + 1
    previous_first = current_first - months
    window_first, window_last = (
        month_start(previous_first),
        month_end(current_first - 1),
    )
    if not coverage.reaches_back_to(window_first, window_last):
        return None
    window = totals.reindex(np.arange(previous_first, anchor + 1))
    revenue = window[REVENUE].fillna(0.0).to_numpy()
    profit = window[PROFIT]
    profit_now = profit.iloc[months:].sum(min_count=1)
    profit_before = profit.iloc[:months].sum(min_count=1)

    def label(first_index: int, last_index: int) -> str:
        first_label = month_start(first_index).strftime("%Y-%m")
        if first_index == last_index:
            return first_label
        return f"{first_label}..{month_start(last_index).strftime('%Y-%m')}"

    return {
        "period": label(current_first, anchor),
        "previous_period": label(previous_first, current_first - 1),
        REVENUE: _card(money(revenue[months:].sum()), money(revenue[:months].sum())),
        PROFIT: (
            None
            if pd.isna(profit_now)
            else _card(money(profit_now), optional_money(profit_before))
        ),
    }


# ---- series and breakdowns ---------------------------------------------------------------
