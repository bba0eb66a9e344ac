"""One person can never change another's numbers.

Two Flask test clients stand for two browsers (each with its own cookies). A remembered
mapping belongs to the browser that confirmed it; writes by session id from anyone but
the uploader are refused (403 in the API, a message in the dashboard's callbacks).
"""

from __future__ import annotations

import pandas as pd
import pytest
from dash import no_update

from analytics.schema import ROLES
from callbacks.assistant import run_chat
from callbacks.mapping import apply_mapping, read_sheet, undo_remembered
from components.quality import NONE_VALUE
from services.assistant import HISTORY_KEY
from tests.conftest import csrf_token, transactions_frame, upload
from web.extensions import extensions
from web.ownership import NOT_OWNER_MESSAGE, OWNER_COOKIE, OWNER_HEADER


def shop_frame() -> pd.DataFrame:
    """Sales with a postal-code column, the column a visitor might map as revenue."""
    frame = transactions_frame(rows=300, seed=11)
    frame["Postal Code"] = (10000 + frame.index * 37 % 89999).astype(int)
    return frame


@pytest.fixture
def shop() -> pd.DataFrame:
    return shop_frame()


@pytest.fixture
def alice(app):
    return app.server.test_client()


@pytest.fixture
def bob(app):
    return app.server.test_client()


def post_upload(client, frame: pd.DataFrame) -> dict:
    response = upload(client, frame.to_csv(index=False).encode(), "shop.csv")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def cookie_headers(client) -> dict[str, str]:
    """The Cookie header a browser would send (for a callback's request context)."""
    cookie = client.get_cookie(OWNER_COOKIE)
    return {"Cookie": f"{OWNER_COOKIE}={cookie.value}"} if cookie else {}


def remap(app, client, sid: str, mapping: dict) -> tuple[object, object]:
    role_ids = [{"type": "mapping-role", "role": role} for role in ROLES]
    values = [mapping.get(role) or NONE_VALUE for role in ROLES]
    with app.server.test_request_context("/", headers=cookie_headers(client)):
        return apply_mapping(1, values, role_ids, None, sid)


def totals(client, sid: str) -> dict:
    return client.get(f"/api/data/{sid}").get_json()["kpis"]


def revenue_of(frame: pd.DataFrame, column: str = "Revenue") -> float:
    return round(float(frame[column].sum()), 2)


def test_a_remapping_stays_with_the_browser_that_confirmed_it(app, alice, bob, shop):
    first = post_upload(alice, shop)
    status, href = remap(
        app, alice, first["session_id"], {**first["mapping"], "revenue": "Postal Code"}
    )
    assert href is not None, status
    assert totals(alice, first["session_id"])["total_revenue"] == revenue_of(
        shop, "Postal Code"
    )

    # Bob uploads a file with the same columns: he gets the detected mapping.
    theirs = post_upload(bob, shop)
    assert theirs["mapping"]["revenue"] == "Revenue"
    assert not any("confirmed earlier" in w for w in theirs["warnings"])
    assert totals(bob, theirs["session_id"])["total_revenue"] == revenue_of(shop)

    # Alice's next upload of such a file uses her mapping, and says so.
    again = post_upload(alice, shop)
    assert again["mapping"]["revenue"] == "Postal Code"
    assert any("confirmed earlier in this browser" in w for w in again["warnings"])


def test_a_remembered_mapping_is_undone_in_one_click(app, alice, shop):
    first = post_upload(alice, shop)
    remap(
        app, alice, first["session_id"], {**first["mapping"], "revenue": "Postal Code"}
    )
    again = post_upload(alice, shop)
    sid = again["session_id"]
    meta = extensions(app.server).store.get_meta(sid)
    assert meta.mapping_origin["source"] == "remembered"
    with app.server.test_request_context("/", headers=cookie_headers(alice)):
        status, href = undo_remembered(1, sid)
    assert href == f"/dashboard/{sid}?v=1", status
    assert totals(alice, sid)["total_revenue"] == revenue_of(shop)
    # forgotten: the next upload is detected again
    assert post_upload(alice, shop)["mapping"]["revenue"] == "Revenue"


def test_the_quality_card_says_where_a_remembered_mapping_came_from(app, alice, shop):
    from components.quality import quality_card

    first = post_upload(alice, shop)
    remap(
        app, alice, first["session_id"], {**first["mapping"], "revenue": "Postal Code"}
    )
    meta = extensions(app.server).store.get_meta(post_upload(alice, shop)["session_id"])
    text = str(quality_card(meta).to_plotly_json())
    assert "remembered from your earlier upload" in text
    assert "Undo: use the detected mapping" in text
    assert "detected from this file" in str(
        quality_card(
            extensions(app.server)
            .store.get_meta(first["session_id"])
            .with_changes({"mapping_origin": {"source": "detected"}})
        ).to_plotly_json()
    )


