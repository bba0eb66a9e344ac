"""Tests for analytics.sku: the documented SKU performance score and its drill-downs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics.sku import (
    MONTHLY_COLUMNS,
    SCORE_COLUMNS,
    UnknownSkuError,
    monthly_sku_scores,
    score_band,
    sku_history,
    sku_scores,
    sku_summary,
)


def scores_of(make_canonical, amounts: dict[str, list[float]]) -> pd.DataFrame:
    """sku_scores of a frame with the given revenue amounts per SKU."""
    skus = [sku for sku, values in amounts.items() for _ in values]
    revenue = [value for values in amounts.values() for value in values]
    return sku_scores(make_canonical(revenue=revenue, sku=skus)).set_index("sku")


def independent_scores(df: pd.DataFrame) -> pd.DataFrame:
    """The documented formula written plainly with a pandas groupby."""
    rows = df[df["sku"].notna()]
    grouped = rows.groupby("sku")["revenue"]
    table = pd.DataFrame(
        {
            "n": grouped.size(),
            "m": grouped.mean(),
            "sd": grouped.std(ddof=0),
            "revenue": grouped.sum(),
        }
    )
    use_v = (table["n"] >= 2) & (table["m"] != 0)
    table["v"] = (table["sd"] / table["m"].abs()).where(use_v, 0.0)

    def minmax(x: pd.Series) -> pd.Series:
        if x.max() == x.min():
            return pd.Series(1.0, index=x.index)
        return (x - x.min()) / (x.max() - x.min())

    table["score"] = (
        100
        * (
            0.4 * minmax(table["n"])
            + 0.4 * minmax(table["m"])
            + 0.2 * (1 - minmax(table["v"]))
        )
    ).round(6)
    table = table.reset_index().sort_values(
        ["score", "revenue", "sku"], ascending=[False, False, True]
    )
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index(drop=True)


# ---- the formula on hand-computed cases ---------------------------------------------------------


def test_hand_computed_scores_with_a_tie_broken_by_revenue(make_canonical):
    # A: [10, 10]  n=2 m=10 v=0     -> F=.5 P=0 C=1 -> 40
    # B: [30]      n=1 m=30 v=0     -> F=0  P=1 C=1 -> 60
    # C: [5,15,10] n=3 m=10 v=.408  -> F=1  P=0 C=0 -> 40 (revenue 30 beats A's 20)
    frame = make_canonical(
        revenue=[10.0, 30.0, 5.0, 10.0, 15.0, 10.0],
        profit=[1.0, None, 1.0, None, 2.0, 3.0],
        sku=["A", "B", "C", "A", "C", "C"],
    )
    expected = pd.DataFrame(
        {
            "sku": pd.Series(["B", "C", "A"], dtype="str"),
            "rank": np.array([1, 2, 3], dtype="int64"),
            "score": [60.0, 40.0, 40.0],
            "band": pd.Series(["amber", "amber", "amber"], dtype="str"),
            "frequency_score": [0.0, 1.0, 0.5],
            "price_score": [1.0, 0.0, 0.0],
            "consistency_score": [1.0, 0.0, 1.0],
            "transactions": np.array([1, 3, 2], dtype="int64"),
            "avg_amount": [30.0, 10.0, 10.0],
            "revenue": [30.0, 30.0, 20.0],
            "profit": [math.nan, 6.0, 1.0],
        }
    )
    assert_frame_equal(sku_scores(frame), expected)


def test_equal_scores_and_revenue_rank_by_sku_id(make_canonical):
    scores = sku_scores(make_canonical(revenue=[5.0, 5.0, 5.0], sku=["b", "c", "a"]))
    assert scores["sku"].tolist() == ["a", "b", "c"]
    assert scores["rank"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "amounts",
    [
        {"only": [42.0]},
        {"only": [1.0, 2.0, 3.0]},
        {"x": [7.0, 7.0], "y": [7.0, 7.0], "z": [7.0, 7.0]},
    ],
    ids=["one-row", "one-sku", "all-equal"],
)
def test_flat_inputs_follow_the_documented_minmax_rule(make_canonical, amounts):
    # minmax is 1.0 for every SKU when max = min, so F = P = 1 and C = 1 - 1 = 0.
    scores = scores_of(make_canonical, amounts)
    assert (scores["frequency_score"] == 1.0).all()
    assert (scores["price_score"] == 1.0).all()
    assert (scores["consistency_score"] == 0.0).all()
    assert (scores["score"] == 80.0).all()
    assert (scores["band"] == "green").all()


def test_negative_amounts_use_the_absolute_mean(make_canonical):
    # N: [-10, -30] m=-20 sd=10 v=.5 -> F=1 P=0 C=0 -> 40 ; P: [20] -> F=0 P=1 C=1 -> 60
    scores = scores_of(make_canonical, {"N": [-10.0, -30.0], "P": [20.0]})
    assert scores.loc["N", "score"] == 40.0
    assert scores.loc["P", "score"] == 60.0
    assert scores.loc["N", "avg_amount"] == -20.0


@pytest.mark.parametrize(
    "zero_mean", [[10.0, -10.0], [0.1, 0.2, -0.3]], ids=["exact", "float-noise"]
)
def test_zero_mean_counts_as_no_variation(make_canonical, zero_mean):
    # Z has m = 0 so v = 0 (most consistent); Q: [1, 3] has v = .5.
    scores = scores_of(make_canonical, {"Z": zero_mean, "Q": [1.0, 3.0]})
    assert scores.loc["Z", "consistency_score"] == 1.0
    assert scores.loc["Q", "consistency_score"] == 0.0
    assert scores.loc["Z", "avg_amount"] == 0.0


def test_float_noise_does_not_separate_equal_prices(make_canonical):
    # 0.1 summed 3 or 7 times is not exactly 0.3 / 0.7: means differ in the last bit.
    scores = scores_of(make_canonical, {"X": [0.1] * 3, "Y": [0.1] * 7, "W": [0.1]})
    assert (scores["price_score"] == 1.0).all()
    assert (scores["consistency_score"] == 0.0).all()  # every v is 0: flat
    assert scores["score"].to_dict() == {"Y": 80.0, "X": 53.333333, "W": 40.0}


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


# ---- agreement with a plain implementation ------------------------------------------------------


@pytest.fixture(params=[1, 2, 3, 4])
def random_sales(request, make_canonical) -> pd.DataFrame:
    """Random SKUs and amounts in quarters (exact in binary), with ties, refunds, gaps."""
    rng = np.random.default_rng(request.param)
    rows = 600
    amounts = rng.choice([2.5, 5.0, 10.0, 10.0, 25.25, -5.0, 100.0], rows)
    skus = rng.choice([f"S{i:02d}" for i in range(60)] + [None], rows)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, 400, rows), unit="D"
    )
    return make_canonical(
        date=days.strftime("%Y-%m-%d").tolist(),
        revenue=amounts,
        profit=np.where(rng.random(rows) < 0.2, np.nan, amounts * 0.3),
        sku=skus,
    )


def test_scores_match_a_plain_groupby_implementation(random_sales):
    ours = sku_scores(random_sales)
    plain = independent_scores(random_sales)
    assert ours["sku"].tolist() == plain["sku"].tolist()
    np.testing.assert_allclose(ours["score"], plain["score"], rtol=0, atol=1e-9)
    assert ours["rank"].tolist() == plain["rank"].tolist()


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
    assert monthly["month"].nunique() == months.nunique()


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
    # A-1 [100,100,200], B-2 [50,50,40], C-3 [30,10]: C-3 sells least often.
    summary = sku_summary(small_sales, "C-3")
    assert (summary["rank"], summary["of"], summary["band"]) == (3, 3, "red")
    assert summary["weakest"] == "frequency"
    frequency = summary["components"]["frequency"]
    assert frequency == {
        "score": 0.0, "median_score": 1.0, "value": 2.0, "median_value": 3.0,
        "weight": 0.4, "impact": -40.0,
    }  # fmt: skip
    assert summary["explanation"] == (
        "C-3 ranks 3 of 3 with a score of 0.0 (red). Its weakest point is frequency: "
        "it sold 2 times against 3 for the median SKU."
    )


def test_summary_of_a_sku_at_or_above_the_median(small_sales):
    summary = sku_summary(small_sales, "A-1")
    assert summary["rank"] == 1
    assert summary["strongest"] == "price"
    assert summary["components"]["price"]["impact"] == pytest.approx(40 * (1 - 8 / 34))
    assert summary["explanation"].endswith(
        "at or above the median SKU on every component."
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
