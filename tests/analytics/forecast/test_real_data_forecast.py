"""Forecasts of the real sample files in shared/data (skipped when the folder is absent).

Each series is built straight from the raw file with pandas, so these tests do not depend on
the ingestion module: the forecaster must pick a model that backtests no worse than the
seasonal-naive benchmark (naive when there are under two seasons).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import forecast
from analytics.schema import conform_canonical

DATA_DIR = Path(__file__).resolve().parents[4] / "shared" / "data"

pytestmark = [
    pytest.mark.skipif(
        not DATA_DIR.exists(), reason="shared/data sample files not present"
    ),
    pytest.mark.slow,
]


def retail_sales() -> pd.DataFrame:
    raw = pd.read_csv(DATA_DIR / "prophet_example_retail_sales.csv")
    return conform_canonical(
        pd.DataFrame({"date": pd.to_datetime(raw["ds"]), "revenue": raw["y"]})
    )


def walmart_stores() -> pd.DataFrame:
    raw = pd.read_csv(DATA_DIR / "walmart_weekly_45stores.csv")
    dates = pd.to_datetime(raw["Date"], format="%d/%m/%y")
    return conform_canonical(
        pd.DataFrame({"date": dates, "revenue": raw["Weekly_Sales"]})
    )


def superstore_orders() -> pd.DataFrame:
    raw = pd.read_csv(DATA_DIR / "superstore_classic_cp1252.csv", encoding="cp1252")
    dates = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y")
    return conform_canonical(pd.DataFrame({"date": dates, "revenue": raw["Sales"]}))


def online_retail_lines() -> pd.DataFrame:
    raw = pd.read_csv(DATA_DIR / "online_retail_uci_sample.csv")
    dates = pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M")
    revenue = raw["Quantity"] * raw["UnitPrice"]
    return conform_canonical(pd.DataFrame({"date": dates, "revenue": revenue}))


def financial_sample() -> pd.DataFrame:
    raw = pd.read_excel(DATA_DIR / "ms_financial_sample.xlsx", engine="openpyxl")
    return conform_canonical(
        pd.DataFrame({"date": pd.to_datetime(raw["Date"]), "revenue": raw[" Sales"]})
    )


# (name, frame builder, forecast kwargs, expected freq, periods, history total)
CASES = [
    ("retail_sales", retail_sales, {}, "MS", 293, 90_528_594.0),
    ("walmart_weekly", walmart_stores, {}, "W-FRI", 143, 6_737_218_987.11),
    (
        "superstore_monthly",
        superstore_orders,
        {"freq": "monthly"},
        "MS",
        48,
        2_297_200.86,
    ),
    # December 2011 stops on the 9th: the incomplete month is left out of the history.
    ("online_retail_monthly", online_retail_lines, {"freq": "monthly"}, "MS", 12, None),
]


@pytest.fixture(scope="module")
def results() -> dict:
    return {name: forecast(build(), **kwargs) for name, build, kwargs, *_ in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_real_series_is_aggregated_as_expected(case: tuple, results: dict) -> None:
    name, _, _, freq, periods, total = case
    result = results[name]
    assert result.status == "ready"
    assert result.frequency.freq == freq
    assert len(result.history) == periods
    if total is not None:
        assert result.history.sum() == pytest.approx(total, rel=1e-9)


def test_online_retail_history_matches_monthly_groupby(results: dict) -> None:
    lines = online_retail_lines()
    by_month = lines.groupby(lines["date"].dt.to_period("M"))["revenue"].sum()
    history = results["online_retail_monthly"].history
    assert list(history.index.strftime("%Y-%m")) == [
        str(p) for p in by_month.index[:-1]
    ]
    assert history.to_numpy() == pytest.approx(by_month.to_numpy()[:-1])
    assert history.loc["2011-11-01"] == pytest.approx(-3_248.07, abs=0.01)


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_chosen_model_backtests_no_worse_than_seasonal_naive(
    name: str, results: dict
) -> None:
    result = results[name]
    scores = result.backtest
    benchmark = "seasonal_naive" if "seasonal_naive" in scores else "naive"
    assert result.chosen_by == "mase"
    assert scores[result.model].mase <= scores[benchmark].mase
    assert all(score.n_origins >= 3 for score in scores.values())
    json.dumps(result.to_dict(), allow_nan=False)


def test_monthly_series_with_two_years_use_seasonal_models(results: dict) -> None:
    assert {"seasonal_naive", "trend_seasonal_naive"} <= set(
        results["superstore_monthly"].backtest
    )
    assert set(results["online_retail_monthly"].backtest) <= {
        "naive",
        "trend",
        "prophet",
        "auto_ets",
        "auto_theta",
        "auto_arima",
        "ensemble",
    }


def test_online_retail_sparse_days_default_to_monthly() -> None:
    result = forecast(online_retail_lines())
    assert result.frequency.label == "monthly"
    assert "sparse" in result.message


# Series with enough history to hide a horizon and still back-test on the rest:
# (name, frame builder, forecast kwargs, plain-pandas period, hidden periods, season)
HOLDOUT = [
    ("retail_sales", retail_sales, {}, "M", 6, 12),
    ("walmart_weekly", walmart_stores, {}, "W-THU", 13, 52),
    ("superstore_monthly", superstore_orders, {"freq": "monthly"}, "M", 6, 12),
    ("financial_sample", financial_sample, {"freq": "monthly"}, "M", 6, 12),
]


@pytest.fixture(scope="module")
def holdout_ratios() -> dict[str, float]:
    """MAE of the chosen model on the hidden last periods / the seasonal-naive MAE."""
    ratios = {}
    for name, build, kwargs, period, h, m in HOLDOUT:
        df = build()
        sums = df.groupby(df["date"].dt.to_period(period))["revenue"].sum()
        hidden = sums.iloc[-h:]
        first_hidden = hidden.index[0].start_time
        train = df.loc[df["date"] < first_hidden]
        result = forecast(train, horizon=h, **kwargs)
        assert result.status == "ready"
        predicted = result.points["yhat"].to_numpy()
        assert list(result.points["date"].dt.to_period(period)) == list(hidden.index)
        past = sums.iloc[:-h].to_numpy()
        benchmark = (
            past[len(past) - m : len(past) - m + h]
            if len(past) >= 2 * m
            else np.repeat(past[-1], h)
        )
        actual = hidden.to_numpy()
        ratios[name] = float(
            np.mean(np.abs(actual - predicted)) / np.mean(np.abs(actual - benchmark))
        )
    return ratios


def test_holdout_error_beats_seasonal_naive_on_real_series(
    holdout_ratios: dict[str, float],
) -> None:
    geometric_mean = math.exp(np.mean(np.log(list(holdout_ratios.values()))))
    assert geometric_mean <= 0.65, holdout_ratios  # 0.58 measured
    assert max(holdout_ratios.values()) <= 0.9, holdout_ratios


@pytest.mark.parametrize(
    "name", ["retail_sales", "walmart_weekly", "superstore_monthly"]
)
def test_backtest_80_band_holds_about_80_percent(name: str, results: dict) -> None:
    result = results[name]
    score = result.backtest[result.model]
    assert score.n_points >= 30
    assert 0.7 <= score.inside_80 / score.n_points <= 0.9
    assert score.inside_95 / score.n_points >= 0.85
