"""Forecasts of a session: computed once per data revision and parameters, cached in the store."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from analytics.forecast import MODEL_NAMES, ForecastError, forecast, forecast_cache_key
from config import Settings
from services.datasets import load_dataset
from services.job_slots import job_slot
from services.jobs import DEADLINE_GRACE_SECONDS, JobTarget, submit_job
from services.session_meta import SessionMeta
from services.store import SessionStore, StoreUnavailable, store_from_settings

logger = logging.getLogger(__name__)

FREQ_CHOICES = ("daily", "weekly", "monthly", "quarterly")
_warm_up_started = threading.Event()


def use_numba_cache(cache_dir: str) -> None:
    """Keep numba's compiled statsforecast functions under ``cache_dir/numba``, so a
    restart loads them instead of compiling again. statsforecast only asks numba to cache
    when ``NIXTLA_NUMBA_CACHE`` is set, so both variables are set (an operator's own
    values win). Only takes effect before statsforecast is first imported; the job
    runner's forkserver, started after this, inherits them."""
    path = os.path.join(cache_dir, "numba")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:  # an unusable cache directory: compile in memory instead
        logger.warning("numba cache not kept on disk: %s", error)
        return
    os.environ.setdefault("NUMBA_CACHE_DIR", path)
    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")


def preload_forecast_models() -> float | None:
    """Import Prophet and statsforecast and fit Prophet and every statsforecast model
    once, in this thread; returns the seconds the statsforecast part took (None when
    statsforecast is unavailable).

    The job runner's forkserver runs this while it starts (``services.job_preload`` is in
    ``services.jobs.PRELOAD``): it is a fresh interpreter, so without it every forecast job
    forked from it would import the libraries again (seconds: SciPy, statsmodels, Stan).
    The forkserver has one thread, so forking it afterwards is safe. Never raises: a
    failure here must not stop the forkserver (the job then imports what it needs).
    """
    from analytics.forecast import load_prophet, warm_up
    from analytics.forecast.models import warm_up_prophet

    prophet_cls, _ = load_prophet()  # logged and survived when missing
    if prophet_cls is not None:
        try:
            warm_up_prophet(prophet_cls)
        except Exception as exc:  # noqa: BLE001 - a job then loads Stan's model itself
            logger.warning("Prophet not warmed up: %s", exc)
    try:
        return warm_up()
    except Exception as exc:  # noqa: BLE001 - without statsforecast the app still forecasts
        logger.warning("forecast models not preloaded: %s", exc)
        return None


#: Longest a fork of this process (a background job) waits for the warm-up to finish.
WARM_UP_FORK_WAIT = 20.0


def start_warm_up(
    cache_dir: str, after: Callable[[], object] | None = None
) -> threading.Thread | None:
    """Import Prophet and compile (or load) the statsforecast models in a background
    thread, once per process, so no user's forecast waits for it. Returns the thread
    (None when already started).

    ``after`` runs first in that thread (the app passes
    :func:`services.jobs.wait_for_runner`): the job runner's forkserver preloads the
    same libraries when the app starts, and the first forecast job waits for it, so the
    web process leaves it the CPU until it is ready (on two cores the two loads at once
    took twice as long each).

    Background jobs are forked from this process and inherit the warmed-up models. A
    fork while the thread compiles would copy numba's compiler lock held by a thread
    that does not exist in the child, so forks wait for the warm-up to end (at most
    ``WARM_UP_FORK_WAIT`` seconds, only in the first seconds after start).
    """
    if _warm_up_started.is_set():
        return None
    _warm_up_started.set()
    use_numba_cache(cache_dir)
    idle = threading.Event()
    idle.set()
    os.register_at_fork(before=lambda: idle.wait(WARM_UP_FORK_WAIT))

    def run() -> None:
        if after is not None:
            try:
                after()
            except Exception as exc:  # noqa: BLE001 - warm up this process anyway
                logger.warning("job runner not ready: %s", exc)
        idle.clear()
        try:
            warm()
        finally:
            idle.set()

    def warm() -> None:
        seconds = preload_forecast_models()
        if seconds is not None:
            logger.info("forecast models warmed up in %.1f s", seconds)

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
    store: SessionStore,
    sid: str,
    params: ForecastParams,
    *,
    meta: SessionMeta | None = None,
) -> dict[str, Any] | None:
    """The cached forecast for ``params`` (None when not computed, or the session is
    gone). ``meta``: the session's metadata when the caller has just read it."""
    meta = store.get_meta(sid) if meta is None else meta
    if meta is None:
        return None
    return store.get_value(sid, cache_key(sid, meta.revision, params))


