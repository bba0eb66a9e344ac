"""CSRF and rate limits, checked the way an attacker or a busy client meets them."""

from __future__ import annotations

import io

from tests.conftest import csrf_token, upload


def test_page_carries_csrf_meta_and_cookie(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<meta name="csrf-token"' in page.get_data(as_text=True)
    cookies = page.headers.getlist("Set-Cookie")
    assert any(c.startswith("_csrf_token=") and "SameSite=Strict" in c for c in cookies)


def test_upload_without_token_is_rejected(client, sales_csv):
    client.get("/")
    response = client.post(
        "/upload",
        data={"file": (io.BytesIO(sales_csv), "s.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.is_json
    assert "token" in response.get_json()["error"].lower()


def test_forged_token_is_rejected(client, sales_csv):
    client.get("/")
    response = upload(client, sales_csv, token="forged-token-value")
    assert response.status_code == 400


def test_token_from_another_session_is_rejected(make_app, sales_csv):
    app = make_app()
    victim, attacker = app.server.test_client(), app.server.test_client()
    attacker_token = csrf_token(attacker)
    csrf_token(victim)
    response = upload(victim, sales_csv, token=attacker_token)
    assert response.status_code == 400


def test_dash_callbacks_require_the_token(client):
    csrf_token(client)
    body = {
        "output": "page.children",
        "outputs": {"id": "page", "property": "children"},
        "inputs": [{"id": "url", "property": "pathname", "value": "/"}],
        "state": [{"id": "url", "property": "search", "value": ""}],
        "changedPropIds": [],
    }
    rejected = client.post("/_dash-update-component", json=body)
    assert rejected.status_code == 400
    token = csrf_token(client)
    accepted = client.post(
        "/_dash-update-component", json=body, headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200


def test_upload_rate_limit_returns_429_with_retry_after(make_app, sales_csv):
    app = make_app(RATE_LIMIT=2, RATE_LIMIT_WINDOW=60)
    client = app.server.test_client()
    token = csrf_token(client)
    statuses = [
        upload(
            client, b"Date,Revenue\n2024-01-01,19.99\n2024-01-02,5.50\n", token=token
        ).status_code
        for _ in range(3)
    ]
    assert statuses[:2] == [201, 201]
    assert statuses[2] == 429
    response = upload(client, sales_csv, token=token)
    assert response.status_code == 429
    assert response.is_json
    assert int(response.headers["Retry-After"]) > 0
    assert "Wait" in response.get_json()["error"]


def test_api_rate_limit(make_app):
    app = make_app(RATE_LIMIT=3, RATE_LIMIT_WINDOW=60)
    client = app.server.test_client()
    statuses = [client.get(f"/api/data/{'A' * 32}").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_health_is_not_rate_limited(make_app):
    app = make_app(RATE_LIMIT=1, RATE_LIMIT_WINDOW=60)
    client = app.server.test_client()
    assert all(client.get("/health").status_code == 200 for _ in range(5))


def test_dash_callbacks_have_their_own_generous_limit(make_app):
    app = make_app(RATE_LIMIT=1, CALLBACK_RATE_LIMIT=30, RATE_LIMIT_WINDOW=60)
    client = app.server.test_client()
    token = csrf_token(client)
    body = {
        "output": "page.children",
        "outputs": {"id": "page", "property": "children"},
        "inputs": [{"id": "url", "property": "pathname", "value": "/"}],
        "state": [{"id": "url", "property": "search", "value": ""}],
        "changedPropIds": [],
    }
    statuses = [
        client.post(
            "/_dash-update-component", json=body, headers={"X-CSRFToken": token}
        ).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_security_headers_and_no_external_assets(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "https://" not in html and "http://" not in html.replace(
        "http://www.w3.org", ""
    )
    assert "00_bootstrap.min.css" in html


def test_request_id_is_echoed(client):
    response = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    generated = client.get("/health").headers["X-Request-ID"]
    assert len(generated) == 16


def test_scripts_are_allowed_by_origin_and_hash_only(app, client):
    policy = client.get("/").headers["Content-Security-Policy"]
    scripts = next(p for p in policy.split("; ") if p.startswith("script-src"))
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    for digest in app.csp_hashes():
        assert digest in scripts


def test_hsts_only_in_production(make_app):
    assert (
        "Strict-Transport-Security"
        not in make_app().server.test_client().get("/").headers
    )
    production = make_app(FLASK_ENV="production", SECRET_KEY="a-long-random-secret")
    header = production.server.test_client().get("/").headers
    assert header["Strict-Transport-Security"].startswith("max-age=31536000")


def test_data_export_and_report_responses_are_not_cached(client, sales_csv):
    from tests.conftest import upload

    created = upload(client, sales_csv)
    assert created.headers["Cache-Control"] == "no-store"
    sid = created.get_json()["session_id"]
    for path in (
        f"/api/data/{sid}",
        f"/api/export/{sid}/data.csv",
        f"/api/export/{sid}/skus.xlsx",
        f"/api/insights/{sid}",
        f"/dashboard/{sid}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_rate_limit_counters_are_shared_by_app_instances_on_one_cache_dir(make_app):
    """Two app instances stand for two workers: together they get the limit once."""
    first, second = make_app(RATE_LIMIT=4), make_app(RATE_LIMIT=4)
    clients = [first.server.test_client(), second.server.test_client()]
    statuses = [
        clients[i % 2].get("/api/data/" + "A" * 32).status_code for i in range(8)
    ]
    assert statuses.count(404) == 4 and statuses.count(429) == 4


def test_memory_rate_limits_are_per_instance(make_app):
    first = make_app(RATE_LIMIT=2, RATE_LIMIT_STORAGE="memory")
    second = make_app(RATE_LIMIT=2, RATE_LIMIT_STORAGE="memory")
    clients = [first.server.test_client(), second.server.test_client()]
    statuses = [
        clients[i % 2].get("/api/data/" + "A" * 32).status_code for i in range(4)
    ]
    assert statuses == [404] * 4
