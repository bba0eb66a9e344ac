"""Shared pieces of the insights: limits, the insight dict, periods and their rows."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import pandas as pd

from analytics.grounding import (
    DataContext,
    FactSheet,
    month_period,
    range_period,
    year_period,
)
from analytics.metrics.breakdowns import breakdown
from analytics.schema import CATEGORY, COST, DATE, PROFIT, QUANTITY, REVENUE

MIN_INSIGHTS = 3
MAX_INSIGHTS = 5
#: Robust z-score beyond which a period counts as an anomaly.
ANOMALY_Z = 3.5
#: Periods on each side of the rolling median an anomaly is judged against.
ANOMALY_WINDOW = 5
#: Fewest complete periods needed to look for anomalies.
ANOMALY_MIN_PERIODS = 8
#: Median absolute deviation → standard deviation for normal data.
MAD_SCALE = 1.4826


def insight(kind: str, title: str, sheet: FactSheet) -> dict[str, Any]:
    """The insight dict: title, text (the sheet's lines), kind and the facts behind it."""
    return {
        "title": title,
        "text": " ".join(line for line in sheet.lines if line).strip(),
        "kind": kind,
        "facts": [fact.to_dict() for fact in sheet.facts],
    }


def shown_as_zero(display: str) -> bool:
    """True when a figure, as shown, is zero ("0.0%", "−0.0 pp", "$0.00"): a change
    that rounds away is never worded as a rise or a fall."""
    return not any(ch in display for ch in "123456789")


def complete_months(ctx: DataContext, monthly: pd.DataFrame) -> pd.DataFrame:
    """The rows of a monthly series whose month the data covers whole."""
    keep = [ctx.covers(month_period(p.year, p.month)) for p in monthly["period"]]
    return monthly.loc[keep].reset_index(drop=True)


def year_pair(ctx: DataContext) -> tuple[Any, Any] | None:
    """The latest year (to date) and the same span a year earlier, when both are covered."""
    if not ctx.has_dates:
        return None
    year = ctx.covered_to.year
    this = year_period(year)
    if ctx.covered_to < this.end - pd.Timedelta(days=3):
        this = range_period(this.start, ctx.covered_to, f"{year} to date")
    before = range_period(
        this.start - pd.DateOffset(years=1),
        this.end - pd.DateOffset(years=1),
        str(year - 1) if this.kind == "year" else f"the same months of {year - 1}",
    )
    if not ctx.covers(before) or not ctx.covers(this):
        return None
    return this, before


#: Rows of a period already cut during one ``insights`` call (the same two periods are
#: read by the trend, margin and summary): (frame, start, end) -> (frame, rows).
_SLICES: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "insight_slices", default=None
)


#: The columns the insights read from a period's rows (totals, margins, the category
#: breakdown): only those are cut, not the text columns they never read.
SLICE_COLUMNS = (DATE, REVENUE, COST, PROFIT, QUANTITY, CATEGORY)


def slice_of(df: pd.DataFrame, period: Any) -> pd.DataFrame:
    """The rows of ``df`` dated within ``period``, columns ``SLICE_COLUMNS`` (cut once
    per ``slices_kept`` block)."""
    kept = _SLICES.get()
    key = (id(df), period.start, period.end)
    if kept is not None and key in kept and kept[key][0] is df:
        return kept[key][1]
    dates = df[DATE]
    inside = (dates >= period.start) & (dates < period.end + pd.Timedelta(days=1))
    rows = df.loc[inside, [c for c in SLICE_COLUMNS if c in df]]
    if kept is not None:
        kept[key] = (df, rows)
    return rows


def category_breakdown(rows: pd.DataFrame) -> pd.DataFrame:
    """``breakdown(rows, by=CATEGORY)``, computed once per frame in a ``slices_kept``
    block (the trend's driver and the margin's thin category read the same period)."""
    kept = _SLICES.get()
    key = ("category_breakdown", id(rows))
    if kept is not None and key in kept and kept[key][0] is rows:
        return kept[key][1]
    table = breakdown(rows, by=CATEGORY)
    if kept is not None:
        kept[key] = (rows, table)
    return table


@contextlib.contextmanager
def slices_kept() -> Iterator[None]:
    """Within the block, ``slice_of`` cuts each (frame, period) once (one ``insights``
    call reads the same two periods for the trend, the margin and the summary)."""
    token = _SLICES.set({})
    try:
        yield
    finally:
        _SLICES.reset(token)
