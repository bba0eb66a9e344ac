"""Tests for analytics.formatting: money, numbers, percentages and points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.formatting import (
    MISSING,
    current_locale,
    d3_date_format,
    format_date,
    format_date_range,
    format_money,
    format_month_span,
    format_number,
    format_pct,
    format_points,
    get_locale,
    money_affixes,
    plotly_locale,
    resolve_locale,
    use_locale,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "$0.00"),
        (5, "$5.00"),
        (999.5, "$999.50"),
        (999.994, "$999.99"),
        (999.999, "$1,000"),
        (1234.56, "$1,235"),
        (2297200.86, "$2,297,201"),
        (-1234.56, "\u2212$1,235"),
        (-0.001, "$0.00"),
        (np.float64(12.3), "$12.30"),
        (np.int64(7), "$7.00"),
    ],
)
def test_format_money_default(value, expected):
    assert format_money(value) == expected


@pytest.mark.parametrize(
    "value", [None, math.nan, math.inf, -math.inf, np.nan, "12", True]
)
def test_unknown_values_show_a_dash(value):
    assert format_money(value) == MISSING
    assert format_number(value) == MISSING
    assert format_pct(value) == MISSING
    assert format_points(value) == MISSING


def test_negative_money_uses_a_true_minus_before_the_symbol():
    assert format_money(-1234.56, decimals=2) == "\u2212$1,234.56"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (999.5, "$999.50"),
        (1_000, "$1.00K"),
        (45_600, "$45.6K"),
        (123_456, "$123K"),
        (999_499, "$999K"),
        (999_999, "$1.00M"),
        (1_234_567, "$1.23M"),
        (6_737_218_987.11, "$6.74B"),
        (-45_600, "\u2212$45.6K"),
    ],
)
def test_format_money_compact(value, expected):
    assert format_money(value, compact=True) == expected


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("€", "€1,234.50"), ("CHF", "CHF 1,234.50"), ("", "1,234.50"), (None, "1,234.50")],
)
def test_currency_placement(currency, expected):
    assert format_money(1234.5, currency, decimals=2) == expected


def test_signed_money_shows_plus_but_not_on_zero():
    assert format_money(12, signed=True) == "+$12.00"
    assert format_money(0.001, signed=True) == "$0.00"


@pytest.mark.parametrize(
    ("kwargs", "value", "expected"),
    [
        ({}, 12345, "12,345"),
        ({}, -3, "\u22123"),
        ({"decimals": 2}, 1.5, "1.50"),
        ({"compact": True}, 45_600, "45.6K"),
        ({"compact": True}, 512, "512"),
        ({"signed": True}, 4, "+4"),
    ],
)
def test_format_number(kwargs, value, expected):
    assert format_number(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "value", "expected"),
    [
        ({}, 0.1247, "12.5%"),
        ({}, -0.025, "\u22122.5%"),
        ({"decimals": 2}, 0.124672, "12.47%"),
        ({"signed": True}, 0.04, "+4.0%"),
        ({"signed": True}, 0.0, "0.0%"),
        ({}, 12.5, "1,250.0%"),
    ],
)
def test_format_pct(kwargs, value, expected):
    assert format_pct(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(1.5, "+1.5 pp"), (-0.26, "\u22120.3 pp"), (0, "0.0 pp")]
)
def test_format_points(value, expected):
    assert format_points(value) == expected


# -- locales ---------------------------------------------------------------------------

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "€1,234.56"),
        ("de-DE", f"1.234,56{NBSP}€"),
        ("fr-FR", f"1\u202f234,56{NBSP}€"),
        ("de-CH", f"€{NBSP}1’234.56"),
        ("nl-NL", f"€{NBSP}1.234,56"),
        ("en-GB", "€1,234.56"),
        ("ja-JP", "€1,234.56"),
    ],
)
def test_money_in_each_locale(locale, expected):
    assert format_money(1234.56, "€", decimals=2, locale=locale) == expected


@pytest.mark.parametrize(
    ("locale", "money", "number", "pct", "points"),
    [
        ("en-US", "\u2212$2,297,201", "12,345.5", "12.5%", "+1.5 pp"),
        ("de-DE", f"\u22122.297.201{NBSP}$", "12.345,5", f"12,5{NBSP}%", "+1,5 pp"),
        (
            "fr-FR",
            f"\u22122\u202f297\u202f201{NBSP}$",
            "12\u202f345,5",
            f"12,5{NBSP}%",
            "+1,5 pp",
        ),
    ],
)
def test_every_kind_of_figure_follows_the_locale(locale, money, number, pct, points):
    assert format_money(-2297200.86, "$", locale=locale) == money
    assert format_number(12345.5, decimals=1, locale=locale) == number
    assert format_pct(0.1247, locale=locale) == pct
    assert format_points(1.5, locale=locale) == points


def test_the_figure_never_changes_only_its_writing():
    """Reading a localised amount back with its separators gives the same number."""
    for locale in ("en-US", "de-DE", "fr-FR", "de-CH", "sv-SE", "pl-PL"):
        where = get_locale(locale)
        text = format_number(-1234567.891, decimals=2, locale=locale)
        plain = text.replace(where.group, "").replace(where.decimal, ".")
        assert float(plain.replace("\u2212", "-")) == -1234567.89


def test_compact_and_signed_money_in_german():
    assert format_money(1_234_567, "€", compact=True, locale="de-DE") == f"1,23M{NBSP}€"
    assert format_money(12, "€", signed=True, locale="de-DE") == f"+12,00{NBSP}€"
    assert format_money(-0.001, "€", locale="de-DE") == f"0,00{NBSP}€"


def test_letter_codes_get_a_space_on_either_side():
    assert (
        format_money(1234.5, "CHF", decimals=2, locale="de-DE") == f"1.234,50{NBSP}CHF"
    )
    assert format_money(1234.5, "CHF", decimals=2) == "CHF 1,234.50"


def test_money_affixes_match_the_formatted_amount():
    for locale in ("en-US", "de-DE", "nl-NL"):
        before, after = money_affixes("€", locale)
        digits = format_number(1234.56, decimals=2, locale=locale)
        assert format_money(1234.56, "€", decimals=2, locale=locale) == (
            f"{before}{digits}{after}"
        )
    assert money_affixes("", "de-DE") == ("", "")


def test_the_current_locale_is_the_default_and_is_restored():
    assert current_locale().tag == "en-US"
    with use_locale("de-DE"):
        assert format_money(1234.56, "€", decimals=2) == f"1.234,56{NBSP}€"
        assert format_date("2017-01-03") == "3. Jan. 2017"
    assert format_money(1234.56, "€", decimals=2) == "€1,234.56"


def test_the_current_locale_does_not_leak_between_threads():
    import threading

    seen = []
    with use_locale("de-DE"):
        worker = threading.Thread(target=lambda: seen.append(current_locale().tag))
        worker.start()
        worker.join()
    assert seen == ["en-US"]


@pytest.mark.parametrize(
    ("choice", "header", "default", "expected"),
    [
        ("de-DE", "en-US,en;q=0.9", None, "de-DE"),
        ("auto", "fr-CH, fr;q=0.9, en;q=0.8", None, "fr-CH"),
        (None, "de;q=0.5, nl;q=0.7", None, "nl"),
        (None, "xx, *;q=0.5", "de-DE", "de-DE"),
        ("not a locale", "", None, "en-US"),
        ("<script>", "en-GB;q=0", "sv_se", "sv-SE"),
        (None, None, None, "en-US"),
    ],
)
def test_resolve_locale_setting_then_browser_then_default(
    choice, header, default, expected
):
    assert resolve_locale(choice, header, default) == expected


@pytest.mark.parametrize(
    ("locale", "day", "month"),
    [
        ("en-US", "Jan 3, 2017", "Jan 2017"),
        ("en-GB", "3 Jan 2017", "Jan 2017"),
        ("de-DE", "3. Jan. 2017", "Jan. 2017"),
        ("fr-FR", "3 janv. 2017", "janv. 2017"),
        ("ja-JP", "2017年1月3日", "2017年1月"),
    ],
)
def test_dates_in_each_locale(locale, day, month):
    assert format_date("2017-01-03", locale=locale) == day
    assert (
        format_date(pd.Timestamp("2017-01-03 10:00"), "month", locale=locale) == month
    )


def test_missing_dates_show_a_dash():
    for value in (None, pd.NaT, "not a date", 12):
        assert format_date(value) == MISSING
    assert format_date_range("2017-01-03", "2017-01-03") == "Jan 3, 2017"
    assert format_date_range("2014-01-03", "2017-12-30", locale="de-DE") == (
        "3. Jan. 2014 to 30. Dez. 2017"
    )


def test_plotly_locale_carries_names_separators_and_date_order():
    spec = plotly_locale("de-DE")["format"]
    assert spec["decimal"] == "," and spec["thousands"] == "."
    assert spec["months"][0] == "Januar" and spec["shortDays"][0] == "So."
    assert spec["date"] == "%-d. %b %Y"
    assert d3_date_format("month", "en-US") == "%b %Y"
    assert d3_date_format("day", "en-US") == "%b %-d, %Y"
    assert get_locale("de-DE").separators == ",."


@pytest.mark.parametrize(
    ("label", "locale", "expected"),
    [
        ("2025-12", "en-US", "Dec 2025"),
        ("2025-10..2025-12", "en-US", "Oct 2025 – Dec 2025"),
        ("2025-10..2025-12", "de-DE", "Okt. 2025 – Dez. 2025"),
        ("Q4 2025", "en-US", "Q4 2025"),
        ("2025-13", "en-US", "2025-13"),
    ],
)
def test_month_spans_of_the_growth_card(label, locale, expected):
    assert format_month_span(label, locale=locale) == expected
