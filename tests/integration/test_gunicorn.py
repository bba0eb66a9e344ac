"""Production shape: gunicorn with 2 workers shares sessions through the store."""

from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import transactions_frame
from tests.integration.servers import Gunicorn, upload_frame

pytestmark = pytest.mark.slow


def _answering_pids(log: str) -> set[str]:
    """The worker pids that logged a GET /api/data request."""
    return set(
        re.findall(
            r"pid=(\d+) logger=web\.security request_id=\S+ msg=\"GET /api/data/", log
        )
    )


def test_two_workers_share_uploaded_sessions(tmp_path):
    env = {
        "SECRET_KEY": "gunicorn-test-secret",
        "CACHE_DIR": str(tmp_path / "cache"),
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "RATE_LIMIT": "1000",
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "LOG_LEVEL": "INFO",
    }
    frame = transactions_frame(rows=300)
    with Gunicorn(env, tmp_path / "gunicorn.log") as server:
        sid = upload_frame(server.url, frame)
        totals = set()
        for _ in range(24):
            # A new connection each time, so requests spread over both workers.
            response = requests.get(
                f"{server.url}/api/data/{sid}",
                headers={"Connection": "close"},
                timeout=10,
            )
            assert response.status_code == 200
            totals.add(response.json()["kpis"]["total_revenue"])
        assert totals == {round(float(frame["Revenue"].sum()), 2)}
        health = requests.get(server.url + "/health", timeout=10).json()
        assert health["active_sessions"] == 1
        log = server.log()
    pids = _answering_pids(log)
    assert len(pids) == 2, f"expected both workers to answer, saw pids {pids}"
    assert "access remote=" in log  # gunicorn access log on stdout


@pytest.mark.redis
def test_scaled_out_on_redis_sessions_and_limits_are_shared(tmp_path):
    """With REDIS_URL, two workers share sessions and one exact rate-limit counter."""
    import uuid

    import redis

    db = 13
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{db}").flushdb()
    env = {
        "SECRET_KEY": "gunicorn-redis-secret",
        "CACHE_DIR": str(tmp_path / f"cache-{uuid.uuid4().hex[:6]}"),
        "REDIS_URL": f"redis://127.0.0.1:6379/{db}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "RATE_LIMIT": "6",
        "RATE_LIMIT_WINDOW": "60",
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "LOG_LEVEL": "INFO",
    }
    frame = transactions_frame(rows=200)
    with Gunicorn(env, tmp_path / "gunicorn-redis.log") as server:
        sid = upload_frame(server.url, frame)
        statuses = [
            requests.get(
                f"{server.url}/api/data/{sid}",
                headers={"Connection": "close"},
                timeout=30,
            ).status_code
            for _ in range(7)
        ]
        health = requests.get(server.url + "/health", timeout=10).json()
        log = server.log()
    # six reads fit in the API limit of 6; the seventh is refused whichever worker
    # answers (counters in process memory would allow 6 per worker)
    assert statuses[:6] == [200] * 6
    assert statuses[6] == 429
    assert health["store"] == {"backend": "redis", "ok": True}
    pids = _answering_pids(log)
    assert len(pids) == 2
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{db}").flushdb()
