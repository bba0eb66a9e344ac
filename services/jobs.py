"""Background work: a job runner that never forks a threaded process, and a shared cap on jobs.

Default install (no ``REDIS_URL``): every background callback (the forecast, chat answers)
and every API job runs in its own process, forked from a **forkserver** — a small,
single-threaded Python process started once per web process with the job modules
preloaded. A web process serves requests from many threads; forking it directly (what
Dash's ``DiskcacheManager`` does) copies locks held by other threads (the import lock,
SQLite's mutexes) into a child where nobody ever releases them, and the job hangs.

Every job has a record in ``CACHE_DIR/jobs`` (state, process id, heartbeat, deadline) and
ends in one terminal state the page and the API show:

- ``done`` — the result is there;
- ``failed`` — with the reason;
- ``cancelled`` — the user cancelled (or a newer request replaced it);
- ``timed_out`` — it passed ``JOB_TIMEOUT_SECONDS`` and was stopped;
- ``lost`` — its process ended without a result (killed, or the server restarted).

With ``REDIS_URL`` set, jobs go to Celery workers through Redis (``celery -A
worker:celery_app worker``), with the same deadline as a Celery time limit.

Either way, at most ``MAX_CONCURRENT_JOBS`` heavy jobs compute at once across all
processes (``services.job_slots``): a slot is a lease, freed within
``SLOT_LEASE_SECONDS`` when its job is killed and at once when it is cancelled. Which
manager an app uses: ``services.job_backends``; job processes: ``services.job_processes``.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash.background_callback.managers import BaseBackgroundCallbackManager

from config import Settings
from services.job_processes import kill_tree, owner_gone, process_alive, this_process
from services.job_slots import HOST, JOB_ENV, release_job_slots, release_own_slots
from services.store import SessionStore, StoreUnavailable, open_cache

logger = logging.getLogger(__name__)

#: How job processes are started: never ``fork`` (see the module docstring).
START_METHOD = "forkserver"
#: Modules the forkserver imports once, so a job starts in milliseconds
#: (``services.job_preload`` also imports Prophet and statsforecast and fits each model
#: once, so no forecast job pays for that).
PRELOAD = (
    "callbacks.forecast",
    "callbacks.assistant",
    "services.forecasts",
    "services.job_preload",
)
#: How often a running job writes its heartbeat, in seconds.
HEARTBEAT_SECONDS = 3.0
#: A job on another host counts as alive while its heartbeat is younger than this.
HEARTBEAT_STALE_SECONDS = 20.0
#: A job whose process has not reported in yet counts as starting for this long.
STARTUP_GRACE_SECONDS = 90.0
#: Extra time after the deadline before the web side stops waiting for a job's own
#: watchdog and reports it as timed out.
DEADLINE_GRACE_SECONDS = 10.0

TERMINAL = ("done", "failed", "cancelled", "timed_out", "lost")

MESSAGES = {
    "lost": "The job stopped before it finished (its process ended, for example "
    "because the server restarted). Retry to run it again.",
    "timed_out": "The job took longer than {timeout:.0f} s and was stopped. Retry, "
    "or choose a simpler model or a shorter horizon.",
    "cancelled": "The job was cancelled.",
    "failed": "The job failed: {reason}. Retry to run it again.",
}


# -- the runner ------------------------------------------------------------------------------
_runner_lock = threading.Lock()
_runner_pid: int | None = None


def job_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context jobs start with (``forkserver``, never ``fork``)."""
    return multiprocessing.get_context(START_METHOD)


def start_runner() -> None:
    """Start this process's forkserver with the job modules preloaded (idempotent).

    The forkserver is a new interpreter (started with fork + exec), so it inherits no
    thread and no lock of the web process.
    """
    global _runner_pid
    if _runner_pid == os.getpid():
        return
    with _runner_lock:
        if _runner_pid == os.getpid():
            return
        context = job_context()
        context.set_forkserver_preload(list(PRELOAD))
        from multiprocessing import forkserver

        forkserver.ensure_running()
        _runner_pid = os.getpid()


def wait_for_runner() -> float:
    """Start this process's forkserver and wait until it has preloaded the job modules
    (a no-op job is started from it, which it forks only once its preload is done), so
    the first forecast job of a new web process does not pay for it. Returns seconds."""
    start = time.perf_counter()
    start_runner()
    process = job_context().Process(
        target=os.getpid, daemon=True, name="runner-warm-up"
    )
    process.start()
    process.join(STARTUP_GRACE_SECONDS)
    return time.perf_counter() - start


