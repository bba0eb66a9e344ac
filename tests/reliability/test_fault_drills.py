"""Fault drills: a slow or broken Ollama, Redis gone or hanging, a worker or a job killed,
the server restarted, the cache directory unusable. Nothing hangs; every job ends in a
state the page shows; /health says what is degraded."""

from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest
import requests

from tests.conftest import CSRF_META, csrf_token, transactions_frame, upload
from tests.fakes.ollama_server import FakeOllama, Reply, rephrase_facts
from tests.integration.servers import Gunicorn, ThreadedServer, stop, upload_frame
from tests.reliability.conftest import latency_figures, report
from tests.reliability.dash_client import DashPage, text_of
from tests.reliability.proxy import TcpProxy
from tests.reliability.runs import chat_verdict, forecast_verdict, money
from web.extensions import extensions
from web.routes import HEALTH_CHECK_SECONDS

pytestmark = pytest.mark.slow


def _health(url: str) -> tuple[dict, float]:
    started = time.monotonic()
    response = requests.get(url + "/health", timeout=15)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json(), time.monotonic() - started


# -- Ollama ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mode",
    [
        "down",
        "slow",
        "garbage",
    ],
)
def test_chat_answers_whatever_ollama_does(make_app, mode):
    replies = {
        "slow": Reply(responder=rephrase_facts, delay=6.0),
        "garbage": Reply(malformed=True),
    }
    with FakeOllama(default=replies.get(mode, Reply())) as fake:
        host = "http://127.0.0.1:9" if mode == "down" else fake.url
        app = make_app(
            OLLAMA_HOST=host,
            OLLAMA_TIMEOUT=2,
            OLLAMA_MAX_RETRIES=0,
            LLM_WEB_TIMEOUT=1,
        )
        frame = transactions_frame(rows=400, seed=21)
        total = money(round(float(frame["Revenue"].sum()), 2))
        with ThreadedServer(app.server) as server:
            sid = upload_frame(server.url, frame)
            page = DashPage(server.url, f"/dashboard/{sid}")
            seconds, verdicts = [], []
            for _ in range(3):
                outcome = page.chat(sid, "What is my total revenue?", deadline=60)
                verdicts.append(chat_verdict(outcome, total))
                seconds.append(outcome.seconds)
            health, health_seconds = _health(server.url)
            # the API's chat waits LLM_WEB_TIMEOUT for the model at most, then answers
            started = time.monotonic()
            answer = page.http.post(
                f"{server.url}/api/chat/{sid}",
                json={"message": "What is my total revenue?"},
                headers={"X-CSRFToken": page.token},
                timeout=30,
            )
            api_seconds = time.monotonic() - started
    report(
        f"ollama {mode}",
        chats=len(verdicts),
        done=verdicts.count("done"),
        health_s=health_seconds,
        api_chat_s=api_seconds,
        **latency_figures(seconds),
    )
    assert verdicts == ["done"] * 3
    assert health["status"] == "healthy"
    assert answer.status_code == 200
    assert total in answer.json()["answer"]


# -- Redis -----------------------------------------------------------------------------------
def _upload_through_proxy(url: str, frame, attempts: int = 6) -> str:
    """The drill's first upload, before any cut: Redis is reached through the test's own
    proxy thread (in the test process, which late in a long run can be slow to schedule
    it) with a short timeout that a loaded machine can miss; the upload then says so (503)
    and is simply sent again, after a growing pause."""
    for attempt in range(attempts):
        try:
            return upload_frame(url, frame)
        except AssertionError as error:
            if "does not answer" not in str(error) or attempt + 1 == attempts:
                raise
            time.sleep(1.0 + attempt)
    raise AssertionError("unreachable")


