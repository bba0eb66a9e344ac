"""Forecasts through the API: on demand, cached, and summarised in /api/data."""

from __future__ import annotations

import time

import pytest

from analytics.forecast import models as forecast_models
from analytics.forecast import run as forecast_module
from tests.conftest import transactions_frame, upload

pytestmark = pytest.mark.slow  # Prophet fits


@pytest.fixture
def sid(client):
    frame = transactions_frame(rows=900, days=730, seed=5)
    return upload(client, frame.to_csv(index=False).encode()).get_json()["session_id"]


def test_forecast_on_demand(client, sid):
    response = client.get(f"/api/forecast/{sid}?freq=monthly&horizon=3")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["freq_label"] == "monthly"
    assert len(body["points"]) == 3
    assert set(body["points"][0]) >= {"date", "yhat", "yhat_lower", "yhat_upper"}
    assert body["model"] in body["backtest"]
    chosen = body["backtest"][body["model"]]["mase"]
    assert (
        chosen <= body["backtest"]["seasonal_naive"]["mase"] + 1e-9
        if "seasonal_naive" in body["backtest"]
        else True
    )


def test_forecast_is_cached(client, sid, monkeypatch):
    first = client.get(
        f"/api/forecast/{sid}?freq=monthly&horizon=2&model=seasonal_naive"
    ).get_json()

    def fail(*args, **kwargs):
        raise AssertionError("forecast recomputed instead of read from the cache")

    monkeypatch.setattr("services.forecasts.forecast", fail)
    second = client.get(
        f"/api/forecast/{sid}?freq=monthly&horizon=2&model=seasonal_naive"
    ).get_json()
    assert first == second


def test_fallback_when_prophet_cannot_import(client, sid, monkeypatch):
    def broken():
        raise ImportError("prophet is not installed")

    monkeypatch.setattr(forecast_module, "_import_prophet", broken)
    body = client.get(
        f"/api/forecast/{sid}?freq=monthly&horizon=4&metric=profit"
    ).get_json()
    assert body["status"] == "ready"
    assert body["model"] != "prophet"
    assert "prophet" not in body["backtest"]


@pytest.mark.parametrize("model", ["auto_ets", "auto_theta", "auto_arima", "ensemble"])
def test_statsforecast_models_by_name(client, sid, model):
    body = client.get(
        f"/api/forecast/{sid}?freq=monthly&horizon=3&model={model}"
    ).get_json()
    assert (body["status"], body["model"], body["chosen_by"]) == (
        "ready",
        model,
        "user",
    )
    score = body["backtest"][model]
    per_origin, rest = divmod(score["n_points"], score["n_origins"])
    assert rest == 0 and 1 <= per_origin <= 3  # the backtest horizon is at most 3
    assert 0 <= score["inside_80"] <= score["inside_95"] <= score["n_points"]
    assert f"{score['inside_80']} of {score['n_points']} past values" in body["message"]
    for point in body["points"]:
        assert point["yhat_lower"] <= point["yhat_lower_80"] <= point["yhat"]
        assert point["yhat"] <= point["yhat_upper_80"] <= point["yhat_upper"]


def test_fallback_when_neither_prophet_nor_statsforecast_imports(
    client, sid, monkeypatch
):
    def broken(*args):
        raise ImportError("not installed")

    monkeypatch.setattr(forecast_module, "_import_prophet", broken)
    monkeypatch.setattr(forecast_models, "load_statsforecast", broken)
    body = client.get(
        f"/api/forecast/{sid}?freq=monthly&horizon=4&model=auto_ets"
    ).get_json()
    assert body["status"] == "ready"
    assert set(body["backtest"]) == {"seasonal_naive", "trend_seasonal_naive"}
    assert body["model"] in body["backtest"]
    assert "statsforecast is unavailable" in body["model_reason"]


@pytest.mark.parametrize(
    "query",
    ["metric=weather", "horizon=abc", "horizon=0", "model=magic", "freq=hourly"],
)
def test_bad_parameters_are_400(client, sid, query):
    response = client.get(f"/api/forecast/{sid}?{query}")
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]


def test_unknown_session_is_404(client):
    assert client.get("/api/forecast/" + "A" * 32).status_code == 404


def test_data_reports_pending_then_ready(client, sid):
    first = client.get(f"/api/data/{sid}").get_json()["forecast"]
    assert first["status"] in ("pending", "ready")
    deadline = time.time() + 60
    while time.time() < deadline:
        current = client.get(f"/api/data/{sid}").get_json()["forecast"]
        if current["status"] != "pending":
            break
        time.sleep(0.5)
    assert current["status"] == "ready"
    assert current["points"]


def test_short_history_is_reported_honestly(client):
    amounts = ["1203.50", "980.25", "1410.00", "1102.75", "1288.10"]
    csv = b"Date,Revenue\n" + b"".join(
        f"2024-0{m}-01,{amount}\n".encode() for m, amount in enumerate(amounts, start=1)
    )
    sid = upload(client, csv).get_json()["session_id"]
    body = client.get(f"/api/forecast/{sid}").get_json()
    assert body["status"] == "insufficient_history"
    assert "history" in body["message"].lower()
