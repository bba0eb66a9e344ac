"""Tests for analytics.formatting: money, numbers, percentages and points."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.formatting import (
    MISSING,
    format_money,
    format_number,
    format_pct,
    format_points,
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
