"""Rolling-origin backtests and forecast accuracy metrics (MAPE, sMAPE, MASE, coverage).

A backtest cuts the history at a few *origins* near its end, fits a model on everything
before each cut-off, forecasts the next ``horizon`` periods and compares them with what
really happened. Errors from all origins are pooled into one score per model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from analytics.forecast_models import ModelForecast

#: Origins tried per backtest: at most this many, at least ``MIN_ORIGINS`` when the
#: history allows (the horizon is shortened before fewer origins are accepted).
MAX_ORIGINS = 5
MIN_ORIGINS = 3

#: ``model(train_end, horizon)``: fit on the first ``train_end`` values, forecast ``horizon``.
ModelRunner = Callable[[int, int], ModelForecast]


@dataclass(frozen=True)
class BacktestPlan:
    """Training lengths (oldest cut-off first), the horizon scored at each, and the spacing."""

    origins: tuple[int, ...]
    horizon: int
    step: int


@dataclass(frozen=True)
class BacktestScore:
    """Pooled accuracy of one model over all origins.

    ``mape`` and ``smape`` are percentages (``mape`` is None when an actual value is zero or
    the actual values change sign, where it is undefined or explodes); ``mase`` is the mean
    absolute error divided by the in-sample MAE of the seasonal-naive forecast at each
    origin (below 1 beats that benchmark's typical one-step error); ``coverage_80`` and
    ``coverage_95`` are the fractions (0-1) of actual values inside the 80 %/95 % bands.
    """

    mape: float | None
    smape: float
    mase: float
    coverage_80: float
    coverage_95: float
    n_origins: int

    def to_dict(self) -> dict:
        """JSON-ready copy with rounded figures."""
        out = asdict(self)
        for key in ("mape", "smape"):
            out[key] = None if out[key] is None else round(out[key], 2)
        for key in ("mase", "coverage_80", "coverage_95"):
            out[key] = round(out[key], 4)
        return out


def plan_backtest(
    n: int,
    horizon: int,
    min_train: int,
    max_origins: int = MAX_ORIGINS,
    min_origins: int = MIN_ORIGINS,
) -> BacktestPlan | None:
    """Choose backtest origins for a series of ``n`` values.

    Each origin keeps at least ``min_train`` values for fitting. Origins are
    ``step = max(1, h // 2)`` apart, the last one leaving exactly ``h`` values to score.
    The horizon ``h`` starts at ``horizon`` and is shortened until ``min_origins``
    origins fit; if none does, the plan with most origins at ``h = 1`` is used. Returns
    None when not even one value can be held out.
    """
    available = n - min_train
    if available < 1 or horizon < 1:
        return None
    for h in range(min(horizon, available), 0, -1):
        step = max(1, h // 2)
        count = min(max_origins, 1 + (available - h) // step)
        if count >= min_origins or h == 1:
            origins = tuple(n - h - i * step for i in range(count - 1, -1, -1))
            return BacktestPlan(origins=origins, horizon=h, step=step)
    return None  # pragma: no cover - the loop always returns at h == 1


def seasonal_naive_mae(y: np.ndarray, season_length: int) -> float:
    """In-sample mean absolute error of the seasonal-naive forecast: ``mean|y[t] - y[t-m]|``.

    This is the MASE denominator. A perfectly flat (or perfectly repeating) history has
    a zero MAE; the mean absolute value of the history is used instead (1.0 if that is
    zero too), so MASE stays finite.
    """
    arr = np.asarray(y, dtype="float64")
    m = season_length
    if len(arr) > m:
        scale = float(np.mean(np.abs(arr[m:] - arr[:-m])))
        if scale > 0:
            return scale
    fallback = float(np.mean(np.abs(arr))) if len(arr) else 0.0
    return fallback if fallback > 0 else 1.0


def score_forecasts(
    actual: np.ndarray,
    forecasts: list[ModelForecast],
    scales: list[float],
) -> BacktestScore:
    """Pool per-origin forecasts into one :class:`BacktestScore`.

    ``actual`` is a ``(origins, horizon)`` array, ``forecasts`` and ``scales`` (MASE
    denominators) have one entry per origin.
    """
    yhat = np.vstack([f.yhat for f in forecasts])
    lo80 = np.vstack([f.lower_80 for f in forecasts])
    hi80 = np.vstack([f.upper_80 for f in forecasts])
    lo95 = np.vstack([f.lower_95 for f in forecasts])
    hi95 = np.vstack([f.upper_95 for f in forecasts])
    actual = np.asarray(actual, dtype="float64")
    abs_err = np.abs(actual - yhat)
    scale = np.asarray(scales, dtype="float64")[:, None]
    mase = float(np.mean(abs_err / scale))
    same_sign = bool(np.all(actual > 0) or np.all(actual < 0))
    mape = float(np.mean(abs_err / np.abs(actual)) * 100) if same_sign else None
    denom = np.abs(actual) + np.abs(yhat)
    with np.errstate(divide="ignore", invalid="ignore"):
        smape_terms = np.where(denom > 0, 2 * abs_err / denom, 0.0)
    smape = float(np.mean(smape_terms) * 100)
    cov80 = float(np.mean((actual >= lo80) & (actual <= hi80)))
    cov95 = float(np.mean((actual >= lo95) & (actual <= hi95)))
    return BacktestScore(
        mape=mape if mape is None or math.isfinite(mape) else None,
        smape=smape,
        mase=mase,
        coverage_80=cov80,
        coverage_95=cov95,
        n_origins=len(forecasts),
    )


def backtest(
    run: ModelRunner, y: np.ndarray, plan: BacktestPlan, season_length: int
) -> BacktestScore:
    """Score ``run`` at every origin of ``plan`` on the series ``y``.

    ``season_length`` is the benchmark's season (1 for the naive benchmark) used to
    scale MASE. Exceptions from ``run`` propagate (the caller decides what a failed model
    means).
    """
    arr = np.asarray(y, dtype="float64")
    h = plan.horizon
    forecasts = [run(origin, h) for origin in plan.origins]
    actual = np.vstack([arr[origin : origin + h] for origin in plan.origins])
    scales = [
        seasonal_naive_mae(arr[:origin], season_length) for origin in plan.origins
    ]
    return score_forecasts(actual, forecasts, scales)
