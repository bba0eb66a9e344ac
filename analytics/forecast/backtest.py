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

from analytics.forecast.models import Z80, Z95, ModelForecast, t_quantile

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
    #: Past values scored, and how many fell inside the (calibrated) 80 % / 95 % bands.
    n_points: int = 0
    inside_80: int = 0
    inside_95: int = 0
    #: Conformal multipliers of the model's spread for the 80 % / 95 % bands, from every
    #: origin (see :func:`conformal_multipliers`); None when the bands are the model's own.
    q80: float | None = None
    q95: float | None = None
    #: MASE at each origin (oldest first), for comparing two models origin by origin.
    origin_mase: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready copy with rounded figures (the multipliers and the per-origin
        MASEs are left out)."""
        out = asdict(self)
        out.pop("q80")
        out.pop("q95")
        out.pop("origin_mase")
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


def spread(fc: ModelForecast, scale: float) -> np.ndarray:
    """Per-step spread of a forecast that conformal scores are measured in.

    The model's own 80 % half-width divided by the normal 80 % quantile (its sigma at each
    step) when that is finite and not degenerate (at least 1 % of ``scale``, the series'
    typical seasonal change); otherwise ``scale * sqrt(step)``, a random walk's widening.
    """
    half = (np.asarray(fc.upper_80) - np.asarray(fc.lower_80)) / (2 * Z80)
    if np.all(np.isfinite(half)) and np.all(half >= 0.01 * scale):
        return half
    return scale * np.sqrt(np.arange(1, len(fc.yhat) + 1, dtype="float64"))


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """Split-conformal quantile: the ``ceil((n + 1) * level)``-th smallest score (the
    largest when that rank is past ``n``)."""
    flat = np.sort(np.asarray(scores, dtype="float64").ravel())
    if not len(flat):
        return math.nan
    rank = min(len(flat), math.ceil((len(flat) + 1) * level))
    return float(flat[rank - 1])


def conformal_multipliers(
    actual: np.ndarray, yhat: np.ndarray, spreads: np.ndarray
) -> tuple[float, float]:
    """Multipliers ``(q80, q95)`` of the spread so that 80 % / 95 % of the backtest's
    absolute errors (scaled by the spread) fall within them.

    Too few errors to rank a level (under 4 for 80 %, under 19 for 95 %) leave its
    conformal interval unbounded; the multiplier is then at least the normal one of the
    model's own band (1.28 / 1.96), never the largest of a handful of errors alone.
    """
    scores = np.abs(actual - yhat) / spreads
    n = scores.size
    q80 = conformal_quantile(scores, 0.80)
    q95 = conformal_quantile(scores, 0.95)
    if math.ceil((n + 1) * 0.80) > n:
        q80 = max(q80, Z80)
    if math.ceil((n + 1) * 0.95) > n:
        q95 = max(q95, Z95)
    return q80, max(q80, q95)


def calibrated(
    fc: ModelForecast, spreads: np.ndarray, q80: float, q95: float
) -> ModelForecast:
    """``fc`` with bands ``yhat ± q * spread``."""
    return ModelForecast(
        yhat=fc.yhat,
        lower_80=fc.yhat - q80 * spreads,
        upper_80=fc.yhat + q80 * spreads,
        lower_95=fc.yhat - q95 * spreads,
        upper_95=fc.yhat + q95 * spreads,
    )


def _loo_bands(
    actual: np.ndarray, yhat: np.ndarray, spreads: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Calibrated bands at every origin from the *other* origins' errors only, so the
    coverage they score is out of sample (leave one origin out)."""
    lo80, hi80, lo95, hi95 = (np.empty_like(yhat) for _ in range(4))
    for i in range(len(yhat)):
        rest = np.arange(len(yhat)) != i
        q80, q95 = conformal_multipliers(actual[rest], yhat[rest], spreads[rest])
        lo80[i], hi80[i] = yhat[i] - q80 * spreads[i], yhat[i] + q80 * spreads[i]
        lo95[i], hi95[i] = yhat[i] - q95 * spreads[i], yhat[i] + q95 * spreads[i]
    return lo80, hi80, lo95, hi95


