"""Tests for analytics.metrics.skus: the documented SKU performance score and its drill-downs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics.metrics import (
    MONTHLY_COLUMNS,
    SCORE_COLUMNS,
    UnknownSkuError,
    band_label,
    hide_few_sales,
    monthly_sku_scores,
    score_band,
    sku_history,
    sku_scores,
    sku_summary,
)
from tests.sku_reference import assert_same_ranking, reference_scores


def scores_of(make_canonical, amounts: dict[str, list[float]]) -> pd.DataFrame:
    """sku_scores of a frame with the given revenue amounts per SKU."""
    skus = [sku for sku, values in amounts.items() for _ in values]
    revenue = [value for values in amounts.values() for value in values]
    return sku_scores(make_canonical(revenue=revenue, sku=skus)).set_index("sku")


def frame_rows(df: pd.DataFrame) -> list[tuple[str, float]]:
    """The ``(sku, revenue)`` pairs of a canonical frame, rows without a SKU left out."""
    return [
        (sku, float(amount))
        for sku, amount in zip(df["sku"].tolist(), df["revenue"].tolist(), strict=True)
        if isinstance(sku, str)
    ]


def as_records(scores: pd.DataFrame) -> list[dict]:
    return scores.to_dict("records")


# ---- the formula on hand-computed cases ---------------------------------------------------------


def test_hand_computed_scores_with_a_tie_broken_by_revenue(make_canonical):
    # A: [10, 10]   n=2 m=10 v=0     B: [30]  n=1 m=30 (no v)   C: [5, 15, 10] n=3 m=10 v=.41
    # F = pr(n): B 0, A .5, C 1.   P = pr(m): A and C tie at ranks 1-2 -> 1.5 -> .25, B 1.
    # v only for A (0) and C (.41): pr 0 and 1, so C = 1 for A, 0 for C; 0 for B (one sale).
    # A = 100(.2 + .1 + .2) = 50, C = 100(.4 + .1) = 50, B = 100(.4) = 40;
    # C's revenue 30 beats A's 20 in the tie.
    frame = make_canonical(
        revenue=[10.0, 30.0, 5.0, 10.0, 15.0, 10.0],
        profit=[1.0, None, 1.0, None, 2.0, 3.0],
        sku=["A", "B", "C", "A", "C", "C"],
    )
    expected = pd.DataFrame(
        {
            "sku": pd.Series(["C", "A", "B"], dtype="str"),
            "rank": np.array([1, 2, 3], dtype="int64"),
            "score": [50.0, 50.0, 40.0],
            "band": pd.Series(["amber", "amber", "amber"], dtype="str"),
            "frequency_score": [1.0, 0.5, 0.0],
            "price_score": [0.25, 0.25, 1.0],
            "consistency_score": [0.0, 1.0, 0.0],
            "transactions": np.array([3, 2, 1], dtype="int64"),
            "avg_amount": [10.0, 10.0, 30.0],
            "revenue": [30.0, 20.0, 30.0],
            "profit": [6.0, 1.0, math.nan],
            "few_sales": [False, True, True],
        }
    )
    assert_frame_equal(sku_scores(frame), expected)


def test_one_expensive_line_does_not_flatten_every_other_price(make_canonical):
    # With min-max scaling the 10,000 sale would leave 10, 20 and 30 near 0 on price;
    # percentile ranks space the four SKUs evenly: 0, 1/3, 2/3, 1.
    scores = scores_of(
        make_canonical, {"a": [10.0], "b": [20.0], "c": [30.0], "d": [10_000.0]}
    )
    assert scores["price_score"].to_dict() == pytest.approx(
        {"a": 0.0, "b": 1 / 3, "c": 2 / 3, "d": 1.0}
    )


def test_a_one_off_sale_is_not_perfectly_consistent(make_canonical):
    # big sold once at a high price; steady 5 times at 50; wobbly [10, 30].
    # F: big 0, wobbly .5, steady 1.  P: wobbly 0, steady .5, big 1.
    # v only for steady (0) and wobbly (.5): C 1 and 0; big has one sale: C 0.
    # steady 100(.4 + .2 + .2) = 80, big 100(.4) = 40, wobbly 100(.2) = 20.
    scores = scores_of(
        make_canonical,
        {"big": [900.0], "steady": [50.0] * 5, "wobbly": [10.0, 30.0]},
    )
    assert scores["consistency_score"].to_dict() == {
        "steady": 1.0, "big": 0.0, "wobbly": 0.0,
    }  # fmt: skip
    assert scores["score"].to_dict() == {"steady": 80.0, "big": 40.0, "wobbly": 20.0}
    assert scores["few_sales"].to_dict() == {
        "steady": False, "big": True, "wobbly": True,
    }  # fmt: skip


def test_equal_scores_and_revenue_rank_by_sku_id(make_canonical):
    scores = sku_scores(make_canonical(revenue=[5.0, 5.0, 5.0], sku=["b", "c", "a"]))
    assert scores["sku"].tolist() == ["a", "b", "c"]
    assert scores["rank"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("amounts", "f", "p", "c", "score"),
    [
        # K = 1 everywhere: pr is 1.0; one sale has no v, so C = 0.
        ({"only": [42.0]}, 1.0, 1.0, 0.0, 80.0),
        # one SKU with a v: pr(v) = 1.0, so C = 1 - 1 = 0.
        ({"only": [1.0, 2.0, 3.0]}, 1.0, 1.0, 0.0, 80.0),
        # three SKUs tied on everything share the middle rank 2 of 3: pr = .5.
        ({"x": [7.0, 7.0], "y": [7.0, 7.0], "z": [7.0, 7.0]}, 0.5, 0.5, 0.5, 50.0),
    ],
    ids=["one-row", "one-sku", "all-equal"],
)
def test_single_and_tied_skus_follow_the_documented_rank_rule(
    make_canonical, amounts, f, p, c, score
):
    scores = scores_of(make_canonical, amounts)
    assert (scores["frequency_score"] == f).all()
    assert (scores["price_score"] == p).all()
    assert (scores["consistency_score"] == c).all()
    assert (scores["score"] == score).all()


def test_negative_amounts_use_the_absolute_mean(make_canonical):
    # N: [-10, -30] m=-20 v=.5 (the only v: C = 0) -> F 1, P 0 -> 40;
    # P: [20] -> F 0, P 1, C 0 -> 40; equal scores: P's revenue 20 beats N's -40.
    scores = sku_scores(
        make_canonical(revenue=[-10.0, -30.0, 20.0], sku=["N", "N", "P"])
    ).set_index("sku")
    assert scores["score"].to_dict() == {"P": 40.0, "N": 40.0}
    assert scores.index.tolist() == ["P", "N"]
    assert scores.loc["N", "avg_amount"] == -20.0


@pytest.mark.parametrize(
    "zero_mean", [[10.0, -10.0], [0.1, 0.2, -0.3]], ids=["exact", "float-noise"]
)
def test_zero_mean_has_no_consistency(make_canonical, zero_mean):
    # Z averages 0, so v is not defined and C = 0; among Q [1, 3] (v .5) and
    # R [2, 2] (v 0), R is the steadier.
    scores = scores_of(
        make_canonical, {"Z": zero_mean, "Q": [1.0, 3.0], "R": [2.0, 2.0]}
    )
    assert scores["consistency_score"].to_dict() == {"R": 1.0, "Q": 0.0, "Z": 0.0}
    assert scores.loc["Z", "avg_amount"] == 0.0


def test_float_noise_does_not_separate_equal_prices(make_canonical):
    # 0.1 summed 3 or 7 times is not exactly 0.3 / 0.7: means differ in the last bit.
    # All prices tie (P = .5); X and Y both have v = 0 (C = .5); W sold once (C = 0).
    scores = scores_of(make_canonical, {"X": [0.1] * 3, "Y": [0.1] * 7, "W": [0.1]})
    assert (scores["price_score"] == 0.5).all()
    assert scores["consistency_score"].to_dict() == {"Y": 0.5, "X": 0.5, "W": 0.0}
    assert scores["score"].to_dict() == {"Y": 70.0, "X": 50.0, "W": 20.0}


def test_profit_is_nan_only_when_the_sku_has_none(make_canonical):
    frame = make_canonical(
        revenue=[1.0, 2.0, 3.0], profit=[None, 0.5, None], sku=["a", "a", "b"]
    )
    profit = sku_scores(frame).set_index("sku")["profit"]
    assert profit["a"] == 0.5
    assert math.isnan(profit["b"])


def test_rows_without_a_sku_are_left_out(make_canonical):
    frame = make_canonical(revenue=[1_000_000.0, 10.0, 20.0], sku=[None, "a", "b"])
    scores = sku_scores(frame)
    assert scores["sku"].tolist() == ["b", "a"]
    assert scores["price_score"].tolist() == [1.0, 0.0]


def test_no_skus_gives_an_empty_frame_with_the_columns(make_canonical):
    scores = sku_scores(make_canonical(revenue=[1.0], sku=[None]))
    assert scores.empty
    assert scores.columns.tolist() == list(SCORE_COLUMNS)


@pytest.mark.parametrize(
    ("score", "band"),
    [(100.0, "green"), (70.0, "green"), (69.999999, "amber"), (40.0, "amber"),
     (39.999999, "red"), (0.0, "red")],
)  # fmt: skip
def test_score_bands(score, band):
    assert score_band(score) == band


def test_every_band_has_a_word():
    assert [band_label(b) for b in ("green", "amber", "red")] == [
        "High",
        "Medium",
        "Low",
    ]


def test_hiding_few_sales_keeps_scores_and_ranks(make_canonical):
    frame = make_canonical(
        revenue=[5.0, 5.0, 5.0, 9.0, 9.0, 1.0], sku=["a", "a", "a", "b", "b", "c"]
    )
    # a [5, 5, 5] and b [9, 9] both score 70 (b first on revenue), c [1] scores 0.
    scores = sku_scores(frame)
    assert scores["sku"].tolist() == ["b", "a", "c"]
    kept = hide_few_sales(scores, 3)
    assert kept[["sku", "rank", "score"]].values.tolist() == [["a", 2, 70.0]]
    assert_frame_equal(kept, scores.iloc[[1]].reset_index(drop=True))
    assert_frame_equal(hide_few_sales(scores, None), scores)
    assert_frame_equal(hide_few_sales(scores, 1), scores)
    with pytest.raises(ValueError, match="at least 1"):
        hide_few_sales(scores, 0)


# ---- agreement with a plain implementation ------------------------------------------------------


@pytest.fixture(params=[1, 2, 3, 4])
def random_sales(request, make_canonical) -> pd.DataFrame:
    """Random SKUs and amounts, with ties, one-offs, zero means, refunds and gaps."""
    rng = np.random.default_rng(request.param)
    rows = 600
    amounts = rng.choice([2.5, 5.0, 10.0, 10.0, 25.25, -5.0, 100.0, 0.1, 0.7], rows)
    skus = rng.choice([f"S{i:02d}" for i in range(60)] + [None], rows).astype(object)
    skus[:4] = ["ONE-OFF"] + ["ZERO"] * 3  # a single sale; sales averaging to zero
    amounts[:4] = [40.0, 0.1, 0.2, -0.3]
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, 400, rows), unit="D"
    )
    return make_canonical(
        date=days.strftime("%Y-%m-%d").tolist(),
        revenue=amounts,
        profit=np.where(rng.random(rows) < 0.2, np.nan, amounts * 0.3),
        sku=skus,
    )


def test_scores_match_a_plain_python_implementation(random_sales):
    ours = as_records(sku_scores(random_sales))
    assert_same_ranking(ours, reference_scores(frame_rows(random_sales)))


def test_monthly_scores_match_the_plain_implementation_month_by_month(random_sales):
    monthly = monthly_sku_scores(random_sales)
    dated = random_sales[random_sales["date"].notna()]
    months = dated["date"].dt.to_period("M").dt.start_time
    for month, rows in dated.groupby(months):
        want = reference_scores(frame_rows(rows))
        got = monthly.loc[monthly["month"] == month].reset_index(drop=True)
        assert got["sku"].tolist() == [row["sku"] for row in want], month
        assert got["rank"].tolist() == [row["rank"] for row in want], month
        np.testing.assert_allclose(
            got["score"], [row["score"] for row in want], atol=1e-6
        )
        assert got["transactions"].tolist() == [row["transactions"] for row in want]
    assert monthly["month"].nunique() == months.nunique()


def test_monthly_scores_equal_scores_computed_month_by_month(random_sales):
    monthly = monthly_sku_scores(random_sales)
    dated = random_sales[random_sales["date"].notna()]
    months = dated["date"].dt.to_period("M").dt.start_time
    for month, rows in dated.groupby(months):
        expected = sku_scores(rows)[["sku", "score", "rank", "transactions", "revenue"]]
        got = monthly.loc[monthly["month"] == month, expected.columns].reset_index(
            drop=True
        )
        assert_frame_equal(got, expected)


def test_monthly_scores_shape(small_sales):
    monthly = monthly_sku_scores(small_sales)
    assert monthly.columns.tolist() == list(MONTHLY_COLUMNS)
    assert monthly["month"].dtype == "datetime64[ns]"
    assert monthly["month"].drop_duplicates().tolist() == [
        pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"),
    ]  # fmt: skip
    assert monthly.groupby("month")["rank"].apply(list).tolist() == [
        [1, 2, 3],
        [1, 2, 3],
    ]


def test_monthly_scores_leave_out_rows_without_date_or_sku(make_canonical):
    frame = make_canonical(
        date=["2024-01-05", None, "2024-01-07"],
        revenue=[1.0, 2.0, 3.0],
        sku=["a", "a", None],
    )
    monthly = monthly_sku_scores(frame)
    assert monthly[["sku", "transactions", "revenue"]].values.tolist() == [
        ["a", 1, 1.0]
    ]


def test_monthly_scores_of_dates_before_1970(make_canonical):
    frame = make_canonical(
        date=["1969-12-15", "1970-01-15"], revenue=[1.0, 2.0], sku=["a", "b"]
    )
    monthly = monthly_sku_scores(frame)
    assert monthly["month"].tolist() == [
        pd.Timestamp("1969-12-01"),
        pd.Timestamp("1970-01-01"),
    ]
    assert monthly["sku"].tolist() == ["a", "b"]


# ---- drill-downs ---------------------------------------------------------------------------------


def test_sku_history_is_sorted_by_date_with_undated_rows_last(make_canonical):
    frame = make_canonical(
        date=["2024-03-01", None, "2024-01-01", "2024-02-01"],
        revenue=[3.0, 9.0, 1.0, 2.0],
        quantity=[3, 9, 1, 2],
        profit=[0.3, None, 0.1, 0.2],
        sku=["k", "k", "k", "other"],
    )
    expected = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-03-01", None]).astype(
                "datetime64[ns]"
            ),
            "revenue": [1.0, 3.0, 9.0],
            "quantity": [1.0, 3.0, 9.0],
            "profit": [0.1, 0.3, math.nan],
        }
    )
    assert_frame_equal(sku_history(frame, "k"), expected)


@pytest.mark.parametrize("call", [sku_history, sku_summary])
def test_unknown_sku_raises_a_readable_error(small_sales, call):
    with pytest.raises(UnknownSkuError, match="'Z-9' has no transactions"):
        call(small_sales, "Z-9")


def test_summary_names_the_weakest_component(small_sales):
    # A-1 [100,100,200], B-2 [50,50,40], C-3 [30,10]. F: C-3 0, A-1 and B-2 tie at .75.
    # P: C-3 0, B-2 .5, A-1 1. v: B-2 .10, A-1 .35, C-3 .5 -> C 1, .5, 0.
    # Scores: A-1 80, B-2 70, C-3 0. C-3's frequency costs 40 × (0 - .75) = -30 points.
    summary = sku_summary(small_sales, "C-3")
    assert (summary["rank"], summary["of"], summary["band"]) == (3, 3, "red")
    assert (summary["band_label"], summary["few_sales"]) == ("Low", True)
    assert summary["weakest"] == "frequency"
    frequency = summary["components"]["frequency"]
    assert frequency == {
        "score": 0.0, "median_score": 0.75, "value": 2.0, "median_value": 3.0,
        "weight": 0.4, "impact": -30.0,
    }  # fmt: skip
    assert summary["explanation"] == (
        "C-3 ranks 3 of 3 with a score of 0.0 (Low, red band). Its weakest point is "
        "frequency: it sold 2 times against 3 for the median SKU."
    )


def test_summary_of_a_sku_at_or_above_the_median(small_sales):
    summary = sku_summary(small_sales, "A-1")
    assert (summary["rank"], summary["score"]) == (1, 80.0)
    assert summary["strongest"] == "price"
    assert summary["components"]["price"]["impact"] == pytest.approx(40 * (1 - 0.5))
    assert summary["explanation"].endswith(
        "at or above the median SKU on every component."
    )


def test_summary_explains_a_consistency_that_cannot_be_measured(make_canonical):
    # Every SKU sells twice and Z sits in the middle on price, but Z's sales average to
    # zero: no v, so C = 0 against a median of .5 (the four others tie on v = 0).
    frame = make_canonical(
        revenue=[-5.0, -5.0, -6.0, -6.0, 10.0, -10.0, 3.0, 3.0, 4.0, 4.0],
        sku=["r1", "r1", "r2", "r2", "Z", "Z", "p", "p", "q", "q"],
    )
    summary = sku_summary(frame, "Z")
    assert summary["weakest"] == "consistency"
    assert math.isnan(summary["components"]["consistency"]["value"])
    assert summary["components"]["consistency"]["median_value"] == 0.0
    assert summary["explanation"].endswith(
        "its sales average to zero, so its steadiness cannot be measured and counts as 0."
    )


def test_summary_explains_weak_consistency_with_percentages(make_canonical):
    # Same counts and means; "v" varies most, so consistency is its weakest point.
    frame = make_canonical(
        revenue=[10.0, 10.0, 9.0, 11.0, 1.0, 19.0], sku=["a", "a", "b", "b", "c", "c"]
    )
    summary = sku_summary(frame, "c")
    assert summary["weakest"] == "consistency"
    assert (
        "vary by 90.0% of their average against 10.0% for the median SKU"
        in summary["explanation"]
    )


@pytest.mark.parametrize(
    "call",
    [
        sku_scores,
        monthly_sku_scores,
        lambda df: sku_history(df, "A-1"),
        lambda df: sku_summary(df, "B-2"),
    ],
)
def test_sku_functions_do_not_modify_their_input(small_sales, call):
    before = small_sales.copy(deep=True)
    call(small_sales)
    assert_frame_equal(small_sales, before)
