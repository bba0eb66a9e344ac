"""Headline figures and time series of a canonical transactions frame."""

from __future__ import annotations

import math

import pandas as pd

from analytics.schema import COST, DATE, PROFIT, REVENUE, SKU

#: Pandas offset aliases for the granularities the dashboard offers.
#: Period starts: weeks start on Monday, months and quarters on their first day.
FREQ_ALIASES: dict[str, str] = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS"}


def _money(value: float) -> float | None:
    """Round a money figure to cents; NaN/inf become None (JSON null)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 2)


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
    date_start, date_end}``. Cost and profit are None when the data has none; the margin
    is profit / revenue (None when either is unknown or revenue is 0); dates are
    ``YYYY-MM-DD`` or None.
    """
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


def timeseries(df: pd.DataFrame, granularity: str | None = None) -> tuple[str, pd.DataFrame]:
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
    dated = df.loc[df[DATE].notna(), [DATE, REVENUE, COST, PROFIT]]
    if dated.empty:
        return granularity, pd.DataFrame(
            {"period": pd.Series([], dtype="datetime64[ns]"), REVENUE: [], COST: [], PROFIT: []}
        )
    period = dated[DATE].dt.to_period(_period_freq(granularity)).dt.start_time
    grouped = dated.groupby(period)
    out = pd.DataFrame(
        {
            REVENUE: grouped[REVENUE].sum(),
            COST: grouped[COST].sum(min_count=1),
            PROFIT: grouped[PROFIT].sum(min_count=1),
        }
    )
    full = pd.date_range(out.index.min(), out.index.max(), freq=FREQ_ALIASES[granularity])
    out = out.reindex(out.index.union(full))
    out[REVENUE] = out[REVENUE].fillna(0.0)
    out.index.name = "period"
    return granularity, out.reset_index()


def _period_freq(granularity: str) -> str:
    return {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q"}[granularity]
