"""The forecast models are warmed up once per process, in the background."""

from __future__ import annotations

import os
import threading

import numpy as np

from analytics.forecast import models as fm
from services import forecasts


def test_warm_up_runs_once_in_the_background_and_forks_after_it(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(forecasts, "_warm_up_started", threading.Event())
    thread = forecasts.start_warm_up(str(tmp_path))
    assert thread is not None and thread.daemon
    assert (tmp_path / "numba").is_dir()
    assert forecasts.start_warm_up(str(tmp_path)) is None  # once per process
    thread.join(120)
    assert not thread.is_alive()
    pid = os.fork()  # the at-fork wait returns at once now that the warm-up is done
    if pid == 0:
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    y = np.arange(1.0, 31.0)
    out = fm.stats_forecasts(fm.load_statsforecast(), "auto_ets", y, 1, (30,), 2, 100)
    np.testing.assert_allclose(out[0].yhat, [31.0, 32.0], rtol=1e-3)


def test_warm_up_survives_missing_statsforecast(tmp_path, monkeypatch) -> None:
    def broken():
        raise ImportError("No module named 'statsforecast'")

    monkeypatch.setattr(forecasts, "_warm_up_started", threading.Event())
    monkeypatch.setattr(fm, "load_statsforecast", broken)
    thread = forecasts.start_warm_up(str(tmp_path))
    thread.join(60)
    assert not thread.is_alive()


def test_numba_cache_is_asked_for_where_statsforecast_reads_it(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.delenv("NIXTLA_NUMBA_CACHE", raising=False)
    forecasts.use_numba_cache(str(tmp_path))
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "numba")
    # statsforecast compiles with cache=False unless this is set
    assert os.environ["NIXTLA_NUMBA_CACHE"] == "1"


def test_job_processes_start_with_the_forecast_libraries_loaded() -> None:
    """Jobs fork from the forkserver, a fresh interpreter: it must preload the models,
    or every forecast job imports SciPy, statsmodels, statsforecast and Prophet again."""
    from services import job_preload, jobs

    assert "services.job_preload" in jobs.PRELOAD
    jobs.start_runner()
    context = jobs.job_context()
    queue = context.Queue()
    process = context.Process(target=job_preload.report_loaded, args=(queue,))
    process.start()
    try:
        loaded = queue.get(timeout=180)
    finally:
        process.join(30)
    # cmdstanpy: Prophet was fitted once there too (Stan's model loaded)
    assert loaded == {"statsforecast.models": True, "prophet": True, "cmdstanpy": True}


def test_wait_for_runner_returns_once_the_runner_forks_jobs() -> None:
    from services import job_preload, jobs

    jobs.wait_for_runner()
    context = jobs.job_context()
    queue = context.Queue()
    process = context.Process(target=job_preload.report_loaded, args=(queue,))
    process.start()
    try:
        assert queue.get(timeout=60)["statsforecast.models"] is True
    finally:
        process.join(30)


def test_warm_up_waits_for_the_runner_first_and_survives_its_failure(
    tmp_path, monkeypatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(
        forecasts, "preload_forecast_models", lambda: calls.append("warm") or 0.0
    )
    for after in (lambda: calls.append("runner"), lambda: 1 / 0):
        monkeypatch.setattr(forecasts, "_warm_up_started", threading.Event())
        thread = forecasts.start_warm_up(str(tmp_path), after=after)
        thread.join(30)
        assert not thread.is_alive()
    assert calls == ["runner", "warm", "warm"]


def test_preload_survives_missing_statsforecast(monkeypatch) -> None:
    def broken():
        raise ImportError("No module named 'statsforecast'")

    monkeypatch.setattr(fm, "load_statsforecast", broken)
    assert forecasts.preload_forecast_models() is None
