"""Human-readable money, number, percentage and date strings for cards, tables, charts,
exports and the report, in the reader's locale.

Figures never change with the locale, only how they are written: ``1234.5`` in euros is
``€1,234.50`` for ``en-US`` and ``1.234,50 €`` for ``de-DE``. The locale is a parameter of
every function; left out, it is the one in force for the current request
(:func:`use_locale` / :func:`set_current_locale`, set by the web layer from the user's
setting, the browser's ``Accept-Language`` or ``DEFAULT_LOCALE``), else ``en-US``.
Separators, symbol placement, month names and date patterns come from the CLDR data
shipped with Babel.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import re
from collections.abc import Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import lru_cache
from numbers import Real

import babel
import babel.dates

#: Shown wherever a figure is unknown (None, NaN, infinite).
MISSING = "—"
#: Typographic minus sign used for negative figures ("−$1,234.56").
MINUS = "\u2212"

#: The locale used when none is chosen or the chosen one is unknown.
FALLBACK_LOCALE = "en-US"

#: Locales offered by the dashboard's "Number format" setting (any CLDR locale works
#: through ``Accept-Language``, ``DEFAULT_LOCALE`` or ``?locale=``).
LOCALE_CHOICES: tuple[tuple[str, str], ...] = (
    ("en-US", "English (US) · 1,234.56"),
    ("en-GB", "English (UK) · 1,234.56"),
    ("de-DE", "Deutsch · 1.234,56"),
    ("de-CH", "Deutsch (Schweiz) · 1’234.56"),
    ("fr-FR", "Français · 1 234,56"),
    ("es-ES", "Español · 1.234,56"),
    ("it-IT", "Italiano · 1.234,56"),
    ("nl-NL", "Nederlands · 1.234,56"),
    ("pt-BR", "Português (Brasil) · 1.234,56"),
    ("sv-SE", "Svenska · 1 234,56"),
    ("pl-PL", "Polski · 1 234,56"),
    ("ja-JP", "日本語 · 1,234.56"),
)

_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,2}$")


@dataclass(frozen=True)
class NumberLocale:
    """How one locale writes numbers, money, percentages and dates.

    ``decimal``/``group`` are the separators; money puts the currency before the digits
    when ``currency_first`` (a letter code always gets a space, a symbol gets one when
    ``currency_space``); ``percent_space`` writes "12,5 %". ``day_pattern`` and
    ``month_pattern`` are CLDR patterns ("d. MMM y", "MMM y"); ``months`` and
    ``short_months`` January first; ``days`` and ``short_days`` Sunday first (as Plotly
    wants them).
    """

    tag: str
    decimal: str
    group: str
    currency_first: bool
    currency_space: bool
    percent_space: bool
    day_pattern: str
    month_pattern: str
    months: tuple[str, ...]
    short_months: tuple[str, ...]
    days: tuple[str, ...]
    short_days: tuple[str, ...]

    @property
    def separators(self) -> str:
        """Plotly's ``layout.separators``: the decimal then the thousands separator."""
        return self.decimal + self.group


def _babel_locale(tag: str) -> babel.Locale | None:
    """The Babel locale for ``de-DE`` / ``de_DE`` / ``de``; None when unknown."""
    if not isinstance(tag, str) or not _TAG_RE.match(tag.strip()):
        return None
    try:
        return babel.Locale.parse(tag.strip().replace("-", "_"))
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return None


def normalise_locale(tag: object) -> str | None:
    """``"de_de"`` → ``"de-DE"``; None for anything that is not a known locale."""
    found = _babel_locale(tag) if isinstance(tag, str) else None
    if found is None or found.language == "und":  # "undetermined": no locale at all
        return None
    return "-".join(part for part in (found.language, found.territory) if part)