@pytest.mark.redis
def test_redis_cut_mid_run_degrades_and_recovers(base_env, tmp_path):
    import redis

    db = 11
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{db}").flushdb()
    proxy = TcpProxy(("127.0.0.1", 6379))
    env = {**base_env, "REDIS_URL": f"redis://{proxy.url}/{db}", "STORE_TIMEOUT": "2"}
    frame = transactions_frame(rows=200, seed=31)
    seconds: list[float] = []
    try:
        with Gunicorn(env, tmp_path / "gunicorn.log") as server:
            sid = _upload_through_proxy(server.url, frame)
            assert _health(server.url)[0]["status"] == "healthy"
            for mode in ("refuse", "blackhole"):
                proxy.set_mode(mode)
                time.sleep(HEALTH_CHECK_SECONDS + 0.05)  # /health figures' most age
                health, took = _health(server.url)
                seconds.append(took)
                assert health["status"] == "degraded"
                assert any("Redis" in reason for reason in health["reasons"])
                started = time.monotonic()
                page = requests.get(server.url + "/", timeout=15)
                seconds.append(time.monotonic() - started)
                assert page.status_code == 200
                started = time.monotonic()
                data = requests.get(f"{server.url}/api/data/{sid}", timeout=15)
                seconds.append(time.monotonic() - started)
                assert data.status_code == 503
                assert "Redis" in data.json()["error"]
                token = CSRF_META.search(page.text).group(1)
                started = time.monotonic()
                refused = requests.post(
                    server.url + "/upload",
                    files={"file": ("s.csv", frame.to_csv(index=False), "text/csv")},
                    headers={"X-CSRFToken": token},
                    cookies=page.cookies,
                    timeout=15,
                )
                seconds.append(time.monotonic() - started)
                assert refused.status_code == 503 and "Redis" in refused.json()["error"]
            proxy.set_mode("forward")
            deadline = time.monotonic() + 20
            while _health(server.url)[0]["status"] != "healthy":
                assert time.monotonic() < deadline, "never recovered"
                time.sleep(0.5)
            data = requests.get(f"{server.url}/api/data/{sid}", timeout=15)
            assert data.status_code == 200  # the session survived the outage
            log = server.log()
    finally:
        proxy.close()
        redis.Redis.from_url(f"redis://127.0.0.1:6379/{db}").flushdb()
    report("redis cut", requests=len(seconds), **latency_figures(seconds))
    assert "Traceback" not in log, log[-3000:]


# -- killed workers and jobs ---------------------------------------------------------------
def _job_processes(master: int) -> dict[int, list[psutil.Process]]:
    """worker pid -> its job processes (children of the worker's forkserver)."""
    out: dict[int, list[psutil.Process]] = {}
    for worker in psutil.Process(master).children():
        jobs = []
        try:
            for helper in worker.children():
                if "forkserver" in " ".join(helper.cmdline()):
                    jobs.extend(helper.children())
        except psutil.Error:
            continue  # a process ended while we looked
        out[worker.pid] = jobs
    return out


