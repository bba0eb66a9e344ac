"""Frequency detection and per-period aggregation (analytics.forecast)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import (
    ForecastError,
    FrequencyInfo,
    aggregate_series,
    detect_frequency,
)
from analytics.schema import conform_canonical


def _dates(values) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(values))


def _random_days(start: str, days: int, share: float, seed: int) -> pd.Series:
    """Each day of the span present with probability ``share`` (first and last kept)."""
    rng = np.random.default_rng(seed)
    span = pd.date_range(start, periods=days, freq="D")
    keep = rng.random(days) < share
    keep[[0, -1]] = True
    return _dates(span[keep])


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (
            _dates(pd.date_range("2023-01-01", periods=60, freq="D")),
            FrequencyInfo("D", "daily", True, 7),
        ),
        (
            _dates(pd.date_range("2023-01-06", periods=30, freq="W-FRI")),
            FrequencyInfo("W-FRI", "weekly", True, 52),
        ),
        (
            _dates(pd.date_range("2023-01-01", periods=30, freq="W-SUN")),
            FrequencyInfo("W-SUN", "weekly", True, 52),
        ),
        (
            _dates(pd.date_range("2021-01-01", periods=24, freq="MS")),
            FrequencyInfo("MS", "monthly", True, 12),
        ),
        (
            _dates(pd.date_range("2021-01-31", periods=24, freq="ME")),
            FrequencyInfo("MS", "monthly", True, 12),
        ),
        (
            _dates(
                pd.date_range("2021-01-01", periods=24, freq="MS")
                + pd.Timedelta(days=14)
            ),
            FrequencyInfo("MS", "monthly", True, 12),
        ),
        (
            _dates(pd.date_range("2018-01-01", periods=12, freq="QS")),
            FrequencyInfo("QS", "quarterly", True, 4),
        ),
        (
            _dates(pd.date_range("2018-03-31", periods=12, freq="QE")),
            FrequencyInfo("QS", "quarterly", True, 4),
        ),
    ],
    ids=[
        "daily",
        "weekly-fridays",
        "weekly-sundays",
        "month-starts",
        "month-ends",
        "mid-month",
        "quarter-starts",
        "quarter-ends",
    ],
)
def test_detect_frequency_regular_series(
    dates: pd.Series, expected: FrequencyInfo
) -> None:
    assert detect_frequency(dates) == expected


def test_detect_frequency_ignores_time_of_day_and_repeats() -> None:
    stamps = pd.date_range("2023-03-01", periods=40, freq="D")
    dates = _dates(
        list(stamps + pd.Timedelta(hours=9)) + list(stamps + pd.Timedelta(hours=17))
    )
    assert detect_frequency(dates) == FrequencyInfo("D", "daily", True, 7)


def test_detect_frequency_weekly_with_missing_week_is_irregular() -> None:
    fridays = pd.date_range("2023-01-06", periods=20, freq="W-FRI").delete(7)
    assert detect_frequency(_dates(fridays)) == FrequencyInfo(
        "W-FRI", "weekly", False, 52
    )


@pytest.mark.parametrize(
    ("share", "expected_freq", "expected_label"),
    [(0.8, "D", "daily"), (0.25, "W-MON", "weekly")],
    ids=["most-days-daily", "few-days-weekly"],
)
def test_detect_frequency_irregular_transactions(
    share: float, expected_freq: str, expected_label: str
) -> None:
    info = detect_frequency(_random_days("2022-01-03", 365, share, seed=1))
    assert (info.freq, info.label, info.regular) == (
        expected_freq,
        expected_label,
        False,
    )


def test_detect_frequency_sparse_orders_are_monthly() -> None:
    # Two or three orders a month on random days: too few days and weeks, most months.
    rng = np.random.default_rng(5)
    months = pd.date_range("2021-01-01", periods=24, freq="MS")
    days = [
        m + pd.Timedelta(days=int(d))
        for m in months
        for d in rng.choice(28, 2, replace=False)
    ]
    info = detect_frequency(_dates(days))
    assert (info.freq, info.label, info.regular) == ("MS", "monthly", False)


def test_detect_frequency_needs_two_dates() -> None:
    with pytest.raises(ForecastError, match="two different dates"):
        detect_frequency(_dates(["2024-01-01", "2024-01-01", None]))


def _stores_frame() -> pd.DataFrame:
    fridays = pd.date_range("2023-01-06", periods=10, freq="W-FRI")
    rows = [
        {"date": d, "revenue": 100.0 * (i + 1) + store, "store": store}
        for i, d in enumerate(fridays)
        for store in (1, 2, 3)
    ]
    return conform_canonical(pd.DataFrame(rows))


def test_aggregate_series_sums_stores_per_date() -> None:
    info, series = aggregate_series(_stores_frame())
    assert info.freq == "W-FRI"
    expected = pd.Series(
        [300.0 * (i + 1) + 6 for i in range(10)],
        index=pd.DatetimeIndex(
            pd.date_range("2023-01-06", periods=10, freq="W-FRI"), name="date"
        ),
        name="revenue",
    )
    pd.testing.assert_series_equal(
        series, expected, check_freq=False, check_index_type=False
    )


def test_aggregate_series_fills_empty_periods_with_zero() -> None:
    days = pd.date_range("2024-01-01", periods=10, freq="D").delete([3, 4])
    df = conform_canonical(pd.DataFrame({"date": days, "revenue": 5.0}))
    _, series = aggregate_series(df, freq="D")
    assert len(series) == 10
    assert series.iloc[3] == 0.0 and series.iloc[4] == 0.0
    assert series.sum() == 40.0


def test_aggregate_series_monthly_matches_groupby() -> None:
    rng = np.random.default_rng(3)
    dates = _random_days("2022-01-01", 400, 0.7, seed=3)
    df = conform_canonical(
        pd.DataFrame(
            {"date": dates, "revenue": rng.uniform(10, 100, len(dates)).round(2)}
        )
    )
    info, series = aggregate_series(df, freq="monthly")
    expected = df.groupby(df["date"].dt.to_period("M"))["revenue"].sum()
    assert info.label == "monthly"
    assert list(series.index.strftime("%Y-%m")) == list(
        expected.index.strftime("%Y-%m")
    )
    np.testing.assert_allclose(series.to_numpy(), expected.to_numpy())
    assert (series.index.day == 1).all()


def test_aggregate_series_weekly_labels_weeks_by_their_anchor_day() -> None:
    df = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(["2024-01-03", "2024-01-07", "2024-01-08"]),
                "revenue": 1.0,
            }
        )
    )
    _, series = aggregate_series(df, freq="W-MON")
    assert list(series.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-08"]
    assert list(series) == [2.0, 1.0]


def test_aggregate_series_skips_undated_rows_and_counts_unknown_values_as_zero() -> (
    None
):
    df = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(
                    ["2024-01-01", None, "2024-01-02", "2024-01-02"]
                ),
                "revenue": [1.0, 50.0, 2.0, 3.0],
                "profit": [1.0, 1.0, np.nan, 1.0],
            }
        )
    )
    _, revenue = aggregate_series(df, freq="D")
    _, profit = aggregate_series(df, metric="profit", freq="D")
    assert list(revenue) == [1.0, 5.0]
    assert list(profit) == [1.0, 1.0]


def test_aggregate_series_does_not_mutate_input() -> None:
    df = _stores_frame()
    before = df.copy()
    aggregate_series(df)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "unit_price"}, "Cannot forecast"),
        ({"metric": "cost"}, "no cost figures"),
        ({"freq": "fortnightly"}, "Unknown frequency"),
    ],
)
def test_aggregate_series_rejects_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(ForecastError, match=message):
        aggregate_series(_stores_frame(), **kwargs)
