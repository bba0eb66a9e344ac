"""GET /api/changes/<id>: what changed against the comparison period, under the filters,
against plain pandas on the uploaded table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import module_client, new_session, transactions_frame


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    frame = transactions_frame(rows=1200, seed=21, start="2022-01-01", days=900)
    rng = np.random.default_rng(21)
    frame["Region"] = np.array(["North", "South", "East"])[
        rng.integers(0, 3, len(frame))
    ]
    return frame


@pytest.fixture(scope="module")
def sid(client, table) -> str:
    return new_session(client, table, "shop.csv")


def sums(table, first, last, by, column="Revenue"):
    dates = pd.to_datetime(table["Date"])
    inside = table[(dates >= first) & (dates <= last)]
    return inside.groupby(by)[column].sum()


def test_year_ago_by_a_file_dimension(client, table, sid):
    body = client.get(
        f"/api/changes/{sid}?start=2023-01-01&end=2023-12-31&compare=year_ago&by=Region"
    ).get_json()
    now = sums(table, "2023-01-01", "2023-12-31", "Region")
    then = sums(table, "2022-01-01", "2022-12-31", "Region")
    assert body["compared_with"] == {"start": "2022-01-01", "end": "2022-12-31"}
    assert body["change"] == pytest.approx(now.sum() - then.sum(), abs=0.01)
    got = {r["value"]: r["change"] for r in body["contributions"]}
    for region in now.index:
        assert got[region] == pytest.approx(now[region] - then[region], abs=0.005)
    assert round(sum(got.values()), 2) == body["change"]


def test_previous_period_of_profit_under_a_category_filter(client, table, sid):
    body = client.get(
        f"/api/changes/{sid}?start=2023-07-01&end=2023-09-30&category=Software"
        "&compare=previous_period&measure=profit&by=sku"
    ).get_json()
    software = table[table["Category"] == "Software"].assign(
        Profit=lambda t: t["Revenue"] - t["Cost"]
    )
    now = sums(software, "2023-07-01", "2023-09-30", "SKU", "Profit")
    then = sums(software, "2023-04-01", "2023-06-30", "SKU", "Profit")
    assert body["measure"] == "profit" and body["by"] == "sku"
    assert body["change"] == pytest.approx(now.sum() - then.sum(), abs=0.01)
    cents = sum(round(r["change"] * 100) for r in body["contributions"])
    assert cents == round(body["change"] * 100)


def test_bad_requests_say_why(client, sid):
    response = client.get(f"/api/changes/{sid}?compare=last_week")
    assert response.status_code == 400
    assert "previous_period or year_ago" in response.get_json()["error"]
    response = client.get(f"/api/changes/{sid}?by=Colour")
    assert response.status_code == 400
    assert "Region" in response.get_json()["error"]
    assert client.get("/api/changes/nosuchsession").status_code == 404
