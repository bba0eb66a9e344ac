"""Forecasts per SKU / category / dimension, fitted in one statsforecast batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import ForecastError, forecast_by
from analytics.forecast import models as fm
from analytics.schema import conform_canonical

MONTHS = pd.date_range("2019-01-01", periods=60, freq="MS")


def _frame() -> pd.DataFrame:
    """Monthly order lines of four products (one launched late, one tiny), two regions."""
    rng = np.random.default_rng(11)
    t = np.arange(60)
    season = 1 + 0.3 * np.sin(2 * np.pi * t / 12)
    series = {
        "A": (1_000 + 10 * t) * season,
        "B": 400 + 0 * t + 20 * rng.normal(size=60),
        "C": np.where(t >= 45, 300.0, 0.0),  # launched 15 months ago
        "D": np.where(t >= 56, 5.0, 0.0),  # 4 months of history
    }
    rows = []
    for sku, values in series.items():
        for month, value in zip(MONTHS, values, strict=True):
            if value:
                for part, region in ((0.6, "North"), (0.4, "South")):
                    rows.append(
                        (month + pd.Timedelta(days=3), sku, region, part * value)
                    )
    frame = pd.DataFrame(rows, columns=["date", "sku", "Region", "revenue"])
    canonical = conform_canonical(frame[["date", "sku", "revenue"]])
    canonical["Region"] = frame["Region"].to_numpy()
    return canonical


def test_groups_are_the_largest_first_and_add_up_to_the_total() -> None:
    df = _frame()
    result = forecast_by(df, "sku", freq="monthly", horizon=6)
    groups = result.groups
    assert list(groups["group"]) == ["A", "B", "C", "D"]
    assert groups["total"].sum() == pytest.approx(df["revenue"].sum())
    expected = df.groupby("sku")["revenue"].sum()
    for row in groups.itertuples():
        assert row.total == pytest.approx(expected[row.group])
    assert list(groups["periods"]) == [60, 60, 15, 4]
    assert list(groups["status"]) == ["ready", "ready", "ready", "insufficient_history"]
    assert result.group_count == 4 and result.left_out_share == 0
    body = result.to_dict()
    assert body["groups"][3]["points"] == [] and body["groups"][3]["change"] is None
    assert [p["date"] for p in body["groups"][0]["points"]][:2] == [
        "2024-01-01",
        "2024-02-01",
    ]


def test_each_group_gets_what_the_total_forecast_engine_gives_its_series() -> None:
    """The batch is the same AutoETS + AutoTheta the total forecast uses, per group."""
    df = _frame()
    result = forecast_by(df, "sku", freq="monthly", horizon=4)
    classes = fm.load_statsforecast()
    sums = (
        df.assign(month=df["date"].dt.to_period("M"))
        .groupby(["sku", "month"])["revenue"]
        .sum()
    )
    for sku, season in (("A", 12), ("C", 1)):  # C: 15 months, under two seasons
        y = sums[sku].to_numpy()
        members = [
            fm.stats_forecasts(classes, name, y, season, (len(y),), 4, 360)[0]
            for name in ("auto_ets", "auto_theta")
        ]
        expected = np.maximum(fm.mean_forecast(members).yhat, 0)
        points = result.groups.set_index("group").loc[sku, "points"]
        got = np.array([p["yhat"] for p in points])
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0.01)


def test_change_compares_with_the_same_months_a_year_before() -> None:
    result = forecast_by(_frame(), "sku", freq="monthly", horizon=3)
    a = result.groups.set_index("group").loc["A"]
    assert a["compared"] == "a year before"
    # A's last 12 months, first 3 of them: January-March of the last year
    t = np.arange(60)
    values = (1_000 + 10 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
    assert a["compared_total"] == pytest.approx(values[48:51].sum())
    assert a["change"] == pytest.approx(a["forecast_total"] / a["compared_total"] - 1)
    c = result.groups.set_index("group").loc["C"]
    assert c["compared"] == "a year before"


def test_a_dimension_column_and_the_limit() -> None:
    result = forecast_by(_frame(), "Region", freq="monthly", limit=1)
    assert list(result.groups["group"]) == ["North"]
    assert result.group_count == 2
    assert result.left_out_share == pytest.approx(0.4)
    assert (
        "the other 1, 40% of revenue, are not forecast" in result.to_dict()["message"]
    )


def test_without_statsforecast_each_group_gets_the_fallback(monkeypatch) -> None:
    def broken():
        raise ImportError("No module named 'statsforecast'")

    monkeypatch.setattr(fm, "load_statsforecast", broken)
    result = forecast_by(_frame(), "sku", freq="monthly", horizon=3)
    models = {g["group"]: g["model"] for g in result.to_dict()["groups"]}
    assert models == {
        "A": "trend_seasonal_naive",
        "B": "trend_seasonal_naive",
        "C": "trend",
        "D": None,
    }
    message = result.to_dict()["message"]
    assert "Statsforecast is unavailable (ImportError)." in message
    assert "AutoETS" not in message
    assert "last year's pattern moved by the recent trend (2 of them)" in message
    assert "1 with under 8 periods of history is not forecast" in message


def test_forecasts_of_sales_stay_at_or_above_zero() -> None:
    df = _frame()
    # a product whose sales fell to nothing: a trend would go below 0
    fading = df.loc[df["sku"] == "B"].copy()
    fading["sku"] = "E"
    fading["revenue"] = np.linspace(900, 0, len(fading))
    result = forecast_by(pd.concat([df, fading]), "sku", freq="monthly", horizon=6)
    for points in result.groups["points"]:
        for p in points:
            assert p["yhat"] >= 0 and p["yhat_lower_80"] >= 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "colour"}, "no column 'colour'"),
        ({"by": "sku", "limit": 0}, "between 1 and 200"),
        ({"by": "sku", "limit": 201}, "between 1 and 200"),
        ({"by": "sku", "horizon": 0}, "between 1 and 1000"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, message) -> None:
    with pytest.raises(ForecastError, match=message):
        forecast_by(_frame(), **kwargs)
