"""Rate and ratio columns (margin, markup, share, %): never money, but a margin or markup
rate gives profit when the file has neither a profit nor a cost amount."""

from __future__ import annotations

import re

import pandas as pd

from analytics.ingest.profiles import ColumnProfile
from analytics.schema import COST, PROFIT

#: Header words of a rate, ratio or share (never a money amount).
_RATIO_WORDS = re.compile(
    r"\b(margin|margins|markup|mark up|rate|rates|ratio|ratios|percent|percentage|pct|"
    r"share|marge|aufschlag|quote|anteil|taux|tasa|porcentaje|tasso|percentuale)\b"
)
#: Header words that say a column holds money even though it names a margin.
_AMOUNT_WORDS = re.compile(
    r"\b(amount|amt|value|sum|dollars?|euros?|betrag|montant|importe|importo|"
    r"usd|eur|gbp|cad|aud|chf|jpy|nzd|sek|nok|dkk|pln|inr|"
    r"nc|gc|sc|pc|currency|ccy)\b"
)
#: Headers whose fraction-valued columns are rates (profit margin, discount, tax,
#: commission), whatever else the header says.
_RATE_SUBJECT = re.compile(
    r"\b(profit|margin|markup|discount|disc|tax|vat|gst|commission|"
    r"gewinn|rabatt|remise|descuento|beneficio|marge)\b"
)
_MARKUP = re.compile(r"\b(markup|mark up|aufschlag)\b")
_MARGIN = re.compile(r"\b(margin|margins|marge|profit|gewinn|beneficio)\b")
#: A header that names a percentage (``Margin %``, ``margin_pct``).
_PERCENT_HEADER = re.compile(r"\b(percent|percentage|pct)\b")


def is_ratio(p: ColumnProfile) -> bool:
    """Whether a numeric column holds rates or ratios rather than money.

    A header saying margin, markup, rate, ratio, %, pct, percent or share (without
    ``amount``/``value``), percentages written with ``%``, or fractions within −1..1
    under a header naming a profit, margin, discount, tax or commission. A ``Gross
    Margin`` whose values reach past ±100 cannot be a rate and stays money.
    """
    if p.present == 0 or p.number_share < 0.8:
        return False
    if p.percent:
        return True
    if _AMOUNT_WORDS.search(p.norm):
        # "Markup (NC)", "Commission USD": money in a currency, however small
        return False
    fractions = p.max_abs <= 1.0 and p.integer_share < 1.0
    if fractions and _RATE_SUBJECT.search(p.norm):
        return True
    if not _RATIO_WORDS.search(p.norm):
        return False
    if _MARGIN.search(p.norm) and not _PERCENT_HEADER.search(p.norm):
        return p.max_abs <= 100.0
    return True


def ratio_scale(p: ColumnProfile) -> float | None:
    """Factor turning a ratio column's numbers into fractions (1 or 0.01); None when
    the values cannot be a ratio of that kind (a "margin" of 250)."""
    if p.percent or (p.max_abs <= 1.0 and not _PERCENT_HEADER.search(p.norm)):
        return 1.0
    limit = 1000.0 if _MARKUP.search(p.norm) else 100.0
    if (
        _MARKUP.search(p.norm)
        and p.max_abs <= 5.0
        and not _PERCENT_HEADER.search(p.norm)
    ):
        return 1.0
    if p.max_abs <= limit:
        return 0.01
    return None


def profit_ratio(
    profiles: list[ColumnProfile], mapping: dict[str, str | None]
) -> dict[str, object] | None:
    """The margin or markup column to derive profit from, when the file has neither a
    profit nor a cost amount: ``{"column", "kind" ("margin"/"markup"), "scale"}``.

    Only a column whose header names a margin, markup or profit and whose values read
    as a ratio; none when several such columns compete (a doubtful profit is worse than
    none).
    """
    if mapping.get(PROFIT) or mapping.get(COST):
        return None
    used = {c for c in mapping.values() if c}
    found = []
    for p in profiles:
        if p.name in used or not is_ratio(p):
            continue
        if _AMOUNT_WORDS.search(p.norm):
            continue
        kind = (
            "markup"
            if _MARKUP.search(p.norm)
            else "margin"
            if _MARGIN.search(p.norm)
            else None
        )
        scale = ratio_scale(p) if kind else None
        if kind and scale is not None:
            found.append({"column": p.name, "kind": kind, "scale": scale})
    return found[0] if len(found) == 1 else None


def profit_from_ratio(
    ratio: pd.Series, revenue: pd.Series, spec: dict[str, object]
) -> tuple[pd.Series, pd.Series, str]:
    """``(cost, profit, sentence)`` per line from a margin or markup ``ratio`` column
    (parsed numbers) and each line's revenue (see :func:`profit_ratio`).

    Margin: profit = revenue × margin. Markup (on cost): cost = revenue / (1 + markup),
    profit = revenue − cost.
    """
    rate = ratio * float(spec["scale"])  # type: ignore[arg-type]
    name = spec["column"]
    scaled = " (read as percentages)" if spec["scale"] != 1.0 else ""
    if spec["kind"] == "markup":
        cost = revenue / (1.0 + rate)
        profit = revenue - cost
        sentence = (
            f"Profit = Sales − Sales / (1 + {name}), per line: '{name}' is a markup on "
            f"cost{scaled}, and the file has no profit or cost amount."
        )
    else:
        profit = revenue * rate
        cost = revenue - profit
        sentence = (
            f"Profit = Sales × {name}, per line: '{name}' is a margin (a ratio, not an "
            f"amount){scaled}, and the file has no profit or cost amount."
        )
    return cost, profit, sentence
