"""Production shape: gunicorn with 2 workers shares sessions through the store."""

from __future__ import annotations

import os
import re
import runpy
import signal
import subprocess

import pytest
import requests

from tests.conftest import transactions_frame
from tests.integration.servers import (
    PROJECT,
    Gunicorn,
    free_port,
    stop,
    upload_frame,
    wait_until_up,
)

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
        # A new connection each time, so requests spread over both workers; which one
        # accepts is the kernel's choice, so read on (up to 240 times) until both have
        # answered.
        for attempt in range(240):
            response = requests.get(
                f"{server.url}/api/data/{sid}",
                headers={"Connection": "close"},
                timeout=10,
            )
            assert response.status_code == 200
            totals.add(response.json()["kpis"]["total_revenue"])
            if attempt >= 23 and len(_answering_pids(server.log())) == 2:
                break
        assert totals == {round(float(frame["Revenue"].sum()), 2)}
        health = requests.get(server.url + "/health", timeout=10).json()
        assert health["active_sessions"] == 1
        log = server.log()
    pids = _answering_pids(log)
    assert len(pids) == 2, f"expected both workers to answer, saw pids {pids}"
    assert "access remote=" in log  # gunicorn access log on stdout


@pytest.mark.redis
def test_scaled_out_on_redis_sessions_and_limits_are_shared(tmp_path):
    """With REDIS_URL, two servers (separate gunicorn arbiters, separate cache folders,
    as on two hosts) share sessions and one exact rate-limit counter.

    Two servers rather than two workers of one: which worker of one server accepts a
    connection is the kernel's choice, so seven reads could all land on one of them.
    """
    import uuid

    import redis

    db = 13
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{db}").flushdb()

    def env(name: str) -> dict[str, str]:
        return {
            "SECRET_KEY": "gunicorn-redis-secret",
            "CACHE_DIR": str(tmp_path / f"cache-{name}-{uuid.uuid4().hex[:6]}"),
            "REDIS_URL": f"redis://127.0.0.1:6379/{db}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "2",
            "RATE_LIMIT": "6",
            "RATE_LIMIT_WINDOW": "60",
            "OLLAMA_HOST": "http://127.0.0.1:9",
            "LOG_LEVEL": "INFO",
        }

    frame = transactions_frame(rows=200)
    with (
        Gunicorn(env("a"), tmp_path / "gunicorn-a.log") as first,
        Gunicorn(env("b"), tmp_path / "gunicorn-b.log") as second,
    ):
        sid = upload_frame(first.url, frame)
        responses = [
            requests.get(f"{server.url}/api/data/{sid}", timeout=30)
            for server in (second, first, second, first, second, first, second)
        ]
        health = requests.get(second.url + "/health", timeout=10).json()
        logs = first.log(), second.log()
    statuses = [response.status_code for response in responses]
    # six reads fit in the API limit of 6; the seventh is refused (counters in process
    # memory would allow 6 per server), and the server that did not take the upload
    # reads the same session
    assert statuses[:6] == [200] * 6
    assert statuses[6] == 429
    total = round(float(frame["Revenue"].sum()), 2)
    assert {r.json()["kpis"]["total_revenue"] for r in responses[:6]} == {total}
    assert health["store"] == {"backend": "redis", "ok": True}
    assert all(_answering_pids(log) for log in logs), "both servers answered"
    assert _answering_pids(logs[0]).isdisjoint(_answering_pids(logs[1]))
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{db}").flushdb()


def _serve_recipe() -> list[str]:
    """The command of ``make serve``, read from the Makefile."""
    makefile = (PROJECT / "Makefile").read_text()
    recipe = re.search(r"^serve:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no serve target"
    return recipe.group(1).replace("$(BIN)", str(PROJECT / ".venv" / "bin")).split()


def test_make_serve_listens_where_env_file_says_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"HOST=127.0.0.1\nPORT={port}\nSECRET_KEY=env-file-secret\n"
        f"CACHE_DIR={tmp_path / 'cache'}\nGUNICORN_WORKERS=1\n"
        "OLLAMA_HOST=http://127.0.0.1:9\nLOG_LEVEL=INFO\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")}
    command = _serve_recipe()
    assert command[1:] == ["-c", "gunicorn.conf.py", "wsgi:server"]
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT,
            env={**env, "ENV_FILE": str(env_file)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}", timeout=90)
            process.send_signal(signal.SIGINT)  # what Ctrl+C sends
            assert process.wait(timeout=40) == 0
        finally:
            stop(process, timeout=10)
    assert (
        f"Listening at: http://127.0.0.1:{port}" in (tmp_path / "serve.log").read_text()
    )


def test_the_environment_wins_over_env_file(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("HOST=0.0.0.0\nPORT=6123\n")
    for name in ("HOST", "PORT", "GUNICORN_BIND"):
        monkeypatch.setenv(name, "")  # recorded, so the test leaves no variable behind
        monkeypatch.delenv(name)
    monkeypatch.setenv("ENV_FILE", str(env_file))
    assert runpy.run_path(str(PROJECT / "gunicorn.conf.py"))["bind"] == "0.0.0.0:6123"
    monkeypatch.setenv("PORT", "7001")
    monkeypatch.setenv("HOST", "127.0.0.1")
    assert runpy.run_path(str(PROJECT / "gunicorn.conf.py"))["bind"] == "127.0.0.1:7001"
