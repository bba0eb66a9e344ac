"""GET /api/data/<id> and /health: the documented JSON contracts."""

from __future__ import annotations

import time

import pytest

from tests.conftest import upload
from web.extensions import extensions

TOP_KEYS = {
    "session_id",
    "created_at",
    "expires_at",
    "source",
    "mapping",
    "kpis",
    "timeseries",
    "warnings",
}
KPI_KEYS = {
    "total_revenue",
    "total_cost",
    "total_profit",
    "profit_margin",
    "transactions",
    "sku_count",
    "date_start",
    "date_end",
}


@pytest.fixture
def session(client, sales_csv):
    response = upload(client, sales_csv, "sales.csv")
    assert response.status_code == 201
    return response.get_json()


def test_data_contract(client, session, sales_frame):
    response = client.get(f"/api/data/{session['session_id']}")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert TOP_KEYS <= set(body)
    assert body["source"]["filename"] == "sales.csv"
    assert body["source"]["rows"] == len(sales_frame)
    assert body["source"]["columns"] == list(sales_frame.columns)
    assert set(body["mapping"]) >= {
        "date",
        "revenue",
        "cost",
        "profit",
        "sku",
        "quantity",
        "category",
    }
    assert KPI_KEYS <= set(body["kpis"])
    assert body["timeseries"]["freq"] in {"day", "week", "month", "quarter"}
    assert body["created_at"] < body["expires_at"]


def test_kpis_match_independent_figures(client, session, sales_frame):
    kpis = client.get(f"/api/data/{session['session_id']}").get_json()["kpis"]
    revenue = round(float(sales_frame["Revenue"].sum()), 2)
    cost = round(float(sales_frame["Cost"].sum()), 2)
    assert kpis["total_revenue"] == pytest.approx(revenue, abs=0.01)
    assert kpis["total_cost"] == pytest.approx(cost, abs=0.01)
    assert kpis["total_profit"] == pytest.approx(revenue - cost, abs=0.01)
    assert kpis["profit_margin"] == pytest.approx((revenue - cost) / revenue, abs=1e-6)
    assert kpis["transactions"] == len(sales_frame)
    assert kpis["sku_count"] == sales_frame["SKU"].nunique()
    assert kpis["date_start"] == sales_frame["Date"].min()
    assert kpis["date_end"] == sales_frame["Date"].max()


def test_timeseries_sums_to_total(client, session):
    body = client.get(f"/api/data/{session['session_id']}").get_json()
    points = body["timeseries"]["points"]
    assert points and set(points[0]) == {"period", "revenue", "cost", "profit"}
    assert sum(p["revenue"] for p in points) == pytest.approx(
        body["kpis"]["total_revenue"], abs=0.05
    )
    periods = [p["period"] for p in points]
    assert periods == sorted(periods)


@pytest.mark.parametrize("sid", ["A" * 32, "short", "has space", "bad.id!"])
def test_unknown_session_is_404_json(client, sid):
    response = client.get(f"/api/data/{sid}")
    assert response.status_code == 404
    assert response.is_json
    assert "expired" in response.get_json()["error"]


def test_expired_session_is_404(make_app, sales_csv):
    app = make_app(SESSION_TIMEOUT_HOURS=1 / 3600)  # one second
    client = app.server.test_client()
    sid = upload(client, sales_csv).get_json()["session_id"]
    time.sleep(1.3)
    assert client.get(f"/api/data/{sid}").status_code == 404


def test_unknown_api_path_is_404_json(client):
    response = client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.is_json


def test_health(client, session):
    response = client.get("/health")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["status"] == "healthy"
    assert body["active_sessions"] == 1
    assert body["cleanup_count"] == 0
    assert "T" in body["timestamp"]
    assert body["store"] == {"backend": "diskcache", "ok": True}
    assert body["ollama"]["reachable"] is False
    assert "available" in body["prophet"]


def test_health_counts_swept_sessions(make_app, sales_csv):
    app = make_app(SESSION_TIMEOUT_HOURS=1 / 3600, SESSION_SWEEP_SECONDS=1)
    client = app.server.test_client()
    upload(client, sales_csv)
    upload(client, sales_csv)
    # the sweep runs on the app's timer (every SESSION_SWEEP_SECONDS), not in a request
    deadline = time.monotonic() + 10
    body = client.get("/health").get_json()
    while body["cleanup_count"] != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        body = client.get("/health").get_json()
    assert body["active_sessions"] == 0
    assert body["cleanup_count"] == 2


def test_a_fractional_session_timeout_is_kept_not_rounded_to_zero(make_app, sales_csv):
    app = make_app(SESSION_TIMEOUT_HOURS=0.0001)  # 0.36 s
    client = app.server.test_client()
    created = upload(client, sales_csv)
    assert created.status_code == 201
    meta = extensions(app.server).store.get_meta(created.get_json()["session_id"])
    assert meta is None or 0.3 < meta.expires_at - meta.created_at < 0.4
    time.sleep(0.5)
    assert (
        client.get(f"/api/data/{created.get_json()['session_id']}").status_code == 404
    )


def test_health_reports_a_store_problem_as_degraded(client, monkeypatch):
    from services.store import StoreUnavailable

    def unavailable(*args, **kwargs):
        raise StoreUnavailable("The session store is busy right now; try again.")

    store = extensions(client.application).store
    monkeypatch.setattr(store, "_set", unavailable)
    monkeypatch.setattr(store, "_get", unavailable)
    body = client.get("/health").get_json()
    assert body["status"] == "degraded"
    assert body["reasons"] == ["The session store is busy right now; try again."]
    assert body["store"]["ok"] is False
    response = client.get("/api/data/" + "A" * 32)
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("The session store is busy")


def test_health_is_fast_when_ollama_is_down(client):
    started = time.perf_counter()
    for _ in range(5):
        assert client.get("/health").status_code == 200
    assert time.perf_counter() - started < 5  # probes are cached, never a hang


def test_prophet_probe_reports_availability(client):
    deadline = time.time() + 60
    while time.time() < deadline:
        prophet = client.get("/health").get_json()["prophet"]
        if prophet["available"] is not None:
            break
        time.sleep(0.5)
    assert prophet["available"] is True


def test_a_session_gone_before_the_upload_answers_is_still_a_201(
    make_app, sales_csv, monkeypatch
):
    """A lifetime shorter than the upload took: the answer names the new session (whose
    dashboard then says it expired), never a 500."""
    app = make_app()
    store = extensions(app.server).store
    monkeypatch.setattr(store, "get_meta", lambda sid: None)
    created = upload(app.server.test_client(), sales_csv)
    assert created.status_code == 201
    body = created.get_json()
    assert body["dashboard_url"].endswith(body["session_id"])
    assert body["rows"] > 0
