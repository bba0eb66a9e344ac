"""Which background-callback manager an app runs its jobs with: the local job runner
(``services.jobs.JobManager``) by default, Celery workers through Redis when
``REDIS_URL`` is set (scale-out)."""

from __future__ import annotations

import logging
import os
from typing import Any

from config import Settings
from services.job_slots import JOB_ENV, release_job_slots
from services.jobs import DEADLINE_GRACE_SECONDS, JobManager
from services.store import SessionStore

logger = logging.getLogger(__name__)


def background_manager(settings: Settings, store: SessionStore):
    """The Dash background-callback manager the settings ask for."""
    if settings.REDIS_URL:
        return _celery_manager(make_celery(settings), settings, store)
    return JobManager(os.path.join(settings.CACHE_DIR, "jobs"), settings, store)


def _celery_manager(celery: Any, settings: Settings, store: SessionStore) -> Any:
    """Dash's ``CeleryManager`` that also frees a cancelled job's slot at once.

    Celery's terminate signals the worker's child process, which never gets to release
    the slot it holds: without this, the slot stays taken until its lease runs out.
    """
    from dash import CeleryManager

    manager = CeleryManager(celery, expire=3600)
    terminate = manager.terminate_job

    def terminate_job(job):
        terminate(job)
        if job:
            freed = release_job_slots(store, settings.MAX_CONCURRENT_JOBS, str(job))
            if freed:
                logger.info("job cancelled job=%s slots_freed=%d", job, freed)

    manager.terminate_job = terminate_job
    return manager


def _name_celery_task(task_id: str | None = None, **_: Any) -> None:
    """Celery's ``task_prerun``: the slot a task takes carries its task id (the job id
    the dashboard cancels), so a cancel can free it."""
    if task_id:
        os.environ[JOB_ENV] = task_id


def _unname_celery_task(**_: Any) -> None:
    os.environ.pop(JOB_ENV, None)


def make_celery(settings: Settings):
    """A Celery app on Redis for background callbacks (scale-out deployments).

    Every network wait is bounded (``STORE_TIMEOUT``), so an unreachable Redis fails a
    request within seconds instead of hanging it; a job past ``JOB_TIMEOUT_SECONDS`` is
    stopped by Celery's time limit.
    """
    from celery import Celery
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_name_celery_task, weak=False)
    task_postrun.connect(_unname_celery_task, weak=False)
    timeout = settings.STORE_TIMEOUT
    celery = Celery("smbrc", broker=settings.REDIS_URL, backend=settings.REDIS_URL)
    celery.conf.update(
        worker_concurrency=settings.MAX_CONCURRENT_JOBS,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_soft_time_limit=settings.JOB_TIMEOUT_SECONDS,
        task_time_limit=settings.JOB_TIMEOUT_SECONDS + DEADLINE_GRACE_SECONDS,
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=timeout,
        broker_transport_options={
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "max_retries": 1,
        },
        redis_socket_timeout=timeout,
        redis_socket_connect_timeout=timeout,
        redis_retry_on_timeout=False,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 0.5,
        },
    )
    return celery