@dataclass(frozen=True)
class JobTarget:
    """A picklable reference to a job function ``func(settings, *args)``."""

    module: str
    name: str
    settings: Settings

    @classmethod
    def of(cls, func: Callable[..., Any], settings: Settings) -> JobTarget:
        return cls(func.__module__, func.__qualname__, settings)

    def resolve(self) -> Callable[..., Any]:
        func = getattr(importlib.import_module(self.module), self.name)

        def bound(*args: Any, **kwargs: Any) -> Any:
            return func(self.settings, *args, **kwargs)

        return bound


def job_callback(func: Callable[..., Any], target: JobTarget) -> Callable[..., Any]:
    """Mark a Dash background callback ``func`` as running ``target`` in the job runner."""
    func.job_target = target  # type: ignore[attr-defined]
    return func


def job_failure(exc: BaseException) -> tuple[str, str]:
    """(state, user message) of a background callback's error, as Dash reports it."""
    text = str(exc)
    marker = text.find("[job:")
    if marker >= 0:
        end = text.find("]", marker)
        state = text[marker + 5 : end]
        message = text[end + 1 :].split("\n", 1)[0].strip()
        return state, message
    return "failed", "Something went wrong while computing this. Retry to run it again."


def _error_result(state: str, message: str) -> dict[str, Any]:
    return {"background_callback_error": {"msg": f"[job:{state}] {message}", "tb": ""}}


def _record_key(job_id: str) -> str:
    return f"job:{job_id}"


