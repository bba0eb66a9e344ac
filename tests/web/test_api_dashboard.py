"""GET /api/data/<id>: SKU scores, breakdowns, filters and granularity, as API clients meet them.

Every figure is checked against an independent plain-pandas computation on the raw rows
that were uploaded (the formula of the SKU score is re-implemented here from its
documentation in ``analytics/metrics/skus.py``).
"""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pytest

from tests.conftest import module_client, new_session, transactions_frame
from tests.sku_reference import reference_scores

SCORE_KEYS = {
    "sku", "rank", "score", "band", "frequency_score", "price_score",
    "consistency_score", "transactions", "avg_amount", "revenue", "profit", "few_sales",
}  # fmt: skip
CATEGORY_KEYS = {
    "category", "revenue", "cost", "profit", "margin", "transactions", "quantity",
    "revenue_share",
}  # fmt: skip
PERIOD_ALIASES = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q"}

#: Filter sets a dashboard user can choose, as query parameters.
FILTER_CASES = {
    "none": {},
    "start only": {"start": "2023-06-01"},
    "end only": {"end": "2023-12-31"},
    "date range": {"start": "2023-03-15", "end": "2023-09-30"},
    "one category": {"category": "Software"},
    "two categories": {"category": "Hardware,Services"},
    "categories with spaces": {"category": " Hardware , Services "},
    "sku search, any case": {"sku": "sku-02"},
    "everything": {
        "start": "2023-04-01",
        "end": "2024-03-31",
        "category": "Services",
        "sku": "0",
    },
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return transactions_frame()


@pytest.fixture(scope="module")
def sid(client, raw) -> str:
    return new_session(client, raw, "sales.csv")


def get_data(client, sid: str, **params: str) -> dict:
    query = f"?{urlencode(params)}" if params else ""
    response = client.get(f"/api/data/{sid}{query}")
    assert response.status_code == 200, response.get_json()
    assert response.is_json
    return response.get_json()


# ---- independent figures --------------------------------------------------------------------


def select(
    raw: pd.DataFrame,
    start: str | None = None,
    end: str | None = None,
    category: str | None = None,
    sku: str | None = None,
) -> pd.DataFrame:
    """The raw rows a filter set keeps: inclusive dates, exact categories, SKU substring."""
    dates = pd.to_datetime(raw["Date"])
    keep = pd.Series(True, index=raw.index)
    if start:
        keep &= dates >= pd.Timestamp(start)
    if end:
        keep &= dates <= pd.Timestamp(end)
    if category:
        keep &= raw["Category"].isin([c.strip() for c in category.split(",")])
    if sku:
        keep &= raw["SKU"].str.lower().str.contains(sku.strip().lower(), regex=False)
    return raw.loc[keep]


def expected_scores(rows: pd.DataFrame) -> pd.DataFrame:
    """The documented SKU score (plain-Python reference) plus each SKU's profit, ranked."""
    ranked = reference_scores(
        zip(rows["SKU"].tolist(), rows["Revenue"].astype(float).tolist(), strict=True)
    )
    profit = (rows["Revenue"] - rows["Cost"]).groupby(rows["SKU"]).sum()
    table = pd.DataFrame(ranked)
    return table.assign(profit=profit.reindex(table["sku"]).to_numpy())


def api_scores(body: dict) -> pd.DataFrame:
    return pd.DataFrame(body["sku_scores"], columns=sorted(SCORE_KEYS))


# ---- sku_scores -------------------------------------------------------------------------------


def test_sku_scores_rank_every_sku_with_the_documented_keys(client, sid, raw):
    scores = get_data(client, sid)["sku_scores"]
    assert all(SCORE_KEYS <= set(row) for row in scores)
    assert sorted(row["sku"] for row in scores) == sorted(raw["SKU"].unique())
    assert [row["rank"] for row in scores] == list(range(1, raw["SKU"].nunique() + 1))


def test_sku_component_scores_are_within_their_ranges(client, sid):
    scores = api_scores(get_data(client, sid))
    for column in ("frequency_score", "price_score", "consistency_score"):
        assert scores[column].between(0, 1).all(), column
    assert scores["score"].between(0, 100).all()
    assert scores["score"].is_monotonic_decreasing


@pytest.mark.parametrize(
    "params",
    [{}, {"category": "Software"}, {"start": "2023-05-01", "end": "2023-11-30"}],
    ids=["all rows", "one category", "date range"],
)
def test_sku_ranking_matches_the_documented_formula(client, sid, raw, params):
    got = api_scores(get_data(client, sid, **params))
    want = expected_scores(select(raw, **params))
    assert got["sku"].tolist() == want["sku"].tolist()
    assert got["rank"].tolist() == want["rank"].tolist()
    assert got["transactions"].tolist() == want["transactions"].tolist()
    for column in ("score", "frequency_score", "price_score", "consistency_score"):
        np.testing.assert_allclose(got[column], want[column], atol=1e-5, err_msg=column)
    for column in ("avg_amount", "revenue", "profit"):
        np.testing.assert_allclose(
            got[column], want[column], atol=0.006, err_msg=column
        )


def test_equal_scores_are_ranked_by_revenue_then_sku(client):
    # A [10 × 4], B [100], C [10, 30], D [100].
    # F: B, D .17 (ranks 1-2), C .67, A 1.  P: A 0, C .33, B, D .83 (ranks 3-4).
    # v: A 0 and C .5 -> C 1 and 0; B, D sold once -> 0.
    # A = 100(.4 + .2) = 60; B = D = 100(.4/6 + .4 × 5/6) = 40; C = 100(.4 × 2/3 + .4/3) = 40.
    # Among the 40s: B and D (revenue 100, then by id) before C (revenue 40).
    tied = pd.DataFrame(
        {
            "Date": pd.date_range("2024-01-01", periods=8).strftime("%Y-%m-%d"),
            "SKU": ["A", "A", "A", "A", "D", "C", "C", "B"],
            "Revenue": [10, 10, 10, 10, 100, 10, 30, 100],
        }
    )
    sid = new_session(client, tied, "tied.csv")
    scores = get_data(client, sid)["sku_scores"]
    assert [(s["sku"], s["score"], s["band"], s["few_sales"]) for s in scores] == [
        ("A", 60.0, "amber", False), ("B", 40.0, "amber", True),
        ("D", 40.0, "amber", True), ("C", 40.0, "amber", True),
    ]  # fmt: skip


@pytest.mark.parametrize("min_sales", ["3", "20", "1"])
def test_min_sales_hides_skus_and_keeps_their_ranks(client, sid, raw, min_sales):
    everything = get_data(client, sid)["sku_scores"]
    kept = get_data(client, sid, min_sales=min_sales)["sku_scores"]
    counts = raw.groupby("SKU").size()
    assert sorted(row["sku"] for row in kept) == sorted(
        counts[counts >= int(min_sales)].index
    )
    assert kept == [row for row in everything if row["transactions"] >= int(min_sales)]


@pytest.mark.parametrize("bad", ["0", "-2", "three", "2.5"])
def test_a_bad_min_sales_is_a_400_that_says_what_to_send(client, sid, bad):
    for path in (f"/api/data/{sid}", f"/api/export/{sid}/skus.csv"):
        response = client.get(f"{path}?min_sales={bad}")
        assert response.status_code == 400
        assert (
            "min_sales must be a whole number of at least 1"
            in (response.get_json()["error"])
        )


# ---- breakdowns -------------------------------------------------------------------------------


def test_by_category_totals_equal_independent_sums(client, sid, raw):
    by_category = get_data(client, sid)["breakdowns"]["by_category"]
    assert all(set(row) >= CATEGORY_KEYS for row in by_category)
    groups = raw.assign(Profit=raw["Revenue"] - raw["Cost"]).groupby("Category")
    want = groups.agg(
        revenue=("Revenue", "sum"),
        cost=("Cost", "sum"),
        profit=("Profit", "sum"),
        transactions=("Revenue", "size"),
        quantity=("Quantity", "sum"),
    )
    assert [row["category"] for row in by_category] == list(
        want.sort_values("revenue", ascending=False).index
    )
    for row in by_category:
        expected = want.loc[row["category"]]
        for column in ("revenue", "cost", "profit"):
            assert row[column] == pytest.approx(expected[column], abs=0.006), column
        assert row["transactions"] == expected["transactions"]
        assert row["quantity"] == pytest.approx(expected["quantity"])
        assert row["margin"] == pytest.approx(
            expected["profit"] / expected["revenue"], abs=1e-6
        )
        share = expected["revenue"] / raw["Revenue"].sum()
        assert row["revenue_share"] == pytest.approx(share, abs=1e-6)


@pytest.mark.parametrize("granularity", ["week", "month", "quarter"])
def test_by_period_cells_equal_independent_sums(client, sid, raw, granularity):
    body = get_data(client, sid, granularity=granularity)
    cells = pd.DataFrame(body["breakdowns"]["by_period"])
    periods = pd.to_datetime(raw["Date"]).dt.to_period(PERIOD_ALIASES[granularity])
    frame = raw.assign(period=periods.dt.start_time.dt.strftime("%Y-%m-%d"))
    frame = frame.assign(Profit=frame["Revenue"] - frame["Cost"])
    want = frame.groupby(["period", "Category"])[["Revenue", "Profit"]].sum()
    # every period of the time series × every category, sold or not
    series_periods = [p["period"] for p in body["timeseries"]["points"]]
    categories = sorted(raw["Category"].unique())
    assert sorted(zip(cells["period"], cells["category"], strict=True)) == sorted(
        (p, c) for p in series_periods for c in categories
    )
    got = cells.set_index(["period", "category"])
    want = want.rename_axis(["period", "category"]).reindex(got.index, fill_value=0.0)
    np.testing.assert_allclose(got["revenue"], want["Revenue"], atol=0.006)
    np.testing.assert_allclose(got["profit"], want["Profit"], atol=0.006)


def test_data_without_categories_has_no_breakdowns(client):
    plain = transactions_frame(rows=60, seed=3).drop(columns=["Category"])
    sid = new_session(client, plain, "plain.csv")
    assert get_data(client, sid)["breakdowns"] == {
        "by_category": None,
        "by_period": None,
        "by_dimension": None,
    }


# ---- filters ----------------------------------------------------------------------------------


def test_filters_are_echoed_normalised(client, sid):
    body = get_data(
        client,
        sid,
        start="2023-03-01",
        end="2023-06-30",
        category="Software, Hardware",
        sku=" SKU-0 ",
    )
    assert body["filters"] == {
        "start": "2023-03-01",
        "end": "2023-06-30",
        "categories": ["Hardware", "Software"],
        "sku_query": "SKU-0",
    }


def test_no_filters_echo_as_empty(client, sid):
    assert get_data(client, sid)["filters"] == {
        "start": None, "end": None, "categories": [], "sku_query": None,
    }  # fmt: skip


@pytest.mark.parametrize("params", FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_filtered_kpis_equal_independent_figures(client, sid, raw, params):
    kpis = get_data(client, sid, **params)["kpis"]
    rows = select(raw, **params)
    assert len(rows) > 0, "the case should keep some rows"
    revenue, cost = rows["Revenue"].sum(), rows["Cost"].sum()
    assert kpis["transactions"] == len(rows)
    assert kpis["total_revenue"] == pytest.approx(revenue, abs=0.006)
    assert kpis["total_cost"] == pytest.approx(cost, abs=0.006)
    assert kpis["total_profit"] == pytest.approx(revenue - cost, abs=0.006)
    assert kpis["profit_margin"] == pytest.approx((revenue - cost) / revenue, abs=1e-6)
    assert kpis["sku_count"] == rows["SKU"].nunique()
    assert (kpis["date_start"], kpis["date_end"]) == (
        rows["Date"].min(),
        rows["Date"].max(),
    )


@pytest.mark.parametrize("params", FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_filtered_series_breakdown_and_scores_cover_the_same_rows(
    client, sid, raw, params
):
    body = get_data(client, sid, **params)
    rows = select(raw, **params)
    total = rows["Revenue"].sum()
    assert sum(p["revenue"] for p in body["timeseries"]["points"]) == pytest.approx(
        total, abs=0.05
    )
    by_category = {
        row["category"]: row["revenue"] for row in body["breakdowns"]["by_category"]
    }
    want = rows.groupby("Category")["Revenue"].sum()
    assert by_category == pytest.approx(want.to_dict(), abs=0.006)
    skus = {row["sku"]: row["revenue"] for row in body["sku_scores"]}
    assert skus == pytest.approx(
        rows.groupby("SKU")["Revenue"].sum().to_dict(), abs=0.006
    )


def test_filters_that_match_nothing_give_an_empty_view(client, sid):
    body = get_data(client, sid, category="No such category")
    assert body["kpis"]["transactions"] == 0
    assert body["kpis"]["total_revenue"] == 0
    assert body["timeseries"]["points"] == []
    assert body["sku_scores"] == []


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start": "not-a-date"}, ["start date", "not-a-date", "YYYY-MM-DD"]),
        ({"end": "2024-02-30"}, ["end date", "2024-02-30", "YYYY-MM-DD"]),
        (
            {"start": "2024-05-01", "end": "2024-01-01"},
            ["2024-05-01", "after", "2024-01-01"],
        ),
    ],
    ids=["unreadable start", "impossible end", "start after end"],
)
def test_bad_dates_are_400_with_a_readable_message(client, sid, params, words):
    response = client.get(f"/api/data/{sid}?{urlencode(params)}")
    assert response.status_code == 400
    assert response.is_json
    message = response.get_json()["error"]
    assert all(word in message for word in words), message
    assert "Traceback" not in message


# ---- granularity ------------------------------------------------------------------------------


@pytest.mark.parametrize("granularity", ["year", "fortnight"])
def test_unknown_granularity_is_400_naming_the_choices(client, sid, granularity):
    response = client.get(f"/api/data/{sid}?granularity={granularity}")
    assert response.status_code == 400
    assert response.is_json
    message = response.get_json()["error"]
    assert granularity in message
    assert all(choice in message for choice in ("day", "week", "month", "quarter"))


def test_blank_granularity_chooses_from_the_span(client, sid):
    assert get_data(client, sid, granularity="")["timeseries"]["freq"] == "month"
    assert get_data(client, sid)["timeseries"]["freq"] == "month"


@pytest.mark.parametrize("granularity", ["day", "week", "month", "quarter"])
def test_granularity_gives_every_period_with_independent_sums(
    client, sid, raw, granularity
):
    series = get_data(client, sid, granularity=granularity)["timeseries"]
    assert series["freq"] == granularity
    dates = pd.to_datetime(raw["Date"])
    periods = dates.dt.to_period(PERIOD_ALIASES[granularity])
    sums = raw["Revenue"].groupby(periods).sum()
    every = pd.period_range(
        periods.min(), periods.max(), freq=PERIOD_ALIASES[granularity]
    )
    want = sums.reindex(every, fill_value=0.0)
    got = pd.Series(
        [p["revenue"] for p in series["points"]],
        index=[p["period"] for p in series["points"]],
    )
    assert list(got.index) == list(every.start_time.strftime("%Y-%m-%d"))
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=0.006)


def test_week_periods_start_on_monday(client, sid):
    points = get_data(client, sid, granularity="week")["timeseries"]["points"]
    assert {pd.Timestamp(p["period"]).day_name() for p in points} == {"Monday"}


def test_granularity_and_filters_combine(client, sid, raw):
    params = {"start": "2023-02-10", "end": "2023-03-20", "category": "Hardware"}
    series = get_data(client, sid, granularity="day", **params)["timeseries"]
    rows = select(raw, **params)
    assert series["points"][0]["period"] == rows["Date"].min()
    assert series["points"][-1]["period"] == rows["Date"].max()
    got = {p["period"]: p["revenue"] for p in series["points"] if p["revenue"]}
    assert got == pytest.approx(
        rows.groupby("Date")["Revenue"].sum().to_dict(), abs=0.006
    )
