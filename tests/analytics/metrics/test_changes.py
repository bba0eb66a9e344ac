"""What changed (analytics.metrics.changes) against plain pandas: the contributions add up to the
total change exactly, on generated lines and on the real Superstore file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.ingest import ingest_bytes
from analytics.metrics import FilterError, comparison_bounds, what_changed
from tests.analytics.conftest import build_canonical

DATA_DIR = Path(__file__).resolve().parents[4] / "shared" / "data"


def lines(seed: int = 1, n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")
    revenue = np.round(rng.gamma(2.0, 50.0, n), 2)
    cost = np.round(revenue * rng.uniform(0.4, 0.9, n), 2)
    category = np.array(["A", "B", "C", "D"], dtype=object)[rng.integers(0, 4, n)]
    category[rng.random(n) < 0.02] = None
    sku = np.array([f"S{i:02d}" for i in range(40)], dtype=object)[
        rng.integers(0, 40, n)
    ]
    return build_canonical(
        date=dates,
        revenue=revenue,
        cost=cost,
        profit=np.round(revenue - cost, 2),
        category=category,
        sku=sku,
    )


def plain(frame, first, last, by, measure):
    inside = frame[(frame["date"] >= first) & (frame["date"] <= last)]
    return inside.groupby(inside[by].fillna("(not set)"))[measure].sum()


@pytest.mark.parametrize("measure", ["revenue", "profit"])
@pytest.mark.parametrize("compare", ["previous_period", "year_ago"])
def test_contributions_add_up_to_the_total_change(measure, compare):
    frame = lines()
    change = what_changed(
        frame,
        "2023-04-01",
        "2023-06-30",
        compare,
        candidates=["category", "sku"],
        by="sku",
        measure=measure,
        top=5,
    )
    first, last, before, until = comparison_bounds("2023-04-01", "2023-06-30", compare)
    now = plain(frame, first, last, "sku", measure)
    then = plain(frame, before, until, "sku", measure)
    delta = now.sub(then, fill_value=0)
    assert change.change == pytest.approx(now.sum() - then.sum(), abs=0.005)
    # exact to the cent: the rows (top 5 + Other) add up to the total change
    cents = np.round(change.rows["change"].to_numpy() * 100).astype(int)
    assert cents.sum() == round(change.change * 100)
    top = delta.reindex(delta.abs().sort_values(ascending=False).index)[:5]
    assert list(change.rows["value"][:5]) == list(top.index)
    assert np.allclose(change.rows["change"][:5], top.to_numpy(), atol=0.005)
    assert change.rows["value"].iloc[-1] == "Other (35 values)"


def test_previous_period_of_whole_months_and_year_ago_by_weekday():
    assert comparison_bounds("2024-03-01", "2024-03-31", "previous_period")[2:] == (
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-02-29"),
    )
    _, _, before, until = comparison_bounds(
        "2024-03-04", "2024-03-10", "year_ago", weekday_aligned=True
    )
    assert before.day_name() == "Monday" and until.day_name() == "Sunday"
    assert before == pd.Timestamp("2023-03-06")
    assert comparison_bounds("2024-03-04", "2024-03-10", "year_ago")[2] == pd.Timestamp(
        "2023-03-04"
    )


def test_the_split_defaults_to_the_dimension_with_the_largest_mover():
    frame = lines(seed=4)
    change = what_changed(
        frame, "2023-01-01", "2023-12-31", "year_ago", candidates=["category", "sku"]
    )
    moves = {}
    for by in ("category", "sku"):
        now = plain(frame, "2023-01-01", "2023-12-31", by, "revenue")
        then = plain(frame, "2022-01-01", "2022-12-31", by, "revenue")
        moves[by] = now.sub(then, fill_value=0).abs().max()
    assert change.by == max(moves, key=moves.get)


def test_unusable_requests_have_a_reason():
    frame = lines()
    with pytest.raises(FilterError, match="both a start and an end"):
        what_changed(frame, None, "2023-01-01", "year_ago", candidates=["sku"])
    with pytest.raises(FilterError, match="Unknown comparison"):
        what_changed(frame, "2023-01-01", "2023-02-01", "last_week", candidates=["sku"])
    no_cost = frame.assign(cost=np.nan, profit=np.nan)
    with pytest.raises(FilterError, match="no cost or profit"):
        what_changed(
            no_cost,
            "2023-01-01",
            "2023-02-01",
            "year_ago",
            candidates=["sku"],
            measure="profit",
        )


@pytest.mark.skipif(not DATA_DIR.exists(), reason="shared data folder absent")
def test_superstore_2017_against_2016_by_region():
    name = "superstore_classic_cp1252.csv"
    result = ingest_bytes((DATA_DIR / name).read_bytes(), name)
    frame = result.frame
    region = next(c for c in frame.columns if c == "Region")
    raw = pd.read_csv(DATA_DIR / name, encoding="cp1252")
    year = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y").dt.year
    now = raw[year == 2017].groupby("Region")["Sales"].sum()
    then = raw[year == 2016].groupby("Region")["Sales"].sum()
    change = what_changed(
        frame,
        "2017-01-01",
        "2017-12-31",
        "previous_period",
        candidates=[region],
        by=region,
    )
    assert change.previous_start == pd.Timestamp("2016-01-01")
    assert change.current == pytest.approx(now.sum(), abs=0.005)
    assert change.previous == pytest.approx(then.sum(), abs=0.005)
    got = change.rows.set_index("value")["change"]
    assert np.allclose(got.loc[now.index], (now - then).to_numpy(), atol=0.005)
    assert round(got.sum(), 2) == round(change.change, 2)
