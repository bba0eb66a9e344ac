"""Reliability suite: jobs in a row, concurrent users and fault drills on real servers.

The CI-sized runs are part of ``make test``. The long runs (``@pytest.mark.reliability``:
200 forecasts and 100 chat answers, more users) run with ``make reliability`` (``-m
reliability``); without that marker in ``-m`` they are deselected. Figures (jobs run, hung,
failed, p50/p95; users, requests, 5xx) are printed at the end of the run and written to
``test-artifacts/reliability.txt``.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS

FIGURES: list[str] = []


def pytest_collection_modifyitems(config, items):
    if "reliability" in (config.getoption("-m") or ""):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("reliability") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for line in FIGURES:
        terminalreporter.write_line(line)
    ARTIFACTS.mkdir(exist_ok=True)
    Path(ARTIFACTS / "reliability.txt").write_text("\n".join(FIGURES) + "\n")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(name: str, **figures: object) -> None:
    """Record one line of figures for the summary."""
    parts = []
    for key, value in figures.items():
        parts.append(
            f"{key}={value:.2f}" if isinstance(value, float) else f"{key}={value}"
        )
    FIGURES.append(f"{name}: " + " ".join(parts))


def latency_figures(seconds: list[float]) -> dict[str, float]:
    return {
        "p50_s": percentile(seconds, 50),
        "p95_s": percentile(seconds, 95),
        "max_s": max(seconds) if seconds else float("nan"),
    }


@pytest.fixture
def base_env(tmp_path) -> dict[str, str]:
    """Environment of a gunicorn under test: 2 workers × 4 threads, no LLM, no Redis."""
    return {
        "SECRET_KEY": "reliability-secret",
        "CACHE_DIR": str(tmp_path / "cache"),
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_GRACEFUL_TIMEOUT": "20",
        "RATE_LIMIT": "100000",
        "CALLBACK_RATE_LIMIT": "1000000",
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
