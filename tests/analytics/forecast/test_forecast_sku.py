"""SKU score projections and forecast cache keys (analytics.forecast)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import (
    ForecastError,
    forecast_cache_key,
    project_sku_scores,
    sku_score_forecast,
)

COLUMNS = [
    "sku",
    "projected_score",
    "projected_lower",
    "projected_upper",
    "slope",
    "trending_down",
    "months",
]


def _scores(
    per_sku: dict[str, list[float | None]], start: str = "2024-01-01"
) -> pd.DataFrame:
    """Monthly scores frame shaped like analytics.metrics.monthly_sku_scores; None = no row."""
    rows = []
    for sku, values in per_sku.items():
        months = pd.date_range(start, periods=len(values), freq="MS")
        rows += [
            {
                "month": m,
                "sku": sku,
                "score": v,
                "rank": 0,
                "transactions": 1,
                "revenue": 1.0,
            }
            for m, v in zip(months, values, strict=True)
            if v is not None
        ]
    frame = pd.DataFrame(rows)
    frame["rank"] = (
        frame.groupby("month")["score"].rank(ascending=False).astype("int64")
    )
    return frame


def test_projection_columns_and_exact_lines() -> None:
    out = project_sku_scores(
        _scores({"UP": [10, 20, 30, 40, 50, 60], "DOWN": [60, 50, 40, 30, 20, 10]})
    )
    assert list(out.columns) == COLUMNS
    up = out.set_index("sku").loc["UP"]
    down = out.set_index("sku").loc["DOWN"]
    assert up["projected_score"] == pytest.approx(70.0)
    assert up["slope"] == pytest.approx(10.0) and not up["trending_down"]
    assert up["projected_lower"] == pytest.approx(70.0) == up["projected_upper"]
    assert down["projected_score"] == pytest.approx(0.0)
    assert down["trending_down"] and down["months"] == 6
    assert list(out["sku"]) == ["UP", "DOWN"]  # highest projection first


def test_projection_periods_ahead() -> None:
    out = project_sku_scores(_scores({"A": [1, 2, 3, 4]}), periods=3)
    assert out.loc[0, "projected_score"] == pytest.approx(7.0)


def test_fewer_than_three_months_get_no_projection() -> None:
    out = project_sku_scores(_scores({"OLD": [5, 4, 3, 2], "NEW": [None, None, 8, 9]}))
    new = out.set_index("sku").loc["NEW"]
    assert np.isnan(new["projected_score"]) and np.isnan(new["slope"])
    assert not new["trending_down"] and new["months"] == 2
    assert out["sku"].iloc[-1] == "NEW"  # NaN projections last


def test_noisy_flat_scores_are_not_trending_down() -> None:
    out = project_sku_scores(_scores({"FLAT": [50, 47, 52, 49, 51, 48]}))
    row = out.iloc[0]
    assert row["slope"] < 0 and not row["trending_down"]
    assert row["projected_lower"] < row["projected_score"] < row["projected_upper"]


def test_only_the_last_window_months_are_used() -> None:
    # A steep climb long ago, flat in the last six months.
    out = project_sku_scores(
        _scores({"A": [0, 20, 40, 60, 80, 100, 100, 100, 100, 100, 100, 100]})
    )
    assert out.loc[0, "slope"] == pytest.approx(0.0)
    assert out.loc[0, "months"] == 6
    assert out.loc[0, "projected_score"] == pytest.approx(100.0)


def test_window_is_anchored_on_the_latest_month_of_any_sku() -> None:
    # B stopped two months before the data ends: only its last four months count.
    frame = _scores(
        {"A": [1, 1, 1, 1, 1, 1, 1, 1], "B": [9, 8, 7, 6, 5, 4, None, None]}
    )
    b = project_sku_scores(frame).set_index("sku").loc["B"]
    assert b["months"] == 4
    assert b["projected_score"] == pytest.approx(
        1.0
    )  # line 7,6,5,4 at months -5..-2 → 0 at +1


def test_vectorised_fit_matches_per_sku_polyfit() -> None:
    rng = np.random.default_rng(7)
    per_sku = {f"S{i:02d}": list(rng.normal(50, 10, 6).round(3)) for i in range(30)}
    out = project_sku_scores(_scores(per_sku), periods=2).set_index("sku")
    x = np.arange(-5, 1, dtype="float64")
    for sku, values in per_sku.items():
        slope, intercept = np.polyfit(x, values, 1)
        assert out.loc[sku, "slope"] == pytest.approx(slope)
        assert out.loc[sku, "projected_score"] == pytest.approx(intercept + 2 * slope)


def test_trending_down_uses_a_one_sided_t_test() -> None:
    rng = np.random.default_rng(11)
    x = np.arange(6, dtype="float64")
    clear = list(80 - 5 * x + rng.normal(0, 1, 6))
    weak = list(80 - 0.3 * x + rng.normal(0, 3, 6))
    out = project_sku_scores(_scores({"CLEAR": clear, "WEAK": weak})).set_index("sku")
    assert out.loc["CLEAR", "trending_down"]
    assert not out.loc["WEAK", "trending_down"]


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [((0.0, 100.0), (0.0, 0.0, 0.0)), (None, (-10.0, -10.0, -10.0))],
    ids=["clipped-to-score-range", "unclipped"],
)
def test_projection_is_clipped_to_the_score_range(bounds, expected) -> None:
    out = project_sku_scores(_scores({"A": [40, 30, 20, 10]}), periods=2, bounds=bounds)
    row = out.iloc[0]
    assert (
        row["projected_score"],
        row["projected_lower"],
        row["projected_upper"],
    ) == expected
    assert row["slope"] == pytest.approx(-10.0)


def test_projection_does_not_mutate_input() -> None:
    frame = _scores({"A": [1, 2, 3], "B": [3, 2, 1]})
    before = frame.copy()
    project_sku_scores(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_projection_needs_month_sku_score() -> None:
    with pytest.raises(ForecastError, match="month, sku and score"):
        project_sku_scores(pd.DataFrame({"sku": ["A"], "score": [1.0]}))


def test_sku_score_forecast_drill_down() -> None:
    out = sku_score_forecast(
        _scores({"A": [10, 12, 14, 16], "B": [1, 1, 1, 1]}), "A", periods=3
    )
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert [p["month"] for p in out["projection"]] == [
        "2024-05-01",
        "2024-06-01",
        "2024-07-01",
    ]
    assert [p["score"] for p in out["projection"]] == [18.0, 20.0, 22.0]
    assert out["history"][0] == {"month": "2024-01-01", "score": 10.0}
    assert (out["slope"], out["trending_down"], out["months"]) == (2.0, False, 4)


def test_sku_score_forecast_with_short_history_has_no_projection() -> None:
    out = sku_score_forecast(_scores({"A": [None, None, 3, 4], "B": [1, 1, 1, 1]}), "A")
    assert out["projection"] == [] and out["slope"] is None and out["months"] == 2


def test_sku_score_forecast_unknown_sku() -> None:
    with pytest.raises(ForecastError, match="no scores"):
        sku_score_forecast(_scores({"A": [1, 2, 3]}), "Z")


def test_cache_key_is_stable_and_ignores_order_and_none() -> None:
    a = forecast_cache_key("s1", {"metric": "revenue", "horizon": 6, "model": None})
    b = forecast_cache_key("s1", {"horizon": 6, "metric": "revenue"})
    assert a == b
    assert a.startswith("forecast:") and len(a) == len("forecast:") + 32


@pytest.mark.parametrize(
    ("session", "params"),
    [
        ("s2", {"metric": "revenue", "horizon": 6}),
        ("s1", {"metric": "profit", "horizon": 6}),
    ],
)
def test_cache_key_changes_with_session_or_params(session: str, params: dict) -> None:
    assert forecast_cache_key(session, params) != forecast_cache_key(
        "s1", {"metric": "revenue", "horizon": 6}
    )
