"""Wide tables: one amount column per period (months, quarters, years across the top)
turned into one row per line and period, and the headers read as periods.

Used for plain tables (``unpivot_periods``) and for profit-and-loss statements
(``analytics.ingest.pnl`` reads its period columns with :func:`period_of`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from analytics.ingest.number_parsing import parse_numbers
from analytics.ingest.parsing import DATE_SHAPE_RE, parse_dates
from analytics.metrics.periods import MONTH_WORDS, MONTH_WORDS_PATTERN

#: Month words as a regex alternation, short forms first: jan|…|sept|…|january|…
MONTHS_PATTERN = MONTH_WORDS_PATTERN


_DATE_SHAPE = re.compile(rf"(?:{DATE_SHAPE_RE})|[0-9]{{8}}[ T].*")


def period_of(value: Any) -> pd.Timestamp | None:
    """The period a column header names (a month, a year, a date), or None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if hasattr(value, "year") and hasattr(value, "month"):
        return pd.Timestamp(value.year, value.month, 1)
    if (
        isinstance(value, (int, float))
        and float(value).is_integer()
        and 1900 <= value <= 2100
    ):
        return pd.Timestamp(int(value), 1, 1)
    text = " ".join(str(value).split())
    if not re.search(r"\d", text):
        return None
    text = re.sub(r"(?i)^(?:fy|year|yr)\s*", "", text)
    if re.fullmatch(r"\d{4}", text) and 1900 <= int(text) <= 2100:
        return pd.Timestamp(int(text), 1, 1)
    if not _DATE_SHAPE.fullmatch(text):
        return None  # no format parse_dates tries reads it (``c12``, ``Region 2``)
    parsed = parse_dates(pd.Series([text], dtype="str"))
    if parsed.valid:
        stamp = parsed.values.iloc[0]
        return (
            pd.Timestamp(stamp.year, stamp.month, 1)
            if parsed.order in ("MY", "YM")
            else stamp
        )
    return None


_PERIOD_TOTAL = re.compile(
    r"(?i)^(?:total|totals|grand total|sum|ytd|year to date|full year|fy total|average|avg|mean)\b"
)


def unpivot_periods(
    table: pd.DataFrame, rows: np.ndarray, *, decimal: str = "."
) -> tuple[pd.DataFrame, np.ndarray, list[str]] | None:
    """A table with one column per period (``Product | Jan 2024 | Feb 2024 | … | Total``) in long form.

    Returns ``(table, row numbers, notes)`` with the label columns kept, plus ``Period``
    (ISO date of each period column) and ``Amount`` (its number), one row per non-empty
    cell; total/average columns are dropped. None when fewer than two headers are
    periods or the period columns do not hold numbers.
    """
    periods: dict[str, pd.Timestamp] = {}
    ignored: list[str] = []
    for name in table.columns:
        if _PERIOD_TOTAL.match(str(name)):
            ignored.append(name)
            continue
        period = period_of(name)
        if period is not None:
            periods[name] = period
    if len(periods) < 2:
        return _unpivot_period_groups(table, rows, decimal=decimal)
    labels = [c for c in table.columns if c not in periods and c not in ignored]
    values = []
    for name in periods:
        parsed = parse_numbers(table[name], decimal=decimal)
        if parsed.valid == 0 or parsed.invalid > 0.2 * (parsed.valid + parsed.invalid):
            return None
        values.append(parsed.values.to_numpy())
    matrix = np.column_stack(values)
    filled = ~np.isnan(matrix)
    count = len(periods)
    out: dict[str, Any] = {}
    for name in labels:
        column = table[name]
        repeated = np.repeat(column.to_numpy(), count)[filled.ravel()]
        out[name] = pd.Series(repeated, dtype=column.dtype)
    stamps = np.array([periods[n].strftime("%Y-%m-%d") for n in periods], dtype=object)
    period_name = _free_name("Period", labels)
    amount_name = _free_name("Amount", labels)
    out[period_name] = pd.Series(
        np.tile(stamps, len(table))[filled.ravel()], dtype="str"
    )
    out[amount_name] = pd.Series(matrix.ravel()[filled.ravel()], dtype="float64")
    long_rows = np.repeat(np.asarray(rows), count)[filled.ravel()]
    names = list(periods)
    notes = [
        f"The file has one column per period ({names[0]} … {names[-1]}); read it as one row "
        "per line and period."
    ]
    if ignored:
        notes.append(
            "Ignored the total column(s): " + ", ".join(map(str, ignored)) + "."
        )
    return pd.DataFrame(out), long_rows, notes


_UNDATED_PERIOD = re.compile(
    rf"(?i)^(?:q[1-4]|h[12]|{MONTHS_PATTERN}|(?:week|wk|month|period) ?\d{{1,2}})$"
)