def score_forecasts(
    actual: np.ndarray,
    forecasts: list[ModelForecast],
    scales: list[float],
    calibrate: bool = True,
) -> BacktestScore:
    """Pool per-origin forecasts into one :class:`BacktestScore`.

    ``actual`` is a ``(origins, horizon)`` array, ``forecasts`` and ``scales`` (MASE
    denominators) have one entry per origin. With ``calibrate`` (and two origins or
    more) the bands scored are conformal ones: each origin's from the errors at the other
    origins; ``q80``/``q95`` are then the multipliers from all origins, for the forecast.
    """
    yhat = np.vstack([f.yhat for f in forecasts])
    actual = np.asarray(actual, dtype="float64")
    q80 = q95 = None
    if calibrate and len(forecasts) >= 2:
        spreads = np.vstack(
            [spread(f, s) for f, s in zip(forecasts, scales, strict=True)]
        )
        lo80, hi80, lo95, hi95 = _loo_bands(actual, yhat, spreads)
        q80, q95 = conformal_multipliers(actual, yhat, spreads)
    else:
        lo80 = np.vstack([f.lower_80 for f in forecasts])
        hi80 = np.vstack([f.upper_80 for f in forecasts])
        lo95 = np.vstack([f.lower_95 for f in forecasts])
        hi95 = np.vstack([f.upper_95 for f in forecasts])
    abs_err = np.abs(actual - yhat)
    scale = np.asarray(scales, dtype="float64")[:, None]
    scaled = abs_err / scale
    mase = float(np.mean(scaled))
    same_sign = bool(np.all(actual > 0) or np.all(actual < 0))
    mape = float(np.mean(abs_err / np.abs(actual)) * 100) if same_sign else None
    denom = np.abs(actual) + np.abs(yhat)
    with np.errstate(divide="ignore", invalid="ignore"):
        smape_terms = np.where(denom > 0, 2 * abs_err / denom, 0.0)
    smape = float(np.mean(smape_terms) * 100)
    in80 = (actual >= lo80) & (actual <= hi80)
    in95 = (actual >= lo95) & (actual <= hi95)
    return BacktestScore(
        mape=mape if mape is None or math.isfinite(mape) else None,
        smape=smape,
        mase=mase,
        coverage_80=float(np.mean(in80)),
        coverage_95=float(np.mean(in95)),
        n_origins=len(forecasts),
        n_points=int(actual.size),
        inside_80=int(in80.sum()),
        inside_95=int(in95.sum()),
        q80=q80,
        q95=q95,
        origin_mase=tuple(float(v) for v in scaled.mean(axis=1)),
    )


def clearly_better(
    a: BacktestScore, b: BacktestScore, level: float = 0.95, tolerance: float = 0.01
) -> bool:
    """Whether ``a`` beat ``b`` by more than the backtest's chance variation.

    Origin by origin, the differences ``d = MASE_b - MASE_a`` must be positive on average
    by at least a one-sided paired t-test at ``level`` (``mean(d) >= t * sd(d) / sqrt(k)``
    over ``k`` origins; with every origin agreeing exactly, any positive mean counts).
    Without per-origin figures (fewer than two origins) the pooled MASEs must differ by
    more than ``tolerance``.
    """
    if a.mase >= b.mase * (1 - tolerance):
        return False
    k = min(len(a.origin_mase), len(b.origin_mase))
    if k < 2 or len(a.origin_mase) != len(b.origin_mase):
        return True
    d = np.asarray(b.origin_mase) - np.asarray(a.origin_mase)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    return mean > 0 and mean >= float(t_quantile(level, k - 1)) * sd / math.sqrt(k)


def origin_actuals(y: np.ndarray, plan: BacktestPlan) -> np.ndarray:
    """The held-out values at every origin of ``plan``: a ``(origins, horizon)`` array."""
    arr = np.asarray(y, dtype="float64")
    return np.vstack([arr[o : o + plan.horizon] for o in plan.origins])


def origin_scales(y: np.ndarray, plan: BacktestPlan, season_length: int) -> list[float]:
    """MASE denominators at every origin of ``plan``."""
    arr = np.asarray(y, dtype="float64")
    return [seasonal_naive_mae(arr[:o], season_length) for o in plan.origins]


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
