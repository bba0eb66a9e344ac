"""The cap on concurrent jobs: at most ``MAX_CONCURRENT_JOBS`` heavy jobs compute at once
across every process sharing the store.

A slot is a lease (a store key added only if absent): its holder renews it every few
seconds, so the slot of a killed job frees itself within ``SLOT_LEASE_SECONDS``; a
cancelled job's slots are freed at once (:func:`release_job_slots`), found by the job id
each slot carries (``JOB_ENV``)."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from config import Settings
from services.store import SessionStore, StoreUnavailable

logger = logging.getLogger(__name__)

#: Seconds a job slot stays taken without being renewed by its holder.
SLOT_LEASE_SECONDS = 15.0


#: The environment variable naming the job a process runs (slot leases carry it).
JOB_ENV = "SMBRC_JOB_ID"


HOST = socket.gethostname()


def _slot_owner() -> dict[str, Any]:
    return {
        "job": os.environ.get(JOB_ENV) or f"pid:{os.getpid()}",
        "token": secrets.token_hex(6),
        "host": HOST,
    }


def release_job_slots(store: SessionStore, max_jobs: int, job: str) -> int:
    """Free the slots held by ``job`` (after it was cancelled or killed); returns how many."""
    freed = 0
    try:
        for slot in range(max_jobs):
            owner = store.get_global(f"jobslot:{slot}")
            if isinstance(owner, dict) and owner.get("job") == job:
                store.delete_global(f"jobslot:{slot}")
                freed += 1
    except StoreUnavailable:
        logger.warning("job slots of job=%s could not be released now", job)
    return freed


def release_own_slots(settings: Settings, job_id: str) -> None:
    """Free the slots of ``job_id`` from inside its own process (before it exits)."""
    from services.store import store_from_settings

    try:
        release_job_slots(
            store_from_settings(settings), settings.MAX_CONCURRENT_JOBS, job_id
        )
    except Exception:  # noqa: BLE001 - the lease runs out by itself
        logger.warning("job slots of job=%s left to expire", job_id)


@contextmanager
def job_slot(
    store: SessionStore,
    max_jobs: int,
    *,
    on_wait: Callable[[float], None] | None = None,
    timeout: float = 300.0,
    poll: float = 0.5,
    lease: float = SLOT_LEASE_SECONDS,
) -> Iterator[int]:
    """Hold one of ``max_jobs`` slots shared by every process while the block runs.

    ``on_wait(seconds_waited)`` is called while queued. Raises ``TimeoutError`` when no slot
    frees up within ``timeout`` seconds. The slot is a lease renewed every ``lease / 3``
    seconds while the block runs: the slot of a killed job frees itself after ``lease``.
    """
    started = time.monotonic()
    owner = _slot_owner()
    while True:
        for slot in range(max_jobs):
            key = f"jobslot:{slot}"
            if store.add_global(key, owner, lease):
                stop = threading.Event()
                renewer = threading.Thread(
                    target=_renew_slot,
                    args=(store, key, owner, lease, stop),
                    daemon=True,
                    name=f"slot-{slot}",
                )
                renewer.start()
                try:
                    yield slot
                finally:
                    stop.set()
                    renewer.join(timeout=5)
                    try:
                        if store.get_global(key) == owner:
                            store.delete_global(key)
                    except StoreUnavailable:
                        pass  # the lease runs out by itself
                return
        waited = time.monotonic() - started
        if waited > timeout:
            raise TimeoutError("all job slots stayed busy")
        if on_wait is not None:
            on_wait(waited)
        time.sleep(poll)


def _renew_slot(
    store: SessionStore,
    key: str,
    owner: dict[str, Any],
    lease: float,
    stop: threading.Event,
) -> None:
    while not stop.wait(lease / 3):
        try:
            if store.get_global(key) != owner:
                return  # released for us (cancelled) or expired and taken
            store.set_global(key, owner, ttl=lease)
        except StoreUnavailable:
            logger.warning("job slot lease %s could not be renewed", key)
