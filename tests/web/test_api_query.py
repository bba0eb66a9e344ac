"""POST /api/query/<id> and GET /api/data?filter=…&group_by=…, through the Flask client.
Expected figures come from plain pandas on the uploaded table."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from tests.conftest import csrf_token, module_client, new_session

ROWS = 500


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    order = np.sort(rng.integers(0, 180, ROWS))
    return pd.DataFrame(
        {
            "Order ID": np.char.add("OR-", order.astype(str)),
            "Order Date": (
                pd.Timestamp("2024-01-01") + pd.to_timedelta(order, unit="D")
            ).strftime("%Y-%m-%d"),
            "Customer ID": np.char.add("C", (order % 50).astype(str)),
            "Region": rng.choice(["West", "East", "Central"], ROWS),
            "Payment Method": rng.choice(["Card", "Cash", "PayPal"], ROWS),
            "Product ID": np.char.add("P", rng.integers(0, 25, ROWS).astype(str)),
            "Sales": np.round(rng.uniform(5, 300, ROWS), 2),
            "Profit": np.round(rng.uniform(-20, 60, ROWS), 2),
            "Discount": rng.choice([0.0, 0.1, 0.2], ROWS),
        }
    )


@pytest.fixture(scope="module")
def sid(client, lines) -> str:
    return new_session(client, lines, "orders.csv")


@pytest.fixture(scope="module")
def token(client) -> str:
    return csrf_token(client)


def post(client, sid, body, token):
    return client.post(f"/api/query/{sid}", json=body, headers={"X-CSRFToken": token})


def test_query_groups_and_filters(client, sid, token, lines):
    response = post(
        client,
        sid,
        {
            "measures": ["revenue", "orders", "Discount"],
            "group_by": ["Region"],
            "filters": [{"column": "payment method", "values": ["card", "PAYPAL"]}],
        },
        token,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    rows = lines[lines["Payment Method"].isin(["Card", "PayPal"])]
    expected = rows.groupby("Region")["Sales"].sum()
    got = {r["Region"]: r for r in body["rows"]}
    assert set(got) == set(expected.index)
    for region, revenue in expected.items():
        part = rows[rows["Region"] == region]
        assert got[region]["revenue"] == pytest.approx(revenue, abs=0.01)
        assert got[region]["orders"] == part["Order ID"].nunique()
        weighted = (part["Discount"] * part["Sales"]).sum() / part["Sales"].sum()
        assert got[region]["Discount"] == pytest.approx(weighted, abs=1e-6)
    assert body["totals"]["revenue"] == pytest.approx(rows["Sales"].sum(), abs=0.01)
    assert body["units"] == {"revenue": "money", "orders": "count", "Discount": "ratio"}
    assert body["spec"]["group_by"] == ["Region"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"measures": ["revenue"], "group_by": ["Channel"]}, "Your file has no column 'Channel'"),
        ({"measures": ["revenue"], "filters": [{"column": "Region", "values": ["Nowhere"]}]}, "Region has no value 'Nowhere'; values: Central, East, West"),
        ({"measures": ["visits"]}, "'visits' is not a measure"),
        ({"metric": "revenue"}, "Unknown query field"),
        (["revenue"], "Send a JSON object"),
    ],
)  # fmt: skip
def test_invalid_query_is_400_with_the_reason(client, sid, token, body, says):
    response = post(client, sid, body, token)
    assert response.status_code == 400
    assert says in response.get_json()["error"]


def test_query_unknown_session_is_404(client, token):
    response = post(client, "0" * 32, {"measures": ["revenue"]}, token)
    assert response.status_code == 404


def test_query_needs_the_csrf_token(client, sid):
    response = client.post(f"/api/query/{sid}", json={"measures": ["revenue"]})
    assert response.status_code in (400, 403)
    assert "CSRF" in response.get_data(as_text=True) or "token" in response.get_data(
        as_text=True
    )


def test_data_filter_and_group_by(client, sid, lines):
    response = client.get(
        f"/api/data/{sid}?filter=Region:West,East&filter=Payment Method:Cash"
        "&group_by=Payment Method"
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    rows = lines[
        lines["Region"].isin(["West", "East"]) & (lines["Payment Method"] == "Cash")
    ]
    assert body["kpis"]["total_revenue"] == pytest.approx(rows["Sales"].sum(), abs=0.01)
    assert body["kpis"]["transactions"] == len(rows)
    assert body["kpis"]["orders"] == rows["Order ID"].nunique()
    assert body["kpis"]["customers"] == rows["Customer ID"].nunique()
    assert body["filters"]["dimensions"] == {
        "Payment Method": ["Cash"],
        "Region": ["East", "West"],
    }
    by = body["breakdowns"]["by_dimension"]
    assert [r["Payment Method"] for r in by] == ["Cash"]
    assert by[0]["transactions"] == len(rows)
    assert by[0]["share"] == pytest.approx(1.0)
    assert by[0]["margin"] == pytest.approx(
        rows["Profit"].sum() / rows["Sales"].sum(), abs=1e-6
    )
    kinds = {c["name"]: c for c in body["columns"]}
    assert kinds["Region"] == {
        "name": "Region",
        "kind": "dimension",
        "unit": None,
        "role": None,
    }
    assert (
        kinds["Discount"]["kind"] == "measure" and kinds["Discount"]["unit"] == "ratio"
    )
    assert kinds["Order ID"]["role"] == "order_id"


def test_data_kpis_count_orders(client, sid, lines):
    body = client.get(f"/api/data/{sid}").get_json()
    per_customer = lines.groupby("Customer ID")["Order ID"].nunique()
    assert body["kpis"]["orders"] == lines["Order ID"].nunique()
    assert body["kpis"]["avg_order_value"] == pytest.approx(
        lines["Sales"].sum() / lines["Order ID"].nunique(), abs=0.01
    )
    assert body["kpis"]["repeat_customers"] == int((per_customer > 1).sum())
    assert body["kpis"]["transactions"] == len(lines)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("filter=Region", "must look like filter=Column:value1,value2"),
        ("filter=Region:Nowhere", "Region has no value 'Nowhere'"),
        ("filter=Planet:Mars", "no column 'Planet'"),
        ("group_by=Planet", "no column 'Planet'"),
    ],
)
def test_data_bad_filter_or_group_is_400(client, sid, query, says):
    response = client.get(f"/api/data/{sid}?{query}")
    assert response.status_code == 400
    assert says in response.get_json()["error"]


def test_export_accepts_filters_and_keeps_dimensions(client, sid, lines):
    response = client.get(f"/api/export/{sid}/data.csv?filter=Region:Central")
    assert response.status_code == 200
    exported = pd.read_csv(io.BytesIO(response.data))
    rows = lines[lines["Region"] == "Central"]
    assert len(exported) == len(rows)
    assert exported["revenue"].sum() == pytest.approx(rows["Sales"].sum(), abs=0.01)
    assert set(exported["Region"]) == {"Central"}
    assert sorted(exported["Payment Method"]) == sorted(rows["Payment Method"])
