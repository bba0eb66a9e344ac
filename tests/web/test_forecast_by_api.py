"""GET /api/forecast/<sid>?by=...: one forecast per SKU, category or dimension value."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import transactions_frame, upload


@pytest.fixture
def frame():
    frame = transactions_frame(rows=1_500, days=730, seed=5)
    frame["Region"] = np.where(np.arange(len(frame)) % 3 == 0, "North", "South")
    return frame


@pytest.fixture
def sid(client, frame):
    return upload(client, frame.to_csv(index=False).encode()).get_json()["session_id"]


def test_forecast_by_category(client, sid, frame):
    response = client.get(f"/api/forecast/{sid}?by=category&freq=monthly&horizon=3")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and body["by"] == "category"
    expected = frame.groupby("Category")["Revenue"].sum().sort_values(ascending=False)
    assert [g["group"] for g in body["groups"]] == list(expected.index)
    for group in body["groups"]:
        assert group["total"] == pytest.approx(expected[group["group"]], abs=0.01)
        assert group["status"] == "ready" and len(group["points"]) == 3
        assert group["model"] == "ensemble"
    assert body["group_count"] == 3 and body["left_out_share"] == 0
    assert "not checked by a backtest" in body["message"]


def test_forecast_by_sku_keeps_the_largest(client, sid, frame):
    body = client.get(f"/api/forecast/{sid}?by=sku&limit=5&freq=monthly").get_json()
    totals = frame.groupby("SKU")["Revenue"].sum().sort_values(ascending=False)
    assert [g["group"] for g in body["groups"]] == list(totals.index[:5])
    assert body["group_count"] == 25
    share = totals.iloc[5:].sum() / totals.sum()
    assert body["left_out_share"] == pytest.approx(share, abs=1e-4)


def test_forecast_by_a_dimension_of_the_file(client, sid):
    body = client.get(f"/api/forecast/{sid}?by=region&freq=monthly").get_json()
    assert body["by"] == "Region"
    assert sorted(g["group"] for g in body["groups"]) == ["North", "South"]


def test_forecast_by_is_cached(client, sid, monkeypatch):
    url = f"/api/forecast/{sid}?by=category&freq=monthly&horizon=2"
    first = client.get(url).get_json()

    def fail(*args, **kwargs):
        raise AssertionError("recomputed instead of read from the cache")

    monkeypatch.setattr("analytics.forecast.forecast_by", fail)
    assert client.get(url).get_json() == first


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("by=colour", "Cannot forecast by 'colour': choose one of sku, category"),
        ("by=sku&limit=abc", "limit must be a whole number"),
        ("by=sku&limit=500", "between 1 and 200"),
        ("by=sku&horizon=0", "between 1 and 1000"),
    ],
)
def test_bad_parameters_are_400(client, sid, query, message):
    response = client.get(f"/api/forecast/{sid}?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_unknown_session_is_404(client):
    assert client.get("/api/forecast/" + "0" * 32 + "?by=sku").status_code == 404
