"""The figure check: every number in a text must be one of the computed facts."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analytics.grounding.facts import (
    Fact,
)
from analytics.grounding.periods import (
    MONTH_RE,
)

#: Relative slack allowed when a reply rounds a figure beyond its shown precision.
RELATIVE_SLACK = 0.005

_DATE_PATTERNS = (
    re.compile(r"(?<![\w-])((?:19|20)\d{2})-\d{1,2}(?:-\d{1,2})?(?![\w-])"),
    re.compile(r"(?<![\w/])\d{1,2}/\d{1,2}/((?:19|20)?\d{2})(?![\w/])"),
    re.compile(
        r"\b" + MONTH_RE + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})\b",
        re.I,
    ),
    re.compile(
        r"\b\d{1,2}(?:st|nd|rd|th)?\s+" + MONTH_RE + r"\.?,?\s+((?:19|20)\d{2})\b",
        re.I,
    ),
)
_QUARTER_TOKEN = re.compile(r"\b[QqHh][1-4]\b")
_LIST_MARKER = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-*+])\s+")
_FIGURE = re.compile(
    r"(?<![\w.\-/−–,])"
    r"(?P<neg>[-−–]\s?)?(?P<plus>\+\s?)?"
    r"(?P<cur>(?:[$€£¥₹]|[A-Z]{3}\s)\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<suffix>\s?(?:%|pp\b|percentage points?\b|percent\b|per cent\b|"
    r"[kKmMbBtT](?![\w])|thousand\b|million\b|billion\b|bn\b|mn\b))?"
    r"(?![\w])"
)
_ZERO_WORD = re.compile(r"\b(?:zero|nil)\b", re.I)
_SCALES = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "mn": 1e6,
    "b": 1e9, "billion": 1e9, "bn": 1e9, "t": 1e12,
}  # fmt: skip
_PERCENT_SUFFIXES = (
    "%",
    "pp",
    "percentage point",
    "percentage points",
    "percent",
    "per cent",
)


@dataclass(frozen=True)
class Figure:
    text: str
    value: float
    tolerance: float
    percent: bool
    year_like: bool


def figures_in(text: str) -> list[Figure]:
    out: list[Figure] = []
    for match in _FIGURE.finditer(text):
        digits = match.group("num").replace(",", "")
        suffix = (match.group("suffix") or "").strip().lower()
        scale = _SCALES.get(suffix, 1.0)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = float(digits) * scale
        tolerance = 0.5 * 10**-decimals * scale
        percent = suffix in _PERCENT_SUFFIXES
        year_like = (
            not suffix
            and not match.group("cur")
            and decimals == 0
            and "," not in match.group("num")
            and 1900 <= value <= 2100
        )
        out.append(Figure(match.group(0).strip(), value, tolerance, percent, year_like))
    for match in _ZERO_WORD.finditer(text):
        out.append(Figure(match.group(0), 0.0, 0.0, False, False))
    return out


def _strip_names(text: str, names: Sequence[str]) -> str:
    lowered = text.lower()
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        key = name.lower()
        start = lowered.find(key)
        while start != -1:
            text = text[:start] + " " * len(key) + text[start + len(key) :]
            lowered = lowered[:start] + " " * len(key) + lowered[start + len(key) :]
            start = lowered.find(key, start + len(key))
    return text


def prepare_text(text: str, names: Sequence[str]) -> tuple[str, set[int]]:
    """``text`` without names, dates and quarter tokens; the years its dates held."""
    years: set[int] = set()
    text = _strip_names(text, names)
    text = text.replace("`", " ")
    for pattern in _DATE_PATTERNS:

        def keep_year(match: re.Match[str]) -> str:
            year = match.groups()[-1]
            if len(year) == 2:
                year = "20" + year
            years.add(int(year))
            return " "

        text = pattern.sub(keep_year, text)
    text = _QUARTER_TOKEN.sub(" ", text)
    return text, years


def _pool_fact(
    value: float | None, display: str, plain: list[float], percent: list[float]
) -> None:
    """Add a fact's value (when given) and every figure written in its display to the
    plain or percentage pool: a display ending in % holds a fraction shown ×100, one
    ending in pp percentage points."""
    is_percent = display.endswith("%") or display.endswith("pp")
    if value is not None:
        if display.endswith("%"):
            percent.append(abs(value) * 100)
        elif display.endswith("pp"):
            percent.append(abs(value))
        else:
            plain.append(abs(value))
    for figure in figures_in(display.replace("−", "-")):
        (percent if is_percent or figure.percent else plain).append(abs(figure.value))


def unsupported_figures(
    text: str,
    facts: Sequence[Fact | Mapping[str, Any]],
    *,
    allowed_text: Sequence[str] = (),
    years: Sequence[int] = (),
    names: Sequence[str] = (),
) -> list[str]:
    """Numbers in ``text`` that no fact supports (empty list: every figure checks out).

    A figure is supported when it matches a fact's value, or a number shown in a fact's
    display, to the precision it is written with (``1.2M`` matches 1,234,567; ``12.5%``
    matches 0.1247), allowing thousands separators, K/M/B suffixes, currency symbols,
    signs and ``RELATIVE_SLACK``; percentages are matched against percentage facts only.
    Numbers in ``allowed_text`` (the question, the templated answer) are allowed too, as
    are years in ``years`` and years of dates. ``names`` (SKU ids, categories) are
    removed first, so digits inside them are not read as figures; list markers
    ("1.") are ignored.
    """
    plain: list[float] = []
    percent: list[float] = []
    fact_names: list[str] = list(names)
    for fact in facts:
        item = fact.to_dict() if isinstance(fact, Fact) else dict(fact)
        value, display = item.get("value"), str(item.get("display") or "")
        if isinstance(value, str):
            fact_names.append(value)
            continue
        number = (
            float(value)
            if isinstance(value, (int, float)) and math.isfinite(float(value))
            else None
        )
        _pool_fact(number, display, plain, percent)
    allowed_years = set(int(y) for y in years)
    for extra in allowed_text:
        prepared, extra_years = prepare_text(str(extra), fact_names)
        allowed_years |= extra_years
        for figure in figures_in(prepared):
            (percent if figure.percent else plain).append(abs(figure.value))
            if figure.year_like:
                allowed_years.add(int(figure.value))
    plain_arr = np.asarray(plain, dtype="float64")
    percent_arr = np.asarray(percent, dtype="float64")

    prepared, date_years = prepare_text(_LIST_MARKER.sub(" ", text), fact_names)
    bad: list[str] = [str(y) for y in sorted(date_years - allowed_years)]
    for figure in figures_in(prepared):
        if figure.year_like and int(figure.value) in allowed_years:
            continue
        pool = percent_arr if figure.percent else plain_arr
        if pool.size:
            slack = figure.tolerance + RELATIVE_SLACK * pool + 1e-9
            if bool((np.abs(pool - figure.value) <= slack).any()):
                continue
        bad.append(figure.text)
    return bad


# --------------------------------------------------------------------------- the model


_SEGMENT = re.compile(r"(?<=[.!?;])\s+|\n+")


def _mention(name: str) -> re.Pattern[str]:
    """Where ``name`` is written; a name made of digits (store 20, SKU 22423) only where
    it is not part of a figure ($1,209.20, 20%)."""
    if re.search(r"[^\W\d_]", name):
        return re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", re.I)
    return re.compile(
        r"(?<![\w$€£¥₹.,+\-−])" + re.escape(name) + r"(?![\w%]|[.,]\d|\s?[kKmMbB]\b)"
    )


def misplaced_figures(
    text: str,
    facts: Sequence[Fact | Mapping[str, Any]],
    names: Sequence[str],
) -> list[tuple[str, str, str]]:
    """Figures written next to a name whose facts do not hold them.

    ``names`` are the entities the answer speaks about (SKUs, categories, regions...).
    Each fact belongs to the longest name its label contains (or to none). In each
    sentence or line of ``text``, a figure belongs to the name written before it (or,
    before the first name, to that first name). A figure that matches a fact of another
    name, and no fact of its own name or of no name, is misplaced.

    Returns ``(figure, name beside it, name it belongs to)`` for each; figures that match
    no fact at all are left to :func:`unsupported_figures`.
    """
    entities = sorted({n for n in names if n and n.strip()}, key=len, reverse=True)
    if not entities:
        return []
    patterns = {n: _mention(n) for n in entities}
    wordy = [n for n in entities if re.search(r"[^\W\d_]", n)]
    pools: dict[str | None, tuple[list[float], list[float]]] = {}
    for fact in facts:
        item = fact.to_dict() if isinstance(fact, Fact) else dict(fact)
        value, display = item.get("value"), str(item.get("display") or "")
        if isinstance(value, str) or value is None:
            continue
        owner = next(
            (n for n in entities if patterns[n].search(str(item.get("label")))), None
        )
        plain, percent = pools.setdefault(owner, ([], []))
        _pool_fact(float(value), display, plain, percent)

    def holds(owner: str | None, figure: Figure, loose: bool) -> bool:
        plain, percent = pools.get(owner, ([], []))
        pool = np.asarray(percent if figure.percent else plain, dtype="float64")
        if not pool.size:
            return False
        slack = figure.tolerance + (RELATIVE_SLACK * pool if loose else 0.0) + 1e-9
        return bool((np.abs(pool - figure.value) <= slack).any())

    bad: list[tuple[str, str, str]] = []
    for segment in _SEGMENT.split(_LIST_MARKER.sub(" ", text)):
        mentions: list[tuple[int, int, str]] = []
        taken = segment
        for name in entities:
            for match in patterns[name].finditer(taken):
                mentions.append((match.start(), match.end(), name))
                taken = (
                    taken[: match.start()]
                    + " " * (match.end() - match.start())
                    + taken[match.end() :]
                )
        if not mentions:
            continue
        mentions.sort()
        for index, (_, end, name) in enumerate(mentions):
            stop = mentions[index + 1][0] if index + 1 < len(mentions) else None
            chunk = segment[end:stop]
            if index == 0:
                chunk = segment[: mentions[0][0]] + " " + chunk
            prepared, _ = prepare_text(chunk, wordy)
            others = [n for n in pools if n not in (None, name)]
            for figure in figures_in(prepared):
                if figure.year_like:
                    continue
                # Written to its precision first; the rounding slack only when no
                # name holds the figure exactly (two close figures stay told apart).
                for loose in (False, True):
                    if holds(name, figure, loose) or holds(None, figure, loose):
                        break
                    owner = next((n for n in others if holds(n, figure, loose)), None)
                    if owner is not None:
                        bad.append((figure.text, name, owner))
                        break
    return bad
