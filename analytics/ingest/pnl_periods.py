"""The periods of a profit-and-loss statement read from its words: the span its title
names (``Profit and Loss, 1 April 2023 to 30 April 2023``, ``Year ended 31 March 2024``),
and the year of month columns written without one (from the title or the sheet name)."""

from __future__ import annotations

import re

import pandas as pd

from analytics.ingest.parsing import parse_dates
from analytics.ingest.wide import MONTHS_PATTERN, YEAR_TEXT, month_of


def undated_months(
    names: list[str], title: str, sheet: str
) -> tuple[dict[str, str], list[str], list[str]] | None:
    """Periods of month columns written without a year (``JAN … DEC``): the year comes
    from the title or the sheet name, else the current year (said in a note)."""
    months = {n: month_of(n) for n in names}
    plain = {n: m for n, m in months.items() if m is not None and m[1] is None}
    if len(plain) < 2 or any(m is not None and m[1] for m in months.values()):
        return None
    found = YEAR_TEXT.search(title) or YEAR_TEXT.search(sheet)
    if found:
        year = int(found.group(1))
        where = "the title" if YEAR_TEXT.search(title) else f"the sheet name '{sheet}'"
    else:
        year = pd.Timestamp.now().year
        where = "no title or sheet name, so the current year is assumed"
    periods = {n: f"{year}-{m[0]:02d}-01" for n, m in plain.items()}
    totals = [n for n in names if n not in plain]
    return periods, totals, [f"The months have no year; used {year}, found in {where}."]


def _numeric_span(title: str) -> str | None:
    """Start of a ``From 01/04/2023 To 30/04/2023`` span (normalised: ``from 01 04 2023
    to 30 04 2023``). Day-first unless only month-first makes both dates valid; when
    both orders work, the one whose span runs from a month's first to a month's last
    day wins (then day-first)."""
    found = re.search(
        r"\b(?:from )?(\d{1,2}) (\d{1,2}) (\d{4}) (?:to|until|through|till|bis|au|a|al) "
        r"(\d{1,2}) (\d{1,2}) (\d{4})\b",
        title,
    )
    if not found:
        return None
    a, b, y1, c, d, y2 = (int(g) for g in found.groups())
    options = []
    for order, (s_day, s_month, e_day, e_month) in (
        ("DMY", (a, b, c, d)),
        ("MDY", (b, a, d, c)),
    ):
        try:
            start = pd.Timestamp(y1, s_month, s_day)
            end = pd.Timestamp(y2, e_month, e_day)
        except ValueError:
            continue
        if start > end:
            continue
        whole = start.day == 1 and end.is_month_end
        options.append((not whole, order != "DMY", start))
    if not options:
        return None
    return min(options)[2].strftime("%Y-%m-%d")


def title_period(title: str) -> str | None:
    """Start of the period a statement covers, read from its title (None when unsaid)."""
    numeric = _numeric_span(title)
    if numeric is not None:
        return numeric
    span_months = re.search(
        rf"\b({MONTHS_PATTERN})(?: (\d{{4}}))? (?:to |through |until )?({MONTHS_PATTERN}) (\d{{4}})\b",
        title,
    )
    if span_months:
        year = span_months.group(2) or span_months.group(4)
        start = parse_dates(
            pd.Series([f"{span_months.group(1)[:3]} {year}"], dtype="str")
        ).values.iloc[0]
        if not pd.isna(start):
            return start.strftime("%Y-%m-%d")
    months_ended = re.search(
        rf"\b(\d{{1,2}}) months (?:ended|ending|to) (\d{{1,2}} (?:{MONTHS_PATTERN}) \d{{4}}|(?:{MONTHS_PATTERN}) \d{{1,2}} \d{{4}})",
        title,
    )
    if months_ended:
        end = parse_dates(pd.Series([months_ended.group(2)], dtype="str")).values.iloc[
            0
        ]
        if not pd.isna(end):
            start = (end + pd.Timedelta(days=1)) - pd.DateOffset(
                months=int(months_ended.group(1))
            )
            return start.strftime("%Y-%m-%d")
    ended = re.search(
        rf"(?:year|12 months|twelve months) (?:ended|ending|to) (\d{{1,2}} (?:{MONTHS_PATTERN}) \d{{4}}|(?:{MONTHS_PATTERN}) \d{{1,2}} \d{{4}})",
        title,
    )
    if ended:
        end = parse_dates(pd.Series([ended.group(1)], dtype="str")).values.iloc[0]
        if not pd.isna(end):
            start = (end + pd.Timedelta(days=1)) - pd.DateOffset(years=1)
            return start.strftime("%Y-%m-%d")
    span = re.search(
        rf"(\d{{1,2}} (?:{MONTHS_PATTERN}) \d{{4}}|(?:{MONTHS_PATTERN}) \d{{1,2}} \d{{4}}|\d{{4}} \d{{2}} \d{{2}})",
        title,
    )
    if span:
        text = span.group(1)
        if re.fullmatch(r"\d{4} \d{2} \d{2}", text):
            text = text.replace(" ", "-")
        start = parse_dates(pd.Series([text], dtype="str")).values.iloc[0]
        if not pd.isna(start):
            return start.strftime("%Y-%m-%d")
    month = re.search(rf"\b({MONTHS_PATTERN}) (\d{{4}})\b", title)
    if month:
        stamp = parse_dates(
            pd.Series([f"{month.group(1)[:3]} {month.group(2)}"], dtype="str")
        ).values.iloc[0]
        if not pd.isna(stamp):
            return stamp.strftime("%Y-%m-%d")
    year = re.search(
        r"\b(?:fy|year|financial year) ?(\d{4})\b|\b(19\d{2}|20\d{2})\b", title
    )
    if year:
        return f"{year.group(1) or year.group(2)}-01-01"
    return None
