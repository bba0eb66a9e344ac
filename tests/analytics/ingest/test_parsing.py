"""Numbers and dates in the styles exports write them, decided per column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ingest.number_parsing import parse_numbers
from analytics.ingest.parsing import clean_text, missing_mask, parse_dates


def text(values: list) -> pd.Series:
    return pd.Series(values, dtype="str")


@pytest.mark.parametrize(
    ("values", "expected", "decimal"),
    [
        (["1,234.56", "12.5", "-3"], [1234.56, 12.5, -3.0], "."),
        (["1.234,56", "12,5"], [1234.56, 12.5], ","),
        (["1 234,56", "7 000,10"], [1234.56, 7000.10], ","),
        (["1\u00a0234,56", "2\u202f000,00"], [1234.56, 2000.0], ","),
        (["1'234.50", "99.95"], [1234.5, 99.95], "."),
        (["$74.69", "$1,234.00"], [74.69, 1234.0], "."),
        (["1.234,56 €", "12,00 €"], [1234.56, 12.0], ","),
        (["€1.234,56", "€0,99"], [1234.56, 0.99], ","),
        (["£1,000.00", "£5.25"], [1000.0, 5.25], "."),
        (["USD 10", "USD 2,500.75"], [10.0, 2500.75], "."),
        (["(5.00)", "($1,200.50)", "7.5"], [-5.0, -1200.5, 7.5], "."),
        (["5.25-", "1,000.00-", "3.10"], [-5.25, -1000.0, 3.1], "."),
        (["−4.5", "+2.5"], [-4.5, 2.5], "."),
        (["12.5%", "3%"], [0.125, 0.03], "."),
    ],
)
def test_number_styles(values, expected, decimal):
    result = parse_numbers(text(values))
    np.testing.assert_allclose(result.values.to_numpy(), expected)
    assert result.decimal == decimal
    assert result.invalid == 0


@pytest.mark.parametrize("marker", ["-", "N/A", "None", "", "n/a", "NULL", "#N/A", "—"])
def test_missing_markers_are_missing_not_errors(marker):
    result = parse_numbers(text(["1.50", marker]))
    assert result.values.iloc[0] == 1.5
    assert np.isnan(result.values.iloc[1])
    assert (result.valid, result.invalid) == (1, 0)


def test_unreadable_numbers_are_counted():
    result = parse_numbers(text(["12.00", "twelve", "3.00"]))
    assert (result.valid, result.invalid) == (2, 1)
    assert np.isnan(result.values.iloc[1])


@pytest.mark.parametrize(("hint", "expected"), [(".", 1234.0), (",", 1.234)])
def test_undecided_column_follows_the_file_convention(hint, expected):
    result = parse_numbers(
        text(["1,234", "5,678"]) if hint == "." else text(["1,234", "5,678"]),
        decimal=hint,
    )
    assert result.values.iloc[0] == pytest.approx(expected)


def test_three_decimals_after_comma_follow_other_values_in_the_column():
    result = parse_numbers(text(["1,234", "12,5"]))
    assert result.values.tolist() == [1.234, 12.5]


def test_mixed_decimal_styles_keep_one_convention():
    result = parse_numbers(text(["1,234.50", "2,000.00", "12,5"]))
    assert result.decimal == "."
    assert result.values.iloc[:2].tolist() == [1234.5, 2000.0]
    assert np.isnan(result.values.iloc[2])


def test_currency_is_reported():
    assert parse_numbers(text(["1.234,56 €", "3,00 €"])).currency == "EUR"
    assert parse_numbers(text(["$3.00"])).currency == "USD"
    assert parse_numbers(text(["3.00"])).currency is None


def test_numeric_input_passes_through():
    result = parse_numbers(pd.Series([1, 2.5, None]))
    assert result.values.tolist()[:2] == [1.0, 2.5]


def test_clean_text_keeps_leading_zeros_and_strips():
    assert clean_text(text([" 00123 ", "N/A", "A-1"])).tolist()[0] == "00123"
    assert pd.isna(clean_text(text(["N/A"])).iloc[0])


def test_missing_mask():
    assert missing_mask(text(["x", " ", "None", None])).tolist() == [
        False,
        True,
        True,
        True,
    ]


def dates(values: list[str], **kwargs):
    return parse_dates(text(values), **kwargs)


@pytest.mark.parametrize(
    ("values", "expected", "order"),
    [
        (["2024-01-05", "2024-12-31"], ["2024-01-05", "2024-12-31"], "YMD"),
        (["2024/01/05", "2024/12/31"], ["2024-01-05", "2024-12-31"], "YMD"),
        (["11/8/2016", "12/30/2016"], ["2016-11-08", "2016-12-30"], "MDY"),
        (["13/01/19", "05/02/19"], ["2019-01-13", "2019-02-05"], "DMY"),
        (["05/02/10", "19/02/10"], ["2010-02-05", "2010-02-19"], "DMY"),
        (["01/31/24", "02/01/24"], ["2024-01-31", "2024-02-01"], "MDY"),
        (["31.01.2024", "01.02.2024"], ["2024-01-31", "2024-02-01"], "DMY"),
        (["31-01-2024", "01-02-2024"], ["2024-01-31", "2024-02-01"], "DMY"),
        (["15-Jan-2024", "3-Feb-2024"], ["2024-01-15", "2024-02-03"], "DMY"),
        (["Jan 15, 2024", "Feb 3, 2024"], ["2024-01-15", "2024-02-03"], "MDY"),
        (["20240131", "20240201"], ["2024-01-31", "2024-02-01"], "YMD"),
        (["2024-01", "2024-02"], ["2024-01-01", "2024-02-01"], "YM"),
        (["Jan 2024", "Feb 2024"], ["2024-01-01", "2024-02-01"], "MY"),
        (["January 2024", "March 2024"], ["2024-01-01", "2024-03-01"], "MY"),
        (["2024-Q1", "Q3 2024"], ["2024-01-01", "2024-07-01"], "YQ"),
    ],
)
def test_date_conventions(values, expected, order):
    result = dates(values)
    assert result.values.dt.strftime("%Y-%m-%d").tolist() == expected
    assert result.order == order
    assert result.invalid == 0


def test_timestamps_keep_their_time():
    result = dates(["10/31/2011 10:42", "6/12/2011 9:05"])
    assert result.values.tolist() == [
        pd.Timestamp("2011-10-31 10:42"),
        pd.Timestamp("2011-06-12 09:05"),
    ]


def test_time_zones_are_dropped_to_local_time():
    result = dates(["2024-01-05T10:00:00Z", "2024-01-06T08:30:00+01:00", "2024-01-07"])
    assert result.values.tolist() == [
        pd.Timestamp("2024-01-05 10:00"),
        pd.Timestamp("2024-01-06 08:30"),
        pd.Timestamp("2024-01-07"),
    ]


def test_am_pm_times():
    result = dates(["1/2/2024 1:05 PM", "1/13/2024 11:00 AM"])
    assert result.values.tolist() == [
        pd.Timestamp("2024-01-02 13:05"),
        pd.Timestamp("2024-01-13 11:00"),
    ]


def test_one_convention_per_column_even_when_mixed():
    result = dates(["13/01/2019", "01/13/2019", "05/01/2019", "20/01/2019"])
    assert result.order == "DMY"
    assert result.mixed
    assert result.values.iloc[0] == pd.Timestamp("2019-01-13")
    assert pd.isna(result.values.iloc[1])
    assert result.values.iloc[2] == pd.Timestamp("2019-01-05")
    assert result.invalid == 1
    assert not result.ambiguous


def test_tied_conflicting_conventions_are_mixed_not_ambiguous():
    result = dates(["13/01/2019", "01/14/2019"], order_hint="DMY")
    assert result.mixed and not result.ambiguous
    assert result.values.notna().sum() == 1


def test_ambiguous_column_uses_hint_and_says_so():
    result = dates(["03/04/2024", "05/06/2024"], order_hint="DMY")
    assert result.ambiguous
    assert result.order == "DMY"
    assert result.values.iloc[0] == pd.Timestamp("2024-04-03")


def test_ambiguous_column_without_hint_is_month_first():
    result = dates(["03/04/2024", "05/06/2024"])
    assert result.ambiguous and result.order == "MDY"


def test_ambiguous_column_decided_by_row_order():
    values = [f"{d:02d}/03/2024" for d in range(1, 13)]
    result = dates(values)
    assert result.order == "DMY"
    assert result.values.iloc[-1] == pd.Timestamp("2024-03-12")


def test_excel_serials():
    result = parse_dates(pd.Series([45292.0, 45293.5]))
    assert result.values.tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-02 12:00"),
    ]


def test_serials_written_as_text():
    assert dates(["45292", "45322"]).values.tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-31"),
    ]


def test_yyyymmdd_integers():
    result = parse_dates(pd.Series([20240131, 20240201]))
    assert result.values.tolist() == [
        pd.Timestamp("2024-01-31"),
        pd.Timestamp("2024-02-01"),
    ]


def test_unreadable_dates_are_counted_and_nat():
    result = dates(["2024-01-05", "soon", None])
    assert (result.valid, result.invalid) == (1, 1)


def test_implausible_years_are_not_dates():
    assert dates(["10004722", "10001798"]).valid == 0


def test_unambiguous_formats_fill_in_beside_the_chosen_convention():
    result = dates(["13/01/2019", "20/01/2019", "2019-02-01", "3 Mar 2019"])
    assert result.order == "DMY"
    assert result.values.dt.strftime("%Y-%m-%d").tolist() == [
        "2019-01-13",
        "2019-01-20",
        "2019-02-01",
        "2019-03-03",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jan 7, 2024 9:15:00 AM PST", "2024-01-07 09:15"),
        ("2024-01-05 10:23:45 -0500", "2024-01-05 10:23"),
        ("2024-01-05T10:23:45.123Z", "2024-01-05 10:23"),
        ("2024-01-05 10:23:45 UTC", "2024-01-05 10:23"),
    ],
)
def test_time_zone_suffixes(value, expected):
    assert dates([value]).values.dt.strftime("%Y-%m-%d %H:%M").iloc[0] == expected


@pytest.mark.parametrize("value", ["USD123.45", "123.45USD", "123.45 usd", "US$123.45"])
def test_currency_codes_next_to_digits(value):
    assert parse_numbers(text([value])).values.iloc[0] == 123.45
