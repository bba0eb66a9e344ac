"""Periods of time an answer speaks about: months, quarters, years and ranges."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.metrics.periods import MONTH_NAMES, MONTH_WORDS_GROUP


@dataclass(frozen=True)
class Period:
    """An inclusive date range with a label ("March 2016", "Q1 2016", "2016")."""

    start: pd.Timestamp
    end: pd.Timestamp
    label: str
    kind: str  # "day" | "week" | "month" | "quarter" | "year" | "range"

    def iso(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"

    def days(self) -> int:
        return int((self.end - self.start).days) + 1

    def year_earlier(self) -> Period:
        """The same calendar span one year before."""
        start = self.start - pd.DateOffset(years=1)
        end = self.end - pd.DateOffset(years=1)
        if self.kind == "month":
            return month_period(start.year, start.month)
        if self.kind == "quarter":
            return quarter_period(start.year, (start.month - 1) // 3 + 1)
        if self.kind == "year":
            return year_period(start.year)
        return range_period(start, end)

    def previous(self) -> Period:
        """The period of the same kind just before (previous month, quarter, year...)."""
        if self.kind == "month":
            start = self.start - pd.DateOffset(months=1)
            return month_period(start.year, start.month)
        if self.kind == "quarter":
            start = self.start - pd.DateOffset(months=3)
            return quarter_period(start.year, (start.month - 1) // 3 + 1)
        if self.kind == "year":
            return year_period(self.start.year - 1)
        length = pd.Timedelta(days=self.days())
        return range_period(self.start - length, self.start - pd.Timedelta(days=1))


#: Lower-case month names, January first.
MONTHS = tuple(name.lower() for name in MONTH_NAMES)


def month_period(year: int, month: int) -> Period:
    start = pd.Timestamp(year=year, month=month, day=1)
    end = start + pd.offsets.MonthEnd(0)
    return Period(start, end, f"{start:%B %Y}", "month")


def quarter_period(year: int, quarter: int) -> Period:
    start = pd.Timestamp(year=year, month=3 * (quarter - 1) + 1, day=1)
    end = start + pd.offsets.QuarterEnd(0)
    return Period(start, end, f"Q{quarter} {year}", "quarter")


def year_period(year: int) -> Period:
    return Period(
        pd.Timestamp(year=year, month=1, day=1),
        pd.Timestamp(year=year, month=12, day=31),
        str(year),
        "year",
    )


def range_period(
    start: pd.Timestamp, end: pd.Timestamp, label: str | None = None
) -> Period:
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return Period(start, end, label or f"{start:%Y-%m-%d} to {end:%Y-%m-%d}", "range")


# --------------------------------------------------------------------------- context


#: A month name or abbreviation, as a regex group.
MONTH_RE = MONTH_WORDS_GROUP
#: A four-digit year from 1900 to 2099, as a regex group.
YEAR_RE = r"((?:19|20)\d{2})"