def _wait_for_job(master: int, timeout: float = 60) -> tuple[int, psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker, jobs in _job_processes(master).items():
            if jobs:
                return worker, jobs[0]
        time.sleep(0.1)
    raise AssertionError("no job process appeared")


def _session_store(env):
    from services.store import DiskcacheSessionStore

    return DiskcacheSessionStore(os.path.join(env["CACHE_DIR"], "sessions"), 3600)


def _forecast_in_background(page, sid, **kwargs):
    box: dict = {}
    thread = threading.Thread(
        target=lambda: box.update(outcome=page.forecast(sid, **kwargs)), daemon=True
    )
    thread.start()
    return thread, box


def test_killed_worker_and_killed_job_on_gunicorn(base_env, tmp_path):
    env = {**base_env, "MAX_CONCURRENT_JOBS": "1"}
    frame = transactions_frame(rows=500, days=600, seed=41)
    store = _session_store(env)
    with Gunicorn(env, tmp_path / "gunicorn.log") as server:
        sid = upload_frame(server.url, frame)
        master = server.process.pid

        # 1. the web worker that started the job is SIGKILLed: the job lives on, the
        #    page (polling the other worker) still gets the forecast
        assert store.add_global("jobslot:0", {"job": "drill"}, 4.0)  # lease runs out
        page = DashPage(server.url, f"/dashboard/{sid}")
        thread, box = _forecast_in_background(page, sid, model="naive", deadline=120)
        worker, _job = _wait_for_job(master)
        os.kill(worker, signal.SIGKILL)
        thread.join(timeout=150)
        survived = box["outcome"]
        assert forecast_verdict(survived) == "done", survived

        # 2. the job process itself is SIGKILLed: the page says so and offers Retry,
        #    and its slot is free at once
        assert store.add_global("jobslot:0", {"job": "drill"}, 30.0)
        page = DashPage(server.url, f"/dashboard/{sid}")
        thread, box = _forecast_in_background(page, sid, model="trend", deadline=120)
        _worker, job = _wait_for_job(master)
        store.delete_global("jobslot:0")
        time.sleep(0.5)  # let the job take the slot, then kill it
        job.kill()
        thread.join(timeout=150)
        outcome = box["outcome"]
        assert outcome.status == "ok"
        assert "stopped before it finished" in text_of(
            outcome.prop("forecast-info", "children")
        )
        assert outcome.prop("forecast-run", "className") == ""  # Retry shown
        retried = page.forecast(sid, model="trend", retry=1, deadline=120)
        assert forecast_verdict(retried) == "done"
        assert store.get_global("jobslot:0") is None  # no leaked slot
        log = server.log()
    report(
        "killed worker / killed job",
        worker_killed_forecast_s=survived.seconds,
        lost_reported_after_s=outcome.seconds,
    )
    assert "Traceback" not in log, log[-3000:]


def test_restart_keeps_sessions_and_reports_interrupted_jobs(base_env, tmp_path):
    env = {**base_env, "MAX_CONCURRENT_JOBS": "1"}
    frame = transactions_frame(rows=400, days=600, seed=51)
    store = _session_store(env)
    first = Gunicorn(env, tmp_path / "first.log")
    with first:
        sid = upload_frame(first.url, frame)
        assert store.add_global("jobslot:0", {"job": "drill"}, 60.0)  # job stays queued
        page = DashPage(first.url, f"/dashboard/{sid}")
        thread, box = _forecast_in_background(page, sid, model="naive", deadline=120)
        _wait_for_job(first.process.pid)
        started = time.monotonic()
        first.process.send_signal(signal.SIGTERM)
        first.process.wait(timeout=int(env["GUNICORN_GRACEFUL_TIMEOUT"]) + 5)
        stop_seconds = time.monotonic() - started
    second = Gunicorn(env, tmp_path / "second.log")
    second.port = first.port  # the same address: the open page keeps polling it
    second.env["PORT"] = str(first.port)
    with second:
        thread.join(timeout=150)
        outcome = box["outcome"]
        store.delete_global("jobslot:0")
        data = requests.get(f"{second.url}/api/data/{sid}", timeout=30)
        retried = page.forecast(sid, model="naive", retry=1, deadline=120)
        log = second.log()
    report(
        "restart", sigterm_stop_s=stop_seconds, lost_reported_after_s=outcome.seconds
    )
    assert data.status_code == 200
    assert data.json()["kpis"]["total_revenue"] == round(
        float(frame["Revenue"].sum()), 2
    )
    assert outcome.status == "ok"
    assert "stopped before it finished" in text_of(
        outcome.prop("forecast-info", "children")
    )
    assert forecast_verdict(retried) == "done"
    assert "Traceback" not in log, log[-3000:]


# -- the cache directory -----------------------------------------------------------------------
def test_unwritable_cache_dir_is_reported_not_fatal(make_app, tmp_path, sales_csv):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    app = make_app(CACHE_DIR=str(blocker / "cache"))
    client = app.server.test_client()
    health = client.get("/health").get_json()
    assert health["status"] == "degraded"
    assert any(str(blocker / "cache") in reason for reason in health["reasons"])
    assert client.get("/").status_code == 200
    response = upload(client, sales_csv, token=csrf_token(client))
    assert response.status_code == 503
    assert "not writable" in response.get_json()["error"]


def test_full_disk_is_reported_by_health(make_app, monkeypatch):
    app = make_app()
    client = app.server.test_client()
    assert client.get("/health").get_json()["status"] == "healthy"
    monkeypatch.setattr("services.disk_cache.MIN_FREE_BYTES", 2**62)
    time.sleep(HEALTH_CHECK_SECONDS + 0.05)  # /health's figures are at most this old
    health = client.get("/health").get_json()
    assert health["status"] == "degraded"
    assert any("full" in reason for reason in health["reasons"])


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_dev_server_stop_ends_its_jobs(tmp_path, how):
    """`python app.py` with a job running ends on SIGTERM, its job processes with it; when
    the server is killed outright, the jobs notice their owner is gone and end too."""
    import subprocess
    import sys

    from tests.integration.servers import PROJECT, free_port, wait_until_up

    port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "dev-sigterm",
        "CACHE_DIR": str(tmp_path / "cache"),
        "PORT": str(port),
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "RATE_LIMIT": "1000",
        "MAX_CONCURRENT_JOBS": "1",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url)
        sid = upload_frame(url, transactions_frame(rows=300, seed=61))
        store = _session_store(env)
        assert store.add_global("jobslot:0", {"job": "drill"}, 60.0)
        page = DashPage(url, f"/dashboard/{sid}")
        _thread, _box = _forecast_in_background(page, sid, model="naive", deadline=30)
        deadline = time.monotonic() + 60
        while not [
            p for p in psutil.Process(process.pid).children(recursive=True)
            if p.ppid() != process.pid
        ]:  # fmt: skip
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.1)
        jobs = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(getattr(signal, how))
        process.wait(timeout=20)
        # a job checks on its owner every few seconds (a job still starting on a loaded
        # machine checks once it runs)
        gone, alive = psutil.wait_procs(jobs, timeout=45)
        assert alive == []
    finally:
        stop(process, timeout=5)


