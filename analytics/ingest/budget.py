"""A wall-clock budget for reading one upload.

The size guards in :mod:`analytics.ingest.limits` bound how big a table a file may describe, but
a small file can still be slow to read: 200 columns of distinct timestamps, each judged
on its own. Reading runs in a web thread that cannot be interrupted safely, so the budget
is cooperative: :func:`time_budget` sets a deadline for the current thread (a context
variable), and the per-column steps of ingestion call :func:`check_time`, which stops the
work with a clear :class:`TimeBudgetExceeded` once the deadline has passed. The work done after the deadline is
bounded by one column's step (itself bounded by the row limit).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from analytics.errors import IngestError

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar(
    "ingest_deadline", default=None
)


class TimeBudgetExceeded(IngestError):
    """Reading the upload took longer than its time budget."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, :func:`check_time` raises once ``seconds`` have passed.

    ``None`` or a value ≤ 0 means no budget. Nested budgets keep the earlier deadline.
    """
    if not seconds or seconds <= 0:
        yield
        return
    deadline = time.monotonic() + float(seconds)
    outer = _DEADLINE.get()
    if outer is not None and outer[0] <= deadline:
        yield
        return
    token = _DEADLINE.set((deadline, float(seconds)))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time() -> None:
    """Raise :class:`TimeBudgetExceeded` when the current budget is spent."""
    current = _DEADLINE.get()
    if current is None or time.monotonic() <= current[0]:
        return
    raise TimeBudgetExceeded(
        f"Reading this file took longer than the {current[1]:g} seconds allowed for one "
        "upload, so it was stopped. Files with many columns of dates or free text take "
        "longest: remove the columns you do not need (or export fewer rows), then upload "
        "again."
    )
