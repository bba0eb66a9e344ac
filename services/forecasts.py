"""Forecasts of a session: computed once per data revision and parameters, cached in the store."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from analytics.forecast import MODEL_NAMES, ForecastError, forecast, forecast_cache_key
from services.datasets import load_dataset
from services.jobs import job_slot
from services.store import SessionStore

logger = logging.getLogger(__name__)

FREQ_CHOICES = ("daily", "weekly", "monthly", "quarterly")
_warm_up_started = threading.Event()


def use_numba_cache(cache_dir: str) -> None:
    """Keep numba's compiled statsforecast models under ``cache_dir/numba``, so a restart
    loads them instead of compiling again (~8 s). Only takes effect before numba is first
    imported; an operator's ``NUMBA_CACHE_DIR`` wins."""
    path = os.path.join(cache_dir, "numba")
    os.makedirs(path, exist_ok=True)
    os.environ.setdefault("NUMBA_CACHE_DIR", path)


#: Longest a fork of this process (a background job) waits for the warm-up to finish.
WARM_UP_FORK_WAIT = 20.0


def start_warm_up(cache_dir: str) -> threading.Thread | None:
    """Import Prophet and compile (or load) the statsforecast models in a background
    thread, once per process, so no user's forecast waits for it. Returns the thread
    (None when already started).

    Background jobs are forked from this process and inherit the warmed-up models. A
    fork while the thread compiles would copy numba's compiler lock held by a thread
    that does not exist in the child, so forks wait for the warm-up to end (at most
    ``WARM_UP_FORK_WAIT`` seconds, only in the first seconds after start).
    """
    if _warm_up_started.is_set():
        return None
    _warm_up_started.set()
    use_numba_cache(cache_dir)
    done = threading.Event()
    os.register_at_fork(before=lambda: done.wait(WARM_UP_FORK_WAIT))

    def run() -> None:
        try:
            warm()
        finally:
            done.set()

    def warm() -> None:
        from analytics.forecast import _load_prophet
        from analytics.forecast_models import warm_up

        _load_prophet()  # ~1.5 s import, logged and survived when missing
        try:
            logger.info("forecast models warmed up in %.1f s", warm_up())
        except Exception as exc:  # noqa: BLE001 - without statsforecast the app still forecasts
            logger.warning("forecast warm-up skipped: %s", exc)

    thread = threading.Thread(target=run, daemon=True, name="forecast-warm-up")
    thread.start()
    return thread


METRIC_CHOICES = ("revenue", "profit")


@dataclass(frozen=True)
class ForecastParams:
    metric: str = "revenue"
    horizon: int | None = None
    model: str | None = None
    freq: str | None = None

    @classmethod
    def parse(
        cls,
        metric: str | None = None,
        horizon: object = None,
        model: str | None = None,
        freq: str | None = None,
    ) -> ForecastParams:
        """Validate user input; raises ``ForecastError`` with a readable message."""
        metric = (metric or "revenue").strip().lower()
        if metric not in METRIC_CHOICES:
            raise ForecastError(
                f"Unknown metric {metric[:40]!r}: a forecast is of revenue or profit "
                "(metric=revenue or metric=profit)."
            )
        model = (model or "").strip().lower() or None
        if model in ("best", "auto"):
            model = None
        if model is not None and model not in MODEL_NAMES:
            raise ForecastError(
                f"Unknown model {model!r}; choose one of {', '.join(MODEL_NAMES)}."
            )
        freq = (freq or "").strip().lower() or None
        if freq in ("auto",):
            freq = None
        if freq is not None and freq not in FREQ_CHOICES:
            raise ForecastError(
                "The period must be daily, weekly, monthly or quarterly."
            )
        if horizon in (None, ""):
            periods = None
        else:
            try:
                periods = int(horizon)
            except (TypeError, ValueError):
                raise ForecastError(
                    "The horizon must be a whole number of periods."
                ) from None
            if not 1 <= periods <= 1000:
                raise ForecastError("The horizon must be between 1 and 1000 periods.")
        return cls(metric=metric, horizon=periods, model=model, freq=freq)


def cache_key(sid: str, revision: int, params: ForecastParams) -> str:
    return forecast_cache_key(sid, {**asdict(params), "revision": revision})


def cached_forecast(
    store: SessionStore, sid: str, params: ForecastParams
) -> dict[str, Any] | None:
    meta = store.get_meta(sid)
    if meta is None:
        return None
    return store.get_value(sid, cache_key(sid, int(meta.get("revision", 0)), params))


def compute_forecast(
    store: SessionStore,
    sid: str,
    params: ForecastParams,
    *,
    max_jobs: int,
    on_wait: Callable[[float], None] | None = None,
) -> dict[str, Any] | None:
    """The session's forecast for ``params`` (from the cache, or computed and cached).

    Returns None when the session is gone; failures come back as ``status: "failed"``
    with a message, never as an exception.
    """
    cached = cached_forecast(store, sid, params)
    if cached is not None:
        return cached
    dataset = load_dataset(store, sid)
    if dataset is None:
        return None
    key = cache_key(sid, int(dataset.meta.get("revision", 0)), params)
    try:
        with job_slot(store, max_jobs, on_wait=on_wait):
            result = forecast(
                dataset.frame,
                metric=params.metric,
                horizon=params.horizon,
                model=params.model,
                freq=params.freq,
            ).to_dict()
    except ForecastError as error:
        result = {
            "status": "failed",
            "message": str(error),
            "model": None,
            "points": [],
            "history": [],
            "backtest": {},
        }
    except TimeoutError:
        return {
            "status": "failed",
            "message": "The server is busy with other forecasts; "
            "try again in a minute.",
            "model": None,
            "points": [],
            "history": [],
            "backtest": {},
        }
    except Exception:  # noqa: BLE001 - a failed model must not take the dashboard down
        logger.exception("forecast failed")
        result = {
            "status": "failed",
            "message": "The forecast could not be computed for this data.",
            "model": None,
            "points": [],
            "history": [],
            "backtest": {},
        }
    result["params"] = asdict(params)
    try:
        store.set_value(sid, key, result)
    except KeyError:
        return None
    return result


def forecast_summary(store: SessionStore, sid: str, *, max_jobs: int) -> dict[str, Any]:
    """The default forecast for ``GET /api/data``: ready when cached, else started and pending."""
    params = ForecastParams()
    cached = cached_forecast(store, sid, params)
    if cached is not None:
        return cached
    if store.add_global(f"forecast-running:{sid}", 1, 300):

        def run() -> None:
            try:
                compute_forecast(store, sid, params, max_jobs=max_jobs)
            finally:
                store.delete_global(f"forecast-running:{sid}")

        threading.Thread(target=run, daemon=True, name=f"forecast-{sid[:6]}").start()
    return {
        "status": "pending",
        "model": None,
        "points": [],
        "backtest": {},
        "message": "The forecast is being computed; ask again in a few seconds.",
    }
