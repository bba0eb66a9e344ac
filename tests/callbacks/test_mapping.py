"""Mapping review: a corrected mapping recomputes the data and is remembered."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from dash import no_update

from analytics.schema import ROLES
from callbacks.mapping import apply_mapping
from callbacks.routing import render_page
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


# -- the reload after a mapping keeps the dashboard's selection -------------------------


@pytest.fixture
def with_region(client, sales_frame):
    regions = ["West", "East", "North"]
    frame = sales_frame.assign(Region=[regions[i % 3] for i in range(len(sales_frame))])
    return upload(client, frame.to_csv(index=False).encode()).get_json()


def _apply_from(app, sid, mapping, search):
    role_ids = [{"type": "mapping-role", "role": role} for role in ROLES]
    values = [mapping.get(role) or NONE_VALUE for role in ROLES]
    with app.server.test_request_context("/", headers=as_owner(sid)):
        return apply_mapping(1, values, role_ids, None, sid, search)


def _query(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query, keep_blank_values=True)


def test_the_reload_keeps_the_selection_the_address_held(app, with_region):
    sid = with_region["session_id"]
    search = (
        "?v=0&start=2023-01-01&end=2023-12-31&category=Hardware"
        "&filter=Region%3AWest%2CEast&by=Region&compare=year_ago"
    )
    mapping = {**with_region["mapping"], "cost": None}
    status, href = _apply_from(app, sid, mapping, search)
    assert "applied" in str(status.to_plotly_json())
    assert urlsplit(href).path == f"/dashboard/{sid}"
    query = _query(href)
    assert ("v", "1") in query and [k for k, _ in query].count("v") == 1
    for pair in [
        ("start", "2023-01-01"),
        ("end", "2023-12-31"),
        ("category", "Hardware"),
        ("filter", "Region:East"),
        ("filter", "Region:West"),
        ("by", "Region"),
        ("compare", "year_ago"),
    ]:
        assert pair in query, (pair, query)
    # the page the reload opens shows that selection
    with app.server.test_request_context("/", headers=as_owner(sid)):
        page = str(render_page(f"/dashboard/{sid}", "?" + urlsplit(href).query))
    assert "West" in page and "Hardware" in page


def test_values_the_rebuilt_data_lacks_are_left_out(app, with_region):
    sid = with_region["session_id"]
    search = "?category=Hardware&filter=Region%3AWest%2CAtlantis&filter=Shop%3AX&by=SKU"
    # Category is no longer mapped: the category filter would leave nothing
    mapping = {**with_region["mapping"], "category": None}
    _, href = _apply_from(app, sid, mapping, search)
    query = _query(href)
    assert not [v for k, v in query if k == "category"]
    # a value the column lacks is dropped; a column the file lacks is dropped too
    assert [v for k, v in query if k == "filter"] == ["Region:West"]
    assert ("by", "SKU") in query


def test_without_a_selection_the_reload_is_the_plain_address(app, with_region):
    sid = with_region["session_id"]
    _, href = _apply_from(app, sid, {**with_region["mapping"], "cost": None}, "")
    assert href == f"/dashboard/{sid}?v=1"
