"""Human-readable money, number and percentage strings for cards, tables and tooltips."""

from __future__ import annotations

import math
from numbers import Real

#: English month names, January first: the one table the app reads and writes months with
#: (``MONTH_NAMES[m - 1]`` for month number ``m``; ``name[:3]`` is the short form).
MONTH_NAMES: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip

#: Shown wherever a figure is unknown (None, NaN, infinite).
MISSING = "—"
#: Typographic minus sign used for negative figures ("−$1,234.56").
MINUS = "\u2212"

_COMPACT_UNITS: tuple[tuple[float, str], ...] = (
    (1e12, "T"),
    (1e9, "B"),
    (1e6, "M"),
    (1e3, "K"),
)


def _finite(value: object) -> float | None:
    """``value`` as a finite float, or None when it is missing or not a number."""
    if value is None or isinstance(value, bool) or not isinstance(value, Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _shows_zero(digits: str) -> bool:
    """True when the rounded digits are all zeros ("0.00"), so no minus sign is shown."""
    return not any(char in "123456789" for char in digits)


def _sign(number: float, digits: str, text: str, signed: bool) -> str:
    """Prefix ``text`` (built from the absolute value's ``digits``) with − or, if ``signed``, +."""
    if _shows_zero(digits):
        return text
    if number < 0:
        return f"{MINUS}{text}"
    return f"+{text}" if signed else text


def _compact(magnitude: float) -> str | None:
    """``1234567`` → ``"1.23M"``; three significant digits. None below 1,000."""
    for index, (unit_size, suffix) in enumerate(_COMPACT_UNITS):
        if magnitude < unit_size:
            continue
        scaled = magnitude / unit_size
        decimals = 2 if scaled < 10 else 1 if scaled < 100 else 0
        text = f"{scaled:.{decimals}f}"
        if float(text) >= 1000 and index > 0:
            # 999,999 rounds to "1000K": show it in the next unit up instead.
            bigger_size, bigger_suffix = _COMPACT_UNITS[index - 1]
            return f"{magnitude / bigger_size:.2f}{bigger_suffix}"
        return f"{text}{suffix}"
    return None


def _attach_currency(digits: str, currency: str) -> str:
    """A symbol goes straight before the digits ("$1"); a letter code gets a space ("CHF 1")."""
    if not currency:
        return digits
    if currency.isalpha() and len(currency) > 1:
        return f"{currency} {digits}"
    return f"{currency}{digits}"


def format_money(
    value: object,
    currency: str | None = "$",
    *,
    compact: bool = False,
    decimals: int | None = None,
    signed: bool = False,
) -> str:
    """Format an amount of money for display.

    Parameters
    ----------
    value:
        The amount; None, NaN and infinities give ``"—"``.
    currency:
        Symbol ("$", "€") or code ("CHF"); None or "" for none.
    compact:
        ``True`` shortens amounts of 1,000 and more to three significant digits:
        ``"$1.23M"``, ``"$45.6K"``, ``"$999K"``.
    decimals:
        Fixed number of decimals; by default 2 below 1,000 and 0 from 1,000 up.
    signed:
        Show ``+`` on positive amounts (for changes); amounts that round to zero never
        carry a sign.

    Returns
    -------
    e.g. ``"$1,234"``, ``"$999.50"``, ``"−$1,234.56"`` (with ``decimals=2``), ``"€0.00"``.
    """
    number = _finite(value)
    if number is None:
        return MISSING
    magnitude = abs(number)
    digits = _compact(magnitude) if compact else None
    if digits is None:
        if decimals is None:
            places = 2 if round(magnitude, 2) < 1000 else 0
        else:
            places = decimals
        digits = f"{magnitude:,.{places}f}"
    return _sign(number, digits, _attach_currency(digits, currency or ""), signed)


def format_number(
    value: object,
    *,
    decimals: int = 0,
    compact: bool = False,
    signed: bool = False,
) -> str:
    """Format a count or quantity: ``"12,345"``, ``"−3"``, ``"1.50"``, ``"45.6K"``; None → ``"—"``."""
    number = _finite(value)
    if number is None:
        return MISSING
    magnitude = abs(number)
    digits = _compact(magnitude) if compact else None
    if digits is None:
        digits = f"{magnitude:,.{decimals}f}"
    return _sign(number, digits, digits, signed)


def format_pct(value: object, *, decimals: int = 1, signed: bool = False) -> str:
    """Format a fraction as a percentage: ``0.1247`` → ``"12.5%"``; None → ``"—"``.

    ``signed=True`` shows changes as ``"+4.0%"`` / ``"−2.5%"``.
    """
    number = _finite(value)
    if number is None:
        return MISSING
    digits = f"{abs(number) * 100:,.{decimals}f}%"
    return _sign(number, digits, digits, signed)


def format_points(value: object, *, decimals: int = 1) -> str:
    """Format a change in percentage points (already in points): ``1.5`` → ``"+1.5 pp"``."""
    number = _finite(value)
    if number is None:
        return MISSING
    digits = f"{abs(number):,.{decimals}f} pp"
    return _sign(number, digits, digits, True)