def compute_forecast(
    store: SessionStore,
    sid: str,
    params: ForecastParams,
    *,
    max_jobs: int,
    on_wait: Callable[[float], None] | None = None,
    wait_timeout: float = 300.0,
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
    key = cache_key(sid, dataset.meta.revision, params)
    try:
        with job_slot(store, max_jobs, on_wait=on_wait, timeout=wait_timeout):
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
        return _failed(
            "The server is busy with other forecasts; try again in a minute."
        )
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


_ROLE_LABELS = {"sku": "SKU", "category": "Category", "customer": "Customer"}


def group_choices(dataset: Any) -> list[tuple[str, str]]:
    """``(value, label)`` of every column a forecast can be split by: ``sku``,
    ``category`` and ``customer`` when the data has values there, then the file's other
    dimension columns by their header."""
    from services.views import dataset_model

    frame = dataset.frame
    roles = [
        r for r in _ROLE_LABELS if r in frame.columns and bool(frame[r].notna().any())
    ]
    model = dataset_model(dataset)
    dims = [
        c.name for c in model.dimensions if c.role is None and c.field in frame.columns
    ]
    return [(r, _ROLE_LABELS[r]) for r in roles] + [(d, d) for d in dims]


def group_column(dataset: Any, by: str) -> tuple[str, str]:
    """``(frame column, label)`` of what a user asked to forecast by (a value of
    :func:`group_choices`; a header matched without regard to case or spaces). Raises
    ``ForecastError`` naming the choices otherwise."""
    from services.views import dataset_model

    wanted = (by or "").strip()
    choices = group_choices(dataset)
    roles = {value for value, _ in choices if value in _ROLE_LABELS}
    if wanted.lower() in roles:
        return wanted.lower(), wanted.lower()
    column = dataset_model(dataset).find(wanted) if wanted else None
    if (
        column is not None
        and column.role is None
        and column.name in {value for value, _ in choices}
    ):
        return str(column.field), column.name
    names = ", ".join(value for value, _ in choices)
    raise ForecastError(
        f"Cannot forecast by {wanted[:60]!r}: choose one of {names}."
        if choices
        else "This data has no SKU, category or other dimension to forecast by."
    )


def compute_group_forecast(
    store: SessionStore,
    sid: str,
    params: ForecastParams,
    by: str,
    limit: int | None,
    *,
    max_jobs: int,
    wait_timeout: float = 300.0,
) -> dict[str, Any] | None:
    """Forecasts per value of ``by`` (``analytics.forecast.forecast_by``), cached
    per data revision and parameters. None when the session is gone; a bad ``by`` or
    ``limit`` raises ``ForecastError``; a failure comes back as ``status: "failed"``."""
    from analytics.forecast import DEFAULT_LIMIT, forecast_by

    dataset = load_dataset(store, sid)
    if dataset is None:
        return None
    column, label = group_column(dataset, by)
    limit = DEFAULT_LIMIT if limit is None else int(limit)
    revision = dataset.meta.revision
    key = forecast_cache_key(
        sid, {**asdict(params), "revision": revision, "by": column, "limit": limit}
    )
    cached = store.get_value(sid, key)
    if cached is not None:
        return cached
    try:
        with job_slot(store, max_jobs, timeout=wait_timeout):
            result = forecast_by(
                dataset.frame,
                column,
                metric=params.metric,
                horizon=params.horizon,
                freq=params.freq,
                limit=limit,
            ).to_dict()
    except TimeoutError:
        return _failed(
            "The server is busy with other forecasts; try again in a minute."
        )
    except ForecastError:
        raise
    except Exception:  # noqa: BLE001 - a failed batch must not take the page down
        logger.exception("forecast by %s failed", column)
        return _failed("The forecast by " + label + " could not be computed.")
    result["by"] = label
    result["params"] = {**asdict(params), "by": label, "limit": limit}
    try:
        store.set_value(sid, key, result)
    except KeyError:
        return None
    return result


def _failed(message: str) -> dict[str, Any]:
    return {
        "status": "failed",
        "message": message,
        "model": None,
        "points": [],
        "history": [],
        "backtest": {},
    }


PENDING = {
    "status": "pending",
    "model": None,
    "points": [],
    "backtest": {},
    "message": "The forecast is being computed; ask again in a few seconds.",
}


def forecast_job(settings: Settings, sid: str, params: dict[str, Any]) -> None:
    """Job-runner body of an API forecast: compute, cache in the session, release the marker."""
    store = store_from_settings(settings)
    parsed = ForecastParams(**params)
    try:
        compute_forecast(
            store,
            sid,
            parsed,
            max_jobs=settings.MAX_CONCURRENT_JOBS,
            wait_timeout=settings.JOB_TIMEOUT_SECONDS,
        )
    finally:
        store.delete_global(_running_key(sid, parsed))


def _running_key(sid: str, params: ForecastParams) -> str:
    return f"forecast-running:{cache_key(sid, 0, params)}"


def request_forecast(
    store: SessionStore,
    settings: Settings,
    sid: str,
    params: ForecastParams,
    *,
    wait: float = 0.0,
    meta: SessionMeta | None = None,
) -> dict[str, Any] | None:
    """The forecast for an API request: cached, else computed by a job-runner process.

    Waits up to ``wait`` seconds for the job, then answers ``status: "pending"`` (ask
    again). A job whose process ended without a result is reported as failed, and the
    next request starts a new one. None when the session is unknown or expired.
    ``meta``: the session's metadata when the caller has just read it (one read less).
    """
    meta = store.get_meta(sid) if meta is None else meta
    if meta is None:
        return None
    cached = cached_forecast(store, sid, params, meta=meta)
    if cached is not None:
        return cached
    marker = _running_key(sid, params)
    process = None
    ttl = settings.JOB_TIMEOUT_SECONDS + DEADLINE_GRACE_SECONDS
    if store.add_global(marker, 1, ttl):
        try:
            process = submit_job(
                JobTarget.of(forecast_job, settings),
                sid,
                asdict(params),
                timeout=settings.JOB_TIMEOUT_SECONDS,
            )
        except Exception:
            store.delete_global(marker)
            raise
    deadline = time.monotonic() + wait
    while True:
        cached = cached_forecast(store, sid, params)
        if cached is not None:
            return cached
        if process is not None and not process.is_alive():
            process.join(0)
            cached = cached_forecast(store, sid, params)
            if cached is not None:
                return cached
            try:
                store.delete_global(marker)
            except StoreUnavailable:
                pass
            return _failed(
                "The forecast job stopped before it finished; ask again to retry."
            )
        if time.monotonic() >= deadline:
            return dict(PENDING)
        time.sleep(0.2)


def forecast_summary(
    store: SessionStore,
    sid: str,
    settings: Settings,
    meta: SessionMeta | None = None,
) -> dict[str, Any]:
    """The default forecast for ``GET /api/data``: ready when cached, else started and pending."""
    result = request_forecast(
        store, settings, sid, ForecastParams(), wait=0.0, meta=meta
    )
    return result if result is not None else dict(PENDING)