def _period_prefix(name: str) -> tuple[pd.Timestamp | str, str] | None:
    """``(2024-01-01, "Amount")`` split of a header such as ``Jan 2024 Amount``; a
    period without a year (``Q1 Amount``, ``March Units``) gives its label instead."""
    words = str(name).split()
    for cut in range(len(words) - 1, 0, -1):
        if not re.search(r"\d", " ".join(words[:cut])):
            continue
        period = period_of(" ".join(words[:cut]))
        if period is not None:
            return period, " ".join(words[cut:])
    if len(words) >= 2 and _UNDATED_PERIOD.match(" ".join(words[:1])):
        return words[0], " ".join(words[1:])
    if len(words) >= 3 and _UNDATED_PERIOD.match(" ".join(words[:2])):
        return " ".join(words[:2]), " ".join(words[2:])
    return None


def _unpivot_period_groups(
    table: pd.DataFrame, rows: np.ndarray, *, decimal: str = "."
) -> tuple[pd.DataFrame, np.ndarray, list[str]] | None:
    """A table whose columns are measures grouped under periods (a two-row header
    ``Jan 2024 | | Feb 2024`` over ``Units | Amount | Units | Amount``) in long form:
    one row per line and period, with one column per measure. None when the headers
    are not such groups (at least two periods, each with the same measures)."""
    groups: dict[pd.Timestamp | str, dict[str, str]] = {}
    grouped: set[str] = set()
    for name in table.columns:
        if _PERIOD_TOTAL.match(str(name)):
            continue
        split = _period_prefix(name)
        if split is not None:
            groups.setdefault(split[0], {})[split[1]] = name
            grouped.add(name)
    measures = {tuple(sorted(m)) for m in groups.values()}
    if len(groups) < 2 or len(measures) != 1:
        return None
    dated = all(isinstance(k, pd.Timestamp) for k in groups)
    if not dated and any(isinstance(k, pd.Timestamp) for k in groups):
        return None
    names = sorted(next(iter(measures)))
    ignored = [c for c in table.columns if c not in grouped and _PERIOD_TOTAL.match(c)]
    ignored += [
        c
        for c in table.columns
        if c not in grouped and (_period_prefix(c) or (None,))[0] is not None
    ]
    labels = [c for c in table.columns if c not in grouped and c not in ignored]
    blocks = []
    keys = sorted(groups) if dated else list(groups)
    for period in keys:
        columns = groups[period]
        values = {}
        for measure in names:
            parsed = parse_numbers(table[columns[measure]], decimal=decimal)
            if parsed.valid == 0 and parsed.invalid:
                return None
            values[measure] = parsed.values.to_numpy()
        filled = np.zeros(len(table), dtype=bool)
        for v in values.values():
            filled |= ~np.isnan(v)
        block = {name: table[name].to_numpy()[filled] for name in labels}
        label = period.strftime("%Y-%m-%d") if dated else str(period)
        block["Period"] = np.full(int(filled.sum()), label, dtype=object)
        block.update({m: v[filled] for m, v in values.items()})
        blocks.append((pd.DataFrame(block), np.asarray(rows)[filled]))
    period_name = _free_name("Period", labels)
    out = pd.concat([b for b, _ in blocks], ignore_index=True)
    out = out.rename(columns={"Period": period_name})
    for name in labels:
        out[name] = out[name].astype(table[name].dtype)
    out[period_name] = out[period_name].astype("str")
    for measure in names:
        out[measure] = out[measure].astype("float64")
    order = np.argsort(
        np.concatenate([r for _, r in blocks]), kind="stable"
    )  # keep source order: each line's periods together
    long_rows = np.concatenate([r for _, r in blocks])[order]
    out = out.iloc[order].reset_index(drop=True)
    first, last = (
        (f"{keys[0]:%Y-%m}", f"{keys[-1]:%Y-%m}") if dated else (keys[0], keys[-1])
    )
    notes = [
        f"The file has {', '.join(names)} for each period ({first} … {last}); read it "
        "as one row per line and period."
        + ("" if dated else " The periods have no year, so they cannot be dated.")
    ]
    if ignored:
        notes.append(
            "Ignored the total column(s): " + ", ".join(map(str, ignored)) + "."
        )
    return out, long_rows, notes


def _free_name(name: str, taken: list[str]) -> str:
    candidate, n = name, 2
    lowered = {t.lower() for t in taken}
    while candidate.lower() in lowered:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


_MONTH_CELL = re.compile(
    rf"^({MONTHS_PATTERN})\.?(?:[ \-/']*(\d{{4}}|\d{{2}}))?$",
)
YEAR_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def month_of(value: Any) -> tuple[int, int | None] | None:
    """``(month, year or None)`` of a month header cell (``JAN``, ``January 2024``,
    ``Jan-24``, a date); None otherwise."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if hasattr(value, "year") and hasattr(value, "month"):
        return int(value.month), int(value.year)
    found = _MONTH_CELL.match(" ".join(str(value).lower().split()))
    if not found:
        return None
    year = found.group(2)
    if year is not None and len(year) == 2:
        year = "20" + year
    return MONTH_WORDS[found.group(1)[:3]], int(year) if year else None
