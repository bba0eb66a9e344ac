"""Work shared by the callbacks of one filter change: views built once even when asked
at the same moment, SKU scores and their projection identical to the full computation."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import project_sku_scores
from analytics.ingest import ingest_bytes
from analytics.insights import insights
from analytics.insights.build import _insights
from analytics.metrics import monthly_sku_scores, sku_scores
from benchmarks.datagen import csv_bytes, transactions
from services.datasets import Dataset
from services.session_meta import SessionMeta
from services.views import (
    Filters,
    Memo,
    ViewMemo,
    build_view,
    cached_monthly_scores,
    cached_sku_scores,
    view_comparison,
)
from tests.conftest import SHARED_DATA

SUPERSTORE = SHARED_DATA / "superstore_classic_cp1252.csv"


def full_scores(rows: pd.DataFrame) -> pd.DataFrame:
    """The SKU table's scores as first written: every month scored, then projected."""
    scores = sku_scores(rows)
    monthly = monthly_sku_scores(rows)
    if not len(monthly):
        return scores.assign(projected_score=float("nan"), trending_down=False)
    projection = project_sku_scores(monthly)[
        ["sku", "projected_score", "trending_down"]
    ]
    scores = scores.merge(projection, on="sku", how="left")
    scores["trending_down"] = scores["trending_down"].fillna(False).astype(bool)
    return scores


def dataset_of(data: bytes, name: str, sid: str) -> Dataset:
    frame = ingest_bytes(data, name).frame
    return Dataset(meta=SessionMeta(session_id=sid), frame=frame)


@pytest.fixture(scope="module")
def generated() -> Dataset:
    return dataset_of(csv_bytes(transactions(rows=40_000)), "gen.csv", "gen")


FILTER_SETS = [
    Filters(),
    Filters.from_inputs("2022-01-01", "2023-03-15"),
    Filters.from_inputs("2023-02-10", None, ["Toys"]),
    Filters.from_inputs(None, "2022-02-20", None, "SKU-1"),
    Filters.from_inputs("2030-01-01", None),  # no rows
]


def test_memo_builds_once_for_threads_asking_together():
    memo = Memo(4)
    calls = []

    def build():
        calls.append(1)
        time.sleep(0.2)
        return object()

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.get("k", build)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 6 and all(r is results[0] for r in results)


def test_memo_error_reaches_waiters_and_is_not_kept():
    memo = Memo(4)
    started = threading.Event()

    def failing():
        started.set()
        time.sleep(0.2)
        raise ValueError("bad filter")

    errors = []

    def ask():
        try:
            memo.get("k", failing)
        except ValueError as error:
            errors.append(str(error))

    first = threading.Thread(target=ask)
    first.start()
    started.wait(5)
    second = threading.Thread(target=ask)
    second.start()
    first.join()
    second.join()
    assert errors == ["bad filter", "bad filter"]
    assert memo.get("k", lambda: 42) == 42  # the failure was not remembered


def test_memo_keeps_the_latest_values_only():
    memo = Memo(2)
    for key in "abc":
        memo.get(key, lambda key=key: key.upper())
    assert memo.get("a", lambda: "rebuilt") == "rebuilt"
    assert memo.get("c", lambda: "rebuilt") == "C"


def test_view_memo_gives_the_callers_metadata(generated):
    views = ViewMemo()
    filters = Filters.from_inputs("2022-01-01", "2022-12-31")
    first = views.view(generated, filters)
    fresh = Dataset(meta=replace(generated.meta, filename="x"), frame=generated.frame)
    again = views.view(fresh, filters)
    assert again.rows is first.rows
    assert again.dataset is fresh


@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda f: f.describe())
def test_sku_scores_with_projection_equal_the_full_computation(generated, filters):
    view = build_view(generated, filters)
    got = cached_sku_scores(None, view)
    pd.testing.assert_frame_equal(got, full_scores(view.rows), check_exact=True)
    assert cached_sku_scores(None, view) is got  # computed once per filter set
    pd.testing.assert_frame_equal(
        cached_monthly_scores(None, view), monthly_sku_scores(view.rows)
    )


def test_projection_when_the_latest_month_has_no_usable_amounts(generated):
    frame = generated.frame.copy()
    latest = frame["date"].max()
    last_month = (frame["date"].dt.year == latest.year) & (
        frame["date"].dt.month == latest.month
    )
    frame.loc[last_month, "revenue"] = np.nan
    dataset = Dataset(meta=SessionMeta(session_id="nan-month"), frame=frame)
    view = build_view(dataset, Filters())
    pd.testing.assert_frame_equal(
        cached_sku_scores(None, view), full_scores(view.rows), check_exact=True
    )


def test_comparison_is_shared_by_callbacks_of_one_change(generated):
    view = build_view(generated, Filters.from_inputs("2023-01-01", "2023-03-31"))
    monthly = view_comparison(view, "previous_period", "month")
    assert view_comparison(view, "previous_period", "quarter") is monthly
    daily = view_comparison(view, "previous_period", "day")
    assert daily is not monthly and daily.rows is not None
    assert view_comparison(view, "off", "month") is None
    assert float(monthly.rows["revenue"].sum()) == pytest.approx(
        float(
            view.history.loc[
                (view.history["date"] >= "2022-10-01")
                & (view.history["date"] <= "2022-12-31"),
                "revenue",
            ].sum()
        )
    )


@pytest.mark.parametrize("filters", FILTER_SETS[:3], ids=lambda f: f.describe())
def test_insights_with_shared_period_slices_are_unchanged(generated, filters):
    rows = build_view(generated, filters).rows
    assert not rows.empty, "the generated shop has no rows under these filters"
    assert insights(rows) == _insights(rows, None, "$")


@pytest.mark.skipif(not SUPERSTORE.exists(), reason="runs when ../shared/data exists")
@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters.from_inputs("2016-01-01", "2016-12-31"),
        Filters.from_inputs(None, "2015-06-30", ["Furniture"]),
    ],
    ids=lambda f: f.describe(),
)
def test_superstore_scores_and_projection_unchanged(filters):
    dataset = dataset_of(SUPERSTORE.read_bytes(), SUPERSTORE.name, "superstore")
    view = build_view(dataset, filters)
    got = cached_sku_scores(None, view)
    pd.testing.assert_frame_equal(got, full_scores(view.rows), check_exact=True)
    assert insights(view.rows) == _insights(view.rows, None, "$")


def test_memo_bounded_by_memory_keeps_the_latest_value():
    memo = Memo(16, max_bytes=1_000_000)
    frame = pd.DataFrame({"x": np.zeros(100_000)})  # 800 kB
    memo.get("a", lambda: frame)
    memo.get("b", lambda: frame.copy())
    assert memo.get("a", lambda: "rebuilt") == "rebuilt"  # evicted for "b"
    big = pd.DataFrame({"x": np.zeros(500_000)})  # larger than the budget
    assert memo.get("c", lambda: big) is big
    assert memo.get("c", lambda: "rebuilt") is big  # the latest is kept
