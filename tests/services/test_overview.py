"""The dashboard overview of one view, as the overview callbacks and /api/data read it:
checked on the Superstore export against figures computed from its rows by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes
from services.datasets import Dataset
from services.overview import Overview
from services.session_meta import SessionMeta
from services.views import Filters, build_view
from tests.conftest import SHARED_DATA

SUPERSTORE = SHARED_DATA / "superstore_classic_cp1252.csv"


@pytest.fixture(scope="module")
def superstore() -> Dataset:
    frame = ingest_bytes(SUPERSTORE.read_bytes(), SUPERSTORE.name).frame
    return Dataset(meta=SessionMeta(session_id="superstore"), frame=frame)


def test_each_figure_is_computed_once_per_overview(superstore):
    overview = Overview(build_view(superstore, Filters()))
    assert overview.series is overview.series
    assert overview.sku_totals is overview.sku_totals
    assert overview.kpis is overview.kpis


def test_the_series_sums_the_rows_in_view_by_the_chosen_period(superstore):
    view = build_view(superstore, Filters.from_inputs("2016-01-01", "2016-12-31"))
    overview = Overview(view, "quarter")
    assert overview.freq == "quarter"
    assert list(overview.series["period"].dt.month) == [1, 4, 7, 10]
    by_hand = view.rows.groupby(view.rows["date"].dt.quarter)["revenue"].sum()
    assert overview.series["revenue"].tolist() == pytest.approx(by_hand.tolist())
    assert overview.kpis["total_revenue"] == pytest.approx(view.rows["revenue"].sum())
    # no period asked: chosen from the span (four years of daily orders: months)
    assert Overview(build_view(superstore, Filters())).freq == "month"


def test_categories_and_their_absence(superstore):
    overview = Overview(build_view(superstore, Filters()), "month")
    by_hand = superstore.frame.groupby("category")["revenue"].sum()
    by_category = overview.by_category.set_index("category")["revenue"]
    assert by_category.to_dict() == pytest.approx(by_hand.to_dict())
    assert set(overview.by_period["category"]) == set(by_hand.index)
    no_category = Dataset(
        meta=superstore.meta, frame=superstore.frame.assign(category=pd.NA)
    )
    bare = Overview(build_view(no_category, Filters()))
    assert not bare.has_categories
    assert bare.by_category is None and bare.by_period is None


def test_the_sku_metric_is_revenue_unless_profit_is_asked_and_known(superstore):
    overview = Overview(build_view(superstore, Filters()))
    assert overview.sku_metric("profit") == "profit"
    assert overview.sku_metric("margin") == "revenue"
    assert overview.sku_metric(None) == "revenue"
    no_profit = Dataset(
        meta=superstore.meta, frame=superstore.frame.assign(profit=None)
    )
    assert Overview(build_view(no_profit, Filters())).sku_metric("profit") == "revenue"
    top, bottom = overview.top_bottom("profit", n=3)
    by_hand = superstore.frame.groupby("sku")["profit"].sum().sort_values()
    assert top["profit"].tolist() == pytest.approx(by_hand.iloc[::-1][:3].tolist())
    assert bottom["profit"].tolist() == pytest.approx(by_hand.iloc[:3].tolist())


def test_the_cards_compare_with_the_comparison_rows_only_when_covered(superstore):
    view = build_view(superstore, Filters.from_inputs("2017-01-01", "2017-03-31"))
    overview = Overview(view, "month")
    comparison = overview.comparison("year_ago")
    assert comparison.covered
    cards = overview.kpi_cards(comparison)
    year_ago = superstore.frame[
        (superstore.frame["date"] >= "2016-01-01")
        & (superstore.frame["date"] <= "2016-03-31")
    ]
    assert cards["total_revenue"]["previous"] == pytest.approx(
        round(year_ago["revenue"].sum(), 2)
    )
    compared = overview.compared_series(comparison)
    assert compared["revenue"].sum() == pytest.approx(year_ago["revenue"].sum())
    # the first quarter of the data has no year before it: nothing to compare
    first = Overview(
        build_view(superstore, Filters.from_inputs("2014-01-01", "2014-03-31")), "month"
    )
    uncovered = first.comparison("year_ago")
    assert not uncovered.covered
    assert first.compared_series(uncovered) is None
    assert first.kpi_cards(uncovered)["total_revenue"]["previous"] is None
    assert first.comparison("off") is None and first.compared_series(None) is None
