"""The cross-process job cap and the choice of background manager."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from config import load_settings
from services.jobs import background_manager, job_slot
from services.store import DiskcacheSessionStore


def _hold_slot(directory: str, seconds: float, started, results) -> None:
    store = DiskcacheSessionStore(directory, 60)
    with job_slot(store, 2):
        started.put(time.monotonic())
        time.sleep(seconds)
    results.put("done")


def test_at_most_max_jobs_run_at_once_across_processes(tmp_path):
    directory = str(tmp_path / "store")
    ctx = multiprocessing.get_context("fork")
    started, results = ctx.Queue(), ctx.Queue()
    processes = [
        ctx.Process(target=_hold_slot, args=(directory, 1.0, started, results))
        for _ in range(3)
    ]
    t0 = time.monotonic()
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=30)
    starts = sorted(started.get(timeout=5) - t0 for _ in range(3))
    assert starts[1] < 0.9  # two ran together
    assert starts[2] >= 0.9  # the third waited for a free slot


def test_waiting_job_reports_and_times_out(tmp_path):
    store = DiskcacheSessionStore(str(tmp_path / "store"), 60)
    waits: list[float] = []
    with job_slot(store, 1):
        with pytest.raises(TimeoutError):
            with job_slot(store, 1, on_wait=waits.append, timeout=0.6, poll=0.1):
                pass
    assert waits and waits[-1] <= 0.7
    with job_slot(store, 1) as slot:  # released after use
        assert slot == 0


def test_slot_is_released_when_the_job_fails(tmp_path):
    store = DiskcacheSessionStore(str(tmp_path / "store"), 60)
    with pytest.raises(RuntimeError):
        with job_slot(store, 1):
            raise RuntimeError("boom")
    with job_slot(store, 1, timeout=0.2):
        pass


def test_manager_is_diskcache_by_default(tmp_path):
    from dash import DiskcacheManager

    settings = load_settings({"CACHE_DIR": str(tmp_path)}, environ={})
    assert isinstance(background_manager(settings), DiskcacheManager)


@pytest.mark.redis
def test_manager_is_celery_with_redis(tmp_path):
    from dash import CeleryManager

    settings = load_settings(
        {"CACHE_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/14"},
        environ={},
    )
    manager = background_manager(settings)
    assert isinstance(manager, CeleryManager)
    assert manager.handle.conf.broker_url.startswith("redis://")
