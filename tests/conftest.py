"""Shared fixtures: apps built by the factory with test config, clients with CSRF tokens."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def unused_ollama() -> str:
    """An address where nothing listens, so the app runs in its no-LLM mode."""
    return "http://127.0.0.1:9"


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, object]:
    return {
        "SECRET_KEY": "test-secret-key",
        "CACHE_DIR": str(tmp_path / "cache"),
        "RATE_LIMIT": 1000,
        "CALLBACK_RATE_LIMIT": 10000,
        "OLLAMA_HOST": unused_ollama(),
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def make_app(app_config: dict[str, object]) -> Callable[..., object]:
    """Factory fixture: ``make_app(RATE_LIMIT=2)`` builds an app with overrides."""

    from app import create_app

    def build(**overrides: object):
        return create_app({**app_config, **overrides})

    return build


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.server.test_client()


def csrf_token(client) -> str:
    """What an API client does: GET / and read the token from the page's meta tag."""
    page = client.get("/")
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, "the page carries no csrf-token meta tag"
    return match.group(1)


#: Owner token of every session uploaded through :func:`upload`, by session id.
OWNER_TOKENS: dict[str, str] = {}


def upload(
    client, data: bytes, filename: str = "sales.csv", token: str | None = None, **form
):
    token = csrf_token(client) if token is None else token
    payload = {"file": (io.BytesIO(data), filename), **form}
    response = client.post(
        "/upload",
        data=payload,
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    if response.status_code == 201:
        body = response.get_json()
        OWNER_TOKENS[body["session_id"]] = body["owner_token"]
    return response


def as_owner(session_id: str) -> dict[str, str]:
    """Headers that make a request (or a callback's request context) the session's owner."""
    return {"X-Owner-Token": OWNER_TOKENS.get(session_id, "")}


def module_client(tmp_path_factory):
    """A test client on one app shared by a whole module (generous limits, no LLM)."""
    from app import create_app

    app = create_app(
        {
            "SECRET_KEY": "test-secret-key",
            "CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
            "RATE_LIMIT": 100_000,
            "CALLBACK_RATE_LIMIT": 100_000,
            "OLLAMA_HOST": unused_ollama(),
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
            "MAX_CONCURRENT_JOBS": 1,
        }
    )
    return app.server.test_client()


def new_session(client, frame: pd.DataFrame, filename: str) -> str:
    """Upload ``frame`` as CSV; returns the new session's id."""
    response = upload(client, frame.to_csv(index=False).encode(), filename)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["session_id"]


def transactions_frame(
    rows: int = 400, seed: int = 7, start: str = "2023-01-01", days: int = 540
) -> pd.DataFrame:
    """A clean transactions table like a shop system exports."""
    rng = np.random.default_rng(seed)
    skus = np.array([f"SKU-{i:03d}" for i in range(25)])
    categories = np.array(["Hardware", "Software", "Services"])
    sku_idx = rng.integers(0, len(skus), rows)
    quantity = rng.integers(1, 10, rows)
    unit_price = np.round(5 + sku_idx * 3.5 + rng.random(rows), 2)
    revenue = np.round(quantity * unit_price, 2)
    cost = np.round(revenue * (0.55 + 0.3 * rng.random(rows)), 2)
    dates = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, rows), unit="D")
    return pd.DataFrame(
        {
            "Date": dates.strftime("%Y-%m-%d"),
            "SKU": skus[sku_idx],
            "Category": categories[sku_idx % 3],
            "Quantity": quantity,
            "Unit Price": unit_price,
            "Revenue": revenue,
            "Cost": cost,
        }
    )


@pytest.fixture
def sales_frame() -> pd.DataFrame:
    return transactions_frame()


@pytest.fixture
def sales_csv(sales_frame: pd.DataFrame) -> bytes:
    return sales_frame.to_csv(index=False).encode()


@pytest.fixture(scope="session", autouse=True)
def _stop_leftover_job_processes():
    """Background callbacks run in forked processes; stop any still running at the end.

    A job left waiting (e.g. queued behind a slot a test held) would otherwise keep the
    test run from exiting, since forked children are joined at interpreter exit.
    """
    yield
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.Error:
            pass


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
