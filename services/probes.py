"""Cached health probes (Prophet importable, Ollama reachable) shared through the session store."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from typing import Any

import requests

from services.llm import model_matches
from services.store import SessionStore, StoreUnavailable

logger = logging.getLogger(__name__)

PROPHET_PROBE_TTL = 3600.0
OLLAMA_PROBE_TTL = 30.0
_PROPHET_CHECK = "import prophet, cmdstanpy; print(prophet.__version__)"


def prophet_status(store: SessionStore) -> dict[str, Any]:
    """Whether Prophet imports, checked in a child process (it costs ~2 s and ~30 MB).

    The first call starts the check in the background and reports ``"checking"``; the
    result is cached for an hour for every worker.
    """
    cached = store.get_global("probe:prophet")
    if cached is not None:
        return cached
    if store.add_global("probe:prophet:running", 1, 60):
        threading.Thread(target=_probe_prophet, args=(store,), daemon=True).start()
    return {"available": None, "state": "checking"}


def _probe_prophet(store: SessionStore) -> None:
    started = time.time()
    try:
        result = subprocess.run(
            [sys.executable, "-c", _PROPHET_CHECK],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode < 0:  # the check was killed (the server is stopping)
            logger.info("prophet check ended by signal %d", -result.returncode)
            try:  # checked again on the next /health
                store.delete_global("probe:prophet:running")
            except StoreUnavailable:
                pass
            return
        ok = result.returncode == 0
        status = {
            "available": ok,
            "state": "ok" if ok else "unavailable",
            "version": result.stdout.strip() if ok else None,
            "checked_at": started,
        }
        if not ok:
            logger.warning("prophet does not import; forecasts use the fallback model")
    except (OSError, subprocess.SubprocessError):
        logger.exception("prophet probe failed")
        status = {"available": False, "state": "unavailable", "checked_at": started}
    try:
        store.set_global("probe:prophet", status, ttl=PROPHET_PROBE_TTL)
    except StoreUnavailable as error:
        logger.warning("prophet probe result not stored: %s", error)


def ollama_status(
    store: SessionStore,
    host: str,
    model: str,
    timeout: float = 1.0,
    *,
    wait: float | None = None,
) -> dict[str, Any]:
    """Whether Ollama answers at ``host`` and has ``model``; cached for 30 s across workers.

    With ``wait`` set, the probe runs in a thread and the caller waits at most ``wait``
    seconds for it (a slow Ollama then reads ``"state": "checking"`` until the probe
    ends and caches its answer), so /health never waits on Ollama.
    """
    key = f"probe:ollama:{host}:{model}"
    cached = store.get_global(key)
    if cached is not None:
        return cached
    if wait is not None:
        result: list[dict[str, Any]] = []
        if store.add_global(f"{key}:running", 1, timeout * 3 + 5):

            def probe() -> None:
                try:
                    result.append(_probe_ollama(store, key, host, model, timeout))
                    store.delete_global(f"{key}:running")
                except StoreUnavailable as error:  # the probe's lock runs out
                    logger.warning("ollama probe result not stored: %s", error)

            thread = threading.Thread(target=probe, daemon=True, name="ollama-probe")
            thread.start()
            thread.join(wait)
        if result:
            return result[0]
        return {"host": host, "model": model, "reachable": None, "state": "checking"}
    return _probe_ollama(store, key, host, model, timeout)


def _probe_ollama(
    store: SessionStore, key: str, host: str, model: str, timeout: float
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "host": host,
        "model": model,
        "reachable": False,
        "model_present": False,
    }
    try:
        response = requests.get(f"{host.rstrip('/')}/api/tags", timeout=timeout)
        response.raise_for_status()
        names = {m.get("name", "") for m in response.json().get("models", [])}
        status["reachable"] = True
        # as Ollama resolves names: "llama3.2" means "llama3.2:latest"
        status["model_present"] = model_matches(model, sorted(names))
    except (requests.RequestException, ValueError, AttributeError):
        pass
    status["checked_at"] = time.time()
    store.set_global(key, status, ttl=OLLAMA_PROBE_TTL)
    return status
