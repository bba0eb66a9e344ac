"""GET /health served in front of Flask while its figures are fresh: same answer, own id."""

from __future__ import annotations

import time

from web.extensions import extensions
from web.routes import HEALTH_CHECK_SECONDS


def test_a_repeated_health_answer_is_the_same_with_its_own_request_id(client):
    first = client.get("/health", headers={"X-Request-ID": "first-1"})
    second = client.get("/health", headers={"X-Request-ID": "second-2"})
    third = client.get("/health")
    assert first.status_code == second.status_code == third.status_code == 200
    assert second.get_data() == first.get_data()
    assert first.headers["X-Request-ID"] == "first-1"
    assert second.headers["X-Request-ID"] == "second-2"
    assert third.headers["X-Request-ID"] not in ("first-1", "second-2")
    for name in (
        "Content-Type",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
    ):
        assert second.headers[name] == first.headers[name]
    assert "Set-Cookie" not in second.headers


def test_health_figures_are_never_older_than_before(client, monkeypatch):
    from services.store import StoreUnavailable

    assert client.get("/health").get_json()["status"] == "healthy"

    def unavailable(*args, **kwargs):
        raise StoreUnavailable("The session store is busy right now; try again.")

    store = extensions(client.application).store
    monkeypatch.setattr(store, "problem", lambda: "The store is gone.")
    monkeypatch.setattr(store, "_get", unavailable)
    time.sleep(HEALTH_CHECK_SECONDS + 0.05)
    body = client.get("/health").get_json()
    assert body["status"] == "degraded"
    assert "The store is gone." in body["reasons"]


def test_other_paths_and_methods_go_to_the_app(client):
    assert client.post("/health").status_code in (400, 405)
    assert client.get("/health/x").status_code == 404
