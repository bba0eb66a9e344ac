"""POST /demo: a session with the sample shop, labelled as demo data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analytics.demo import DEMO_FILENAME, demo_shop
from components.dashboard import dashboard_header
from services.session_meta import SessionMeta
from tests.conftest import csrf_token, module_client


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


def open_demo(client):
    return client.post("/demo", headers={"X-CSRFToken": csrf_token(client)})


def test_demo_needs_the_csrf_token(client):
    client.get("/")
    response = client.post("/demo")
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]


def test_demo_creates_a_session_with_the_sample_shop(client):
    response = open_demo(client)
    assert response.status_code == 201
    body = response.get_json()
    assert body["dashboard_url"] == f"/dashboard/{body['session_id']}"
    assert body["warnings"] == []
    assert {k: v for k, v in body["mapping"].items() if v} == {
        "date": "Order Date", "revenue": "Revenue", "cost": "Cost", "sku": "SKU",
        "quantity": "Quantity", "unit_price": "Unit Price", "category": "Category",
        "customer": "Customer ID", "order_id": "Order ID",
    }  # fmt: skip

    data = client.get(f"/api/data/{body['session_id']}").get_json()
    shop = demo_shop()
    assert data["source"]["type"] == "demo"
    assert data["source"]["filename"] == DEMO_FILENAME
    kpis = data["kpis"]
    assert kpis["transactions"] == len(shop)
    assert kpis["total_revenue"] == pytest.approx(shop["Revenue"].sum(), abs=0.005)
    assert kpis["total_cost"] == pytest.approx(shop["Cost"].sum(), abs=0.005)
    assert kpis["sku_count"] == shop["SKU"].nunique()
    assert kpis["orders"] == shop.loc[shop["Revenue"] > 0, "Order ID"].nunique()
    assert (kpis["date_start"], kpis["date_end"]) == (
        shop["Order Date"].min(),
        shop["Order Date"].max(),
    )


def test_each_demo_is_its_own_session(client):
    first = open_demo(client).get_json()["session_id"]
    second = open_demo(client).get_json()["session_id"]
    assert first != second


def test_the_dashboard_header_says_demo_data_only_for_the_demo():
    meta = SessionMeta(
        session_id="s" * 32, filename=DEMO_FILENAME, rows=10, source="demo"
    )
    assert "Demo data" in str(dashboard_header(meta).to_plotly_json())
    uploaded = replace(meta, source="upload")
    assert "Demo data" not in str(dashboard_header(uploaded).to_plotly_json())
