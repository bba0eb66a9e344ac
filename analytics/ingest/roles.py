"""Which column plays which role: scored from header words and the values' profile.

Every column gets a :class:`ColumnProfile` from a spread sample of its values (how many
read as numbers or dates, integers, percentages, codes, distinct values, …). Each
(column, role) pair is scored from the header (synonyms in English and common European
languages, with stronger scores for specific phrases such as ``Unit Price`` than for
generic words such as ``Price``) and gated by the values (a revenue column must hold
amounts, a date column dates). Words that mark a column as something else (CPI,
temperature, fuel price, unemployment, postcode, year, id, rate, discount, store…)
exclude it from money roles, and so do rates (:func:`is_ratio`: margin, markup, rate,
ratio, %, share headers, or fractions under a profit/discount/tax header). Headers of
legacy programs (``stcmtlig``) are read without a prefix shared by every column and with
abbreviations spelled out. Roles are then assigned greedily, best score first, one
column per role. When no header names revenue, the one plausible amount column is used
with a low confidence (e.g. Prophet's ``ds``/``y``).

Profiles and legacy headers: :mod:`analytics.ingest.profiles`; header words and synonyms:
:mod:`analytics.ingest.role_words`; rates and ratios: :mod:`analytics.ingest.ratios`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analytics.ingest.profiles import ColumnProfile
from analytics.ingest.ratios import is_ratio
from analytics.ingest.role_words import (
    COUNT_WORDS,
    GENERIC_ORDER,
    GROSS,
    LESS_PREFERRED_DATE,
    NET,
    NOT_CUSTOMER,
    NOT_MONEY,
    NOT_PRODUCT,
    ORDER_NAME,
    PERSONAL,
    PRICE_RATES,
    TAX_INCLUDED,
    money_words,
    name_score,
    normalise_header,
)
from analytics.metrics.periods import MONTH_WORDS_PATTERN
from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
    DATE,
    ORDER,
    PROFIT,
    QUANTITY,
    REVENUE,
    ROLE_LABELS,
    ROLES,
    SKU,
    UNIT_PRICE,
)

MIN_CONFIDENCE = 0.35
#: Header score from which the header wins over values that look like ids or years.
STRONG_NAME = 0.8
NUMERIC_ROLES = (REVENUE, COST, PROFIT, QUANTITY, UNIT_PRICE)
TEXT_ROLES = (SKU, CATEGORY, CUSTOMER, ORDER)


def _is_date(p: ColumnProfile) -> bool:
    return p.is_datetime or p.date_share >= 0.6


def _is_amount(p: ColumnProfile) -> bool:
    return (
        p.present > 0
        and p.number_share >= 0.8
        and p.date_share < 0.6
        and not p.is_datetime
    )


def score(p: ColumnProfile, role: str) -> float:
    """Score in 0..1 that column ``p`` plays ``role``."""
    s = name_score(p.norm, role)
    if role == DATE:
        if not _is_date(p):
            return 0.0
        if s == 0.0:
            s = 0.5 if p.date_share >= 0.9 else 0.0
        if LESS_PREFERRED_DATE.search(p.norm):
            s -= 0.25
        return max(s, 0.0) * (0.6 + 0.4 * min(p.date_share, 1.0))
    if role in NUMERIC_ROLES:
        core = money_words(p.norm)
        if core != p.norm:
            s = max(s, name_score(core, role))
        if s == 0.0 or not _is_amount(p) or p.leading_zero:
            return 0.0
        if is_ratio(p) and not (role == UNIT_PRICE and p.norm in PRICE_RATES):
            return 0.0
        excluded = NOT_MONEY.search(core)
        if role == UNIT_PRICE and p.norm in PRICE_RATES:
            excluded = None
        if excluded and s < 0.95:
            return 0.0
        if excluded and role != QUANTITY and excluded.group(0) not in ("no", "number"):
            return 0.0
        if role != QUANTITY and s < 0.95 and COUNT_WORDS.search(p.norm):
            return 0.0
        if p.percent:
            return 0.0
        lookalike = (
            p.sequential
            or (p.year_like and role != QUANTITY)
            or (role in (REVENUE, COST, PROFIT) and p.binary)
        )
        if lookalike:
            # values that look like row ids, years or flags: only a header that names
            # the role keeps the column, ranked below any other candidate
            if s < STRONG_NAME or excluded:
                return 0.0
            s *= 0.6
        if role == REVENUE and (GROSS.search(p.norm) or TAX_INCLUDED.search(p.norm)):
            s -= 0.1
        if role == QUANTITY:
            s *= 0.7 + 0.3 * p.integer_share
        if role in (REVENUE, COST, UNIT_PRICE) and p.negative_share > 0.5:
            s *= 0.7
        return s * (0.7 + 0.3 * p.number_share)
    if p.present == 0:
        return 0.0
    if s > 0.0:
        # a column filled on only some rows (order fields on an order's first line)
        s *= 0.5 + 0.5 * p.filled
    if role == SKU:
        if s == 0.0 or NOT_PRODUCT.search(p.norm) or _is_date(p):
            return 0.0
        if p.number_share >= 0.9 and p.integer_share < 1.0:
            return 0.0
        if name_score(p.norm, SKU) < 0.7 and p.present >= 20 and p.distinct_ratio > 0.9:
            # a different description on every row (order notes), not products
            return 0.0
        # codes beat names: a code-like column gets a bonus, a description a penalty
        return s + 0.05 * p.code_share - 0.1 * p.space_share * (1 if s < 0.95 else 0)
    if role == CATEGORY:
        if s == 0.0 or _is_date(p) or (p.number_share >= 0.9 and not p.leading_zero):
            return 0.0
        if p.distinct < 2 and p.present >= 10 and name_score(p.norm, CATEGORY) < 0.9:
            return 0.0
        if p.distinct_ratio > 0.5 and p.distinct > 50:
            s *= 0.5
        return s
    if role == CUSTOMER:
        if s == 0.0 or _is_date(p) or NOT_CUSTOMER.search(p.norm):
            return 0.0
        if p.number_share >= 0.9 and p.integer_share < 1.0:
            return 0.0
        return s + 0.02 * p.code_share
    if role == ORDER:
        return _order_score(p, s)
    return 0.0


def _order_score(p: ColumnProfile, s: float) -> float:
    """An order / invoice id: text or whole numbers; a generic transaction key only
    when lines repeat it (otherwise each line is its own transaction, not an order)."""
    if s == 0.0 or _is_date(p) or p.binary:
        return 0.0
    if p.number_share >= 0.9 and p.integer_share < 1.0:
        return 0.0
    named = name_score(p.norm, ORDER)
    if named <= GENERIC_ORDER and p.distinct_ratio >= 0.98:
        return 0.0
    if named == ORDER_NAME and (
        p.space_share > 0.05 or p.mean_length > 12 or p.number_share > 0.5
    ):
        return 0.0
    return s


@dataclass
class Detection:
    """Detected mapping, per-role confidence, and sentences explaining choices."""

    mapping: dict[str, str | None]
    confidence: dict[str, float]
    assumptions: list[str] = field(default_factory=list)


def detect_roles(profiles: list[ColumnProfile]) -> Detection:
    """Assign roles to columns from their profiles (see the module docstring)."""
    pairs = []
    for p in profiles:
        for role in ROLES:
            s = score(p, role)
            if s >= MIN_CONFIDENCE:
                pairs.append((round(s, 6), -p.position, role, p))
    pairs.sort(key=lambda t: (t[0], t[1]), reverse=True)
    mapping: dict[str, str | None] = {role: None for role in ROLES}
    confidence: dict[str, float] = {}
    used: set[str] = set()
    for s, _, role, p in pairs:
        if mapping[role] is None and p.name not in used:
            mapping[role] = p.name
            confidence[role] = round(min(s, 1.0), 3)
            used.add(p.name)
    assumptions: list[str] = []
    by_name = {p.name: p for p in profiles}
    if mapping[DATE] is None:
        fallback = [
            p
            for p in profiles
            if p.name not in used and _is_date(p) and p.date_share >= 0.8
        ]
        if fallback:
            p = max(fallback, key=lambda q: (q.date_share, -q.position))
            mapping[DATE] = p.name
            confidence[DATE] = 0.4
            used.add(p.name)
            assumptions.append(
                f"Used '{p.name}' as the date: it is the column that holds dates."
            )
    if mapping[REVENUE] is None and not (mapping[QUANTITY] and mapping[UNIT_PRICE]):
        expenses = any(
            _EXPENSE_LABEL.match(p.norm) and p.number_share < 0.5 for p in profiles
        )
        fallback = [
            p
            for p in profiles
            if not expenses
            and p.name not in used
            and _is_amount(p)
            and not NOT_MONEY.search(p.norm)
            and not (
                p.percent or p.sequential or p.year_like or p.binary or p.leading_zero
            )
            and not is_ratio(p)
            and not _MONTH_HEADER.match(p.norm)
            and p.distinct > 2
        ]
        if fallback:
            p = max(fallback, key=lambda q: q.mean_abs)
            mapping[REVENUE] = p.name
            confidence[REVENUE] = 0.5 if len(fallback) == 1 else 0.3
            used.add(p.name)
            why = (
                "it is the only amount column"
                if len(fallback) == 1
                else "it holds the largest amounts"
            )
            assumptions.append(
                f"No column is named like revenue; used '{p.name}' as revenue because {why}."
            )
    _prefer_line_amounts(mapping, confidence, by_name, assumptions)
    spelled = [
        f"'{name}' as {by_name[name].norm} ({role_label(role)})"
        for role, name in mapping.items()
        if name and by_name[name].norm != normalise_header(name)
    ]
    if spelled:
        assumptions.append("Read abbreviated headers: " + "; ".join(spelled) + ".")
    revenue = mapping[REVENUE]
    if revenue:
        others = [
            p.name
            for p in profiles
            if p.name != revenue
            and name_score(money_words(p.norm), REVENUE) >= 0.75
            and _is_amount(p)
            and not NOT_MONEY.search(money_words(p.norm))
        ]
        gross = [
            n
            for n in others
            if GROSS.search(by_name[n].norm) or TAX_INCLUDED.search(by_name[n].norm)
        ]
        taxed = [n for n in gross if TAX_INCLUDED.search(by_name[n].norm)]
        if taxed:
            assumptions.append(
                f"Used '{revenue}' as revenue rather than '{taxed[0]}' (without tax, not "
                "the total including it)."
            )
        elif gross:
            assumptions.append(
                f"Used '{revenue}' as revenue rather than '{gross[0]}' (the net amount "
                "after discounts, returns or fees, not gross)."
            )
        elif others and NET.search(by_name[revenue].norm):
            assumptions.append(
                f"Used '{revenue}' as revenue rather than '{others[0]}' (the net amount, "
                "after fees, discounts or refunds)."
            )
        elif others:
            assumptions.append(
                f"Used '{revenue}' as revenue; '{others[0]}' also looks like an amount."
            )
    return Detection(mapping, confidence, assumptions)


#: Revenue filled on fewer rows than this share, while quantity and unit price are
#: filled on nearly every row, is an order-level amount (on each order's first line).
_SPARSE_REVENUE = 0.8


def _prefer_line_amounts(
    mapping: dict[str, str | None],
    confidence: dict[str, float],
    by_name: dict[str, ColumnProfile],
    assumptions: list[str],
) -> None:
    """Use quantity × unit price when the revenue column holds order totals on some lines.

    Shop exports with one row per line item (Shopify, many carts) write order fields such
    as ``Total`` on the first line of each order only; taking that column would set every
    other line aside and lose its product.
    """
    revenue, quantity, price = mapping[REVENUE], mapping[QUANTITY], mapping[UNIT_PRICE]
    if not (revenue and quantity and price):
        return
    rev, qty, unit = by_name[revenue], by_name[quantity], by_name[price]
    if rev.filled >= _SPARSE_REVENUE or min(qty.filled, unit.filled) < 0.95:
        return
    mapping[REVENUE] = None
    confidence.pop(REVENUE, None)
    assumptions.append(
        f"Revenue is {quantity} × {price}: '{revenue}' is filled on only "
        f"{rev.filled:.0%} of the rows (an order amount on the first line of each "
        "order), so every line's own amount is used."
    )


#: A label column headed like this lists expenses: its numbers are costs, never sales.
_EXPENSE_LABEL = re.compile(
    r"^(?:operating |operation |operational |business |monthly )?"
    r"(?:expenses|expense|costs|overheads|expenditure|expenditures)$"
)
#: A header that is just a month name: one period's amounts, never the table's revenue.
_MONTH_HEADER = re.compile(rf"^(?:{MONTH_WORDS_PATTERN})$")


def describe_non_sales(profiles: list[ColumnProfile]) -> str:
    """Explain (for an error message) what a file without dates or amounts seems to be."""
    if any(_EXPENSE_LABEL.match(p.norm) and p.number_share < 0.5 for p in profiles):
        return "the sheet lists expenses (costs), not sales"
    personal = sum(bool(PERSONAL.search(p.norm)) for p in profiles)
    productish = sum(
        bool(name_score(p.norm, SKU) or name_score(p.norm, UNIT_PRICE))
        for p in profiles
    )
    if personal >= 2:
        return "the file seems to be a customer or contact list"
    counts = [p.name for p in profiles if name_score(p.norm, QUANTITY) >= STRONG_NAME]
    if counts and not any(name_score(p.norm, UNIT_PRICE) for p in profiles):
        return (
            f"it has quantities ('{counts[0]}') but no amounts or prices, so revenue "
            "cannot be worked out"
        )
    if productish >= 1:
        return "the file seems to be a product list or price list"
    return "the file does not look like sales data"


def role_label(role: str) -> str:
    """Human label of a role for messages."""
    return ROLE_LABELS.get(role, role)
