"""Tests for analytics.metrics.filters: date ranges, categories, SKU search, comparison periods."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics.metrics import (
    FilterError,
    date_bounds,
    filter_frame,
    parse_date,
    previous_period_bounds,
)


@pytest.fixture
def timed(make_canonical) -> pd.DataFrame:
    """Rows with times of day, a row without a date, mixed-case SKUs, a missing SKU."""
    return make_canonical(
        date=[
            "2024-01-01 00:00", "2024-01-15 13:30", "2024-01-31 23:59",
            "2024-02-01 00:00", None,
        ],
        revenue=[1.0, 2.0, 3.0, 4.0, 5.0],
        sku=["Ab-100", "aB-200", "x(1).y", None, "ZZ"],
        category=["Tools", "Toys", "Tools", None, "Toys"],
    )  # fmt: skip


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-05",
        " 2024-03-05 ",
        "2024-03-05T17:45:00",
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 9, 30),
        pd.Timestamp("2024-03-05 09:30"),
        np.datetime64("2024-03-05"),
        pd.Timestamp("2024-03-05 09:30", tz="Europe/Paris"),
    ],
)
def test_parse_date_accepts_date_likes_and_drops_the_time(value):
    assert parse_date(value) == pd.Timestamp("2024-03-05")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_parse_date_blank_means_no_bound(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value", ["yesterday", "2024-02-30", "31/31/2024", 20240101, 3.5]
)
def test_invalid_dates_raise_a_readable_filter_error(value):
    with pytest.raises(
        FilterError, match="start date .* is not a date; use YYYY-MM-DD"
    ):
        date_bounds(start=value)


def test_filter_error_is_a_value_error():
    assert issubclass(FilterError, ValueError)


def test_start_after_end_is_rejected_with_both_dates(small_sales):
    with pytest.raises(
        FilterError, match="2024-02-01 is after the end date 2024-01-31"
    ):
        filter_frame(small_sales, start="2024-02-01", end="2024-01-31")


def test_no_filters_returns_every_row(timed):
    assert_frame_equal(filter_frame(timed), timed)


def test_end_date_keeps_every_row_of_that_day(timed):
    kept = filter_frame(timed, start="2024-01-15", end="2024-01-31")
    assert kept["revenue"].tolist() == [2.0, 3.0]


def test_start_only_drops_earlier_rows_and_rows_without_a_date(timed):
    kept = filter_frame(timed, start=dt.date(2024, 1, 31))
    assert kept["revenue"].tolist() == [3.0, 4.0]


def test_end_only_keeps_rows_up_to_that_day(timed):
    kept = filter_frame(timed, end=pd.Timestamp("2024-01-01 08:00"))
    assert kept["revenue"].tolist() == [1.0]


def test_filtered_rows_keep_their_original_index(timed):
    kept = filter_frame(timed, start="2024-01-15", end="2024-01-31")
    assert kept.index.tolist() == [1, 2]


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["Tools"], [1.0, 3.0]),
        ("Toys", [2.0, 5.0]),
        (["Tools", "Toys"], [1.0, 2.0, 3.0, 5.0]),
        ([], [1.0, 2.0, 3.0, 4.0, 5.0]),
        (None, [1.0, 2.0, 3.0, 4.0, 5.0]),
        (["Nope"], []),
    ],
)
def test_category_filter(timed, categories, expected):
    assert filter_frame(timed, categories=categories)["revenue"].tolist() == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ab", [1.0, 2.0]),
        ("  AB-2 ", [2.0]),
        ("(1).", [3.0]),
        ("", [1.0, 2.0, 3.0, 4.0, 5.0]),
        (None, [1.0, 2.0, 3.0, 4.0, 5.0]),
        ("nothing", []),
    ],
)
def test_sku_query_is_a_case_insensitive_literal_substring(timed, query, expected):
    assert filter_frame(timed, sku_query=query)["revenue"].tolist() == expected


@pytest.mark.parametrize(
    ("skus", "expected"),
    [
        (["Ab-100", "ZZ"], [1.0, 5.0]),
        ("ZZ", [5.0]),
        (["ab-100"], []),
        ([], [1, 2, 3, 4, 5]),
    ],
)
def test_skus_filter_matches_exactly(timed, skus, expected):
    assert filter_frame(timed, skus=skus)["revenue"].tolist() == [
        float(x) for x in expected
    ]


def test_filters_combine(small_sales):
    kept = filter_frame(
        small_sales,
        start="2024-02-01",
        end="2024-02-29",
        categories=["Toys"],
        sku_query="b",
    )
    assert kept["revenue"].tolist() == [50.0, 40.0]


def test_filtering_does_not_modify_the_input(timed):
    before = timed.copy(deep=True)
    filtered = filter_frame(
        timed, start="2024-01-02", categories=["Tools"], sku_query="x"
    )
    filtered.loc[:, "revenue"] = 0.0
    assert_frame_equal(timed, before)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # same number of days
        ("2024-03-10", "2024-03-16", ("2024-03-03", "2024-03-09")),
        ("2024-03-05", "2024-03-05", ("2024-03-04", "2024-03-04")),
        ("2024-03-31", "2024-04-30", ("2024-02-29", "2024-03-30")),
        # whole calendar months compare with the same number of whole months
        ("2024-03-01", "2024-03-31", ("2024-02-01", "2024-02-29")),
        ("2017-01-01", "2017-12-31", ("2016-01-01", "2016-12-31")),
        ("2024-01-01", "2024-06-30", ("2023-07-01", "2023-12-31")),
        ("2024-04-01", "2024-05-31", ("2024-02-01", "2024-03-31")),
    ],
)
def test_previous_period_bounds(start, end, expected):
    first, last = previous_period_bounds(start, end)
    assert (first, last) == (pd.Timestamp(expected[0]), pd.Timestamp(expected[1]))


def test_previous_period_needs_both_bounds():
    with pytest.raises(FilterError, match="needs both a start and an end"):
        previous_period_bounds("2024-01-01", None)


def test_previous_period_rejects_reversed_range():
    with pytest.raises(FilterError, match="after the end date"):
        previous_period_bounds("2024-02-01", "2024-01-01")
