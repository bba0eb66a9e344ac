"""Periodic upkeep of a web process, on a timer thread and never inside a request.

Every ``SESSION_SWEEP_SECONDS`` one process of the host (a shared lock in the store
decides which) deletes expired sessions; each process also collects its finished job
processes. A store that cannot be reached is logged and tried again at the next tick.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from services.store import SessionStore, StoreUnavailable

logger = logging.getLogger(__name__)


class Housekeeper:
    """A daemon thread running the sweep every ``interval`` seconds."""

    def __init__(
        self, store: SessionStore, interval: float, manager: Any = None
    ) -> None:
        self.store = store
        self.interval = max(0.5, float(interval))
        self.manager = manager
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, daemon=True, name="housekeeping"
        )

    def start(self) -> Housekeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def tick(self) -> int:
        """One round: the sweep (if it is this process's turn) and job reaping."""
        swept = 0
        try:
            swept = self.store.maybe_sweep(self.interval)
        except StoreUnavailable as error:
            logger.warning("session sweep skipped: %s", error)
        except Exception:  # noqa: BLE001 - the timer must keep running
            logger.exception("session sweep failed")
        reap = getattr(self.manager, "reap", None)
        if reap is not None:
            reap()
        return swept

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()