@lru_cache(maxsize=128)
def _build(tag: str) -> NumberLocale:
    found = _babel_locale(tag) or babel.Locale.parse("en_US")
    symbols = found.number_symbols.get("latn") or found.number_symbols.get(None) or {}
    money = found.currency_formats["standard"].pattern.split(";")[0]
    percent = found.percent_formats[None].pattern.split(";")[0]
    digits_at = money.find("#") if "#" in money else money.find("0")
    symbol_at = money.find("¤")
    between = money[min(digits_at, symbol_at) : max(digits_at, symbol_at)]
    wide = found.months["format"]["wide"]
    short = found.months["format"]["abbreviated"]
    days = found.days["format"]["wide"]
    short_days = found.days["format"]["abbreviated"]
    sunday_first = (6, 0, 1, 2, 3, 4, 5)
    return NumberLocale(
        tag="-".join(part for part in (found.language, found.territory) if part),
        decimal=symbols.get("decimal", "."),
        group=symbols.get("group", ","),
        currency_first=0 <= symbol_at < digits_at,
        currency_space=any(c.isspace() for c in between.replace("¤", "")),
        percent_space=any(c.isspace() for c in percent),
        day_pattern=found.datetime_skeletons["yMMMd"].pattern,
        month_pattern=found.datetime_skeletons["yMMM"].pattern,
        months=tuple(wide[m] for m in range(1, 13)),
        short_months=tuple(short[m] for m in range(1, 13)),
        days=tuple(days[d] for d in sunday_first),
        short_days=tuple(short_days[d] for d in sunday_first),
    )


def get_locale(tag: NumberLocale | str | None = None) -> NumberLocale:
    """The :class:`NumberLocale` for ``tag``; None gives the current one (see module doc);
    an unknown tag gives ``en-US``."""
    if isinstance(tag, NumberLocale):
        return tag
    if tag is None:
        return current_locale()
    return _build(normalise_locale(tag) or FALLBACK_LOCALE)


_CURRENT: ContextVar[NumberLocale | None] = ContextVar(
    "smbrc_number_locale", default=None
)


_DEFAULT = _build(FALLBACK_LOCALE)


def current_locale() -> NumberLocale:
    """The locale in force for this request or task (``en-US`` unless set)."""
    return _CURRENT.get() or _DEFAULT


def set_current_locale(tag: NumberLocale | str | None) -> Token:
    """Make ``tag`` the current locale (None → ``en-US``); reset with :func:`reset_locale`."""
    return _CURRENT.set(get_locale(tag or FALLBACK_LOCALE))


def reset_locale(token: Token) -> None:
    _CURRENT.reset(token)


@contextlib.contextmanager
def use_locale(tag: NumberLocale | str | None) -> Iterator[NumberLocale]:
    """``with use_locale("de-DE"):`` every format function defaults to German."""
    token = set_current_locale(tag)
    try:
        yield current_locale()
    finally:
        _CURRENT.reset(token)


