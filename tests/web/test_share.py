"""Read-only share links: create, view, revoke, expire; nothing writes through a token."""

from __future__ import annotations

import hashlib
import time

import pandas as pd
import pytest

from services.share import resolve_share
from tests.conftest import csrf_token, module_client, new_session, transactions_frame
from web.extensions import extensions


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return transactions_frame(rows=300, days=300)


@pytest.fixture(scope="module")
def sid(client, frame) -> str:
    return new_session(client, frame, "shop.csv")


@pytest.fixture(scope="module")
def token(client) -> str:
    return csrf_token(client)


def share(client, token, sid, **body):
    return client.post(f"/api/share/{sid}", json=body, headers={"X-CSRFToken": token})


def store_of(client):
    return extensions(client.application).store


def test_a_link_shows_the_shared_filters_without_the_session_id(
    client, token, sid, frame
):
    response = share(client, token, sid, category="Hardware")
    assert response.status_code == 201
    body = response.get_json()
    url = body["url"]
    link_token = url.rsplit("/", 1)[-1]
    assert sid not in url and len(link_token) == 43
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert sid not in html
    hardware = frame.loc[frame["Category"] == "Hardware", "Revenue"].sum()
    assert f"${hardware:,.2f}" in html
    assert "Filters: category Hardware" in html
    # no uploads, mapping, chat or raw rows in a default view
    for absent in ("upload", "mapping", "chat", "data.csv", "/api/"):
        assert absent not in html.lower(), absent
    assert client.get(f"{url}/data.csv").status_code == 403
    # the viewer changes the filters in the URL; the link keeps its own
    other = client.get(f"{url}?category=Software").get_data(as_text=True)
    software = frame.loc[frame["Category"] == "Software", "Revenue"].sum()
    assert f"${software:,.2f}" in other
    assert f"${hardware:,.2f}" in client.get(url).get_data(as_text=True)
    pdf = client.get(f"{url}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_tokens_are_stored_hashed(client, token, sid):
    url = share(client, token, sid).get_json()["url"]
    link_token = url.rsplit("/", 1)[-1]
    store = store_of(client)
    digest = hashlib.sha256(link_token.encode()).hexdigest()
    assert store.get_global(f"share:{digest}")["sid"] == sid
    assert store.get_global(f"share:{link_token}") is None
    assert link_token not in str(store.get_value(sid, "shares"))


def test_exports_only_when_allowed(client, token, sid, frame):
    url = share(client, token, sid, allow_exports=True).get_json()["url"]
    assert "data.csv" in client.get(url).get_data(as_text=True)
    rows = client.get(f"{url}/data.csv")
    assert rows.status_code == 200
    assert len(rows.get_data(as_text=True).strip().splitlines()) == len(frame) + 1


def test_revoked_link_says_so(client, token, sid):
    created = share(client, token, sid).get_json()
    url = created["url"]
    assert client.get(url).status_code == 200
    revoke = client.post(
        f"/api/share/{sid}/{created['id']}/revoke", headers={"X-CSRFToken": token}
    )
    assert revoke.status_code == 200 and revoke.get_json()["revoked"] is True
    gone = client.get(url)
    assert gone.status_code == 410
    assert "This link was revoked" in gone.get_data(as_text=True)
    assert client.get(f"{url}/report.pdf").status_code == 410
    listed = client.get(f"/api/share/{sid}").get_json()["links"]
    assert any(link["id"] == created["id"] and link["revoked"] for link in listed)


def test_expired_link_says_so(client, token, sid, monkeypatch):
    created = share(client, token, sid, hours=1).get_json()
    assert created["expires_at"] == pytest.approx(time.time() + 3600, abs=60)
    later = time.time() + 3601
    monkeypatch.setattr("services.share.time.time", lambda: later)
    gone = client.get(created["url"])
    assert gone.status_code == 410
    assert "This link has expired" in gone.get_data(as_text=True)


def test_expiry_never_outlives_the_session(client, token, sid):
    meta = store_of(client).get_meta(sid)
    created = share(client, token, sid, hours=24 * 29).get_json()
    assert created["expires_at"] == pytest.approx(meta.expires_at)
    bad = share(client, token, sid, hours=-1)
    assert bad.status_code == 400 and "between" in bad.get_json()["error"]
    words = share(client, token, sid, hours="two days")
    assert words.status_code == 400


def test_unknown_link_is_a_clear_404(client):
    page = client.get("/view/" + "x" * 43)
    assert page.status_code == 404
    assert "Link not found" in page.get_data(as_text=True)
    assert resolve_share(store_of(client), "short")[1] == "unknown"


def test_nothing_writes_through_a_share_token(client, token, sid):
    url = share(client, token, sid).get_json()["url"]
    link_token = url.rsplit("/", 1)[-1]
    headers = {"X-CSRFToken": token}
    for path in (
        f"/api/chat/{link_token}",
        f"/api/share/{link_token}",
        f"/view/{link_token}",
    ):
        response = client.post(path, json={"message": "hi"}, headers=headers)
        assert response.status_code == 403, path
        assert "read-only" in response.get_json()["error"]
    # with the token as a header on the owner's own paths too
    response = client.post(
        f"/api/share/{sid}",
        json={},
        headers={**headers, "X-Share-Token": link_token},
    )
    assert response.status_code == 403
    # and reading the session's API with the token finds nothing
    assert client.get(f"/api/data/{link_token}").status_code == 404


def test_only_the_owner_makes_lists_and_revokes_links(client, token, sid):
    created = share(client, token, sid).get_json()
    stranger = client.application.test_client()  # another browser, same server
    stranger_token = csrf_token(stranger)
    headers = {"X-CSRFToken": stranger_token}
    made = stranger.post(f"/api/share/{sid}", json={}, headers=headers)
    assert made.status_code == 403
    assert "Only the uploader" in made.get_json()["error"]
    assert stranger.get(f"/api/share/{sid}").status_code == 403
    revoked = stranger.post(f"/api/share/{sid}/{created['id']}/revoke", headers=headers)
    assert revoked.status_code == 403
    # the link still works, and anyone may open it
    assert stranger.get(created["url"]).status_code == 200
