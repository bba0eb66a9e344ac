"""Periods named in a question ("March 2016", "this year", "last 3 months"...)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from analytics.chat.common import (
    ChatError,
)
from analytics.chat.vocabulary import (
    UNIT_MONTHS,
    blank_out,
)
from analytics.grounding.context import DataContext
from analytics.grounding.periods import (
    MONTH_RE,
    MONTHS,
    YEAR_RE,
    Period,
    month_period,
    quarter_period,
    range_period,
    year_period,
)
from analytics.metrics.periods import MONTH_NAMES

_P_RELATIVE = re.compile(
    r"\b(this|current|last|previous|past|prior|next|coming|upcoming)\s+"
    r"(year|quarter|month|week)\b"
)
_P_LAST_N = re.compile(
    r"\b(last|past|previous|next|coming|upcoming)\s+(\d{1,3})\s+(days?|weeks?|months?|quarters?|years?)\b"
)
_P_YTD = re.compile(r"\b(year to date|year-to-date|ytd|so far this year)\b")
_P_QUARTER_YEAR = re.compile(r"\bq([1-4])\s*(?:of\s+|,\s*|-\s*)?" + YEAR_RE + r"\b")
_P_YEAR_QUARTER = re.compile(r"\b" + YEAR_RE + r"\s*[-/ ]?\s*q([1-4])\b")
_P_MONTH_YEAR = re.compile(
    r"\b" + MONTH_RE + r"\.?\s*(?:of\s+|,\s*)?" + YEAR_RE + r"\b"
)
_P_ISO_MONTH = re.compile(r"(?<![\w-])" + YEAR_RE + r"-(0[1-9]|1[0-2])(?![\w-])")
#: A full month name; "may" only after "in" (else it is the verb).
_P_MONTH = re.compile(
    r"\b("
    + "|".join(name.lower() for name in MONTH_NAMES if name != "May")
    + r"|(?<=in )may)\b"
)
_P_QUARTER = re.compile(r"\bq([1-4])\b")
#: One day: 2024-03-04, 4 March 2024, March 4th, 2024 (year, month, day groups).
_P_DAYS: tuple[tuple[re.Pattern[str], tuple[int, int, int]], ...] = (
    (
        re.compile(
            r"(?<![\w-])"
            + YEAR_RE
            + r"-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])(?![\w-])"
        ),
        (1, 2, 3),
    ),
    (
        re.compile(
            r"\b(0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?"
            + MONTH_RE
            + r"\.?,?\s*"
            + YEAR_RE
            + r"\b"
        ),
        (3, 2, 1),
    ),
    (
        re.compile(
            r"\b"
            + MONTH_RE
            + r"\.?\s+(0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+"
            + YEAR_RE
            + r"\b"
        ),
        (3, 1, 2),
    ),
)
_P_YEAR = re.compile(r"(?<![\w-])" + YEAR_RE + r"(?![\w-])")
P_RANGE = re.compile(r"\b(from|between)\b")


def _latest_with(ctx: DataContext, make: Callable[[int], Period]) -> Period | None:
    """The latest period ``make(year)`` that the data overlaps."""
    if ctx.last is None or ctx.first is None:
        return None
    for year in range(ctx.last.year, ctx.first.year - 1, -1):
        period = make(year)
        if ctx.overlaps(period):
            return period
    return None


def parse_periods(
    scan: str, ctx: DataContext
) -> tuple[list[tuple[int, Period]], tuple[str, int] | None, list[str], str]:
    """Periods named in ``scan`` (position, Period), a forecast horizon ("quarter", 1),
    notes about how relative periods were read, and ``scan`` with the periods blanked."""
    found: list[tuple[int, Period]] = []
    notes: list[str] = []
    horizon: tuple[str, int] | None = None
    last = ctx.last

    def latest_note(word: str, period: Period) -> None:
        notes.append(
            f"“{word}” is read as {period.label}, the latest in your data "
            f"(which runs to {ctx.covered_to:%Y-%m-%d})."
        )

    for pattern, (y, m, d) in _P_DAYS:
        for match in list(pattern.finditer(scan)):
            month = match.group(m)
            month = int(month) if month.isdigit() else _month_number(month)
            try:
                day = pd.Timestamp(int(match.group(y)), month, int(match.group(d)))
            except ValueError:
                continue  # not a date ("February 30")
            scan = blank_out(scan, match.start(), match.end())
            found.append((match.start(), range_period(day, day, f"{day:%Y-%m-%d}")))

    for match in list(_P_LAST_N.finditer(scan)):
        which, count, unit = (
            match.group(1),
            int(match.group(2)),
            match.group(3).rstrip("s"),
        )
        scan = blank_out(scan, match.start(), match.end())
        if which in ("next", "coming", "upcoming"):
            horizon = (unit, max(1, count))
            continue
        if last is None or count < 1:
            continue
        end = ctx.covered_to
        if unit == "day":
            start = end - pd.Timedelta(days=count - 1)
        elif unit == "week":
            start = end - pd.Timedelta(days=7 * count - 1)
        else:
            start = (
                end
                - pd.DateOffset(months=count * UNIT_MONTHS[unit])
                + pd.Timedelta(days=1)
            )
        found.append(
            (match.start(), range_period(start, end, f"the last {count} {unit}s"))
        )

    for match in list(_P_YTD.finditer(scan)):
        scan = blank_out(scan, match.start(), match.end())
        if last is None:
            continue
        start = pd.Timestamp(year=last.year, month=1, day=1)
        found.append(
            (match.start(), range_period(start, ctx.covered_to, f"{last.year} to date"))
        )

    for match in list(_P_RELATIVE.finditer(scan)):
        which, unit = match.group(1), match.group(2)
        scan = blank_out(scan, match.start(), match.end())
        if which in ("next", "coming", "upcoming"):
            horizon = (unit, 1)
            continue
        if last is None:
            continue
        back = 0 if which in ("this", "current") else 1
        anchor = ctx.covered_to
        if unit == "year":
            period = year_period(anchor.year - back)
        elif unit == "quarter":
            q = quarter_period(anchor.year, (anchor.month - 1) // 3 + 1)
            period = q.previous() if back else q
        elif unit == "month":
            m = month_period(anchor.year, anchor.month)
            period = m.previous() if back else m
        else:
            week_start = anchor - pd.Timedelta(days=int(anchor.weekday()) + 7 * back)
            period = Period(
                week_start,
                week_start + pd.Timedelta(days=6),
                f"the week of {week_start:%Y-%m-%d}",
                "week",
            )
        latest_note(f"{which} {unit}", period) if back == 0 else notes.append(
            f"“{which} {unit}” is read as {period.label}, the one before the latest in "
            f"your data (which runs to {ctx.covered_to:%Y-%m-%d})."
        )
        found.append((match.start(), period))

    for pattern, order in ((_P_QUARTER_YEAR, (1, 2)), (_P_YEAR_QUARTER, (2, 1))):
        for match in list(pattern.finditer(scan)):
            quarter, year = int(match.group(order[0])), int(match.group(order[1]))
            scan = blank_out(scan, match.start(), match.end())
            found.append((match.start(), quarter_period(year, quarter)))

    for match in list(_P_MONTH_YEAR.finditer(scan)):
        month = _month_number(match.group(1))
        scan = blank_out(scan, match.start(), match.end())
        found.append((match.start(), month_period(int(match.group(2)), month)))

    for match in list(_P_ISO_MONTH.finditer(scan)):
        scan = blank_out(scan, match.start(), match.end())
        found.append(
            (match.start(), month_period(int(match.group(1)), int(match.group(2))))
        )

    for match in list(_P_MONTH.finditer(scan)):
        month = _month_number(match.group(1))
        scan = blank_out(scan, match.start(), match.end())
        period = _latest_with(ctx, lambda y, m=month: month_period(y, m))
        if period is not None:
            notes.append(
                f"“{match.group(1)}” is read as {period.label}, the latest in your data."
            )
            found.append((match.start(), period))

    for match in list(_P_QUARTER.finditer(scan)):
        quarter = int(match.group(1))
        scan = blank_out(scan, match.start(), match.end())
        period = _latest_with(ctx, lambda y, q=quarter: quarter_period(y, q))
        if period is not None:
            notes.append(
                f"“Q{quarter}” is read as {period.label}, the latest in your data."
            )
            found.append((match.start(), period))

    for match in list(_P_YEAR.finditer(scan)):
        scan = blank_out(scan, match.start(), match.end())
        found.append((match.start(), year_period(int(match.group(1)))))

    found.sort(key=lambda item: item[0])
    return found, horizon, notes, scan


def _month_number(word: str) -> int:
    word = word.lower()
    for index, name in enumerate(MONTHS):
        if name.startswith(word[:3]):
            return index + 1
    raise ChatError(f"Unknown month {word!r}.")
