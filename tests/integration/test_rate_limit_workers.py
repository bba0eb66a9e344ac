"""Without Redis, the rate limit is exact across the worker processes of one host."""

from __future__ import annotations

import re

import pytest
import requests

from tests.integration.servers import Gunicorn

pytestmark = pytest.mark.slow

LIMIT = 10


def test_two_worker_processes_let_exactly_the_limit_through(tmp_path):
    """Two gunicorn processes on one CACHE_DIR (what two workers of one server share),
    asked in turn: which worker accepts a connection is up to the kernel, so two servers
    make sure both processes count."""
    env = {
        "SECRET_KEY": "gunicorn-test-secret",
        "CACHE_DIR": str(tmp_path / "cache"),
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "RATE_LIMIT": str(LIMIT),
        "RATE_LIMIT_WINDOW": "600",
        "REDIS_URL": "",
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "LOG_LEVEL": "INFO",
    }
    with (
        Gunicorn(env, tmp_path / "first.log") as first,
        Gunicorn(env, tmp_path / "second.log") as second,
    ):
        statuses = [
            requests.get(
                f"{server.url}/api/data/{'A' * 32}",
                headers={"Connection": "close"},
                timeout=10,
            ).status_code
            for _ in range(LIMIT + 2)
            for server in (first, second)
        ]
        logs = first.log() + second.log()
    assert statuses.count(404) == LIMIT  # unknown session: counted, then answered
    assert statuses.count(429) == LIMIT + 4
    assert statuses[:LIMIT] == [404] * LIMIT
    pids = set(
        re.findall(
            r"pid=(\d+) logger=web\.security request_id=\S+ msg=\"GET /api/", logs
        )
    )
    assert len(pids) == 2, f"expected both processes to answer, saw pids {pids}"
