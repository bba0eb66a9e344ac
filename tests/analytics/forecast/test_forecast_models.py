"""Forecast models (analytics.forecast.models) and backtest metrics (analytics.forecast.backtest)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import models as fm
from analytics.forecast.backtest import (
    BacktestPlan,
    backtest,
    plan_backtest,
    score_forecasts,
    seasonal_naive_mae,
)

PATTERN = np.array([10.0, 14.0, 9.0, 20.0])


def _seasonal_with_trend(seasons: int, slope: float) -> np.ndarray:
    t = np.arange(len(PATTERN) * seasons, dtype="float64")
    return np.tile(PATTERN, seasons) + 100 + slope * t


def _forecast(yhat, lo80, hi80, lo95, hi95) -> fm.ModelForecast:
    return fm.ModelForecast(
        *(np.asarray(a, dtype="float64") for a in (yhat, lo80, hi80, lo95, hi95))
    )


def test_seasonal_naive_repeats_last_season_with_zero_width_bands_on_a_perfect_pattern() -> (
    None
):
    fc = fm.seasonal_naive(np.tile(PATTERN, 3), 6, 4)
    np.testing.assert_array_equal(fc.yhat, [10, 14, 9, 20, 10, 14])
    np.testing.assert_array_equal(fc.lower_95, fc.upper_95)


def test_naive_is_seasonal_naive_with_season_one() -> None:
    fc = fm.seasonal_naive(np.array([1.0, 3.0, 2.0, 5.0]), 3, 1)
    np.testing.assert_array_equal(fc.yhat, [5.0, 5.0, 5.0])
    widths = fc.upper_80 - fc.lower_80
    np.testing.assert_allclose(widths / widths[0], np.sqrt([1, 2, 3]))


def test_seasonal_naive_bands_widen_each_season() -> None:
    rng = np.random.default_rng(0)
    y = np.tile(PATTERN, 5) + rng.normal(0, 1, 20)
    fc = fm.seasonal_naive(y, 12, 4)
    width = fc.upper_95 - fc.lower_95
    np.testing.assert_allclose(width[[0, 4, 8]] / width[0], np.sqrt([1, 2, 3]))
    assert np.all(fc.lower_95 <= fc.lower_80) and np.all(fc.upper_80 <= fc.upper_95)


def test_trend_seasonal_naive_recovers_an_exact_trend() -> None:
    y = _seasonal_with_trend(4, slope=0.5)
    fc = fm.trend_seasonal_naive(y, 8, 4)
    expected = np.tile(PATTERN, 2) + 100 + 0.5 * np.arange(16, 24)
    np.testing.assert_allclose(fc.yhat, expected)
    np.testing.assert_allclose(fc.upper_95 - fc.lower_95, 0.0, atol=1e-9)


def test_trend_seasonal_naive_drift_ignores_one_outlier() -> None:
    y = _seasonal_with_trend(4, slope=0.5)
    y[-6] += 500.0  # one odd period inside the trend window, not in the last season
    fc = fm.trend_seasonal_naive(y, 4, 4)
    expected = PATTERN + 100 + 0.5 * np.arange(16, 20)
    np.testing.assert_allclose(fc.yhat, expected)


def test_linear_trend_is_exact_on_a_line() -> None:
    y = 2.0 + 3.0 * np.arange(10)
    fc = fm.linear_trend(y, 3)
    np.testing.assert_allclose(fc.yhat, [32.0, 35.0, 38.0])
    np.testing.assert_allclose(fc.upper_95, fc.lower_95)


def test_linear_trend_on_three_points_has_student_t_bands() -> None:
    y = np.array([1.0, 3.0, 2.0])
    fc = fm.linear_trend(y, 1)
    # slope 0.5, intercept 1.5: residuals -0.5, 1, -0.5; s = sqrt(1.5 / 1)
    x0, x_mean, sxx = 3.0, 1.0, 2.0
    se = np.sqrt(1.5) * np.sqrt(1 + 1 / 3 + (x0 - x_mean) ** 2 / sxx)
    assert fc.yhat[0] == pytest.approx(3.0)
    assert fc.upper_95[0] - fc.yhat[0] == pytest.approx(12.706205 * se, rel=1e-5)


@pytest.mark.parametrize(
    ("p", "dof", "expected"),
    [
        (0.975, 1, 12.706205),
        (0.975, 2, 4.302653),
        (0.975, 3, 3.182446),
        (0.90, 4, 1.533206),
        (0.95, 10, 1.812461),
        (0.975, 30, 2.042272),
    ],
)
def test_t_quantile_matches_tables(p: float, dof: int, expected: float) -> None:
    assert float(fm.t_quantile(p, dof)) == pytest.approx(expected, rel=2e-3)


@pytest.mark.parametrize(
    ("label", "days", "expected"),
    [
        ("monthly", 700, {"yearly_seasonality": False, "weekly_seasonality": False}),
        ("monthly", 800, {"yearly_seasonality": 5, "weekly_seasonality": False}),
        ("daily", 100, {"yearly_seasonality": False, "weekly_seasonality": True}),
        ("daily", 1000, {"yearly_seasonality": 10, "weekly_seasonality": True}),
        ("weekly", 1000, {"yearly_seasonality": 10, "weekly_seasonality": False}),
        ("quarterly", 1500, {"yearly_seasonality": 2, "weekly_seasonality": False}),
    ],
)
def test_prophet_settings_follow_history_length(
    label: str, days: int, expected: dict
) -> None:
    dates = pd.date_range("2020-01-01", periods=days + 1, freq="D")
    settings = fm.prophet_settings(dates, label)
    assert settings == expected | {"daily_seasonality": False}


def test_plan_backtest_uses_five_origins_when_history_allows() -> None:
    assert plan_backtest(48, 6, 24) == BacktestPlan(
        origins=(30, 33, 36, 39, 42), horizon=6, step=3
    )


def test_plan_backtest_shortens_the_horizon_to_keep_three_origins() -> None:
    plan = plan_backtest(26, 6, 22)
    assert plan is not None and len(plan.origins) >= 3
    assert plan.horizon < 6 and plan.origins[-1] + plan.horizon == 26
    assert plan.origins[0] >= 22


def test_plan_backtest_needs_one_held_out_value() -> None:
    assert plan_backtest(10, 3, 10) is None


def test_seasonal_naive_mae_falls_back_when_history_repeats_exactly() -> None:
    assert seasonal_naive_mae(np.tile(PATTERN, 3), 4) == pytest.approx(PATTERN.mean())
    assert seasonal_naive_mae(np.zeros(6), 1) == 1.0


def test_mase_of_seasonal_naive_on_trending_seasonal_series_is_one() -> None:
    # Seasonal naive lags one season of trend at every step: error = slope * m, which is
    # exactly its in-sample MAE, so MASE is 1. The trend model removes the lag: MASE 0.
    y = _seasonal_with_trend(8, slope=0.5)
    plan = plan_backtest(len(y), 4, 12)
    sn = backtest(lambda end, h: fm.seasonal_naive(y[:end], h, 4), y, plan, 4)
    tsn = backtest(lambda end, h: fm.trend_seasonal_naive(y[:end], h, 4), y, plan, 4)
    assert sn.mase == pytest.approx(1.0)
    assert tsn.mase == pytest.approx(0.0, abs=1e-9)
    assert sn.n_origins == len(plan.origins) == 5


def test_score_forecasts_hand_computed() -> None:
    actual = np.array([[10.0, 20.0, 40.0, 50.0]])
    fc = _forecast(
        [10.0, 25.0, 30.0, 50.0],
        [9.0, 21.0, 35.0, 45.0],
        [11.0, 29.0, 45.0, 55.0],
        [8.0, 15.0, 25.0, 40.0],
        [12.0, 35.0, 45.0, 60.0],
    )
    score = score_forecasts(actual, [fc], [5.0])
    assert score.mase == pytest.approx((0 + 5 + 10 + 0) / 4 / 5)
    assert score.mape == pytest.approx((0 + 25 + 25 + 0) / 4)
    assert score.smape == pytest.approx((0 + 2 * 5 / 45 + 2 * 10 / 70 + 0) / 4 * 100)
    assert score.coverage_80 == 0.75  # 20 is outside [21, 29]
    assert score.coverage_95 == 1.0


def test_score_forecasts_has_no_mape_when_actuals_touch_zero() -> None:
    actual = np.array([[0.0, 4.0]])
    fc = _forecast([0.0, 2.0], [0, 1], [0, 3], [0, 0], [0, 5])
    score = score_forecasts(actual, [fc], [1.0])
    assert score.mape is None
    assert score.smape == pytest.approx((0 + 2 * 2 / 6) / 2 * 100)


def test_score_to_dict_rounds() -> None:
    fc = _forecast([1.0], [0.0], [2.0], [0.0], [2.0])
    out = score_forecasts(np.array([[3.0]]), [fc], [3.0]).to_dict()
    assert out == {
        "mape": 66.67,
        "smape": 100.0,
        "mase": 0.6667,
        "coverage_80": 0.0,
        "coverage_95": 0.0,
        "n_origins": 1,
        "n_points": 1,
        "inside_80": 0,
        "inside_95": 0,
    }


def test_bands_cover_about_their_level_on_a_noisy_seasonal_series() -> None:
    plan = BacktestPlan(origins=tuple(range(40, 236, 4)), horizon=4, step=4)
    cover_80, cover_95 = [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        y = np.tile(PATTERN * 10, 60) + rng.normal(0, 5, 240)
        score = backtest(
            lambda end, h, y=y: fm.seasonal_naive(y[:end], h, 4), y, plan, 4
        )
        cover_80.append(score.coverage_80)
        cover_95.append(score.coverage_95)
    assert np.mean(cover_80) == pytest.approx(0.80, abs=0.03)
    assert np.mean(cover_95) == pytest.approx(0.95, abs=0.02)


class FakeProphet:
    """Stands in for prophet.Prophet: records calls, returns fixed draws."""

    instances: list[FakeProphet] = []

    def __init__(self, **kwargs) -> None:
        self.kwargs = kwargs
        self.uncertainty_samples = kwargs["uncertainty_samples"]
        self.fit_kwargs: dict = {}
        self.country: str | None = None
        FakeProphet.instances.append(self)

    def add_country_holidays(self, country_name: str) -> None:
        self.country = country_name

    def fit(self, df: pd.DataFrame, **kwargs) -> None:
        self.fit_kwargs = kwargs

    def predict(self, future: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"yhat": np.full(len(future), 50.0)})

    def predictive_samples(self, future: pd.DataFrame) -> dict:
        np.random.random()  # consumes the seeded global state like Prophet does
        draws = np.tile(
            np.arange(self.uncertainty_samples, dtype="float64"), (len(future), 1)
        )
        return {"yhat": draws}


@pytest.mark.parametrize(("label", "country"), [("daily", "US"), ("monthly", None)])
def test_prophet_model_fits_once_and_takes_both_bands_from_the_same_draws(
    label: str, country: str | None
) -> None:
    FakeProphet.instances.clear()
    dates = pd.date_range(
        "2023-01-01", periods=30, freq="D" if label == "daily" else "MS"
    )
    future = pd.date_range(dates[-1], periods=4, freq=dates.freq)[1:]
    state = np.random.get_state()
    fc = fm.prophet_model(
        FakeProphet,
        dates,
        np.ones(30),
        future,
        label,
        holidays_country="us",
        uncertainty_samples=101,
    )
    (model,) = FakeProphet.instances
    assert model.kwargs["uncertainty_samples"] == 0  # point forecast without sampling
    assert model.fit_kwargs["algorithm"] == "LBFGS"
    assert "prophet-fit-" in model.fit_kwargs["output_dir"]  # one folder per fit
    assert model.country == country
    np.testing.assert_allclose(fc.yhat, 50.0)
    np.testing.assert_allclose(fc.lower_95, 2.5)  # percentiles of draws 0..100
    np.testing.assert_allclose(fc.lower_80, 10.0)
    np.testing.assert_allclose(fc.upper_80, 90.0)
    np.testing.assert_allclose(fc.upper_95, 97.5)
    after = np.random.get_state()
    assert (
        after[0] == state[0]
        and np.array_equal(after[1], state[1])
        and after[2] == state[2]
    )


def test_prophet_fits_after_another_process_removed_cmdstans_temp_folder():
    """A forked process that exits removes cmdstanpy's per-process temp folder (its
    atexit hook); fits in this process must still work."""
    import shutil

    import cmdstanpy
    from prophet import Prophet

    shutil.rmtree(cmdstanpy._TMPDIR, ignore_errors=True)
    dates = pd.date_range("2020-01-01", periods=48, freq="MS")
    future = pd.date_range("2024-01-01", periods=3, freq="MS")
    y = 100.0 + 2.0 * np.arange(48)
    fc = fm.prophet_model(Prophet, dates, y, future, "monthly", uncertainty_samples=20)
    np.testing.assert_allclose(fc.yhat, [196.0, 198.0, 200.0], rtol=0.02)
