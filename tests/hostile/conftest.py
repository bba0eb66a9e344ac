"""Hostile-input suite: one app per module, a victim's session that must never change,
and a time and memory measure around every request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import psutil
import pytest

from tests.conftest import transactions_frame, unused_ollama, upload

#: Loose bounds every hostile request must stay within (the product's targets).
SECONDS_BOUND = 30.0
MEMORY_BOUND_MB = 512.0


@dataclass
class Measure:
    seconds: float = 0.0
    extra_mb: float = 0.0

    def within_bounds(self) -> None:
        assert self.seconds < SECONDS_BOUND, f"took {self.seconds:.1f} s"
        assert self.extra_mb < MEMORY_BOUND_MB, f"took {self.extra_mb:.0f} MB more RSS"


@contextmanager
def measured() -> Iterator[Measure]:
    """Wall time and peak RSS above the starting RSS of this process (sampled every
    5 ms from a thread, so it sees the peak inside a request)."""
    process = psutil.Process()
    base = process.memory_info().rss
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = Measure()
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        peak[0] = max(peak[0], process.memory_info().rss)
        result.extra_mb = (peak[0] - base) / 2**20


@dataclass
class Victim:
    """Someone else's session, and its figures computed independently with pandas."""

    client: object
    session_id: str
    owner_token: str
    total_revenue: float
    mapping: dict

    def assert_unchanged(self, reader) -> None:
        body = reader.get(f"/api/data/{self.session_id}").get_json()
        assert body["kpis"]["total_revenue"] == self.total_revenue
        assert body["mapping"] == self.mapping


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """The app with its default upload limits (generous rate limits for the suite)."""
    from app import create_app

    return create_app(
        {
            "SECRET_KEY": "hostile-secret",
            "CACHE_DIR": str(tmp_path_factory.mktemp("hostile-cache")),
            "RATE_LIMIT": 100_000,
            "CALLBACK_RATE_LIMIT": 100_000,
            "OLLAMA_HOST": unused_ollama(),
            "REDIS_URL": "",
            "LOG_LEVEL": "ERROR",
            "MAX_CONCURRENT_JOBS": 1,
        }
    )


@pytest.fixture(scope="module")
def attacker(hostile_app):
    return hostile_app.server.test_client()


@pytest.fixture(scope="module")
def victim(hostile_app) -> Victim:
    client = hostile_app.server.test_client()
    frame: pd.DataFrame = transactions_frame(rows=250, seed=3)
    response = upload(client, frame.to_csv(index=False).encode(), "victim.csv")
    assert response.status_code == 201
    body = response.get_json()
    return Victim(
        client=client,
        session_id=body["session_id"],
        owner_token=body["owner_token"],
        total_revenue=round(float(frame["Revenue"].sum()), 2),
        mapping=body["mapping"],
    )


def assert_clear_error(body: dict | None, *needles: str) -> str:
    """A JSON error that says what is wrong (each needle, any case), never a trace."""
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    message = body["error"]
    assert len(message) > 30, message
    assert "Traceback" not in message and "Exception" not in message, message
    for needle in needles:
        assert needle.lower() in message.lower(), (needle, message)
    return message