def test_cancelled_jobs_leave_no_slot_behind(make_app):
    """Two Cancel clicks in a row, then anyone's forecast starts at once (one slot)."""
    app = make_app(MAX_CONCURRENT_JOBS=1)
    store = extensions(app.server).store
    frame = transactions_frame(rows=1500, days=800, seed=71)
    with ThreadedServer(app.server) as server:
        sid = upload_frame(server.url, frame)
        cancelled = []
        for attempt in range(2):
            page = DashPage(server.url, f"/dashboard/{sid}")
            handles: dict = {}
            box: dict = {}
            thread = threading.Thread(
                target=lambda p=page, h=handles, b=box, n=attempt: b.update(
                    outcome=p.forecast(
                        sid, model="best", horizon=30 + n, deadline=120, on_job=h.update
                    )
                ),
                daemon=True,
            )
            thread.start()
            deadline = time.monotonic() + 60
            while not (handles and store.get_global("jobslot:0")):
                assert time.monotonic() < deadline, "the job never took the slot"
                time.sleep(0.05)
            assert page.cancel_forecast(handles["job"]) in (200, 204)
            thread.join(timeout=60)
            cancelled.append(box["outcome"])
        assert store.get_global("jobslot:0") is None
        page = DashPage(server.url, f"/dashboard/{sid}")
        after = page.forecast(sid, model="naive", horizon=7, deadline=120)
    report(
        "cancel twice",
        cancelled_seen=sum(
            "cancelled" in text_of(o.prop("forecast-info", "children"))
            for o in cancelled
        ),
        next_forecast_s=after.seconds,
    )
    for outcome in cancelled:
        assert outcome.status in ("ok", "no_update")
        if outcome.status == "ok":
            assert "cancelled" in text_of(outcome.prop("forecast-info", "children"))
    assert forecast_verdict(after) == "done"
