"""Forecast and chat jobs one after another through the Dash callback route: none hangs or
vanishes, on the development server (one threaded process) and on gunicorn (2 × 4)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests.conftest import transactions_frame
from tests.integration.servers import Gunicorn, ThreadedServer, upload_frame
from tests.reliability.conftest import latency_figures, report
from tests.reliability.runs import (
    UserRun,
    chats_in_a_row,
    forecasts_in_a_row,
    simulated_user,
)

pytestmark = pytest.mark.slow

#: CI-sized counts (``make test``); the long runs take theirs from the environment.
CI_FORECASTS, CI_CHATS, CI_USERS = 5, 5, 4
LONG_FORECASTS = int(os.environ.get("RELIABILITY_FORECASTS", "200"))
LONG_CHATS = int(os.environ.get("RELIABILITY_CHATS", "100"))
LONG_USERS = int(os.environ.get("RELIABILITY_USERS", "12"))


def _frame():
    return transactions_frame(rows=700, days=620, seed=11)


def _jobs(name: str, url: str, forecasts: int, chats: int) -> None:
    frame = _frame()
    sid = upload_frame(url, frame)
    total = round(float(frame["Revenue"].sum()), 2)
    f = forecasts_in_a_row(url, sid, forecasts)
    c = chats_in_a_row(url, sid, chats, total)
    for kind, run, count in (("forecast", f, forecasts), ("chat", c, chats)):
        report(
            f"{name} {kind} jobs",
            run=count,
            done=run.verdicts["done"],
            hung=run.verdicts["hung"],
            lost=run.verdicts["lost"],
            failed=run.verdicts["failed"] + run.verdicts["error"],
            wrong=run.verdicts["wrong"],
            **latency_figures(run.seconds),
        )
    assert dict(f.verdicts) == {"done": forecasts}, f.verdicts
    assert dict(c.verdicts) == {"done": chats}, c.verdicts


def _users(name: str, url: str, users: int) -> None:
    run = UserRun()
    totals: dict[int, str] = {}
    threads = [
        threading.Thread(target=simulated_user, args=(url, i, totals, run))
        for i in range(users)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    errors_5xx = sum(n for status, n in run.statuses.items() if status >= 500)
    report(
        f"{name} users",
        users=users,
        requests=run.requests,
        errors_5xx=errors_5xx,
        cross_session_reads=run.cross_reads,
        failures=len(run.failures),
        wall_s=time.monotonic() - started,
    )
    for route, seconds in sorted(run.seconds.items()):
        report(f"{name} users {route}", n=len(seconds), **latency_figures(seconds))
    assert not any(thread.is_alive() for thread in threads), "a user hung"
    assert errors_5xx == 0, run.statuses
    assert run.cross_reads == 0
    assert run.failures == []


def test_jobs_in_a_row_on_the_dev_server(make_app):
    app = make_app(MAX_CONCURRENT_JOBS=2)
    with ThreadedServer(app.server) as server:
        _jobs("dev-server", server.url, CI_FORECASTS, CI_CHATS)


def test_jobs_in_a_row_and_concurrent_users_on_gunicorn(base_env, tmp_path):
    with Gunicorn(base_env, tmp_path / "gunicorn.log") as server:
        _jobs("gunicorn", server.url, CI_FORECASTS, CI_CHATS)
        _users("gunicorn", server.url, CI_USERS)
        log = server.log()
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.reliability
@pytest.mark.timeout(7200)
def test_long_run_on_the_dev_server(make_app):
    app = make_app(MAX_CONCURRENT_JOBS=2)
    with ThreadedServer(app.server) as server:
        _jobs("dev-server long", server.url, LONG_FORECASTS // 4, LONG_CHATS // 4)


@pytest.mark.reliability
@pytest.mark.timeout(7200)
def test_long_run_on_gunicorn(base_env, tmp_path):
    with Gunicorn(base_env, tmp_path / "gunicorn.log") as server:
        _jobs("gunicorn long", server.url, LONG_FORECASTS, LONG_CHATS)
        _users("gunicorn long", server.url, LONG_USERS)
        log = server.log()
    assert "Traceback" not in log, log[-3000:]