def _accepted(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, most wanted first (q=0 dropped)."""
    ranked = []
    for index, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _q, _i, tag in sorted(ranked)]


def resolve_locale(
    choice: object = None,
    accept_language: str | None = None,
    default: str | None = None,
) -> str:
    """The locale tag to use: the user's ``choice`` (a setting) when it is a known
    locale, else the first known language of the browser's ``Accept-Language``, else
    ``default`` (the ``DEFAULT_LOCALE`` setting), else ``en-US``."""
    if isinstance(choice, str) and choice and choice != "auto":
        found = normalise_locale(choice)
        if found:
            return found
    for tag in _accepted(accept_language or ""):
        found = normalise_locale(tag)
        if found:
            return found
    return normalise_locale(default) or FALLBACK_LOCALE


def _localise(digits: str, locale: NumberLocale) -> str:
    """Digits written with "," groups and "." decimals, in ``locale``'s separators."""
    if locale.decimal == "." and locale.group == ",":
        return digits
    return (
        digits.replace(",", "\0")
        .replace(".", locale.decimal)
        .replace("\0", locale.group)
    )


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


def _attach_currency(digits: str, currency: str, locale: NumberLocale) -> str:
    """Put the currency where ``locale`` writes it: "$1" / "CHF 1" (en-US), "1 €" /
    "1 CHF" (de-DE); a letter code always gets a (no-break) space."""
    if not currency:
        return digits
    code = currency.isalpha() and len(currency) > 1
    space = "\u00a0" if code or locale.currency_space else ""
    if code and locale.currency_first and locale.tag == FALLBACK_LOCALE:
        space = " "
    if locale.currency_first:
        return f"{currency}{space}{digits}"
    return f"{digits}{space}{currency}"


def money_affixes(
    currency: str | None, locale: NumberLocale | str | None = None
) -> tuple[str, str]:
    """The text before and after an amount's digits (for chart ticks and hover):
    ``("$", "")`` in en-US, ``("", " €")`` in de-DE."""
    if not currency:
        return "", ""
    marked = _attach_currency("\x00", currency, get_locale(locale))
    before, _, after = marked.partition("\x00")
    return before, after


def format_money(
    value: object,
    currency: str | None = "$",
    *,
    compact: bool = False,
    decimals: int | None = None,
    signed: bool = False,
    locale: NumberLocale | str | None = None,
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
    locale:
        A tag ("de-DE") or :class:`NumberLocale`; by default the current one.

    Returns
    -------
    e.g. ``"$1,234"``, ``"$999.50"``, ``"−$1,234.56"`` (with ``decimals=2``), ``"€0.00"``;
    in de-DE ``"1.234,56 €"``, ``"−1.234,56 €"``.
    """
    number = _finite(value)
    if number is None:
        return MISSING
    where = get_locale(locale)
    magnitude = abs(number)
    digits = _compact(magnitude) if compact else None
    if digits is None:
        if decimals is None:
            places = 2 if round(magnitude, 2) < 1000 else 0
        else:
            places = decimals
        digits = f"{magnitude:,.{places}f}"
    text = _attach_currency(_localise(digits, where), currency or "", where)
    return _sign(number, digits, text, signed)


def format_number(
    value: object,
    *,
    decimals: int = 0,
    compact: bool = False,
    signed: bool = False,
    locale: NumberLocale | str | None = None,
) -> str:
    """Format a count or quantity: ``"12,345"``, ``"−3"``, ``"1.50"``, ``"45.6K"``; None → ``"—"``.

    In de-DE: ``"12.345"``, ``"1,50"``."""
    number = _finite(value)
    if number is None:
        return MISSING
    magnitude = abs(number)
    digits = _compact(magnitude) if compact else None
    if digits is None:
        digits = f"{magnitude:,.{decimals}f}"
    return _sign(number, digits, _localise(digits, get_locale(locale)), signed)


def format_pct(
    value: object,
    *,
    decimals: int = 1,
    signed: bool = False,
    locale: NumberLocale | str | None = None,
) -> str:
    """Format a fraction as a percentage: ``0.1247`` → ``"12.5%"`` (de-DE ``"12,5 %"``);
    None → ``"—"``.

    ``signed=True`` shows changes as ``"+4.0%"`` / ``"−2.5%"``.
    """
    number = _finite(value)
    if number is None:
        return MISSING
    where = get_locale(locale)
    digits = f"{abs(number) * 100:,.{decimals}f}"
    sign = "\u00a0%" if where.percent_space else "%"
    return _sign(number, digits, _localise(digits, where) + sign, signed)


def format_points(
    value: object, *, decimals: int = 1, locale: NumberLocale | str | None = None
) -> str:
    """Format a change in percentage points (already in points): ``1.5`` → ``"+1.5 pp"``."""
    number = _finite(value)
    if number is None:
        return MISSING
    digits = f"{abs(number):,.{decimals}f}"
    return _sign(number, digits, _localise(digits, get_locale(locale)) + " pp", True)


# -- dates -------------------------------------------------------------------------------

#: CLDR skeletons of the date styles: a day ("3 Jan 2017"), a month ("Jan 2017").
_DATE_STYLES = {"day": "day_pattern", "month": "month_pattern"}


def _as_date(value: object) -> _dt.date | None:
    """A date from a date, datetime, pandas Timestamp or ISO string; None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, _dt.datetime):
        return None if value != value else value.date()  # NaT compares unequal
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def format_date(
    value: object, style: str = "day", *, locale: NumberLocale | str | None = None
) -> str:
    """Write a date for reading: style ``"day"`` → ``"Jan 3, 2017"`` (en-US),
    ``"3. Jan. 2017"`` (de-DE); ``"month"`` → ``"Jan 2017"``. Missing → ``"—"``.

    Accepts dates, datetimes, pandas Timestamps and ISO strings ("2017-01-03").
    """
    day = _as_date(value)
    if day is None:
        return MISSING
    where = get_locale(locale)
    pattern = getattr(where, _DATE_STYLES.get(style, "day_pattern"))
    return babel.dates.format_date(
        day, format=pattern, locale=where.tag.replace("-", "_")
    )


def format_date_range(
    start: object, end: object, *, locale: NumberLocale | str | None = None
) -> str:
    """``"Jan 3, 2014 to Dec 30, 2017"``; one date when both are the same day."""
    first, last = format_date(start, locale=locale), format_date(end, locale=locale)
    return first if first == last else f"{first} to {last}"


def format_month_span(
    label: object, *, locale: NumberLocale | str | None = None
) -> str:
    """A month or a run of months written ``YYYY-MM`` / ``YYYY-MM..YYYY-MM`` (as
    ``analytics.metrics`` labels growth periods), for reading: ``"Dec 2025"``,
    ``"Oct 2025 – Dec 2025"`` (de-DE ``"Okt. 2025 – Dez. 2025"``). Anything else is
    returned as it is."""
    if not isinstance(label, str):
        return MISSING if label is None else str(label)
    parts = label.split("..")
    if len(parts) > 2 or not all(re.fullmatch(r"\d{4}-\d{2}", p) for p in parts):
        return label
    months = [format_date(f"{p}-01", "month", locale=locale) for p in parts]
    return label if MISSING in months else " – ".join(months)


#: CLDR pattern letters → d3-time-format directives (Plotly's axis and hover dates).
_D3_FIELDS = {
    "yyyy": "%Y", "yy": "%y", "y": "%Y", "MMMM": "%B", "LLLL": "%B", "MMM": "%b",
    "LLL": "%b", "MM": "%m", "LL": "%m", "M": "%-m", "L": "%-m", "dd": "%d",
    "d": "%-d", "EEEE": "%A", "EEE": "%a", "E": "%a",
}  # fmt: skip
_CLDR_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*")


def d3_date_format(style: str = "day", locale: NumberLocale | str | None = None) -> str:
    """The locale's date style as a d3 time format for Plotly: ``"%b %-d, %Y"``
    (en-US), ``"%-d. %b %Y"`` (de-DE), ``"%b %Y"`` for ``style="month"``."""
    where = get_locale(locale)
    pattern = getattr(where, _DATE_STYLES.get(style, "day_pattern"))

    def field(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith("'"):
            return token[1:-1].replace("%", "%%") or "'"
        return _D3_FIELDS.get(token, "")

    return _CLDR_TOKEN.sub(field, pattern.replace("%", "%%")).strip()


def excel_date_format(locale: NumberLocale | str | None = None) -> str:
    """The locale's numeric date as an Excel number format with a four-digit year:
    ``m/d/yyyy`` (en-US), ``dd.mm.yyyy`` (de-DE), ``dd/mm/yyyy`` (fr-FR)."""
    where = get_locale(locale)
    found = _babel_locale(where.tag) or babel.Locale.parse("en_US")
    pattern = found.date_formats["short"].pattern

    def field(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith("'"):
            return token[1:-1]
        wide = len(token) >= 2
        return {
            "y": "yyyy",
            "M": "mm" if wide else "m",
            "L": "mm" if wide else "m",
        }.get(token[0], ("dd" if wide else "d") if token[0] == "d" else "")

    return _CLDR_TOKEN.sub(field, pattern).strip() or "yyyy-mm-dd"


def plotly_locale(locale: NumberLocale | str | None = None) -> dict:
    """A Plotly locale definition (``config.locales[tag]``) for ``locale``: month and
    day names, separators and date order, so chart axes read as the cards do."""
    where = get_locale(locale)
    return {
        "format": {
            "days": list(where.days),
            "shortDays": list(where.short_days),
            "months": list(where.months),
            "shortMonths": list(where.short_months),
            "date": d3_date_format("day", where),
            "decimal": where.decimal,
            "thousands": where.group,
        }
    }
