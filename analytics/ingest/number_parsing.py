"""Vectorised parsing of numbers in every export style, and the currency they carry.

``1,234.56``, ``1.234,56``, ``1 234,56`` (also with non-breaking or thin spaces),
``1'234.56``, currency symbols and codes (``$74.69``, ``1.234,56 €``, ``USD 10``),
negatives as ``-5``, ``(5)``, ``5-`` or with a Unicode minus, percentages (``12.5%`` →
0.125), and missing markers (see :mod:`analytics.ingest.parsing`, which holds the text
helpers and the dates). The decimal separator is decided once per column from the
values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.ingest.budget import check_time
from analytics.ingest.parsing import MISSING_SET, arrow_text, count_true, full_match

CURRENCY_CODES: tuple[str, ...] = (
    "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "CNY", "RMB", "INR", "SEK",
    "NOK", "DKK", "PLN", "CZK", "HUF", "ZAR", "BRL", "MXN", "SGD", "HKD", "KRW", "RUB",
    "TRY", "ILS", "AED", "SAR", "THB", "MYR", "IDR", "PHP", "NGN", "KES", "RON", "BGN",
)  # fmt: skip
_SYMBOL_TO_CODE = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW",
                   "₽": "RUB", "₺": "TRY", "₪": "ILS", "₫": "VND", "฿": "THB", "zł": "PLN",
                   "kr": "SEK", "R$": "BRL", "A$": "AUD", "C$": "CAD", "US$": "USD",
                   "CHF": "CHF", "Fr.": "CHF"}  # fmt: skip
_CODES_RE = "|".join(CURRENCY_CODES)
#: Currency symbols and codes (RE2 syntax: runs inside Arrow).
CURRENCY_RE = (
    rf"(?i)(?:(?:{_CODES_RE})|(?:US|[ACR])?\$|[€£¥₹₩₽₺₪₫฿¢]|zł|\bkr\.?|\bFr\.)"
)
_CURRENCY_FIND = re.compile(
    rf"\b({_CODES_RE})\b|((?:US|[ACR])?\$|[€£¥₹₩₽₺₪₫฿]|zł|\bkr\b|\bFr\.)", re.IGNORECASE
)
#: Grouping characters removed before reading a number (spaces of all widths, apostrophes).
_SPACES_RE = "[ \t\u00a0\u202f\u2009\u2007'’`]"
_PLAIN_NUMBER = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"
_VALID_DOT = r"^-?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)$"
_VALID_COMMA = r"^-?(?:(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]*)?|,[0-9]+)$"
_VOTE_DOT = (
    r"^(?:-?[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]*"  # 1,234.5
    r"|-?[0-9]*\.(?:[0-9]{1,2}|[0-9]{4,})"  # 12.5, 0.1234
    r"|-?(?:[0-9]{4,}|0)\.[0-9]+"  # 1234.567, 0.125
    r"|-?[0-9]{1,3}(?:,[0-9]{3}){2,})$"  # 1,234,567
)
_VOTE_COMMA = (
    r"^(?:-?[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]*"
    r"|-?[0-9]*,(?:[0-9]{1,2}|[0-9]{4,})"
    r"|-?(?:[0-9]{4,}|0),[0-9]+"
    r"|-?[0-9]{1,3}(?:\.[0-9]{3}){2,})$"
)


@dataclass(frozen=True)
class NumberParse:
    """Result of :func:`parse_numbers` (``values`` aligned with the input)."""

    values: pd.Series
    decimal: str
    thousands: str | None
    percent: bool
    currency: str | None
    valid: int
    invalid: int
    decided: bool


def parse_numbers(
    series: pd.Series, *, decimal: str | None = None, percent_as_fraction: bool = True
) -> NumberParse:
    """Parse a column of numbers written as text.

    Parameters
    ----------
    series:
        Values as read (``str``, numbers, or objects); missing markers are missing.
    decimal:
        The file's decimal separator (``"."`` or ``","``) for columns whose values do
        not decide it themselves; ``None`` means ``"."``.

    Returns
    -------
    :class:`NumberParse`: float64 values (NaN where missing or unreadable), the decimal
    and thousands separators used, whether values were percentages, the currency seen
    (ISO code where known) and the counts of readable / unreadable non-missing cells.
    """
    check_time()
    index = series.index
    if series.dtype.kind in "fiub":
        values = series.astype("float64")
        n = int(values.notna().sum())
        return NumberParse(values, ".", None, False, None, n, 0, False)
    if series.dtype.kind == "M":
        n = int(series.notna().sum())
        return NumberParse(
            pd.Series(np.nan, index=index), ".", None, False, None, 0, n, False
        )
    hint = decimal or "."
    raw = arrow_text(series)
    present = len(raw) - raw.null_count
    if hint == ".":
        try:
            values = pc.cast(raw, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = None
        if values is not None and np.isfinite(values).sum() == present:
            return NumberParse(
                pd.Series(values, index=index),
                ".",
                None,
                False,
                None,
                present,
                0,
                False,
            )
    text = pc.utf8_trim_whitespace(raw)
    encoded = pc.dictionary_encode(text).combine_chunks()
    parsed = _parse_unique_numbers(encoded.dictionary, hint, percent_as_fraction)
    indices = encoded.indices
    values = pc.take(parsed.values, indices).to_numpy(zero_copy_only=False)
    values = np.asarray(values, dtype="float64")
    valid = int(np.count_nonzero(~np.isnan(values)))
    missing = pc.fill_null(pc.take(parsed.missing, indices), True)
    non_missing = len(values) - count_true(missing)
    return NumberParse(
        pd.Series(values, index=index),
        parsed.decimal,
        parsed.thousands,
        parsed.percent,
        parsed.currency,
        valid,
        non_missing - valid,
        parsed.decided,
    )


@dataclass(frozen=True)
class _UniqueNumbers:
    values: pa.Array
    missing: pa.Array
    decimal: str
    thousands: str | None
    percent: bool
    currency: str | None
    decided: bool


def _any(mask: pa.Array | pa.ChunkedArray) -> bool:
    return bool(pc.any(pc.fill_null(mask, False)).as_py())


def _parse_unique_numbers(
    text: pa.Array, hint: str, percent_as_fraction: bool
) -> _UniqueNumbers:
    missing = pc.fill_null(pc.is_in(pc.utf8_lower(text), value_set=MISSING_SET), True)
    t = pc.if_else(missing, pa.scalar(None, pa.string()), text)
    percent = pc.fill_null(pc.match_substring(t, "%"), False)
    any_paren = _any(pc.match_substring(t, "("))
    paren = full_match(t, r"^\(.*\)$") if any_paren else None
    currency = None
    if _any(pc.match_substring_regex(t, CURRENCY_RE)):
        currency = _currency_of(
            pc.drop_null(
                pc.filter(
                    t, pc.fill_null(pc.match_substring_regex(t, CURRENCY_RE), False)
                )
            ).to_pylist()[:200]
        )
        t = pc.replace_substring_regex(t, f"{CURRENCY_RE}|{_SPACES_RE}|[()%+]", "")
    else:
        t = pc.replace_substring_regex(t, f"{_SPACES_RE}|[()%+]", "")
    if _any(pc.match_substring(t, "−")):
        t = pc.replace_substring(t, "−", "-")
    if _any(pc.ends_with(t, "-")):
        t = pc.replace_substring_regex(t, r"^([0-9.,]+)-$", r"-\1")
    if paren is not None:
        leading_minus = pc.fill_null(pc.starts_with(t, "-"), False)
        negate = pc.and_(paren, pc.invert(leading_minus))
        t = pc.if_else(negate, pc.replace_substring_regex(t, "^(.*)$", r"-\1"), t)
    dot_votes = count_true(full_match(t, _VOTE_DOT))
    comma_votes = count_true(full_match(t, _VOTE_COMMA))
    decided = bool(dot_votes or comma_votes)
    chosen = ("." if dot_votes >= comma_votes else ",") if decided else hint
    if chosen == ".":
        valid = full_match(t, _VALID_DOT)
        grouped = _any(pc.and_(valid, pc.fill_null(pc.match_substring(t, ","), False)))
        normal = pc.replace_substring(t, ",", "")
    else:
        valid = full_match(t, _VALID_COMMA)
        grouped = _any(pc.and_(valid, pc.fill_null(pc.match_substring(t, "."), False)))
        normal = pc.replace_substring(pc.replace_substring(t, ".", ""), ",", ".")
    normal = pc.if_else(valid, normal, pa.scalar(None, pa.string()))
    values = pc.cast(normal, pa.float64())
    n_valid = count_true(valid)
    is_percent = n_valid > 0 and count_true(pc.and_(valid, percent)) > 0.5 * n_valid
    if percent_as_fraction and _any(percent):
        values = pc.if_else(percent, pc.divide(values, 100.0), values)
    thousands = ("," if chosen == "." else ".") if grouped else None
    if not grouped and _any(
        pc.match_substring_regex(text, "[0-9][ \u00a0\u202f\u2009][0-9]{3}")
    ):
        thousands = " "
    return _UniqueNumbers(
        values, missing, chosen, thousands, is_percent, currency, decided
    )


def _currency_of(values: list[str]) -> str | None:
    """The most common currency symbol/code in ``values`` as an ISO code (or the symbol)."""
    tokens: dict[str, int] = {}
    for value in values:
        match = _CURRENCY_FIND.search(value)
        if match:
            token = match.group(1) or match.group(2)
            tokens[token] = tokens.get(token, 0) + 1
    if not tokens:
        return None
    token = max(tokens, key=lambda k: tokens[k])
    upper = token.upper()
    if upper in CURRENCY_CODES:
        return "CNY" if upper == "RMB" else upper
    return _SYMBOL_TO_CODE.get(token, _SYMBOL_TO_CODE.get(token.lower(), token))


def decimal_votes(series: pd.Series) -> tuple[int, int]:
    """(values that only read with a decimal point, values that only read with a comma)."""
    check_time()
    if series.dtype.kind != "O" and series.dtype != "str":
        return (0, 0)
    t = arrow_text(series)
    # every vote needs a point or a comma, and the clean-up below only removes
    # characters: values without either (and missing ones) cannot vote
    marked = pc.or_(pc.match_substring(t, "."), pc.match_substring(t, ","))
    t = pc.filter(t, marked)
    if len(t) == 0:
        return (0, 0)
    t = pc.utf8_trim_whitespace(t)
    t = pc.replace_substring_regex(t, CURRENCY_RE, "")
    t = pc.replace_substring_regex(t, _SPACES_RE, "")
    t = pc.replace_substring_regex(t, "[()%+−-]", "")
    return (
        count_true(full_match(t, _VOTE_DOT)),
        count_true(full_match(t, _VOTE_COMMA)),
    )
