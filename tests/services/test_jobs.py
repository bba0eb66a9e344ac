"""The job runner (clean processes, terminal states), the job-slot leases, the managers."""

from __future__ import annotations

import multiprocessing
import os
import time

import psutil
import pytest

from config import load_settings
from services.job_backends import background_manager
from services.job_slots import job_slot
from services.jobs import JobManager, JobTarget, _JobSpec, job_context
from services.store import DiskcacheSessionStore, store_from_settings


def _hold_slot(directory: str, seconds: float, started, results) -> None:
    store = DiskcacheSessionStore(directory, 60)
    with job_slot(store, 2):
        began = time.monotonic()
        time.sleep(seconds)
        ended = time.monotonic()
    started.put((began, ended))
    results.put("done")


def test_at_most_max_jobs_run_at_once_across_processes(tmp_path):
    directory = str(tmp_path / "store")
    ctx = multiprocessing.get_context("fork")
    started, results = ctx.Queue(), ctx.Queue()
    processes = [
        ctx.Process(target=_hold_slot, args=(directory, 2.0, started, results))
        for _ in range(3)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=30)
    holds = sorted(started.get(timeout=5) for _ in range(3))
    # at no moment were three slots held: the last to start began after one had ended
    # (ordering only, so a slow fork on a loaded machine cannot fail it)
    assert holds[2][0] >= min(holds[0][1], holds[1][1])
    # and two did run at once: the second began before the first ended
    assert holds[1][0] < holds[0][1]


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


def test_a_slot_left_by_a_dead_holder_frees_itself_after_its_lease(tmp_path):
    store = DiskcacheSessionStore(str(tmp_path / "store"), 60)
    assert store.add_global("jobslot:0", {"job": "killed"}, 0.8)  # never renewed
    with job_slot(store, 1, timeout=5, poll=0.1) as slot:
        assert slot == 0


def test_a_held_slot_is_renewed_past_its_lease(tmp_path):
    store = DiskcacheSessionStore(str(tmp_path / "store"), 60)
    with job_slot(store, 1, lease=0.6):
        with pytest.raises(TimeoutError):
            with job_slot(store, 1, timeout=1.5, poll=0.1):
                pass


def test_manager_is_the_job_runner_by_default(tmp_path):
    settings = load_settings({"CACHE_DIR": str(tmp_path)}, environ={})
    store = store_from_settings(settings)
    assert isinstance(background_manager(settings, store), JobManager)


# -- jobs run by the runner: bodies importable by the job process -------------------------
def slot_job(settings, seconds: float) -> str:
    store = store_from_settings(settings)
    with job_slot(store, settings.MAX_CONCURRENT_JOBS):
        time.sleep(seconds)
    return "finished"


def pid_job(settings) -> list[int]:
    import os

    return [os.getpid(), os.getppid()]


@pytest.fixture
def runner(tmp_path):
    settings = load_settings(
        {
            "CACHE_DIR": str(tmp_path),
            "MAX_CONCURRENT_JOBS": 1,
            "JOB_TIMEOUT_SECONDS": 60,
        },
        environ={},
    )
    store = store_from_settings(settings)
    manager = JobManager(str(tmp_path / "jobs"), settings, store)

    def start(func, *args, key="k"):
        return manager.call_job_fn(
            key, _JobSpec(JobTarget.of(func, settings), False), list(args), {}
        )

    return manager, store, start


def _wait_result(manager, key, job, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = manager.get_result(key, job)
        if result is not manager.UNDEFINED:
            return result
        time.sleep(0.2)
    raise AssertionError("the job neither finished nor was reported")


def _wait_slot_taken(store, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        owner = store.get_global("jobslot:0")
        if owner:
            return owner
        time.sleep(0.1)
    raise AssertionError("the job never took its slot")


def test_jobs_start_from_the_forkserver_never_by_fork(runner):
    manager, _store, start = runner
    assert job_context().get_start_method() == "forkserver"
    import os

    job = start(pid_job)
    pid, parent = _wait_result(manager, "k", job)
    assert pid != os.getpid()
    assert parent != os.getpid()  # forked by the single-threaded forkserver
    assert "forkserver" in " ".join(psutil.Process(parent).cmdline())
    assert manager.status(job)["state"] == "done"


def test_a_killed_job_is_reported_lost_and_its_slot_freed(runner):
    manager, store, start = runner
    job = start(slot_job, 60.0)
    owner = _wait_slot_taken(store)
    assert owner["job"] == job
    psutil.Process(manager.status(job)["pid"]).kill()
    result = _wait_result(manager, "k", job)
    assert result["background_callback_error"]["msg"].startswith("[job:lost]")
    assert manager.status(job)["state"] == "lost"
    assert not manager.job_running(job)
    assert store.get_global("jobslot:0") is None  # released at once, not after a TTL


def test_a_cancelled_job_frees_its_slot_at_once(runner):
    manager, store, start = runner
    job = start(slot_job, 60.0)
    _wait_slot_taken(store)
    pid = manager.status(job)["pid"]
    manager.terminate_job(job)
    assert manager.status(job)["state"] == "cancelled"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    assert store.get_global("jobslot:0") is None
    second = start(slot_job, 0.1, key="k2")  # the next job gets the slot
    assert _wait_result(manager, "k2", second) == "finished"


def test_a_job_past_its_deadline_is_stopped_and_reported(tmp_path):
    settings = load_settings(
        {"CACHE_DIR": str(tmp_path), "JOB_TIMEOUT_SECONDS": 1.5}, environ={}
    )
    store = store_from_settings(settings)
    manager = JobManager(str(tmp_path / "jobs"), settings, store)
    job = manager.call_job_fn(
        "k", _JobSpec(JobTarget.of(slot_job, settings), False), [60.0], {}
    )
    result = _wait_result(manager, "k", job, timeout=30)
    assert result["background_callback_error"]["msg"].startswith("[job:timed_out]")
    assert manager.status(job)["state"] == "timed_out"
    assert store.get_global("jobslot:0") is None


@pytest.mark.redis
def test_manager_is_celery_with_redis(tmp_path):
    from dash import CeleryManager

    settings = load_settings(
        {"CACHE_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/14"},
        environ={},
    )
    manager = background_manager(settings, store_from_settings(settings))
    assert isinstance(manager, CeleryManager)
    assert manager.handle.conf.broker_url.startswith("redis://")


@pytest.mark.redis
def test_celery_cancel_frees_the_slot_at_once(tmp_path, monkeypatch):
    """A cancelled Celery job's slot is free for the next forecast right away (the killed
    worker child never releases it itself; before, it waited out the lease)."""
    from services import job_backends, job_slots

    settings = load_settings(
        {
            "CACHE_DIR": str(tmp_path),
            "REDIS_URL": "redis://127.0.0.1:6379/14",
            "MAX_CONCURRENT_JOBS": "1",
        },
        environ={},
    )
    store = store_from_settings(settings)
    manager = background_manager(settings, store)
    terminated = []
    monkeypatch.setattr(manager.handle.control, "terminate", terminated.append)
    # what a task does when it starts: its slot carries its task id
    job_backends._name_celery_task(task_id="task-123")
    try:
        with job_slot(store, 1, timeout=5.0):
            assert store.get_global("jobslot:0")["job"] == "task-123"
            manager.terminate_job("task-123")
            assert terminated == ["task-123"]
            assert store.get_global("jobslot:0") is None
    finally:
        job_backends._unname_celery_task()
    assert job_slots.JOB_ENV not in os.environ