def test_a_stranger_cannot_remap_by_session_id(app, alice, bob, shop):
    created = post_upload(alice, shop)
    bob.get("/")  # Bob has his own browser cookie
    status, href = remap(
        app,
        bob,
        created["session_id"],
        {**created["mapping"], "revenue": "Postal Code"},
    )
    assert href is no_update
    assert NOT_OWNER_MESSAGE in str(status.to_plotly_json())
    assert totals(bob, created["session_id"])["total_revenue"] == revenue_of(shop)


def test_a_request_without_any_cookie_cannot_remap(app, alice, shop):
    created = post_upload(alice, shop)
    role_ids = [{"type": "mapping-role", "role": role} for role in ROLES]
    values = [NONE_VALUE] * len(ROLES)
    values[list(ROLES).index("revenue")] = "Postal Code"
    with app.server.test_request_context("/"):
        status, href = apply_mapping(1, values, role_ids, None, created["session_id"])
    assert href is no_update and NOT_OWNER_MESSAGE in str(status.to_plotly_json())


def test_a_forged_owner_cookie_is_refused(app, alice, shop):
    created = post_upload(alice, shop)
    forged = {"Cookie": f"{OWNER_COOKIE}=not-a-signed-value"}
    with app.server.test_request_context("/", headers=forged):
        status, href = read_sheet(1, "Sheet1", created["session_id"])
    assert href is no_update and NOT_OWNER_MESSAGE in str(status.to_plotly_json())


def test_the_owner_token_works_for_api_clients(app, shop):
    api = app.server.test_client()
    created = post_upload(api, shop)
    stranger = app.server.test_client()
    token = csrf_token(stranger)
    path = f"/api/chat/{created['session_id']}"
    body = {"message": "What was revenue in 2023?"}
    refused = stranger.post(path, json=body, headers={"X-CSRFToken": token})
    assert refused.status_code == 403
    assert OWNER_HEADER in refused.get_json()["error"]
    allowed = stranger.post(
        path,
        json=body,
        headers={"X-CSRFToken": token, OWNER_HEADER: created["owner_token"]},
    )
    assert allowed.status_code == 200, allowed.get_json()


def test_a_stranger_cannot_append_chat_turns(app, alice, bob, shop):
    created = post_upload(alice, shop)
    sid = created["session_id"]
    response = bob.post(
        f"/api/chat/{sid}",
        json={"message": "Top 5 products by profit"},
        headers={"X-CSRFToken": csrf_token(bob)},
    )
    assert response.status_code == 403
    store = extensions(app.server).store
    assert store.get_value(sid, HISTORY_KEY) is None
    # the owner's own browser may
    ok = alice.post(
        f"/api/chat/{sid}",
        json={"message": "Top 5 products by profit"},
        headers={"X-CSRFToken": csrf_token(alice)},
    )
    assert ok.status_code == 200
    assert len(store.get_value(sid, HISTORY_KEY)) == 1


def test_the_chat_job_refuses_a_stranger(app, alice, bob, shop):
    created = post_upload(alice, shop)
    sid = created["session_id"]
    bob.get("/")
    settings = extensions(app.server).settings
    with app.server.test_request_context("/", headers=cookie_headers(bob)):
        messages = run_chat(
            settings,
            lambda _: None,
            {"question": "Top 3 products", "at": 1.0},
            sid,
            None,
        )
    assert NOT_OWNER_MESSAGE in str([m.to_plotly_json() for m in messages])
    assert extensions(app.server).store.get_value(sid, HISTORY_KEY) is None


def test_only_the_owner_can_delete_a_session(app, alice, bob, shop):
    created = post_upload(alice, shop)
    sid = created["session_id"]
    refused = bob.delete(
        f"/api/session/{sid}", headers={"X-CSRFToken": csrf_token(bob)}
    )
    assert refused.status_code == 403
    assert totals(bob, sid)["total_revenue"] == revenue_of(shop)
    done = alice.delete(
        f"/api/session/{sid}", headers={"X-CSRFToken": csrf_token(alice)}
    )
    assert done.status_code == 200
    assert alice.get(f"/api/data/{sid}").status_code == 404


def test_reading_by_id_stays_open_and_leaks_no_owner_secret(alice, bob, shop):
    created = post_upload(alice, shop)
    response = bob.get(f"/api/data/{created['session_id']}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert created["owner_token"] not in text
    assert '"owner"' not in text


def test_the_owner_cookie_is_httponly_and_samesite(client):
    client.get("/")
    cookie = client.get_cookie(OWNER_COOKIE)
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"


def test_a_shared_dashboard_says_it_is_view_only(app, alice, bob, shop):
    from callbacks.routing import render_page

    sid = post_upload(alice, shop)["session_id"]
    bob.get("/")
    with app.server.test_request_context("/", headers=cookie_headers(bob)):
        shared = str(render_page(f"/dashboard/{sid}").to_plotly_json())
    with app.server.test_request_context("/", headers=cookie_headers(alice)):
        own = str(render_page(f"/dashboard/{sid}").to_plotly_json())
    assert "viewing a shared dashboard" in shared
    assert "viewing a shared dashboard" not in own
    assert "kpi-row" in shared and "kpi-row" in own