class JobManager(BaseBackgroundCallbackManager):
    """Dash background-callback manager that runs jobs in the forkserver-started runner.

    Results, progress and job records live in a diskcache directory shared by every
    worker on the host (``CACHE_DIR/jobs``), opened separately in each process.
    """

    def __init__(
        self,
        directory: str,
        settings: Settings,
        store: SessionStore,
        *,
        expire: float = 3600.0,
    ) -> None:
        self.directory = directory
        self.settings = settings
        self.store = store
        self.expire = expire
        self.timeout = float(settings.JOB_TIMEOUT_SECONDS)
        self._local = threading.local()
        self._children: dict[str, Any] = {}
        super().__init__(None)

    @property
    def handle(self):
        """This process's cache handle (never shared across processes)."""
        if getattr(self._local, "pid", None) != os.getpid():
            self._local.cache = open_cache(self.directory)
            self._local.pid = os.getpid()
        return self._local.cache

    # -- Dash's manager interface ------------------------------------------------------------
    def make_job_fn(self, fn, progress, key=None):
        return _JobSpec(getattr(fn, "job_target", None), bool(progress))

    def call_job_fn(self, key, job_fn, args, context):
        if job_fn.target is None:
            raise RuntimeError("this background callback has no job target")
        start_runner()
        self.reap()
        job_id = secrets.token_hex(8)
        now = time.time()
        self.handle.set(
            _record_key(job_id),
            {
                "job": job_id,
                "key": key,
                "state": "queued",
                "created": now,
                "deadline": now + self.timeout,
                "host": HOST,
                "pid": None,
                "pid_started": None,
                "heartbeat": now,
            },
            expire=self.expire,
        )
        process = job_context().Process(
            target=run_job,
            kwargs={
                "directory": self.directory,
                "target": job_fn.target,
                "progress": job_fn.progress,
                "result_key": key,
                "progress_key": self._make_progress_key(key),
                "args": args,
                "context": dict(context),
                "job_id": job_id,
                "deadline": now + self.timeout,
                "expire": self.expire,
                "owner": this_process(),
            },
            name=f"job-{job_id}",
            daemon=True,
        )
        self._children[job_id] = _Starting(process, self._start_failed(job_id))
        return job_id

    def job_running(self, job):
        record = self._record(job)
        if record is None:
            return False
        state = record.get("state")
        if state in ("done", "failed"):
            # finished: "running" until the page has read the result
            return self._alive(job, record) or self.result_ready(record.get("key", ""))
        if state in TERMINAL:
            return False
        return self._alive(job, record)

    def terminate_job(self, job):
        if job is None:
            return
        job = str(job)
        record = self._record(job)
        if record is None:
            return
        if record.get("host") == HOST:
            kill_tree(record.get("pid"), record.get("pid_started"))
        if record.get("state") not in TERMINAL:
            self._update(job, state="cancelled")
            logger.info("job cancelled job=%s", job)
        release_job_slots(self.store, self.settings.MAX_CONCURRENT_JOBS, job)
        self.reap()

    def terminate_unhealthy_job(self, job):
        if self.job_running(job):
            return False
        self.terminate_job(job)
        return True

    def get_progress(self, key):
        progress_key = self._make_progress_key(key)
        data = self.handle.get(progress_key)
        if data:
            self.handle.delete(progress_key)
        return data

    def result_ready(self, key):
        return self.handle.get(key) is not None

    def get_result(self, key, job):
        result = self.handle.get(key, self.UNDEFINED)
        if result is self.UNDEFINED and job is not None:
            verdict = self.check(str(job))
            if verdict is not None:
                # a result written while the job was checked wins
                result = self.handle.get(key, self.UNDEFINED)
                if result is self.UNDEFINED:
                    return _error_result(*verdict)
        if result is self.UNDEFINED:
            return self.UNDEFINED
        self.handle.delete(key)
        self.handle.delete(self._make_progress_key(key))
        return result

    def get_updated_props(self, key):
        set_props_key = self._make_set_props_key(key)
        result = self.handle.get(set_props_key, self.UNDEFINED)
        if result is self.UNDEFINED:
            return {}
        self.handle.delete(set_props_key)
        return result

    def clear_cache_entry(self, key):
        self.handle.delete(key)

    def get_or_create_signing_secret(self, generate):
        self.handle.add(self.SIGNING_SECRET_KEY, generate())
        return self.handle.get(self.SIGNING_SECRET_KEY)

    # -- job records -----------------------------------------------------------------------
    def status(self, job: str) -> dict[str, Any] | None:
        """The job's record (state, times, reason), or None when unknown."""
        return self._record(job)

    def check(self, job: str) -> tuple[str, str] | None:
        """(state, message) when the job ended without a result, else None (still going)."""
        record = self._record(job)
        if record is None:
            return "lost", MESSAGES["lost"]
        state = record.get("state")
        if state in ("lost", "timed_out", "cancelled"):
            return state, record.get("reason") or self._message(state)
        if state in ("done", "failed"):
            return None  # the result is on its way (or was already read)
        if time.time() > record["deadline"] + DEADLINE_GRACE_SECONDS:
            if record.get("host") == HOST:
                kill_tree(record.get("pid"), record.get("pid_started"))
            self._update(job, state="timed_out")
            release_job_slots(self.store, self.settings.MAX_CONCURRENT_JOBS, job)
            logger.warning("job timed out job=%s", job)
            return "timed_out", self._message("timed_out")
        if not self._alive(job, record):
            self._update(job, state="lost")
            release_job_slots(self.store, self.settings.MAX_CONCURRENT_JOBS, job)
            logger.warning("job lost job=%s pid=%s", job, record.get("pid"))
            return "lost", MESSAGES["lost"]
        return None

    def reap(self) -> None:
        """Collect finished child processes of this web process (no zombies)."""
        for job_id, process in list(self._children.items()):
            if not process.is_alive():
                process.join(0)
                self._children.pop(job_id, None)

    def _start_failed(self, job_id: str) -> Callable[[BaseException], None]:
        def failed(error: BaseException) -> None:
            logger.error("job could not be started job=%s: %s", job_id, error)
            self._update(
                job_id,
                state="lost",
                reason="The job runner could not start the job "
                f"({type(error).__name__}). Retry in a moment.",
            )

        return failed

    def _message(self, state: str) -> str:
        return MESSAGES[state].format(timeout=self.timeout, reason="")

    def _record(self, job: str | None) -> dict[str, Any] | None:
        if not job:
            return None
        return self.handle.get(_record_key(str(job)))

    def _update(self, job: str, **changes: Any) -> None:
        record = self._record(job)
        if record is not None:
            record.update(changes)
            self.handle.set(_record_key(job), record, expire=self.expire)

    def _alive(self, job: str, record: dict[str, Any]) -> bool:
        process = self._children.get(job)
        if process is not None:
            return process.is_alive()
        if record.get("pid") is None:
            # not started yet: the runner is forking it (on a busy host, the first job
            # of a new web process waits for the forkserver's preload)
            return time.time() - record["created"] < STARTUP_GRACE_SECONDS
        if record.get("host") == HOST:
            return process_alive(record.get("pid"), record.get("pid_started"))
        return time.time() - record.get("heartbeat", 0) < HEARTBEAT_STALE_SECONDS


class _Starting:
    """A job process being started from a thread, so no request waits for the forkserver.

    The first job of a web process waits until the forkserver has imported the job
    modules (seconds on a busy host); the request that submitted it answers at once.
    """

    def __init__(
        self, process: Any, on_error: Callable[[BaseException], None] | None = None
    ) -> None:
        self.process = process
        self._error = on_error
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self.process.start()
        except Exception as error:  # noqa: BLE001 - reported on the job's record
            logger.exception("job process could not be started")
            if self._error is not None:
                self._error(error)

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def is_alive(self) -> bool:
        if self._thread.is_alive():
            return True
        try:
            return self.process.is_alive()
        except (AssertionError, ValueError):  # never started
            return False

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)
        try:
            self.process.join(timeout)
        except (AssertionError, ValueError):
            pass


@dataclass(frozen=True)
class _JobSpec:
    target: JobTarget | None
    progress: bool


