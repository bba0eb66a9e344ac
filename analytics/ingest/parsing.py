"""Vectorised parsing of the numbers and dates that exports write in many styles.

Numbers (:mod:`analytics.ingest.number_parsing`): ``1,234.56``, ``1.234,56``, ``1 234,56`` (also with non-breaking or thin
spaces), ``1'234.56``, currency symbols and codes (``$74.69``, ``1.234,56 €``,
``USD 10``), negatives as ``-5``, ``(5)``, ``5-`` or with a Unicode minus, percentages
(``12.5%`` → 0.125), and missing markers (``-``, ``N/A``, ``None``, empty). The decimal
separator is decided once per column from the values (``12,5`` can only be a decimal
comma, ``1,234,567`` can only be thousands, ``1.234,56`` puts the decimal last); columns
that never say (every value looks like ``1,234``) follow the file's convention.

Dates: ISO, day-first and month-first with 2- or 4-digit years and any of ``/ - .``,
month names (``15 Jan 2024``, ``Jan 15, 2024``), month labels (``2024-01``,
``Jan 2024``), quarters (``2024-Q1``), ``yyyymmdd``, times and time zones (dropped), Excel
serial numbers. A column is read with one convention decided from all its values
(``13/01/19`` makes it day-first, ``12/30/2016`` month-first); when no value decides,
the file's hint, the order of the rows, or month-first (day-first for ``.`` separators)
decides and the result says it was ambiguous. Parsing runs on the distinct values with
explicit ``pd.to_datetime(format=...)`` formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.ingest.budget import check_time

#: Cell texts that mean "no value" (compared lower-case, stripped).
MISSING_TOKENS: tuple[str, ...] = (
    "",
    "-",
    "--",
    "---",
    "–",
    "—",
    "n/a",
    "na",
    "#n/a",
    "n.a.",
    "none",
    "null",
    "nan",
    "nil",
    "nat",
    "?",
    "#value!",
    "#ref!",
    "#div/0!",
    "#name?",
    "#num!",
    "#null!",
)

#: :data:`MISSING_TOKENS` as an Arrow array, for ``pc.is_in`` on lower-cased text.
MISSING_SET = pa.array(list(MISSING_TOKENS), type=pa.string())


def arrow_text(series: pd.Series) -> pa.ChunkedArray:
    """A text column as an Arrow string array (missing values null)."""
    if series.dtype == "str" and hasattr(series.array, "__arrow_array__"):
        arr = series.array.__arrow_array__()
    else:
        values = series.astype("str").where(series.notna())
        arr = values.array.__arrow_array__()
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def full_match(arr: pa.ChunkedArray, pattern: str) -> pa.ChunkedArray:
    """Boolean (null-safe: False) full match of an anchored RE2 pattern."""
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False)


def count_true(mask: pa.ChunkedArray) -> int:
    """How many values of a boolean Arrow array are true (nulls count as false)."""
    return int(pc.sum(pc.cast(mask, pa.int64()), min_count=0).as_py() or 0)


def _str(series: pd.Series) -> pd.Series:
    """``series`` as the ``str`` dtype (a copy when it was not)."""
    return series if series.dtype == "str" else series.astype("str")


_STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


def _to_str_series(arr: pa.ChunkedArray, index: pd.Index) -> pd.Series:
    values = arr.to_pandas(
        types_mapper=lambda t: (
            _STR_DTYPE if pa.types.is_string(t) or pa.types.is_large_string(t) else None
        )
    )
    return pd.Series(
        values.to_numpy() if values.dtype != _STR_DTYPE else values.array,
        index=index,
        dtype="str",
    )


def text_dictionary(series: pd.Series) -> tuple[pa.Array, pa.Array]:
    """(indices, cleaned distinct values) of a text column; missing markers become null."""
    encoded = pc.dictionary_encode(arrow_text(series)).combine_chunks()
    values = pc.utf8_trim_whitespace(encoded.dictionary)
    missing = pc.fill_null(pc.is_in(pc.utf8_lower(values), value_set=MISSING_SET), True)
    return encoded.indices, pc.if_else(missing, pa.scalar(None, values.type), values)


def missing_mask(series: pd.Series) -> pd.Series:
    """True where a cell is empty or a missing marker (``-``, ``N/A``, ``None`` …)."""
    if series.dtype.kind in "fiumMb":
        return series.isna()
    indices, values = text_dictionary(series)
    missing = pc.fill_null(pc.is_null(pc.take(values, indices)), True)
    return pd.Series(
        np.asarray(missing.to_numpy(zero_copy_only=False), dtype=bool),
        index=series.index,
    )


def clean_text(series: pd.Series) -> pd.Series:
    """Stripped ``str`` values with missing markers turned into missing values."""
    if series.dtype.kind in "fiub":
        values = series.astype("float64")
        whole = (
            np.isfinite(values) & (values == np.floor(values)) & (values.abs() < 2**53)
        )
        as_int = values.where(whole).astype("Int64").astype("str")
        out = as_int.where(whole, values.astype("str"))
        return out.where(values.notna()).astype("str")
    if series.dtype.kind == "M":
        return series.dt.strftime("%Y-%m-%d").astype("str")
    indices, values = text_dictionary(series)
    return _to_str_series(pa.chunked_array([pc.take(values, indices)]), series.index)


# --------------------------------------------------------------------------- dates

#: Date parts with the order of day/month/year they imply.
_DATE_PARTS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", "YMD"), ("%Y/%m/%d", "YMD"), ("%Y.%m.%d", "YMD"), ("%Y%m%d", "YMD"),
    ("%d/%m/%Y", "DMY"), ("%m/%d/%Y", "MDY"), ("%d/%m/%y", "DMY"), ("%m/%d/%y", "MDY"),
    ("%d-%m-%Y", "DMY"), ("%m-%d-%Y", "MDY"), ("%d-%m-%y", "DMY"), ("%m-%d-%y", "MDY"),
    ("%d.%m.%Y", "DMY"), ("%m.%d.%Y", "MDY"), ("%d.%m.%y", "DMY"), ("%m.%d.%y", "MDY"),
    ("%d %b %Y", "DMY"), ("%d-%b-%Y", "DMY"), ("%d-%b-%y", "DMY"), ("%d %B %Y", "DMY"),
    ("%d %b %y", "DMY"), ("%d/%b/%Y", "DMY"), ("%d-%B-%Y", "DMY"), ("%d. %B %Y", "DMY"),
    ("%b %d, %Y", "MDY"), ("%B %d, %Y", "MDY"), ("%b %d %Y", "MDY"), ("%B %d %Y", "MDY"),
    ("%a, %d %b %Y", "DMY"), ("%a %b %d %Y", "MDY"),
    ("%A, %B %d, %Y", "MDY"), ("%a, %b %d, %Y", "MDY"), ("%A, %d %B %Y", "DMY"),
    ("%A %d %B %Y", "DMY"), ("%A, %b %d, %Y", "MDY"),
    ("%Y-%m", "YM"), ("%Y/%m", "YM"), ("%m/%Y", "MY"), ("%m-%Y", "MY"), ("%m.%Y", "MY"),
    ("%b %Y", "MY"), ("%B %Y", "MY"), ("%b-%y", "MY"), ("%b-%Y", "MY"), ("%b %y", "MY"),
    ("%B-%y", "MY"), ("%B-%Y", "MY"), ("%Y %b", "YM"), ("%Y-%b", "YM"), ("%b. %Y", "MY"),
)  # fmt: skip
_TIME_PARTS: tuple[str, ...] = (
    "", " %H:%M", " %H:%M:%S", "T%H:%M:%S", "T%H:%M", " %H:%M:%S.%f", "T%H:%M:%S.%f",
    " %I:%M %p", " %I:%M:%S %p", " %I:%M%p", " %I%p",
)  # fmt: skip
_TZ_RE = (
    r"(?:(?<=:\d\d)|(?<=\.\d{3})|(?<=\.\d{6})|(?<=[AaPp][Mm]))"
    r"(?:Z|\s?(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?|\s?[+-]\d{2}:?\d{2}|\s(?:[ECMPA][SD]T|BST|CET|CEST|EET|EEST|IST|JST|AEST|AEDT|NZST|NZDT|HST|AKST|AKDT))$"
)
_QUARTER_RE = r"(?i)^(?:(\d{4})\s*[-/ ]?\s*q([1-4])|q([1-4])\s*[-/ ]?\s*(\d{4}|\d{2}))$"
#: Text shaped like a numeric date (2024-01-31, 31/01/2024, 01.2024 …), for cheap votes.
DATE_SHAPE_RE = (
    r"[0-9]{4}[-/.][0-9]{1,2}(?:[-/.][0-9]{1,2})?(?:[ T].*)?"
    r"|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4}(?:[ T].*)?"
    r"|[0-9]{1,2}[-/.][0-9]{4}"
    r"|[0-9]{8}"
    r"|(?:[A-Za-z]{3,9},? )?[0-9]{1,2}\.?[-/ ][A-Za-z]{3,9}\.?[-/ ][0-9]{2,4}(?:[ T].*)?"
    r"|(?:[A-Za-z]{3,9},? )?[A-Za-z]{3,9}\.?[-/ ][0-9]{1,2},? [0-9]{4}(?:[ T].*)?"
    r"|[A-Za-z]{3,9}\.?[-/ ][0-9]{2,4}|[0-9]{4}[-/ ][A-Za-z]{3,9}"
    r"|(?i:[0-9]{4} *[-/ ]? *q[1-4]|q[1-4] *[-/ ]? *[0-9]{2,4})"
)
#: :data:`DATE_SHAPE_RE` anchored, for a full match inside Arrow (RE2).
_DATE_SHAPE_FULL = f"^(?:{DATE_SHAPE_RE})$"
_MIN_DATE = pd.Timestamp("1900-01-01")
_MAX_DATE = pd.Timestamp("2100-12-31")
#: Excel serial day numbers accepted as dates (1927-05-18 .. 2119-02-25).
_SERIAL_RANGE = (10_000, 80_000)
#: Unix times accepted as dates in date-named columns (2001-09-09 .. 2100-01-01).
_EPOCH_SECONDS = (1_000_000_000, 4_102_444_800)
_EPOCH_MILLISECONDS = (1_000_000_000_000, 4_102_444_800_000)


@dataclass(frozen=True)
class DateParse:
    """Result of :func:`parse_dates` (``values`` aligned with the input)."""

    values: pd.Series
    format: str | None
    order: str | None
    ambiguous: bool
    valid: int
    invalid: int
    mixed: bool = False


def looks_like_dates(sample: pd.Series) -> float:
    """Share of the non-missing values of a text sample shaped like a date."""
    text = clean_text(sample).dropna()
    if text.empty:
        return 0.0
    return count_true(full_match(arrow_text(text), _DATE_SHAPE_FULL)) / len(text)


def _time_parts(sample: pd.Series) -> list[str]:
    has_colon = sample.str.contains(":", regex=False)
    if not bool(has_colon.any()):
        ampm = sample.str.contains(r"\d\s?[AaPp][Mm]$")
        return [" %I%p", ""] if bool(ampm.any()) else [""]
    with_time = sample[has_colon]
    ampm = with_time.str.contains(r"[AaPp]\.?[Mm]\.?$")
    ampm_any, ampm_all = bool(ampm.any()), bool(ampm.all())
    tee = bool(with_time.str.contains(r"\dT\d").any())
    space = bool(with_time.str.contains(r"\d\s\d{1,2}:").any())
    out = [
        part
        for part in _TIME_PARTS[1:]
        if (ampm_any if "%p" in part else not ampm_all)
        and ((part.startswith("T") and tee) or (part.startswith(" ") and space))
    ]
    if not bool(has_colon.all()):
        out.append("")
    return out


def _candidates(sample: pd.Series) -> list[tuple[str, str]]:
    """Formats (with their order) worth trying on a sample of distinct date texts."""
    sample = sample.dropna()
    shaped = sample[sample.str.fullmatch(DATE_SHAPE_RE)]
    sample = shaped if len(shaped) else sample
    stripped = sample.str.replace(r"(?i)\s?[ap]\.?m\.?$", "", regex=True)
    letters = float(stripped.str.contains(r"[A-Za-z]{3}").mean()) >= 0.5
    date_part = stripped.str.replace(r"[ T]\d{1,2}:\d{2}.*$", "", regex=True)
    seps = {
        ch
        for ch in "-/. ,"
        if float(date_part.str.contains(ch, regex=False).mean()) >= 0.3
    }
    times = _time_parts(sample)
    out: list[tuple[str, str]] = []
    for part, order in _DATE_PARTS:
        if ("%b" in part or "%B" in part) != letters:
            continue
        part_seps = set(re.sub(r"%[a-zA-Z]", "", part))
        if not part_seps and seps:
            continue
        if part_seps and not part_seps <= seps:
            continue
        for time in times:
            if time and order in ("YM", "MY"):
                continue
            out.append((part + time, order))
    return out


def _to_datetime(values: pd.Series, fmt: str) -> pd.Series:
    parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    return parsed.where((parsed >= _MIN_DATE) & (parsed <= _MAX_DATE))


def _quarters(values: pd.Series) -> pd.Series:
    parts = values.str.extract(_QUARTER_RE)
    year = parts[0].fillna(parts[3])
    year = year.where(year.str.len() == 4, "20" + year)
    quarter = parts[1].fillna(parts[2])
    month = (quarter.astype("float64") - 1) * 3 + 1
    text = year + "-" + month.astype("Int64").astype("str").str.zfill(2) + "-01"
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def _order_by_rows(codes: np.ndarray, a: pd.Series, b: pd.Series) -> int:
    """Which of two readings gives steadier steps between rows in file order (0, 1 or -1)."""
    head = codes[codes >= 0][:5000]
    steps = []
    for reading in (a, b):
        seq = pd.Series(reading.to_numpy()[head]).dropna()
        diffs = seq.diff().dropna().abs().dt.days
        diffs = diffs[diffs > 0]
        steps.append(float(diffs.median()) if len(diffs) else np.nan)
    if np.isnan(steps).any() or steps[0] == steps[1]:
        return -1
    lo, hi = sorted(steps)
    if hi < 3 * max(lo, 1.0):
        return -1
    return 0 if steps[0] < steps[1] else 1


def parse_dates(
    series: pd.Series, *, order_hint: str | None = None, allow_serial: bool = True
) -> DateParse:
    """Parse a column of dates with one convention decided from all its values.

    Parameters
    ----------
    series:
        Values as read: text, datetimes, or numbers (Excel serial days when
        ``allow_serial``, or ``yyyymmdd`` integers).
    order_hint:
        ``"DMY"`` or ``"MDY"``: how to read a column whose values fit both.

    Returns
    -------
    :class:`DateParse` with naive ``datetime64[ns]`` values (NaT where missing or
    unreadable), the format and order used, whether the order was a guess, and
    counts of readable / unreadable non-missing cells.
    """
    check_time()
    index = series.index
    if series.dtype.kind == "M":
        values = series.dt.tz_localize(None) if series.dt.tz is not None else series
        values = values.astype("datetime64[ns]")
        n = int(values.notna().sum())
        return DateParse(values, None, None, False, n, 0)
    if series.dtype.kind in "fiu":
        return _dates_from_numbers(series.astype("float64"), allow_serial)
    indices, distinct = text_dictionary(series)
    codes = np.asarray(
        pc.fill_null(indices, -1).to_numpy(zero_copy_only=False), dtype="int64"
    )
    codes = np.where(codes >= 0, codes, -1)
    uniques = _to_str_series(pa.chunked_array([distinct]), pd.RangeIndex(len(distinct)))
    missing_unique = uniques.isna().to_numpy()
    iso = iso_format(distinct)
    if iso is None:
        uniques = uniques.str.replace(_TZ_RE, "", regex=True).str.replace(
            r"\s+", " ", regex=True
        )
    present_uniques = uniques.dropna()
    serials = (
        iso is None
        and allow_serial
        and len(present_uniques) > 0
        and bool(present_uniques.str.fullmatch(r"\d{5}(?:\.\d+)?|\d{10}|\d{13}").all())
    )
    if iso is not None:
        parsed, fmt, order, ambiguous, mixed = _parse_iso(uniques, iso)
    elif serials:
        numbers = _dates_from_numbers(pd.to_numeric(uniques, errors="coerce"), True)
        parsed = numbers.values
        fmt, order, ambiguous, mixed = numbers.format, None, False, False
    else:
        parsed, fmt, order, ambiguous, mixed = _parse_unique_dates(
            uniques, codes, order_hint
        )
    parsed_ns = parsed.astype("datetime64[ns]").to_numpy()
    out = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
    known = codes >= 0
    out[known] = parsed_ns[codes[known]]
    values = pd.Series(out, index=index)
    valid = int(values.notna().sum())
    present = int(known.sum()) - int(missing_unique[codes[known]].sum())
    return DateParse(values, fmt, order, ambiguous, valid, present - valid, mixed)


#: Strict ISO shapes and their one format. When every distinct value of a column has the
#: same one of these shapes, no other format can read any of them, no time zone or run of
#: spaces is there to strip, and the general search (scoring every candidate format on
#: a sample) always ends with this format, order YMD, unambiguous: the fast path below
#: gives the same result without the search.
_ISO_SHAPES: tuple[tuple[str, str], ...] = (
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "%Y-%m-%d"),
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$", "%Y-%m-%d %H:%M"),
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$", "%Y-%m-%d %H:%M:%S"),
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", "%Y-%m-%dT%H:%M:%S"),
)


def iso_format(distinct: pa.Array) -> str | None:
    """The format of :data:`_ISO_SHAPES` that every non-missing value fits, if any."""
    present = distinct.drop_null()
    if len(present) == 0:
        return None
    for pattern, fmt in _ISO_SHAPES:
        if pc.all(pc.match_substring_regex(present, pattern)).as_py():
            return fmt
    return None


def _parse_iso(
    uniques: pd.Series, fmt: str
) -> tuple[pd.Series, str | None, str | None, bool, bool]:
    """What :func:`_parse_unique_dates` answers for values all of one ISO shape."""
    parsed = _to_datetime(uniques, fmt).astype("datetime64[ns]")
    if not int(spread_sample(parsed, 120).notna().sum()):
        # the general search scores formats on that sample: no hit, no format
        nat = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
        return nat, None, None, False, False
    return parsed, fmt, "YMD", False, False


def _dates_from_numbers(values: pd.Series, allow_serial: bool) -> DateParse:
    present = values.dropna()
    index = values.index
    empty = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if present.empty:
        return DateParse(empty, None, None, False, 0, 0)
    whole = bool((present == np.floor(present)).all())
    if whole and bool(present.between(19000101, 21001231).all()):
        text = values.astype("Int64").astype("str")
        parsed = _to_datetime(text, "%Y%m%d").astype("datetime64[ns]")
        valid = int(parsed.notna().sum())
        return DateParse(parsed, "%Y%m%d", "YMD", False, valid, len(present) - valid)
    lo, hi = _SERIAL_RANGE
    for unit, (low, high) in (("s", _EPOCH_SECONDS), ("ms", _EPOCH_MILLISECONDS)):
        if allow_serial and whole and bool(present.between(low, high).all()):
            # Unix time (API and database exports), in UTC
            parsed = pd.to_datetime(values, unit=unit, errors="coerce").astype(
                "datetime64[ns]"
            )
            return DateParse(parsed, f"unix-{unit}", None, False, len(present), 0)
    if allow_serial and bool(present.between(lo, hi).all()):
        parsed = (
            pd.Timestamp("1899-12-30") + pd.to_timedelta(values, unit="D")
        ).astype("datetime64[ns]")
        return DateParse(parsed, "excel-serial", None, False, len(present), 0)
    return DateParse(empty, None, None, False, 0, len(present))


def spread_sample(values: pd.Series, size: int) -> pd.Series:
    """At most ``size`` rows of ``values`` taken at even steps over the whole series."""
    if len(values) <= size:
        return values
    step = len(values) / size
    return values.iloc[(np.arange(size) * step).astype(int)]


def _parse_unique_dates(
    uniques: pd.Series, codes: np.ndarray, order_hint: str | None
) -> tuple[pd.Series, str | None, str | None, bool, bool]:
    nat = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
    if uniques.empty:
        return nat, None, None, False, False
    quarters = uniques.str.fullmatch(_QUARTER_RE)
    if float(quarters.mean()) >= 0.5:
        return _quarters(uniques), "quarter", "YQ", False, False
    sample = spread_sample(uniques, 120)
    candidates = _candidates(sample)
    scores: list[tuple[int, int, str, str]] = []
    for rank, (fmt, order) in enumerate(candidates):
        hits = int(_to_datetime(sample, fmt).notna().sum())
        if hits:
            scores.append((hits, -rank, fmt, order))
    if not scores:
        return nat, None, None, False, False
    best_by_order: dict[str, tuple[int, int, str]] = {}
    for hits, rank, fmt, order in scores:
        if order not in best_by_order or (hits, rank) > best_by_order[order][:2]:
            best_by_order[order] = (hits, rank, fmt)
    top = max(v[0] for v in best_by_order.values())
    leaders = [o for o, v in best_by_order.items() if v[0] == top]
    ambiguous = False
    if "DMY" in leaders and "MDY" in leaders:
        full = {o: _to_datetime(uniques, best_by_order[o][2]) for o in ("DMY", "MDY")}
        counts = {o: int(v.notna().sum()) for o, v in full.items()}
        if counts["DMY"] != counts["MDY"]:
            order = max(counts, key=counts.get)
        else:
            same_values = bool((full["DMY"].notna() == full["MDY"].notna()).all())
            ambiguous = same_values and _disagree(full["DMY"], full["MDY"])
            choice = (
                _order_by_rows(codes, full["DMY"], full["MDY"]) if ambiguous else -1
            )
            if choice >= 0:
                order = ("DMY", "MDY")[choice]
            elif order_hint in ("DMY", "MDY"):
                order = order_hint
            else:
                dotted = bool(
                    sample.str.contains(r"^\d{1,2}\.\d{1,2}\.", regex=True).any()
                )
                order = "DMY" if dotted else "MDY"
    else:
        order = max(leaders, key=lambda o: best_by_order[o][:2])
    result, used = _parse_with_order(uniques, scores, order)
    result = _fill_unambiguous(uniques, result)
    left = result.isna() & uniques.notna()
    if order == "YMD" and used.startswith("%Y") and bool(left.any()):
        # ISO dates cannot clash with another convention (typically real date cells
        # next to dates typed as text): read the rest with the order they decide
        rest = _parse_unique_dates(
            uniques.where(left), np.empty(0, "int64"), order_hint
        )
        if rest[2] is not None:
            result = result.where(~left, rest[0])
            ambiguous = ambiguous or rest[3]
            if rest[2] in ("DMY", "MDY"):
                order = rest[2]
    mixed = False
    other = {"DMY": "MDY", "MDY": "DMY"}.get(order)
    if other and other in best_by_order and bool(result.isna().any()):
        rest = _parse_with_order(uniques.where(result.isna()), scores, other)[0]
        mixed = bool(rest.notna().any())
    return result, used, order, ambiguous, mixed


def _unambiguous(fmt: str, order: str) -> bool:
    """Formats that can only be read one way (ISO year first, or the month as a word)."""
    return order == "YMD" and fmt.startswith("%Y") or "%b" in fmt or "%B" in fmt


def _fill_unambiguous(uniques: pd.Series, result: pd.Series) -> pd.Series:
    """Read values left over in formats that cannot conflict with the chosen convention."""
    todo = result.isna() & uniques.notna()
    if not bool(todo.any()):
        return result
    rest = uniques[todo]
    worded = rest.str.contains(r"[A-Za-z]{3}")
    formats = [
        *_candidates(spread_sample(rest[worded], 120)),
        *_candidates(spread_sample(rest[~worded], 120)),
    ]
    for fmt, order in formats:
        if not _unambiguous(fmt, order):
            continue
        parsed = _to_datetime(rest, fmt)
        result = result.where(
            ~(todo & parsed.reindex(result.index).notna()), parsed.reindex(result.index)
        )
        todo = result.isna() & uniques.notna()
        if not bool(todo.any()):
            break
        rest = uniques[todo]
    return result


def _parse_with_order(
    uniques: pd.Series, scores: list[tuple[int, int, str, str]], order: str
) -> tuple[pd.Series, str]:
    """Parse with the formats of one order, best first, each filling what is still missing."""
    formats = sorted(((h, r, f) for h, r, f, o in scores if o == order), reverse=True)
    result = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
    for _, _, fmt in formats:
        todo = result.isna() & uniques.notna()
        if not bool(todo.any()):
            break
        result = result.where(~todo, _to_datetime(uniques.where(todo), fmt))
    return result, formats[0][2]


def _disagree(a: pd.Series, b: pd.Series) -> bool:
    """True when two readings give different dates for some value."""
    both = a.notna() & b.notna()
    return bool((a[both] != b[both]).any())
