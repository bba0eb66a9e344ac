"""GET /api/customers/<id>, the ``customers`` of /api/data and the customers.csv export,
under filters, against plain pandas on the uploaded table."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from tests.conftest import module_client, new_session, transactions_frame


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    frame = transactions_frame(rows=900, seed=5)
    rng = np.random.default_rng(5)
    frame["Customer"] = [f"CU-{i:02d}" for i in rng.integers(0, 60, len(frame))]
    frame["Order ID"] = [
        f"O-{c}-{d}" for c, d in zip(frame["Customer"], frame["Date"], strict=True)
    ]
    return frame


@pytest.fixture(scope="module")
def sid(client, table) -> str:
    return new_session(client, table, "orders.csv")


def in_range(table: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    dates = pd.to_datetime(table["Date"])
    return table[(dates >= start) & (dates <= end)]


def test_customer_figures_follow_the_date_filter(client, table, sid):
    body = client.get(
        f"/api/customers/{sid}?start=2023-03-01&end=2023-12-31"
    ).get_json()
    rows = in_range(table, "2023-03-01", "2023-12-31")
    orders = rows.groupby("Customer")["Order ID"].nunique()
    assert body["unit"] == "orders"
    assert body["customers"] == rows["Customer"].nunique()
    assert body["repeat_customers"] == int((orders > 1).sum())
    assert body["repeat_rate"] == pytest.approx((orders > 1).mean(), abs=1e-4)
    assert body["revenue_per_customer"] == pytest.approx(
        rows["Revenue"].sum() / rows["Customer"].nunique(), abs=0.01
    )
    first = pd.to_datetime(rows["Date"]).groupby(rows["Customer"]).min()
    sizes = first.dt.to_period("M").value_counts().sort_index()
    assert body["cohorts"]["sizes"] == [int(v) for v in sizes]
    assert sum(s["customers"] for s in body["segments"]) == len(orders)
    assert body["filters"]["start"] == "2023-03-01"


def test_api_data_carries_the_headline_customer_figures(client, table, sid):
    body = client.get(f"/api/data/{sid}?category=Software").get_json()
    rows = table[table["Category"] == "Software"]
    assert body["customers"]["customers"] == rows["Customer"].nunique()
    assert "segments" not in body["customers"]


def test_customers_csv_is_the_rfm_table_under_the_filters(client, table, sid):
    response = client.get(
        f"/api/export/{sid}/customers.csv?start=2023-06-01&end=2024-02-29"
    )
    assert response.status_code == 200
    assert "customers-rfm.csv" in response.headers["Content-Disposition"]
    got = pd.read_csv(io.BytesIO(response.data))
    rows = in_range(table, "2023-06-01", "2024-02-29")
    assert len(got) == rows["Customer"].nunique()
    net = rows.groupby("Customer")["Revenue"].sum()
    mine = got.set_index("Customer")["Net revenue"]
    assert np.allclose(mine.loc[net.index], net, atol=0.006)
    assert set(got["R score"]) <= {1, 2, 3, 4, 5}
    assert list(got.columns[:4]) == [
        "Customer",
        "Days since last purchase",
        "Frequency (orders)",
        "Net revenue",
    ]


def test_no_customer_column_is_a_clear_404(client):
    other = new_session(client, transactions_frame(rows=50, seed=2), "plain.csv")
    response = client.get(f"/api/customers/{other}")
    assert response.status_code == 404
    assert "no customer column" in response.get_json()["error"]
    assert client.get(f"/api/data/{other}").get_json()["customers"] is None
    assert client.get(f"/api/export/{other}/customers.csv").status_code == 404


def test_unknown_session_is_404(client):
    assert client.get("/api/customers/nosuchsession").status_code == 404