class _ResultCache:
    """The job's cache, marking the record's terminal state just before the result lands."""

    def __init__(
        self,
        cache,
        result_key: str,
        on_result: Callable[[Any], None],
        expire: float,
    ) -> None:
        self._cache = cache
        self._result_key = result_key
        self._on_result = on_result
        self._expire = expire

    def set(self, key, value, **kwargs):
        if key == self._result_key:
            self._on_result(value)
        # results and progress of a page that was closed expire instead of piling up
        kwargs.setdefault("expire", self._expire)
        return self._cache.set(key, value, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cache, name)


def run_job(
    *,
    directory: str,
    target: JobTarget,
    progress: bool,
    result_key: str,
    progress_key: str,
    args: Any,
    context: dict[str, Any],
    job_id: str,
    deadline: float,
    expire: float,
    owner: tuple[int, float] | None = None,
) -> None:
    """Body of a job process: run the callback, keep a heartbeat, stop at the deadline,
    end with the web process that started it."""
    import psutil
    from dash.background_callback.managers.diskcache_manager import _make_job_fn

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if owner_gone(owner):
        os._exit(4)  # the server stopped while this job was being started
    os.environ[JOB_ENV] = job_id
    cache = open_cache(directory)
    record_key = _record_key(job_id)
    lock = threading.Lock()

    def update(**changes: Any) -> None:
        with lock:
            record = cache.get(record_key) or {"job": job_id, "deadline": deadline}
            if record.get("state") in TERMINAL and "state" in changes:
                return  # cancelled or timed out meanwhile: keep that state
            record.update(changes)
            cache.set(record_key, record, expire=expire)

    if (cache.get(record_key) or {}).get("state") in TERMINAL:
        return  # cancelled before its process started
    update(
        state="running",
        pid=os.getpid(),
        pid_started=psutil.Process().create_time(),
        heartbeat=time.time(),
        host=HOST,
    )
    finished = threading.Event()

    def watchdog() -> None:
        while not finished.wait(HEARTBEAT_SECONDS):
            now = time.time()
            try:
                if now > deadline:
                    timeout = deadline - (cache.get(record_key) or {}).get(
                        "created", deadline
                    )
                    message = MESSAGES["timed_out"].format(timeout=timeout)
                    update(state="timed_out")
                    cache.set(result_key, _error_result("timed_out", message))
                    logger.warning("job stopped at its deadline job=%s", job_id)
                    release_own_slots(target.settings, job_id)
                    os._exit(3)
                if owner_gone(owner):
                    update(state="lost")
                    cache.set(result_key, _error_result("lost", MESSAGES["lost"]))
                    logger.warning("job ended with its web process job=%s", job_id)
                    release_own_slots(target.settings, job_id)
                    os._exit(4)
                update(heartbeat=now)
            except StoreUnavailable:
                logger.warning("job heartbeat could not be written job=%s", job_id)

    threading.Thread(target=watchdog, daemon=True, name="job-watchdog").start()

    def on_result(value: Any) -> None:
        failed = isinstance(value, dict) and "background_callback_error" in value
        update(state="failed" if failed else "done", finished=time.time())

    job_fn = _make_job_fn(
        target.resolve(), _ResultCache(cache, result_key, on_result, expire), progress
    )
    try:
        job_fn(result_key, progress_key, args, context)
    finally:
        finished.set()


def submit_job(target: JobTarget, *args: Any, timeout: float) -> Any:
    """Run ``target(*args)`` in a runner process (not a Dash callback); returns the process.

    Used for the API's jobs (the forecast of ``GET /api/data`` and ``/api/forecast``):
    the job writes its result to the store itself; it is stopped at ``timeout`` seconds.
    """
    start_runner()
    process = job_context().Process(
        target=_run_plain,
        args=(
            target,
            args,
            time.time() + timeout,
            secrets.token_hex(8),
            this_process(),
        ),
        daemon=True,
        name="api-job",
    )
    return _Starting(process)


def _run_plain(
    target: JobTarget,
    args: tuple,
    deadline: float,
    job_id: str,
    owner: tuple[int, float] | None = None,
) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if owner_gone(owner):
        os._exit(4)  # the server stopped while this job was being started
    os.environ[JOB_ENV] = job_id

    def watchdog() -> None:
        while time.time() < deadline:
            time.sleep(min(HEARTBEAT_SECONDS, max(0.0, deadline - time.time())))
            if owner_gone(owner):
                logger.warning("api job ended with its web process job=%s", job_id)
                release_own_slots(target.settings, job_id)
                os._exit(4)
        logger.warning("api job stopped at its deadline job=%s", job_id)
        release_own_slots(target.settings, job_id)
        os._exit(3)

    threading.Thread(target=watchdog, daemon=True, name="job-watchdog").start()
    target.resolve()(*args)
