"""Hostile requests to the API and pages: clear 4xx answers, bounded cost, and the
victim's session never changes."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.hostile.conftest import assert_clear_error, measured

LONG = "x" * 10_000

#: (id, path with {sid} for the victim's session, status, words the error must contain)
READS = [
    ("limit-zero", "/api/data/{sid}?limit=0", 400, ("limit",)),
    ("limit-too-big", "/api/data/{sid}?limit=5001", 400, ("5,000",)),
    ("limit-not-a-number", "/api/data/{sid}?limit=abc", 400, ("whole number",)),
    ("offset-negative", "/api/data/{sid}?offset=-1", 400, ("offset",)),
    ("offset-float", "/api/data/{sid}?offset=1.5", 400, ("whole number",)),
    ("granularity-unknown", "/api/data/{sid}?granularity=hour", 400, ()),
    ("start-not-a-date", "/api/data/{sid}?start=2024-13-45", 400, ()),
    ("start-after-end", "/api/data/{sid}?start=2024-05-01&end=2024-01-01", 400, ()),
    ("id-10k-chars", "/api/data/" + LONG, 404, ("does not exist",)),
    ("id-traversal", "/api/data/..%2f..%2fetc%2fpasswd", 404, ()),
    ("id-nul", "/api/data/%00" + "A" * 31, 404, ()),
    ("export-unknown-kind", "/api/export/{sid}/secrets.csv", 404, ("unknown export",)),
    ("export-unknown-format", "/api/export/{sid}/data.exe", 404, ("unknown export",)),
    ("forecast-horizon-huge", "/api/forecast/{sid}?horizon=100000", 400, ()),
    ("forecast-horizon-negative", "/api/forecast/{sid}?horizon=-1", 400, ()),
    ("forecast-model-unknown", "/api/forecast/{sid}?model=__import__", 400, ()),
    ("forecast-metric-unknown", "/api/forecast/{sid}?metric=cost;drop", 400, ()),
    ("insights-bad-filter", "/api/insights/{sid}?end=yesterday", 400, ()),
    ("unknown-api-path", "/api/admin", 404, ("unknown api path",)),
]

#: Requests that succeed but must stay bounded and harmless.
ACCEPTED_READS = [
    ("offset-past-the-end", "/api/data/{sid}?offset=1000000000", 200),
    ("start-year-0001", "/api/data/{sid}?start=0001-01-01", 200),
    ("sku-regex-characters", "/api/data/{sid}?sku=.*%5B(", 200),
    ("category-10k-chars", "/api/data/{sid}?category=" + LONG, 200),
    ("many-categories", "/api/data/{sid}?category=" + ",".join(["a"] * 2000), 200),
    ("export-filtered-to-nothing", "/api/export/{sid}/data.csv?sku=" + LONG, 200),
]

PAGES = [
    ("unknown-page", "/admin"),
    ("unknown-nested-page", "/dashboard/x/y"),
    ("unknown-session-page", "/dashboard/" + "Q" * 32),
    ("malformed-session-page", "/dashboard/..%2f"),
    ("dotfile", "/.env"),
]


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [pytest.param(p, s, w, id=i) for i, p, s, w in READS],
)
def test_hostile_read(path, status, says, attacker, victim):
    with measured() as cost:
        response = attacker.get(path.format(sid=victim.session_id))
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert_clear_error(response.get_json(), *says)
    cost.within_bounds()
    victim.assert_unchanged(attacker)


@pytest.mark.parametrize(
    ("path", "status"), [pytest.param(p, s, id=i) for i, p, s in ACCEPTED_READS]
)
def test_odd_but_harmless_reads(path, status, attacker, victim):
    with measured() as cost:
        response = attacker.get(path.format(sid=victim.session_id))
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"
    cost.within_bounds()
    victim.assert_unchanged(attacker)


@pytest.mark.parametrize("path", [pytest.param(p, id=i) for i, p in PAGES])
def test_unknown_pages_answer_404(path, attacker, victim):
    with measured() as cost:
        response = attacker.get(path)
    assert response.status_code == 404
    cost.within_bounds()
    victim.assert_unchanged(attacker)


def _chat(client, sid: str, headers: dict | None = None, message: str = "Top 3"):
    return client.post(
        f"/api/chat/{sid}",
        json={"message": message},
        headers={"X-CSRFToken": csrf_token(client), **(headers or {})},
    )


def test_stranger_chat_is_refused(attacker, victim):
    with measured() as cost:
        response = _chat(attacker, victim.session_id)
    assert response.status_code == 403
    assert_clear_error(response.get_json(), "owner_token")
    cost.within_bounds()
    victim.assert_unchanged(attacker)


def test_stranger_with_a_guessed_owner_token_is_refused(attacker, victim):
    response = _chat(attacker, victim.session_id, {"X-Owner-Token": "A" * 32})
    assert response.status_code == 403
    victim.assert_unchanged(attacker)


def test_an_owner_token_of_another_session_is_refused(attacker, victim):
    from tests.conftest import upload

    mine = upload(attacker, b"Date,SKU,Revenue\n2024-01-01,A,5\n").get_json()
    response = _chat(
        attacker, victim.session_id, {"X-Owner-Token": mine["owner_token"]}
    )
    assert response.status_code == 403
    victim.assert_unchanged(attacker)


def test_stranger_delete_is_refused(attacker, victim):
    response = attacker.delete(
        f"/api/session/{victim.session_id}",
        headers={"X-CSRFToken": csrf_token(attacker)},
    )
    assert response.status_code == 403
    assert_clear_error(response.get_json(), "owner")
    victim.assert_unchanged(attacker)


def test_delete_without_csrf_is_refused(attacker, victim):
    response = attacker.delete(
        f"/api/session/{victim.session_id}",
        headers={"X-Owner-Token": victim.owner_token},
    )
    assert response.status_code == 400
    assert_clear_error(response.get_json(), "security check")
    victim.assert_unchanged(attacker)


def test_upload_without_csrf_is_refused(attacker, victim):
    response = attacker.post("/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert_clear_error(response.get_json(), "security check")
    victim.assert_unchanged(attacker)


def test_owner_chat_with_a_10k_character_message_is_refused(attacker, victim):
    response = _chat(
        attacker,
        victim.session_id,
        {"X-Owner-Token": victim.owner_token},
        message=LONG,
    )
    assert response.status_code == 400
    assert_clear_error(response.get_json(), "characters")
    victim.assert_unchanged(attacker)


def test_request_id_header_injection_is_replaced(attacker):
    response = attacker.get("/health", headers={"X-Request-ID": "a\tb<script>"})
    assert response.headers["X-Request-ID"] != "a\tb<script>"
    assert "<" not in response.headers["X-Request-ID"]
