"""Mapping review: a corrected mapping recomputes the data and is remembered."""

from __future__ import annotations

import pytest
from dash import no_update

from analytics.schema import ROLES
from callbacks.mapping import apply_mapping
from components.quality import NONE_VALUE
from tests.conftest import as_owner, upload


def _apply(app, sid, mapping, drop=None):
    role_ids = [{"type": "mapping-role", "role": role} for role in ROLES]
    values = [mapping.get(role) or NONE_VALUE for role in ROLES]
    with app.server.test_request_context("/", headers=as_owner(sid)):
        return apply_mapping(1, values, role_ids, drop, sid)


@pytest.fixture
def created(client, sales_csv):
    return upload(client, sales_csv).get_json()


def test_changing_revenue_column_recomputes_totals(app, client, created, sales_frame):
    mapping = {
        **created["mapping"],
        "revenue": "Unit Price",
        "cost": None,
        "profit": None,
    }
    status, href = _apply(app, created["session_id"], mapping)
    assert href == f"/dashboard/{created['session_id']}?v=1"
    assert "applied" in str(status.to_plotly_json())
    body = client.get(f"/api/data/{created['session_id']}").get_json()
    assert body["mapping"]["revenue"] == "Unit Price"
    assert body["kpis"]["total_revenue"] == pytest.approx(
        sales_frame["Unit Price"].sum(), abs=0.01
    )
    assert body["kpis"]["total_cost"] is None


def test_mapping_that_does_not_fit_is_explained(app, client, created):
    mapping = {**created["mapping"], "revenue": "Category"}
    status, href = _apply(app, created["session_id"], mapping)
    assert href is no_update  # the page is not reloaded
    text = str(status.to_plotly_json())
    assert "Category" in text
    # nothing stored was changed
    body = client.get(f"/api/data/{created['session_id']}").get_json()
    assert body["mapping"]["revenue"] == "Revenue"


def test_confirmed_mapping_is_remembered_for_the_same_columns(
    app, client, created, sales_csv, sales_frame
):
    mapping = {
        **created["mapping"],
        "revenue": "Unit Price",
        "cost": None,
        "profit": None,
    }
    _apply(app, created["session_id"], mapping)
    again = upload(client, sales_csv).get_json()
    assert again["mapping"]["revenue"] == "Unit Price"
    assert any("confirmed earlier" in w for w in again["warnings"])


def test_expired_session(app):
    status, href = _apply(app, "Z" * 32, {"revenue": "Revenue"})
    assert href is no_update and "expired" in str(status.to_plotly_json())


def test_dropping_duplicates(app, client):
    csv = (
        b"Date,SKU,Revenue\n2024-01-01,A,10.50\n2024-01-01,A,10.50\n2024-01-02,B,7.25\n"
    )
    created = upload(client, csv).get_json()
    assert (
        client.get(f"/api/data/{created['session_id']}").get_json()["kpis"][
            "total_revenue"
        ]
        == 28.25
    )
    _apply(app, created["session_id"], created["mapping"], drop=["drop"])
    body = client.get(f"/api/data/{created['session_id']}").get_json()
    assert body["kpis"]["total_revenue"] == 17.75
    assert body["kpis"]["transactions"] == 2
