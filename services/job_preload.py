"""Imported once by the job runner's forkserver (``services.jobs.PRELOAD``): loads the
forecast libraries and fits each statsforecast model once, so every job process forked
from the forkserver starts with them in memory instead of importing them again.

Importing this module has that side effect on purpose; nothing else should import it.
"""

from __future__ import annotations

import sys

from services.forecasts import preload_forecast_models

#: Seconds the preload took in this process (None: statsforecast unavailable).
PRELOAD_SECONDS = preload_forecast_models()


def loaded_libraries() -> dict[str, bool]:
    """Which forecast libraries this process has imported (for tests and diagnostics;
    ``cmdstanpy`` is only imported by a first Prophet fit)."""
    return {
        name: name in sys.modules
        for name in ("statsforecast.models", "prophet", "cmdstanpy")
    }


def report_loaded(queue) -> None:  # noqa: ANN001 - a multiprocessing queue
    """Job body that puts :func:`loaded_libraries` on ``queue`` (for tests)."""
    queue.put(loaded_libraries())
