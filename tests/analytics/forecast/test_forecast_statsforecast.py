"""statsforecast candidates, model ranking, conformal bands and the default period."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import backtest as bt
from analytics.forecast import default_frequency, forecast, rank_models
from analytics.forecast import models as fm
from analytics.forecast import run as fc
from analytics.forecast.backtest import BacktestPlan, BacktestScore
from analytics.schema import conform_canonical

STATS = {"auto_ets", "auto_theta", "auto_arima", "ensemble"}


def _frame(dates, values) -> pd.DataFrame:
    return conform_canonical(
        pd.DataFrame({"date": pd.DatetimeIndex(dates), "revenue": values})
    )


def _seasonal(n: int, seed: int = 0, noise: float = 0.03) -> pd.DataFrame:
    """Monthly revenue with a trend and multiplicative yearly seasonality."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = (
        (1_000 + 15 * t)
        * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
        * (1 + noise * rng.normal(size=n))
    )
    return _frame(pd.date_range("2015-01-01", periods=n, freq="MS"), values)


@pytest.fixture
def no_prophet(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ImportError("No module named 'prophet'")

    monkeypatch.setattr(fc, "_import_prophet", broken)


def _score(mase: float) -> BacktestScore:
    return BacktestScore(
        mape=None, smape=0.0, mase=mase, coverage_80=0.8, coverage_95=0.95, n_origins=3
    )


def test_statsforecast_models_compete_and_the_winner_beats_the_benchmark(
    no_prophet: None,
) -> None:
    result = forecast(_seasonal(72))
    assert STATS <= set(result.backtest)
    assert result.chosen_by == "mase"
    scores = result.backtest
    best = min(scores, key=lambda name: scores[name].mase)
    chosen = scores[result.model]
    # the best model, or the ensemble when the best did not beat it clearly
    assert chosen.mase <= scores[best].mase * 1.01 or (
        result.model == "ensemble" and not bt.clearly_better(scores[best], chosen)
    )
    assert chosen.mase < scores["seasonal_naive"].mase


def _origins(mase: list[float]) -> BacktestScore:
    return BacktestScore(
        mape=None,
        smape=0.0,
        mase=float(np.mean(mase)),
        coverage_80=0.8,
        coverage_95=0.95,
        n_origins=len(mase),
        origin_mase=tuple(mase),
    )


def test_a_model_must_beat_the_ensemble_clearly_to_replace_it() -> None:
    order = ["seasonal_naive", "trend_seasonal_naive", "auto_theta", "ensemble"]
    scores = {
        "seasonal_naive": _origins([1.0, 1.0, 1.0, 1.0, 1.0]),
        "trend_seasonal_naive": _origins([0.5, 0.5, 0.5, 0.5, 0.5]),
        # 14 % lower on average, but ahead at 3 of 5 cut-offs only: chance
        "auto_theta": _origins([0.2, 0.3, 0.5, 0.6, 0.3]),
        "ensemble": _origins([0.4, 0.4, 0.4, 0.4, 0.4]),
    }
    assert not bt.clearly_better(scores["auto_theta"], scores["ensemble"])
    assert rank_models(scores, order)[:2] == ["ensemble", "auto_theta"]
    # lower at every cut-off by a steady margin: clearly better, it wins
    scores["auto_theta"] = _origins([0.30, 0.31, 0.29, 0.30, 0.32])
    assert bt.clearly_better(scores["auto_theta"], scores["ensemble"])
    assert rank_models(scores, order)[0] == "auto_theta"
    # the ensemble never goes above the benchmark
    scores["ensemble"] = _origins([1.2, 1.2, 1.2, 1.2, 1.2])
    scores["auto_theta"] = _origins([0.9, 1.1, 0.9, 1.0, 1.1])
    assert rank_models(scores, order)[0] == "trend_seasonal_naive"
    assert rank_models(scores, order)[-1] == "ensemble"


def test_the_message_says_why_the_ensemble_beat_a_lower_mase(
    no_prophet: None,
) -> None:
    for seed in range(6):
        result = forecast(_seasonal(72, seed=seed))
        scores = result.backtest
        best = min(scores, key=lambda name: scores[name].mase)
        if result.model == "ensemble" and best != "ensemble":
            assert "no model beat it clearly" in result.model_reason
            assert "within chance" in result.message
            assert "so the mean of the models is used" in result.message
            return
    pytest.fail("no seed gave a near tie: the case this test is about was not produced")


def test_ties_go_to_the_simpler_model() -> None:
    order = ["seasonal_naive", "trend_seasonal_naive", "auto_ets", "prophet"]
    scores = {
        "prophet": _score(0.500),
        "auto_ets": _score(0.503),
        "trend_seasonal_naive": _score(0.600),
        "seasonal_naive": _score(1.0),
    }
    assert rank_models(scores, order) == [
        "auto_ets",
        "prophet",
        "trend_seasonal_naive",
        "seasonal_naive",
    ]
    scores["auto_ets"] = _score(0.52)  # 4 % worse: no longer a tie
    assert rank_models(scores, order)[0] == "prophet"


def test_ensemble_is_the_mean_of_its_members(no_prophet: None) -> None:
    df = _seasonal(60, seed=3)
    members = [
        forecast(df, horizon=4, model=name, backtest=False).points["yhat"]
        for name in ("auto_ets", "auto_theta", "auto_arima")
    ]
    ensemble = forecast(df, horizon=4, model="ensemble", backtest=False)
    assert ensemble.model == "ensemble"
    np.testing.assert_allclose(
        ensemble.points["yhat"], np.mean(members, axis=0), rtol=1e-9
    )


def test_statsforecast_missing_falls_back_to_prophet_and_baselines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> None:
        raise ImportError("No module named 'statsforecast'")

    monkeypatch.setattr(fm, "load_statsforecast", broken)
    result = forecast(_seasonal(48), model="auto_theta")
    assert result.status == "ready"
    assert set(result.backtest) == {
        "seasonal_naive",
        "trend_seasonal_naive",
        "prophet",
    }
    assert result.model in result.backtest and result.chosen_by == "mase"
    assert "statsforecast is unavailable (ImportError" in result.model_reason


def test_conformal_quantile_is_the_finite_sample_rank() -> None:
    scores = np.arange(1.0, 10.0)  # 9 scores: rank ceil(10 * 0.8) = 8
    assert bt.conformal_quantile(scores, 0.8) == 8.0
    assert bt.conformal_quantile(scores, 0.95) == 9.0  # rank 10 > n: the largest


def test_leave_one_origin_out_coverage_is_near_nominal() -> None:
    plan = BacktestPlan(origins=tuple(range(24, 96, 3)), horizon=3, step=3)
    inside_80 = inside_95 = total = 0
    for seed in range(30):
        y = 100 + np.random.default_rng(seed).normal(0, 10, 100)
        runs = [fm.seasonal_naive(y[:o], 3, 1) for o in plan.origins]
        actual = bt.origin_actuals(y, plan)
        score = bt.score_forecasts(actual, runs, bt.origin_scales(y, plan, 1))
        inside_80 += score.inside_80
        inside_95 += score.inside_95
        total += score.n_points
    assert 0.75 <= inside_80 / total <= 0.85
    assert 0.91 <= inside_95 / total <= 0.98


def test_forecast_bands_cover_future_values_at_their_level(no_prophet: None) -> None:
    """On series whose future is known, the 80 % band holds about 80 % of it."""
    inside_80 = inside_95 = total = 0
    for seed in range(24):
        df = _seasonal(66, seed=seed, noise=0.05)
        history, future = df.iloc[:60], df["revenue"].to_numpy()[60:]
        points = forecast(history, horizon=6).points
        inside_80 += int(
            (
                (future >= points["yhat_lower_80"])
                & (future <= points["yhat_upper_80"])
            ).sum()
        )
        inside_95 += int(
            ((future >= points["yhat_lower"]) & (future <= points["yhat_upper"])).sum()
        )
        total += len(future)
    assert 0.65 <= inside_80 / total <= 0.93
    assert inside_95 / total >= 0.85


def _transactions(days: int, active: float, lines: int, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    calendar = pd.date_range("2021-01-04", periods=days, freq="D")
    open_days = calendar[rng.random(days) < active]
    return pd.Series(np.repeat(open_days.to_numpy(), lines))


@pytest.mark.parametrize(
    ("days", "active", "lines", "label"),
    [
        (730, 0.7, 3, "monthly"),  # sparse over two years: monthly, as the dashboard
        (200, 0.8, 2, "weekly"),  # sparse over 200 days: weekly
        (1095, 1.0, 20, "daily"),  # every day, many lines: daily
        (730, 0.95, 4, "monthly"),  # every day but few lines: monthly
    ],
)
def test_default_period_of_transactions(
    days: int, active: float, lines: int, label: str
) -> None:
    info, why = default_frequency(_transactions(days, active, lines))
    assert info.label == label
    assert ("sparse" in why) == (label != "daily")


def test_daily_totals_stay_daily() -> None:
    dates = pd.Series(pd.date_range("2022-01-01", periods=400, freq="D"))
    assert default_frequency(dates) == (
        fc.FrequencyInfo("D", "daily", True, 7),
        "",
    )


def test_sparse_transactions_are_forecast_monthly_unless_daily_is_chosen(
    no_prophet: None,
) -> None:
    dates = _transactions(730, 0.75, 2, seed=4)
    df = _frame(dates, np.full(len(dates), 50.0))
    auto = forecast(df)
    assert auto.frequency.label == "monthly"
    assert "choose Daily" in auto.message
    by_month = df.groupby(df["date"].dt.to_period("M"))["revenue"].sum()
    months = auto.history.index.to_period("M")
    assert len(months) >= 23  # a partial first or last month may be left out
    np.testing.assert_allclose(auto.history.to_numpy(), by_month.loc[months])
    assert forecast(df, freq="daily", backtest=False).frequency.label == "daily"


def test_too_few_errors_keep_at_least_the_models_own_band() -> None:
    actual = np.array([[10.0, 11.0, 12.0]])
    yhat = np.array([[10.1, 10.9, 12.2]])
    spreads = np.ones((1, 3))  # errors of 0.1-0.2 spreads: far inside a normal band
    # 3 errors cannot rank 80 % (rank ceil(4 * 0.8) = 4) nor 95 %: the normal multipliers
    assert bt.conformal_multipliers(actual, yhat, spreads) == pytest.approx(
        (fm.Z80, fm.Z95)
    )
    # 19 errors rank both levels: the conformal quantiles (16th and 19th of 1..19)
    many = np.arange(1.0, 20.0)[None, :]
    assert bt.conformal_multipliers(many, np.zeros_like(many), np.ones_like(many)) == (
        16.0,
        19.0,
    )


def test_bands_of_a_non_negative_history_stop_at_zero_around_positive_forecasts(
    no_prophet: None,
) -> None:
    months = pd.date_range("2020-01-01", periods=30, freq="MS")
    falling = np.linspace(300.0, 20.0, 30) + np.tile([8.0, -8.0], 15)
    points = forecast(_frame(months, falling), horizon=12, model="trend").points
    positive = points["yhat"] >= 0
    assert positive.any() and (~positive).any()  # the line crosses zero
    assert (points.loc[positive, ["yhat_lower", "yhat_lower_80"]] >= 0).all().all()
    below = points.loc[~positive]
    assert (below["yhat_lower"] <= below["yhat_lower_80"]).all()
    assert (below["yhat_lower_80"] <= below["yhat"]).all()
    assert (points["yhat_upper_80"] >= points["yhat"]).all()


def test_refit_fits_each_cut_off_on_everything_before_it() -> None:
    classes = fm.load_statsforecast()
    t = np.arange(40, dtype="float64")
    y = 100 + 2 * t + 10 * np.sin(2 * np.pi * t / 12)
    refit = fm.stats_forecasts(
        classes, "auto_ets", y, 12, (30, 34), 3, 1000, refit=True
    )
    alone = [
        fm.stats_forecasts(classes, "auto_ets", y[:end], 12, (end,), 3, 1000)[0]
        for end in (30, 34)
    ]
    for a, b in zip(refit, alone, strict=True):
        np.testing.assert_allclose(a.yhat, b.yhat)
    # without refit the later cut-off reuses the first window's parameters
    once = fm.stats_forecasts(classes, "auto_ets", y, 12, (30, 34), 3, 1000)
    np.testing.assert_allclose(once[0].yhat, alone[0].yhat)
