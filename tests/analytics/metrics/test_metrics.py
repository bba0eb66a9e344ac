"""Tests for analytics.metrics: KPI cards, comparisons, growth, breakdowns, rankings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics.metrics import (
    KPI_CARD_KEYS,
    NOT_SET,
    MetricError,
    abc_pareto,
    breakdown,
    breakdown_by_period,
    choose_granularity,
    filter_frame,
    kpi_cards,
    kpis,
    loss_making_skus,
    margin_series,
    month_numbers,
    seasonality,
    sku_totals,
    timeseries,
    top_bottom_skus,
)
from analytics.schema import conform_canonical

TOTALS_COLUMNS = [
    "sku",
    "revenue",
    "cost",
    "profit",
    "margin",
    "transactions",
    "quantity",
]


def month_starts(first: str, count: int) -> list[str]:
    return [
        d.strftime("%Y-%m-%d") for d in pd.date_range(first, periods=count, freq="MS")
    ]


# ---- existing API keeps its shape ---------------------------------------------------------


def test_kpis_keep_their_keys(small_sales):
    assert set(kpis(small_sales)) == {
        "total_revenue", "total_cost", "total_profit", "profit_margin",
        "transactions", "sku_count", "date_start", "date_end",
        "orders", "avg_order_value", "customers", "repeat_customers",
    }  # fmt: skip
    # no order id or customer column: never a count of lines called orders
    figures = kpis(small_sales)
    assert figures["orders"] is None and figures["avg_order_value"] is None


def test_kpis_count_orders_and_repeat_customers():
    frame = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(["2024-01-01"] * 6),
                "revenue": [10.0, 20.0, 30.0, 40.0, -5.0, 50.0],
                "order_id": ["A", "A", "B", "C", "D", "E"],
                "customer": ["x", "x", "x", "y", "y", "z"],
            }
        )
    )
    figures = kpis(frame)
    paid = frame[frame["revenue"] > 0]
    orders = paid["order_id"].nunique()  # D holds only a return
    per_customer = paid.groupby("customer")["order_id"].nunique()
    assert figures["transactions"] == 6
    assert figures["orders"] == orders == 4
    assert figures["avg_order_value"] == round(frame["revenue"].sum() / orders, 2)
    assert figures["customers"] == frame["customer"].nunique()
    assert figures["repeat_customers"] == int((per_customer > 1).sum()) == 1


def test_timeseries_keeps_its_shape(small_sales):
    used, series = timeseries(small_sales, "month")
    assert used == "month"
    assert series.columns.tolist() == ["period", "revenue", "cost", "profit"]
    assert series["revenue"].tolist() == [280.0, 300.0]


def test_choose_granularity_still_picks_from_the_span(small_sales):
    assert choose_granularity(small_sales) == "day"


@pytest.mark.parametrize("granularity", ["day", "week", "month", "quarter"])
@pytest.mark.parametrize("first", ["1968-11-20", "2023-06-01"])
def test_timeseries_matches_a_pandas_period_groupby(make_canonical, granularity, first):
    rng = np.random.default_rng(5)
    stamps = pd.Timestamp(first) + pd.to_timedelta(
        rng.integers(0, 900 * 24, 400), unit="h"
    )
    frame = make_canonical(
        date=stamps.strftime("%Y-%m-%d %H:%M").tolist(),
        revenue=rng.integers(-5, 50, 400).astype(float),
        profit=np.where(rng.random(400) < 0.5, np.nan, 1.0),
    )
    freq = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q"}[granularity]
    period = frame["date"].dt.to_period(freq).dt.start_time.astype("datetime64[ns]")
    grouped = frame.groupby(period)
    _, series = timeseries(frame, granularity)
    nonempty = series.set_index("period").loc[grouped.size().index]
    np.testing.assert_allclose(nonempty["revenue"], grouped["revenue"].sum())
    np.testing.assert_allclose(nonempty["profit"], grouped["profit"].sum(min_count=1))
    steps = series["period"].diff().dropna()
    assert series["revenue"].sum() == pytest.approx(frame["revenue"].sum())
    assert (steps > pd.Timedelta(0)).all()
    assert len(series) == len(pd.period_range(period.min(), period.max(), freq=freq))


@pytest.mark.parametrize(
    ("first", "days"),
    [("2019-03-10", 1500), ("1969-12-31", 3), ("0800-01-01", 450_000)],
)
def test_month_numbers_match_the_calendar(first, days):
    rng = np.random.default_rng(8)
    dates = pd.Series(
        pd.Timestamp(first).as_unit("s")
        + pd.to_timedelta(rng.integers(0, days, 300), unit="D")
    )
    expected = dates.dt.year * 12 + dates.dt.month - 1
    assert month_numbers(dates).tolist() == expected.tolist()


# ---- KPI cards ---------------------------------------------------------------------------------


@pytest.fixture
def february_cards(small_sales) -> dict:
    february = filter_frame(small_sales, start="2024-02-01", end="2024-02-29")
    return kpi_cards(small_sales, february, start="2024-02-01", end="2024-02-29")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("total_revenue", {"value": 300.0, "previous": 280.0, "change": 0.071429, "direction": "up"}),
        ("total_cost", {"value": 224.0, "previous": 185.0, "change": 0.210811, "direction": "up"}),
        ("gross_profit", {"value": 76.0, "previous": 95.0, "change": -0.2, "direction": "down"}),
        ("profit_margin", {"value": 0.253333, "previous": 0.339286, "change": -8.5953, "direction": "down"}),
        ("transactions", {"value": 4, "previous": 4, "change": 0.0, "direction": "flat"}),
        ("avg_transaction_value", {"value": 75.0, "previous": 70.0, "change": 0.071429, "direction": "up"}),
        ("active_skus", {"value": 3, "previous": 3, "change": 0.0, "direction": "flat"}),
    ],
)  # fmt: skip
def test_kpi_cards_compare_with_the_previous_month(february_cards, key, expected):
    assert february_cards[key] == expected


def test_kpi_cards_hold_every_card_key(february_cards):
    assert set(KPI_CARD_KEYS) <= set(february_cards)


def test_kpi_cards_report_the_comparison_period(february_cards):
    assert february_cards["comparison"] == {
        "start": "2024-02-01",
        "end": "2024-02-29",
        "previous_start": "2024-01-01",
        "previous_end": "2024-01-31",
        "available": True,
    }


def test_no_previous_figures_when_history_does_not_reach_back(small_sales):
    january = filter_frame(small_sales, start="2024-01-01", end="2024-01-31")
    cards = kpi_cards(small_sales, january, start="2024-01-01", end="2024-01-31")
    assert cards["total_revenue"] == {
        "value": 280.0, "previous": None, "change": None, "direction": None,
    }  # fmt: skip
    assert cards["comparison"]["available"] is False
    assert cards["comparison"]["previous_start"] == "2023-12-01"


def test_previous_period_uses_the_same_non_date_filters(small_sales):
    tools = filter_frame(small_sales, categories=["Tools"])
    february = filter_frame(tools, start="2024-02-01", end="2024-02-29")
    cards = kpi_cards(tools, february, start="2024-02-01", end="2024-02-29")
    assert cards["total_revenue"]["value"] == 200.0
    assert cards["total_revenue"]["previous"] == 230.0


def test_explicit_previous_frame_is_used(small_sales, make_canonical):
    previous = make_canonical(date=["2023-05-01"], revenue=[150.0], sku=["A-1"])
    cards = kpi_cards(small_sales, small_sales, previous=previous)
    assert cards["total_revenue"] == {
        "value": 580.0, "previous": 150.0, "change": 2.866667, "direction": "up",
    }  # fmt: skip
    assert cards["gross_profit"]["previous"] is None
    assert cards["comparison"]["available"] is True


def test_change_is_none_when_the_previous_value_is_zero(make_canonical):
    frame = make_canonical(
        date=["2024-01-02", "2024-01-20", "2024-02-10"],
        revenue=[5.0, -5.0, 10.0],
    )
    february = filter_frame(frame, start="2024-02-01", end="2024-02-29")
    card = kpi_cards(frame, february, start="2024-02-01", end="2024-02-29")[
        "total_revenue"
    ]
    assert card == {"value": 10.0, "previous": 0.0, "change": None, "direction": "up"}


def test_cards_without_cost_or_profit_data_are_none(make_canonical):
    frame = make_canonical(
        date=["2024-01-10", "2024-01-11"], revenue=[5.0, 7.0], sku=["a", "b"]
    )
    cards = kpi_cards(frame, frame)
    for key in ("total_cost", "gross_profit", "profit_margin"):
        assert cards[key]["value"] is None
    assert cards["avg_transaction_value"]["value"] == 6.0


def test_cards_of_an_empty_selection(small_sales):
    none = small_sales.iloc[0:0]
    cards = kpi_cards(small_sales, none, start="2024-02-01", end="2024-02-29")
    assert cards["total_revenue"]["value"] == 0.0
    assert cards["transactions"] == {
        "value": 0, "previous": 4, "change": -1.0, "direction": "down",
    }  # fmt: skip
    assert cards["avg_transaction_value"]["value"] is None


def test_cards_of_a_frame_without_dates(make_canonical):
    frame = make_canonical(revenue=[1.0, 2.0], sku=["a", "a"])
    cards = kpi_cards(frame, frame)
    assert cards["total_revenue"]["value"] == 3.0
    assert cards["comparison"]["start"] is None
    assert cards["growth"] == {"mom": None, "yoy": None}


# ---- growth --------------------------------------------------------------------------------------


def test_month_on_month_growth_of_daily_data(february_cards):
    mom = february_cards["growth"]["mom"]
    assert mom["period"] == "2024-02"
    assert mom["previous_period"] == "2024-01"
    assert mom["revenue"] == {
        "value": 300.0,
        "previous": 280.0,
        "change": 0.071429,
        "direction": "up",
    }
    assert mom["profit"] == {
        "value": 76.0,
        "previous": 95.0,
        "change": -0.2,
        "direction": "down",
    }


def test_year_on_year_needs_two_years_of_history(february_cards):
    assert february_cards["growth"]["yoy"] is None


def test_year_on_year_is_none_when_the_earlier_year_is_missing(monthly_revenue):
    frame = monthly_revenue()
    chosen = filter_frame(frame, start="2023-01-01", end="2023-06-30")
    growth = kpi_cards(frame, chosen, start="2023-01-01", end="2023-06-30")["growth"]
    assert growth["mom"]["period"] == "2023-06"
    assert growth["yoy"] is None  # would need 2021-07..2022-06


def test_partial_last_month_moves_the_anchor_back(small_sales):
    part = filter_frame(small_sales, end="2024-02-20")
    growth = kpi_cards(small_sales, part, end="2024-02-20")["growth"]
    # January is the last full month; December 2023 is not in the history.
    assert growth == {"mom": None, "yoy": None}


def test_month_on_month_uses_the_last_full_month_of_the_range(make_canonical):
    frame = make_canonical(
        date=["2023-12-01", "2023-12-31", "2024-01-01", "2024-01-31", "2024-02-10"],
        revenue=[1.0, 2.0, 4.0, 8.0, 16.0],
    )
    part = filter_frame(frame, end="2024-02-15")
    mom = kpi_cards(frame, part, end="2024-02-15")["growth"]["mom"]
    assert (mom["period"], mom["previous_period"]) == ("2024-01", "2023-12")
    assert mom["revenue"] == {
        "value": 12.0,
        "previous": 3.0,
        "change": 3.0,
        "direction": "up",
    }


@pytest.fixture
def monthly_revenue(make_canonical):
    """Monthly export: 25 month-start rows 2022-01..2024-01 with revenue 1..25."""

    def build(count: int = 25):
        dates = month_starts("2022-01-01", 25)[25 - count :]
        return make_canonical(
            date=dates, revenue=[float(i) for i in range(26 - count, 26)]
        )

    return build


def test_monthly_data_counts_its_last_month_as_full(monthly_revenue):
    frame = monthly_revenue()
    mom = kpi_cards(frame, frame)["growth"]["mom"]
    assert (mom["period"], mom["previous_period"]) == ("2024-01", "2023-12")
    assert mom["revenue"] == {
        "value": 25.0,
        "previous": 24.0,
        "change": 0.041667,
        "direction": "up",
    }
    assert mom["profit"] is None


def test_year_on_year_compares_trailing_twelve_months(monthly_revenue):
    frame = monthly_revenue()
    yoy = kpi_cards(frame, frame)["growth"]["yoy"]
    assert yoy["period"] == "2023-02..2024-01"
    assert yoy["previous_period"] == "2022-02..2023-01"
    # sum(14..25) = 234 against sum(2..13) = 90
    assert yoy["revenue"] == {
        "value": 234.0,
        "previous": 90.0,
        "change": 1.6,
        "direction": "up",
    }


@pytest.mark.parametrize(("months", "has_yoy"), [(25, True), (24, True), (23, False)])
def test_year_on_year_only_where_history_allows(monthly_revenue, months, has_yoy):
    frame = monthly_revenue(months)
    assert (kpi_cards(frame, frame)["growth"]["yoy"] is not None) is has_yoy


def test_growth_is_anchored_on_the_selected_range(monthly_revenue):
    frame = monthly_revenue()
    chosen = filter_frame(frame, start="2023-07-01", end="2023-12-31")
    growth = kpi_cards(frame, chosen, start="2023-07-01", end="2023-12-31")["growth"]
    assert growth["mom"]["period"] == "2023-12"
    assert growth["mom"]["revenue"]["value"] == 24.0
    # The twelve months before reach back beyond the range, into the history.
    assert growth["yoy"]["period"] == "2023-01..2023-12"
    assert growth["yoy"]["previous_period"] == "2022-01..2022-12"


# ---- margin series ---------------------------------------------------------------------------


def test_margin_series_per_month(small_sales):
    expected = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-01-01", "2024-02-01"]).astype(
                "datetime64[ns]"
            ),
            "revenue": [280.0, 300.0],
            "profit": [95.0, 76.0],
            "margin": [95.0 / 280.0, 76.0 / 300.0],
        }
    )
    assert_frame_equal(margin_series(small_sales, "month"), expected)


def test_margin_is_nan_where_revenue_is_zero_or_profit_unknown(make_canonical):
    frame = make_canonical(
        date=["2024-01-05", "2024-01-06", "2024-02-05", "2024-03-05"],
        revenue=[10.0, -10.0, 20.0, 5.0],
        profit=[1.0, 1.0, 4.0, None],
    )
    margins = margin_series(frame, "month")["margin"].tolist()
    assert np.isnan(margins[0]) and margins[1] == 0.2 and np.isnan(margins[2])


# ---- breakdowns ------------------------------------------------------------------------------------


def test_breakdown_by_category(small_sales):
    expected = pd.DataFrame(
        {
            "category": pd.Series(["Tools", "Toys", NOT_SET], dtype="str"),
            "revenue": [430.0, 140.0, 10.0],
            "cost": [250.0, 154.0, 5.0],
            "profit": [180.0, -14.0, 5.0],
            "margin": [180.0 / 430.0, -0.1, 0.5],
            "transactions": np.array([4, 3, 1], dtype="int64"),
            "quantity": [11.0, 3.0, 1.0],
            "revenue_share": [430.0 / 580.0, 140.0 / 580.0, 10.0 / 580.0],
        }
    )
    assert_frame_equal(breakdown(small_sales), expected)


@pytest.mark.parametrize(
    ("metric", "order"),
    [
        ("profit", ["Tools", NOT_SET, "Toys"]),
        ("margin", [NOT_SET, "Tools", "Toys"]),
        ("cost", ["Tools", "Toys", NOT_SET]),
        ("transactions", ["Tools", "Toys", NOT_SET]),
    ],
)
def test_breakdown_sorts_by_the_metric(small_sales, metric, order):
    assert breakdown(small_sales, metric=metric)["category"].tolist() == order


def test_breakdown_by_customer(small_sales):
    out = breakdown(small_sales, by="customer")
    assert out["customer"].tolist() == ["c2", "c1", "c3"]
    assert out["revenue"].tolist() == [340.0, 160.0, 80.0]


def test_breakdown_ties_and_unknown_profit_sort_by_name(make_canonical):
    frame = make_canonical(
        revenue=[5.0, 5.0, 5.0], profit=[None, 1.0, 1.0], category=["c", "b", "a"]
    )
    assert breakdown(frame, metric="profit")["category"].tolist() == ["a", "b", "c"]


@pytest.mark.parametrize(
    "call",
    [
        lambda df: breakdown(df, by="region"),
        lambda df: breakdown(df, metric="units"),
        lambda df: top_bottom_skus(df, by="cost"),
        lambda df: top_bottom_skus(df, n=0),
        lambda df: abc_pareto(df, by="quantity"),
        lambda df: breakdown_by_period(df, "year"),
        lambda df: breakdown_by_period(df, "month", by="region"),
    ],
)
def test_unknown_options_raise_metric_errors(small_sales, call):
    with pytest.raises(MetricError, match="Unknown|at least 1"):
        call(small_sales)


def test_sku_totals(small_sales):
    expected = pd.DataFrame(
        {
            "sku": pd.Series(["A-1", "B-2", "C-3"], dtype="str"),
            "revenue": [400.0, 140.0, 40.0],
            "cost": [240.0, 154.0, 15.0],
            "profit": [160.0, -14.0, 25.0],
            "margin": [0.4, -0.1, 0.625],
            "transactions": np.array([3, 3, 2], dtype="int64"),
            "quantity": [8.0, 3.0, 4.0],
        }
    )
    assert_frame_equal(sku_totals(small_sales), expected)


@pytest.mark.parametrize(
    ("by", "top", "bottom"),
    [
        ("revenue", ["A-1", "B-2"], ["C-3", "B-2"]),
        ("profit", ["A-1", "C-3"], ["B-2", "C-3"]),
    ],
)
def test_top_and_bottom_skus(small_sales, by, top, bottom):
    best, worst = top_bottom_skus(small_sales, n=2, by=by)
    assert best["sku"].tolist() == top
    assert worst["sku"].tolist() == bottom
    assert best.columns.tolist() == TOTALS_COLUMNS


def test_top_skus_leave_out_unknown_profit_and_break_ties_by_sku(make_canonical):
    frame = make_canonical(
        revenue=[1.0, 1.0, 1.0, 1.0],
        profit=[2.0, 2.0, None, 3.0],
        sku=["b", "a", "c", "d"],
    )
    best, worst = top_bottom_skus(frame, n=5, by="profit")
    assert best["sku"].tolist() == ["d", "a", "b"]
    assert worst["sku"].tolist() == ["a", "b", "d"]


def test_rows_without_sku_are_not_ranked(make_canonical):
    frame = make_canonical(revenue=[100.0, 1.0], sku=[None, "a"])
    best, _ = top_bottom_skus(frame)
    assert best["sku"].tolist() == ["a"]


def test_loss_making_skus(small_sales):
    losses = loss_making_skus(small_sales)
    assert losses["sku"].tolist() == ["B-2"]
    assert losses["profit"].tolist() == [-14.0]


def test_no_loss_makers_without_profit_data(make_canonical):
    frame = make_canonical(revenue=[1.0], sku=["a"])
    assert loss_making_skus(frame).empty


# ---- ABC / Pareto ----------------------------------------------------------------------------------


def test_abc_classes_by_cumulative_share(make_canonical):
    frame = make_canonical(revenue=[30.0, 50.0, 5.0, 15.0], sku=["b", "a", "d", "c"])
    expected = pd.DataFrame(
        {
            "sku": pd.Series(["a", "b", "c", "d"], dtype="str"),
            "value": [50.0, 30.0, 15.0, 5.0],
            "share": [0.5, 0.3, 0.15, 0.05],
            "cumulative_share": [0.5, 0.8, 0.95, 1.0],
            "class": pd.Series(["A", "A", "B", "C"], dtype="str"),
        }
    )
    assert_frame_equal(abc_pareto(frame), expected)


def test_single_sku_is_class_a(make_canonical):
    frame = make_canonical(revenue=[3.0, 4.0], sku=["only", "only"])
    assert abc_pareto(frame)["class"].tolist() == ["A"]


def test_abc_by_profit_puts_losses_in_c(small_sales):
    out = abc_pareto(small_sales, by="profit")
    assert out["sku"].tolist() == ["A-1", "C-3", "B-2"]
    assert out["class"].tolist() == ["A", "B", "C"]
    np.testing.assert_allclose(out["share"], [160 / 185, 25 / 185, -14 / 185])
    np.testing.assert_allclose(out["cumulative_share"], [160 / 185, 1.0, 1.0])


def test_abc_when_nothing_is_positive(make_canonical):
    frame = make_canonical(revenue=[1.0, 1.0], profit=[-1.0, 0.0], sku=["a", "b"])
    out = abc_pareto(frame, by="profit")
    assert out["class"].tolist() == ["C", "C"]
    assert out["cumulative_share"].isna().all()


# ---- seasonality ----------------------------------------------------------------------------------


def test_month_of_year_profile(small_sales):
    month = seasonality(small_sales)["month"]
    assert month["month"].tolist() == list(range(1, 13))
    assert month["label"].tolist()[:3] == ["Jan", "Feb", "Mar"]
    assert month["revenue"].tolist() == [280.0, 300.0] + [0.0] * 10
    assert month["periods"].tolist() == [1, 1] + [0] * 10
    assert month["avg_revenue"].tolist()[:2] == [280.0, 300.0]
    assert month["avg_revenue"].iloc[2:].isna().all()
    np.testing.assert_allclose(month["index"].iloc[:2], [280 / 290, 300 / 290])


def test_weekday_profile_of_daily_data(small_sales):
    weekday = seasonality(small_sales)["weekday"]
    # Span 2024-01-03 (Wed) .. 2024-02-29 (Thu): 58 days, Wed and Thu occur 9 times.
    assert weekday["label"].tolist() == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert weekday["revenue"].tolist() == [0.0, 10.0, 280.0, 40.0, 200.0, 50.0, 0.0]
    assert weekday["periods"].tolist() == [8, 8, 9, 9, 8, 8, 8]
    np.testing.assert_allclose(
        weekday["avg_revenue"], [0, 10 / 8, 280 / 9, 40 / 9, 200 / 8, 50 / 8, 0]
    )


@pytest.mark.parametrize(
    "dates",
    [
        month_starts("2023-01-01", 14),
        [
            d.strftime("%Y-%m-%d")
            for d in pd.date_range("2024-01-05", periods=10, freq="7D")
        ],
        ["2024-03-05"],
    ],
    ids=["monthly", "weekly", "single-day"],
)
def test_no_weekday_profile_without_daily_data(make_canonical, dates):
    frame = make_canonical(date=dates, revenue=[1.0] * len(dates))
    profile = seasonality(frame)
    assert profile["weekday"] is None
    assert profile["month"]["revenue"].sum() == len(dates)


def test_seasonality_without_dates(make_canonical):
    assert seasonality(make_canonical(revenue=[1.0])) == {
        "month": None,
        "weekday": None,
    }


def test_month_periods_count_the_span_of_several_years(monthly_revenue):
    month = seasonality(monthly_revenue())["month"]
    # 2022-01..2024-01: three Januaries, two of every other month.
    assert month["periods"].tolist() == [3] + [2] * 11
    assert month["avg_revenue"].iloc[0] == (1 + 13 + 25) / 3


# ---- breakdown by period ---------------------------------------------------------------------------


def test_breakdown_by_period_fills_the_grid(small_sales):
    expected = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-01-01"] * 3 + ["2024-02-01"] * 3).astype(
                "datetime64[ns]"
            ),
            "category": pd.Series([NOT_SET, "Tools", "Toys"] * 2, dtype="str"),
            "revenue": [0.0, 230.0, 50.0, 10.0, 200.0, 90.0],
            "profit": [0.0, 100.0, -5.0, 5.0, 80.0, -9.0],
        }
    )
    assert_frame_equal(breakdown_by_period(small_sales, "month"), expected)


def test_breakdown_by_period_without_profit_keeps_nan(make_canonical):
    frame = make_canonical(
        date=["2024-01-01", "2024-03-01"], revenue=[1.0, 2.0], category=["a", "b"]
    )
    out = breakdown_by_period(frame, "month")
    assert len(out) == 6  # Jan, Feb, Mar × a, b
    assert out["profit"].isna().all()
    assert out["revenue"].sum() == 3.0


def test_breakdown_by_period_refuses_a_huge_grid(make_canonical):
    days = pd.date_range("2010-01-01", periods=5_001, freq="D")[::5]
    frame = make_canonical(
        date=days.strftime("%Y-%m-%d").tolist(),
        revenue=[1.0] * len(days),
        sku=[f"S{i}" for i in range(len(days))],
    )
    with pytest.raises(MetricError, match="coarser granularity"):
        breakdown_by_period(frame, "day", by="sku")


@pytest.mark.parametrize("granularity", ["day", "week", "month", "quarter"])
def test_breakdown_by_period_adds_up_to_the_timeseries(granularity, make_canonical):
    rng = np.random.default_rng(3)
    days = pd.Timestamp("2023-11-20") + pd.to_timedelta(
        rng.integers(0, 200, 300), unit="D"
    )
    frame = make_canonical(
        date=days.strftime("%Y-%m-%d").tolist(),
        revenue=rng.integers(1, 100, 300).astype(float),
        category=rng.choice(["x", "y", "z"], 300),
    )
    _, series = timeseries(frame, granularity)
    per_period = (
        breakdown_by_period(frame, granularity).groupby("period")["revenue"].sum()
    )
    np.testing.assert_allclose(per_period.to_numpy(), series["revenue"].to_numpy())
    assert per_period.index.tolist() == series["period"].tolist()


# ---- purity --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda df: kpi_cards(df, df.iloc[4:], start="2024-02-01", end="2024-02-29"),
        lambda df: margin_series(df, "week"),
        lambda df: breakdown(df, by="sku", metric="profit"),
        lambda df: top_bottom_skus(df, 2, "profit"),
        lambda df: abc_pareto(df, "profit"),
        seasonality,
        loss_making_skus,
        lambda df: breakdown_by_period(df, "week"),
    ],
)
def test_metrics_do_not_modify_their_input(small_sales, call):
    before = small_sales.copy(deep=True)
    call(small_sales)
    assert_frame_equal(small_sales, before)


# ---- figures from shared intermediates equal the one-call functions -----------------------


def random_sales(rows: int = 3000, seed: int = 5) -> pd.DataFrame:
    """Canonical-shaped rows with ties, unknown profits/costs and SKUs that lose money."""
    rng = np.random.default_rng(seed)
    revenue = rng.integers(1, 6, rows).astype("float64") * 10  # many equal totals
    cost = np.where(
        rng.random(rows) < 0.2, np.nan, revenue * rng.choice([0.5, 1.5], rows)
    )
    frame = pd.DataFrame(
        {
            "date": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 500, rows), unit="D"),
            "revenue": revenue,
            "cost": cost,
            "profit": revenue - cost,
            "quantity": np.where(rng.random(rows) < 0.5, np.nan, 1.0),
            "sku": pd.Series(
                [f"S{i:02d}" for i in rng.integers(0, 60, rows)], dtype="str"
            ).where(rng.random(rows) > 0.05),
            "category": pd.Series(rng.choice(["A", "B", "C"], rows), dtype="str").where(
                rng.random(rows) > 0.1
            ),
            "customer": pd.Series([None] * rows, dtype="str"),
        }
    )
    frame.loc[frame["sku"] == "S00", ["cost", "profit"]] = np.nan  # never known
    return frame


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rankings_from_shared_sku_totals_equal_the_direct_ones(seed):
    from analytics.metrics import pareto_classes, rank_skus

    rows = random_sales(seed=seed)
    totals = sku_totals(rows)
    for by in ("revenue", "profit"):
        for got, expected in zip(
            rank_skus(totals, n=7, by=by),
            top_bottom_skus(rows, n=7, by=by),
            strict=True,
        ):
            assert_frame_equal(got, expected)
        assert_frame_equal(pareto_classes(totals, by=by), abc_pareto(rows, by=by))


@pytest.mark.parametrize("ascending", [True, False])
def test_sorting_presorted_totals_breaks_ties_by_key_like_a_two_key_sort(ascending):
    from analytics.metrics.breakdowns import sort_by as _sort

    rows = random_sales(seed=9)
    totals = sku_totals(rows)  # in SKU order: the one-key path
    assert totals["sku"].is_monotonic_increasing
    expected = totals.sort_values(
        ["profit", "sku"],
        ascending=[ascending, True],
        na_position="last",
        kind="mergesort",
    ).reset_index(drop=True)
    got = _sort(totals, "profit", "sku", ascending)
    assert totals["profit"].duplicated().any() and totals["profit"].isna().any()
    assert_frame_equal(got, expected)
    shuffled = totals.sample(frac=1, random_state=3)  # the two-key path
    assert_frame_equal(_sort(shuffled, "profit", "sku", ascending), expected)


def test_margins_from_a_series_equal_margin_series():
    from analytics.metrics import margins_of

    rows = random_sales()
    for granularity in ("day", "week", "month", "quarter"):
        _, series = timeseries(rows, granularity)
        assert_frame_equal(margins_of(series), margin_series(rows, granularity))


def test_group_sums_with_shared_counts_match_pandas():
    rows = random_sales().assign(
        cost=lambda d: d["cost"].where(d["date"] < "2024-03-01")  # a gap of unknowns
    )
    _, series = timeseries(rows, "month")
    months = rows["date"].dt.to_period("M").dt.start_time
    expected = rows.groupby(months)[["revenue", "cost", "profit"]].sum(min_count=1)
    assert series["revenue"].to_numpy() == pytest.approx(expected["revenue"].to_numpy())
    assert np.allclose(series["cost"], expected["cost"], equal_nan=True)
    assert series["cost"].isna().any() and series["cost"].notna().any()
    no_cost = timeseries(rows.assign(cost=np.nan, profit=np.nan), "month")[1]
    assert no_cost["cost"].isna().all() and no_cost["profit"].isna().all()
    totals = breakdown(rows, by="category")
    assert totals["transactions"].sum() == len(rows)


def test_profits_that_cancel_out_are_no_loss():
    """Float sums of lines that cancel (a sale and its exact refund) leave noise such as
    -2e-15; that SKU made no loss."""
    from analytics.metrics import loss_making_skus

    frame = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(["2024-01-01"] * 5),
                "sku": ["A", "A", "A", "B", "B"],
                "category": ["x"] * 5,
                "revenue": [10.0, 20.0, 30.0, 5.0, 5.0],
                "profit": [0.1, 0.2, -0.3, -1.0, 0.5],
            }
        )
    )
    assert 0.1 + 0.2 - 0.3 != 0  # the noise this is about
    losses = loss_making_skus(frame)
    assert list(losses["sku"]) == ["B"]


@pytest.mark.parametrize("seed", [2, 8])
def test_rankings_of_totals_in_sku_order_equal_those_of_shuffled_totals(seed):
    """The first ``n`` of totals in SKU order are gathered without sorting every row;
    totals in another order take the full two-key sort: same frames."""
    from analytics.metrics import loss_makers, pareto_classes, rank_skus

    totals = sku_totals(random_sales(seed=seed))
    shuffled = totals.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    assert not shuffled["sku"].is_monotonic_increasing
    for by in ("revenue", "profit"):
        for n in (1, 7, len(totals) + 3):
            for got, expected in zip(
                rank_skus(totals, n=n, by=by),
                rank_skus(shuffled, n=n, by=by),
                strict=True,
            ):
                assert_frame_equal(got, expected)
        assert_frame_equal(
            pareto_classes(totals, by=by), pareto_classes(shuffled, by=by)
        )
    assert_frame_equal(loss_makers(totals), loss_makers(shuffled))


@pytest.mark.parametrize("seed", [3, 11])
def test_sku_scores_from_shared_figures_equal_the_direct_ones(seed):
    from analytics.metrics import sku_figures, sku_scores

    rows = random_sales(seed=seed)
    assert rows["sku"].isna().any()  # rows without a SKU are left out both ways
    figures = sku_figures(rows)
    assert_frame_equal(figures.totals, sku_totals(rows))
    assert_frame_equal(sku_scores(rows, figures), sku_scores(rows))
    complete = rows.loc[rows["sku"].notna()].reset_index(drop=True)
    assert_frame_equal(
        sku_scores(complete, sku_figures(complete)), sku_scores(complete)
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [(None, None), ("2023-03-01", "2023-08-31"), ("2023-06-10", "2024-04-20")],
)
def test_kpi_cards_from_shared_history_figures_equal_the_direct_ones(start, end):
    from analytics.metrics import history_figures

    history = random_sales(seed=4)
    rows = filter_frame(history, start=start, end=end)
    shared = history_figures(history)
    assert kpi_cards(history, rows, start=start, end=end, history=shared) == kpi_cards(
        history, rows, start=start, end=end
    )
