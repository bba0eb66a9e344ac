"""forecast(): model choice, guards, fallbacks and the JSON shape (analytics.forecast)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import ForecastError, forecast
from analytics.forecast import models as fm
from analytics.forecast import run as fc
from analytics.schema import conform_canonical

RESULT_KEYS = {
    "status",
    "model",
    "model_reason",
    "freq",
    "freq_label",
    "horizon",
    "metric",
    "history",
    "points",
    "backtest",
    "chosen_by",
    "message",
}
POINT_KEYS = {
    "date",
    "yhat",
    "yhat_lower",
    "yhat_upper",
    "yhat_lower_80",
    "yhat_upper_80",
}
SCORE_KEYS = {
    "mape",
    "smape",
    "mase",
    "coverage_80",
    "coverage_95",
    "n_origins",
    "n_points",
    "inside_80",
    "inside_95",
}


def _frame(dates, values) -> pd.DataFrame:
    return conform_canonical(
        pd.DataFrame({"date": pd.DatetimeIndex(dates), "revenue": values})
    )


def _monthly(
    n: int, seed: int = 0, slope: float = 2.0, noise: float = 3.0
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 200 + slope * t + 25 * np.sin(2 * np.pi * t / 12) + rng.normal(0, noise, n)
    return _frame(pd.date_range("2018-01-01", periods=n, freq="MS"), values)


def _random_walk(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return _frame(
        pd.date_range("2018-01-01", periods=n, freq="MS"),
        500 + rng.normal(0, 10, n).cumsum(),
    )


@pytest.fixture
def no_prophet(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ImportError("No module named 'prophet'")

    monkeypatch.setattr(fc, "_import_prophet", broken)


@pytest.fixture
def classic_only(monkeypatch: pytest.MonkeyPatch, no_prophet: None) -> None:
    """Neither Prophet nor statsforecast can be imported: only the simple models run."""

    def broken() -> None:
        raise ImportError("No module named 'statsforecast'")

    monkeypatch.setattr(fm, "load_statsforecast", broken)


def test_too_short_history_gives_a_wide_trend_only(no_prophet: None) -> None:
    result = forecast(_monthly(5), horizon=3)
    assert result.status == "insufficient_history"
    assert result.model == "trend" and result.chosen_by == "only_model"
    assert result.backtest == {}
    assert len(result.points) == 3
    widths = result.points["yhat_upper"] - result.points["yhat_lower"]
    assert (widths > 0).all() and widths.is_monotonic_increasing
    assert "Only 5 months" in result.message


def test_two_periods_give_no_points(no_prophet: None) -> None:
    result = forecast(_monthly(2))
    assert result.status == "insufficient_history"
    assert result.model is None and result.points.empty


@pytest.mark.parametrize(
    ("df", "status"),
    [
        (
            conform_canonical(pd.DataFrame({"revenue": [1.0, 2.0]})),
            "insufficient_history",
        ),
        (
            conform_canonical(
                pd.DataFrame(
                    {"date": pd.to_datetime(["2024-01-01"] * 3), "revenue": 1.0}
                )
            ),
            "insufficient_history",
        ),
        (
            conform_canonical(
                pd.DataFrame(
                    {
                        "date": pd.date_range("2020-01-01", periods=30, freq="MS"),
                        "revenue": 1.0,
                    }
                )
            ),
            "failed",
        ),
    ],
    ids=["no-dates", "one-date", "no-profit-figures"],
)
def test_data_that_cannot_be_forecast(
    df: pd.DataFrame, status: str, no_prophet: None
) -> None:
    metric = "profit" if status == "failed" else "revenue"
    result = forecast(df, metric=metric)
    assert result.status == status
    assert result.points.empty and result.message
    json.dumps(result.to_dict(), allow_nan=False)


def test_under_two_seasons_uses_no_seasonal_model(classic_only: None) -> None:
    result = forecast(_monthly(18))
    assert result.status == "ready"
    assert set(result.backtest) == {"naive", "trend"}
    assert result.model in {"naive", "trend"}
    assert "seasonal patterns are not modelled" in result.message


def test_prophet_import_failure_falls_back_and_says_why(classic_only: None) -> None:
    result = forecast(_monthly(48))
    assert result.status == "ready"
    assert result.model in {"trend_seasonal_naive", "seasonal_naive"}
    assert "prophet" not in result.backtest
    assert "Prophet is unavailable (ImportError" in result.model_reason


def test_requested_prophet_that_cannot_import_falls_back(no_prophet: None) -> None:
    result = forecast(_monthly(48), model="prophet")
    assert result.model != "prophet"
    assert result.chosen_by == "mase"
    assert "Prophet is unavailable" in result.model_reason


def test_requested_model_is_honoured(no_prophet: None) -> None:
    result = forecast(_monthly(48), model="seasonal_naive")
    assert (result.model, result.chosen_by) == ("seasonal_naive", "user")
    assert {"seasonal_naive", "trend_seasonal_naive"} <= set(result.backtest)


def test_requested_seasonal_model_without_two_seasons_is_replaced(
    classic_only: None,
) -> None:
    result = forecast(_monthly(15), model="seasonal_naive")
    assert result.model in {"naive", "trend"}
    assert "needs 2 full seasons" in result.model_reason


def test_trending_seasonal_series_picks_the_trend_model(classic_only: None) -> None:
    result = forecast(_monthly(60, slope=5.0, noise=1.0))
    assert result.model == "trend_seasonal_naive" and result.chosen_by == "mase"
    assert (
        result.backtest["trend_seasonal_naive"].mase
        < result.backtest["seasonal_naive"].mase
    )


@pytest.mark.parametrize(
    "df",
    [
        _monthly(48, seed=1),
        _monthly(36, seed=2, slope=0.0, noise=30.0),
        _random_walk(40, 3),
    ],
    ids=["trend-season", "noisy-flat", "random-walk"],
)
def test_chosen_model_never_scores_worse_than_seasonal_naive(
    df: pd.DataFrame, no_prophet: None
) -> None:
    result = forecast(df)
    benchmark = "seasonal_naive" if "seasonal_naive" in result.backtest else "naive"
    assert result.backtest[result.model].mase <= result.backtest[benchmark].mase


def test_backtest_off_fits_the_default_model_alone(no_prophet: None) -> None:
    result = forecast(_monthly(48), backtest=False)
    assert (result.model, result.chosen_by, result.backtest) == (
        "trend_seasonal_naive",
        "only_model",
        {},
    )
    assert "not back-tested" in result.message


@pytest.mark.parametrize(
    ("dates", "horizon", "label"),
    [
        (pd.date_range("2023-01-01", periods=60, freq="D"), 90, "daily"),
        (pd.date_range("2023-01-06", periods=60, freq="W-FRI"), 13, "weekly"),
        (pd.date_range("2020-01-01", periods=30, freq="MS"), 6, "monthly"),
        (pd.date_range("2015-01-01", periods=20, freq="QS"), 4, "quarterly"),
    ],
)
def test_default_horizon_per_frequency(
    dates: pd.DatetimeIndex, horizon: int, label: str, no_prophet: None
) -> None:
    values = 100 + np.arange(len(dates), dtype="float64") % 5
    result = forecast(_frame(dates, values), backtest=False)
    assert (result.horizon, result.frequency.label, len(result.points)) == (
        horizon,
        label,
        horizon,
    )
    step = pd.date_range(dates[-1], periods=2, freq=result.frequency.freq)[1]
    assert result.points["date"].iloc[0] == step


def test_bands_are_nested_around_the_point_forecast(no_prophet: None) -> None:
    points = forecast(_monthly(48), horizon=12).points
    assert (points["yhat_lower"] <= points["yhat_lower_80"]).all()
    assert (points["yhat_lower_80"] <= points["yhat"]).all()
    assert (points["yhat"] <= points["yhat_upper_80"]).all()
    assert (points["yhat_upper_80"] <= points["yhat_upper"]).all()


def test_incomplete_last_month_of_transactions_is_left_out(no_prophet: None) -> None:
    days = pd.date_range("2021-01-01", "2023-06-10", freq="D")
    df = _frame(days, np.full(len(days), 10.0))
    result = forecast(df, freq="monthly", backtest=False)
    assert result.history.index[-1] == pd.Timestamp("2023-05-01")
    assert "last month is incomplete (data ends 10 Jun 2023)" in result.message


def test_to_dict_is_json_with_exact_keys(classic_only: None) -> None:
    result = forecast(_monthly(40), horizon=4)
    out = result.to_dict()
    assert set(out) == RESULT_KEYS
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert (
        out["freq"] == "MS" and out["freq_label"] == "monthly" and out["horizon"] == 4
    )
    assert len(out["points"]) == 4 and set(out["points"][0]) == POINT_KEYS
    assert out["points"][0]["date"] == "2021-05-01"
    assert out["history"][0] == {
        "date": "2018-01-01",
        "y": round(result.history.iloc[0], 2),
    }
    assert all(set(score) == SCORE_KEYS for score in out["backtest"].values())


def test_forecast_does_not_mutate_input(no_prophet: None) -> None:
    df = _monthly(30)
    before = df.copy()
    forecast(df)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "margin"}, "Cannot forecast"),
        ({"model": "arima"}, "Unknown model"),
        ({"horizon": 0}, "horizon"),
        ({"uncertainty_samples": 5}, "uncertainty_samples"),
        ({"holidays_country": "Atlantis"}, "No holiday calendar"),
    ],
)
def test_invalid_arguments_raise(kwargs: dict, message: str) -> None:
    with pytest.raises(ForecastError, match=message):
        forecast(_monthly(30), **kwargs)


@pytest.mark.slow
def test_prophet_forecast_on_a_small_series() -> None:
    result = forecast(_monthly(36), model="prophet", uncertainty_samples=50, horizon=4)
    assert (result.status, result.model, result.chosen_by) == (
        "ready",
        "prophet",
        "user",
    )
    assert result.backtest["prophet"].n_origins >= 3
    points = result.points
    assert (points["yhat_lower"] <= points["yhat_lower_80"]).all()
    assert (points["yhat_upper_80"] <= points["yhat_upper"]).all()
    assert (points["yhat_upper"] > points["yhat_lower"]).all()
    # A smooth trend + season: the forecast continues it.
    t = np.arange(36, 40)
    truth = 200 + 2.0 * t + 25 * np.sin(2 * np.pi * t / 12)
    np.testing.assert_allclose(points["yhat"], truth, rtol=0.1)


@pytest.mark.slow
def test_prophet_daily_with_country_holidays() -> None:
    days = pd.date_range("2023-01-01", periods=120, freq="D")
    values = 100 + 20 * (days.day_of_week >= 5) + np.arange(120) * 0.1
    result = forecast(
        _frame(days, values),
        model="prophet",
        holidays_country="US",
        uncertainty_samples=30,
        horizon=14,
        backtest=False,
    )
    assert (result.model, result.chosen_by) == ("prophet", "user")
    weekend = result.points["date"].dt.day_of_week >= 5
    gap = (
        result.points.loc[weekend, "yhat"].mean()
        - result.points.loc[~weekend, "yhat"].mean()
    )
    assert gap == pytest.approx(20, abs=3)
