"""Column filters and the breakdown on the real Superstore export (cp1252, m/d/yyyy):
the dashboard's figures against pandas on the raw file and the README's totals."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.formatting import format_money
from callbacks.dashboard import update_breakdown, update_overview
from components.filters import filter_state
from tests.conftest import SHARED_DATA, upload

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="real sample files (shared/data) are not available"
)

FILE = SHARED_DATA / "superstore_classic_cp1252.csv"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(FILE, encoding="cp1252")


@pytest.fixture
def sid(app):
    response = upload(app.server.test_client(), FILE.read_bytes(), FILE.name)
    return response.get_json()["session_id"]


def test_breakdown_by_segment_covers_the_readme_totals(app, sid, raw):
    with app.server.test_request_context("/"):
        _fig, _cols, records, _note = update_breakdown(sid, None, "Segment")
    assert sum(r["revenue"] for r in records) == pytest.approx(2_297_200.86, abs=0.05)
    assert sum(r["profit"] for r in records) == pytest.approx(286_397.02, abs=0.05)
    orders = raw.groupby("Segment")["Order ID"].nunique()
    assert {r["value"]: r["orders"] for r in records} == orders.to_dict()


def test_region_filter_and_breakdown_by_ship_mode(app, sid, raw):
    west = raw[raw["Region"] == "West"]
    with app.server.test_request_context("/"):
        out = update_overview(
            sid,
            filter_state(dimensions={"Region": ["West"]}),
            "month",
            "revenue",
            "revenue",
        )
        _fig, _cols, records, _note = update_breakdown(
            sid, filter_state(dimensions={"Region": ["West"]}), "Ship Mode"
        )
    cards = str([c.to_plotly_json() for c in out[0]])
    assert format_money(round(float(west["Sales"].sum()), 2), "$") in cards
    sales = west.groupby("Ship Mode")["Sales"].sum()
    profit = west.groupby("Ship Mode")["Profit"].sum()
    assert {r["value"]: r["revenue"] for r in records} == pytest.approx(
        sales.round(2).to_dict(), abs=0.01
    )
    assert {r["value"]: r["profit"] for r in records} == pytest.approx(
        profit.round(2).to_dict(), abs=0.01
    )
    assert {r["value"]: r["share"] for r in records} == pytest.approx(
        (sales / sales.sum()).to_dict(), abs=1e-3
    )
