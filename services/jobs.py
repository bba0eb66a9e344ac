"""Background work: the Dash background-callback manager and a cross-process cap on jobs.

By default jobs run in subprocesses managed by Dash's ``DiskcacheManager`` (results in
``CACHE_DIR/jobs``, shared by all workers). With ``REDIS_URL`` set they go to Celery workers
through Redis (``celery -A worker:celery_app worker``). Either way, at most
``MAX_CONCURRENT_JOBS`` heavy jobs run at once across all processes: a job waits for a
slot, showing that it is queued, instead of starting one more process per click.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from config import Settings
from services.store import SessionStore

logger = logging.getLogger(__name__)

SLOT_TTL_SECONDS = 600.0


def background_manager(settings: Settings):
    """The Dash background-callback manager the settings ask for."""
    if settings.REDIS_URL:
        from dash import CeleryManager

        return CeleryManager(make_celery(settings), expire=3600)
    import diskcache
    from dash import DiskcacheManager

    cache = diskcache.Cache(os.path.join(settings.CACHE_DIR, "jobs"))
    return DiskcacheManager(cache, expire=3600)


def make_celery(settings: Settings):
    """A Celery app on Redis for background callbacks (scale-out deployments)."""
    from celery import Celery

    celery = Celery("smbrc", broker=settings.REDIS_URL, backend=settings.REDIS_URL)
    celery.conf.update(
        worker_concurrency=settings.MAX_CONCURRENT_JOBS,
        task_acks_late=True,
        result_expires=3600,
        broker_connection_retry_on_startup=True,
    )
    return celery


@contextmanager
def job_slot(
    store: SessionStore,
    max_jobs: int,
    *,
    on_wait: Callable[[float], None] | None = None,
    timeout: float = 300.0,
    poll: float = 0.25,
) -> Iterator[int]:
    """Hold one of ``max_jobs`` slots shared by every process while the block runs.

    ``on_wait(seconds_waited)`` is called while queued. Raises ``TimeoutError`` when no slot
    frees up within ``timeout`` seconds. A slot left by a killed job frees itself after
    ``SLOT_TTL_SECONDS``.
    """
    started = time.monotonic()
    while True:
        for slot in range(max_jobs):
            if store.add_global(f"jobslot:{slot}", os.getpid(), SLOT_TTL_SECONDS):
                try:
                    yield slot
                finally:
                    store.delete_global(f"jobslot:{slot}")
                return
        waited = time.monotonic() - started
        if waited > timeout:
            raise TimeoutError("all job slots stayed busy")
        if on_wait is not None:
            on_wait(waited)
        time.sleep(poll)
