"""Without Redis, the rate limit is exact across gunicorn workers on one host."""

from __future__ import annotations

import re

import pytest
import requests

from tests.integration.servers import Gunicorn

pytestmark = pytest.mark.slow

LIMIT = 10


def test_two_workers_let_exactly_the_limit_through(tmp_path):
    env = {
        "SECRET_KEY": "gunicorn-test-secret",
        "CACHE_DIR": str(tmp_path / "cache"),
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "RATE_LIMIT": str(LIMIT),
        "RATE_LIMIT_WINDOW": "600",
        "REDIS_URL": "",
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "LOG_LEVEL": "INFO",
    }
    with Gunicorn(env, tmp_path / "gunicorn.log") as server:
        statuses = [
            requests.get(
                f"{server.url}/api/data/{'A' * 32}",
                # a new connection each time, so requests spread over both workers
                headers={"Connection": "close"},
                timeout=10,
            ).status_code
            for _ in range(2 * LIMIT + 4)
        ]
        log = server.log()
    assert statuses.count(404) == LIMIT  # unknown session: counted, then answered
    assert statuses.count(429) == LIMIT + 4
    assert statuses[:LIMIT] == [404] * LIMIT
    pids = set(
        re.findall(
            r"pid=(\d+) logger=web\.security request_id=\S+ msg=\"GET /api/", log
        )
    )
    assert len(pids) == 2, f"expected both workers to answer, saw pids {pids}"
