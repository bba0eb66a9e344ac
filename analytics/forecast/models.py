"""Forecasting models on a regular series: naive benchmarks, linear trend, trend + seasonal
naive, and Prophet.

Every model takes the history as a float array (oldest first, one value per period, no
gaps) and returns a :class:`ModelForecast`: point forecasts plus 80 % and 95 % bands for the
next ``horizon`` periods. They are pure functions of their inputs (Prophet restores the
global NumPy random state it seeds for its sampling).
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

#: Two-sided normal quantiles for the 80 % and 95 % bands.
Z80 = NormalDist().inv_cdf(0.90)
Z95 = NormalDist().inv_cdf(0.975)

#: How many past seasons the trend + seasonal-naive model reads its trend from.
TREND_SEASONS = 2
#: Fourier order of Prophet's yearly seasonality per frequency label (Prophet's default is 10;
#: coarser data cannot carry that many terms).
YEARLY_FOURIER_ORDER: dict[str, int] = {
    "daily": 10,
    "weekly": 10,
    "monthly": 5,
    "quarterly": 2,
}
#: History (days) needed before Prophet is given a yearly seasonality.
YEARLY_MIN_DAYS = 730
#: Observations needed before Prophet is given a weekly seasonality (daily data only).
WEEKLY_MIN_POINTS = 14


@dataclass(frozen=True)
class ModelForecast:
    """Point forecasts and 80 %/95 % bands for the next ``len(yhat)`` periods."""

    yhat: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray


def t_quantile(p: float, dof: np.ndarray | float) -> np.ndarray:
    """Quantile ``p`` (0.5 < p < 1) of Student's t with ``dof`` degrees of freedom.

    Exact for 1 and 2 degrees of freedom; the Cornish-Fisher expansion (Abramowitz &
    Stegun 26.7.5) otherwise, within 0.2 % of the exact value from 3 degrees of freedom
    on. Vectorised over ``dof``; non-positive ``dof`` give NaN.
    """
    nu = np.asarray(dof, dtype="float64")
    z = NormalDist().inv_cdf(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
        approx = z + g1 / nu + g2 / nu**2 + g3 / nu**3 + g4 / nu**4
        out = np.where(nu >= 3, approx, np.nan)
        out = np.where(nu == 1, math.tan(math.pi * (p - 0.5)), out)
        out = np.where(nu == 2, (2 * p - 1) / math.sqrt(2 * p * (1 - p)), out)
    return out


def _bands(
    yhat: np.ndarray, scale: np.ndarray, z80: float = Z80, z95: float = Z95
) -> ModelForecast:
    """Symmetric bands ``yhat ± z * scale``."""
    return ModelForecast(
        yhat=yhat,
        lower_80=yhat - z80 * scale,
        upper_80=yhat + z80 * scale,
        lower_95=yhat - z95 * scale,
        upper_95=yhat + z95 * scale,
    )


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values)))) if len(values) else 0.0


def _check(y: np.ndarray, horizon: int, needed: int, name: str) -> np.ndarray:
    arr = np.asarray(y, dtype="float64")
    if horizon < 1:
        raise ValueError("The forecast horizon must be at least one period.")
    if len(arr) < needed:
        raise ValueError(
            f"{name} needs at least {needed} periods of history, got {len(arr)}."
        )
    return arr


def seasonal_naive(y: np.ndarray, horizon: int, season_length: int) -> ModelForecast:
    """Repeat the last season (``season_length`` 1 gives the naive last-value forecast).

    Bands: normal, scaled by the root mean square of the in-sample seasonal differences
    ``y[t] - y[t - m]`` and widening with the number of seasons ahead
    (``sqrt(floor((k - 1) / m) + 1)`` for step ``k``), as for a seasonal random walk.
    """
    m = season_length
    arr = _check(y, horizon, m + 1, "The seasonal-naive forecast")
    n = len(arr)
    steps = np.arange(horizon)
    yhat = arr[n - m + steps % m]
    sigma = _rms(arr[m:] - arr[:-m])
    scale = sigma * np.sqrt(steps // m + 1)
    return _bands(yhat, scale)


def trend_seasonal_naive(
    y: np.ndarray, horizon: int, season_length: int, trend_window: int | None = None
) -> ModelForecast:
    """Last season's pattern moved by a robust trend.

    The trend per season is the median of the seasonal differences ``y[t] - y[t - m]``
    over the last ``trend_window`` periods (default: the larger of ``TREND_SEASONS``
    seasons and the horizon, so a long horizon reads its trend from at least as long a
    stretch; a Theil-Sen-like drift that one odd period cannot swing). Step ``k`` (1-based, ``j = floor((k - 1) / m) + 1`` seasons ahead) is
    ``y[n - m + (k - 1) % m] + j * drift``. Bands: normal with the root mean square of the
    de-trended seasonal differences, widened like a random walk with drift,
    ``sigma * sqrt(j + j**2 / d)`` where ``d`` is the number of differences the drift
    was read from.
    """
    m = season_length
    arr = _check(y, horizon, m + 2, "The trend + seasonal-naive forecast")
    n = len(arr)
    diffs = arr[m:] - arr[:-m]
    window = (
        trend_window if trend_window is not None else max(TREND_SEASONS * m, horizon)
    )
    recent = diffs[-window:]
    drift = float(np.median(recent))
    steps = np.arange(horizon)
    seasons_ahead = steps // m + 1
    yhat = arr[n - m + steps % m] + seasons_ahead * drift
    sigma = _rms(recent - drift)
    scale = sigma * np.sqrt(seasons_ahead + seasons_ahead**2 / len(recent))
    return _bands(yhat, scale)


def linear_trend(
    y: np.ndarray, horizon: int, window: int | None = None
) -> ModelForecast:
    """Least-squares straight line through the last ``window`` periods (all when None).

    Bands: the ordinary least-squares prediction interval,
    ``t(n-2) * s * sqrt(1 + 1/n + (x0 - x̄)² / Sxx)``, which is very wide on short
    histories (t with 1 degree of freedom for 3 points).
    """
    arr = _check(y, horizon, 3, "The trend forecast")
    if window is not None and window >= 3:
        arr = arr[-window:]
    n = len(arr)
    x = np.arange(n, dtype="float64")
    x_mean = x.mean()
    sxx = float(np.sum((x - x_mean) ** 2))
    slope = float(np.sum((x - x_mean) * (arr - arr.mean())) / sxx)
    intercept = arr.mean() - slope * x_mean
    x0 = np.arange(n, n + horizon, dtype="float64")
    yhat = intercept + slope * x0
    resid = arr - (intercept + slope * x)
    s = math.sqrt(float(np.sum(resid**2)) / (n - 2))
    scale = s * np.sqrt(1 + 1 / n + (x0 - x_mean) ** 2 / sxx)
    dof = n - 2
    return _bands(
        yhat, scale, float(t_quantile(0.90, dof)), float(t_quantile(0.975, dof))
    )


def prophet_settings(dates: pd.DatetimeIndex, label: str) -> dict[str, Any]:
    """Prophet seasonality options for a history: yearly only from two years of dates,
    weekly only for daily data with two weeks of it, never daily (sub-daily) seasonality."""
    span_days = int((dates.max() - dates.min()).days) if len(dates) else 0
    yearly: int | bool = (
        YEARLY_FOURIER_ORDER.get(label, 10) if span_days >= YEARLY_MIN_DAYS else False
    )
    weekly = label == "daily" and len(dates) >= WEEKLY_MIN_POINTS
    return {
        "yearly_seasonality": yearly,
        "weekly_seasonality": weekly,
        "daily_seasonality": False,
    }


class _InputsAsFiles:
    """A ``cmdstanpy.CmdStanModel`` whose ``optimize`` reads its data and initial values
    from JSON files written (``cmdstanpy.write_stan_json``, as cmdstanpy itself writes
    them) into ``folder``, never into cmdstanpy's per-process temporary folder."""

    def __init__(self, model: Any, folder: str) -> None:
        self._model = model
        self._folder = folder

    def _as_file(self, name: str, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        import cmdstanpy

        path = os.path.join(self._folder, f"{name}.json")
        cmdstanpy.write_stan_json(path, value)
        return path

    def optimize(self, data: Any = None, inits: Any = None, **kwargs: Any) -> Any:
        return self._model.optimize(
            data=self._as_file("data", data),
            inits=self._as_file("inits", inits),
            **kwargs,
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def prophet_model(
    prophet_cls: Callable[..., Any],
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    future_dates: pd.DatetimeIndex,
    label: str,
    holidays_country: str | None = None,
    uncertainty_samples: int = 200,
    seed: int = 0,
) -> ModelForecast:
    """Fit Prophet once and forecast ``future_dates``.

    The point forecast is Prophet's ``yhat``; both bands come from the same
    ``uncertainty_samples`` posterior-predictive draws (percentiles 10/90 and 2.5/97.5),
    so the 80 % band always sits inside the 95 % one. Country holidays are added for daily
    data only (holiday effects are single dates, which coarser periods do not carry).
    Sampling uses ``seed``; the global NumPy random state is restored afterwards.
    """
    import cmdstanpy  # installed with prophet; imported here so the module stays light

    arr = _check(y, len(future_dates), 2, "Prophet")
    model = prophet_cls(uncertainty_samples=0, **prophet_settings(dates, label))
    if holidays_country and label == "daily":
        model.add_country_holidays(country_name=holidays_country.upper())
    history = pd.DataFrame({"ds": dates, "y": arr})
    future = pd.DataFrame({"ds": future_dates})
    state = np.random.get_state()
    with cmdstanpy.disable_logging(), warnings.catch_warnings():
        # Prophet's own pandas calls raise deprecation warnings on pandas 3.
        warnings.filterwarnings("ignore", module=r"prophet\.")
        # Prophet picks Newton below 100 points, which can take seconds on near-exact
        # fits; L-BFGS is fast and Prophet still falls back to Newton if it fails.
        # cmdstanpy writes a fit's inputs given as dicts to one temporary folder per
        # process, made at import and removed at exit: a process forked from this one
        # removes it when it exits. Each fit gets a folder of its own instead, for its
        # input files (cmdstanpy's documented file inputs) and its output.
        with tempfile.TemporaryDirectory(prefix="prophet-fit-") as output_dir:
            backend = getattr(model, "stan_backend", None)  # None: not cmdstanpy's
            if backend is not None:
                backend.model = _InputsAsFiles(backend.model, output_dir)
            model.fit(history, algorithm="LBFGS", output_dir=output_dir)
        yhat = model.predict(future)["yhat"].to_numpy(dtype="float64")
        model.uncertainty_samples = max(int(uncertainty_samples), 20)
        try:
            np.random.seed(seed)
            draws = model.predictive_samples(future)["yhat"]
        finally:
            np.random.set_state(state)
    q = np.percentile(draws, [2.5, 10.0, 90.0, 97.5], axis=1)
    return ModelForecast(
        yhat=yhat,
        lower_80=np.minimum(q[1], yhat),
        upper_80=np.maximum(q[2], yhat),
        lower_95=np.minimum(q[0], yhat),
        upper_95=np.maximum(q[3], yhat),
    )


# --------------------------------------------------------------------------- statsforecast

#: statsforecast models offered as candidates, by the name results carry.
STATS_MODELS: tuple[str, ...] = ("auto_theta", "auto_ets", "auto_arima")
#: Longest season each model is given a seasonal term for: ETS (like R's ``ets``) stops
#: at 24 periods, seasonal ARIMA is slow past 12 (weekly data's 52-week year); longer
#: seasons are fitted without one (Theta's decomposition takes any season).
MAX_SEASON: dict[str, int] = {"auto_ets": 24, "auto_arima": 12, "auto_theta": 10_000}


def load_statsforecast() -> dict[str, Any]:
    """The statsforecast model classes by candidate name (raises ImportError without it).

    Imported on demand: the first import also loads numba, whose compiled functions are
    cached on disk under ``NUMBA_CACHE_DIR`` (set it before this runs).
    """
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, AutoTheta

    return {
        "auto_ets": AutoETS,
        "auto_theta": AutoTheta,
        "auto_arima": AutoARIMA,
        "mstl": MSTL,
        "batch": StatsForecast,
    }


def _stats_instance(classes: dict[str, Any], name: str, season_length: int) -> Any:
    """The model for a season; past ``MAX_SEASON`` the season is taken out first (MSTL
    decomposition) and the model forecasts the seasonally adjusted series."""
    m = season_length if 2 <= season_length <= MAX_SEASON[name] else 1
    kwargs = {"approximation": True} if name == "auto_arima" else {}
    # approximation: ARIMA orders are searched with a conditional-sum-of-squares fit
    # (several times faster; the chosen order is still fitted by maximum likelihood)
    if m == 1 and name == "auto_ets":
        kwargs = {"model": "ZZN"}  # no seasonal term
    model = classes[name](season_length=m, **kwargs)
    if m == 1 and season_length > MAX_SEASON[name]:
        return classes["mstl"](season_length=season_length, trend_forecaster=model)
    return model


def stats_model(
    classes: dict[str, Any], name: str, season_length: int, alias: str
) -> Any:
    """The statsforecast model a candidate ``name`` uses for a season (as in the
    forecast), named ``alias`` in a batch's output columns."""
    model = _stats_instance(classes, name, season_length)
    model.alias = alias
    return model


def _stats_result(out: dict[str, np.ndarray], horizon: int) -> ModelForecast:
    yhat = np.asarray(out["mean"], dtype="float64")[:horizon]
    lo80 = np.asarray(out.get("lo-80", yhat), dtype="float64")[:horizon]
    hi80 = np.asarray(out.get("hi-80", yhat), dtype="float64")[:horizon]
    lo95 = np.asarray(out.get("lo-95", lo80), dtype="float64")[:horizon]
    hi95 = np.asarray(out.get("hi-95", hi80), dtype="float64")[:horizon]
    if not np.all(np.isfinite(yhat)):
        raise ValueError("the model produced non-finite forecasts")
    return ModelForecast(
        yhat=yhat,
        lower_80=np.minimum(lo80, yhat),
        upper_80=np.maximum(hi80, yhat),
        lower_95=np.minimum(np.minimum(lo95, lo80), yhat),
        upper_95=np.maximum(np.maximum(hi95, hi80), yhat),
    )


def stats_forecasts(
    classes: dict[str, Any],
    name: str,
    y: np.ndarray,
    season_length: int,
    origins: tuple[int, ...],
    horizon: int,
    max_train: int,
    refit: bool = False,
) -> list[ModelForecast]:
    """A statsforecast model's forecasts from several cut-offs of ``y``.

    With ``refit`` the model is fitted anew at every cut-off on the values before it (at
    most the last ``max_train``), as the production forecast is. Otherwise it is fitted
    once, on the values before the first cut-off, and from every later cut-off forecasts
    ``horizon`` values with those parameters applied to the values before that cut-off
    (statsforecast's ``forward``): cheaper, but every cut-off is judged by the parameters
    of the shortest window, which on a short series (two seasons) can be far worse than
    the forecast's own fit. Either way no forecast sees a value at or after its cut-off.
    A single cut-off at ``len(y)`` is the production forecast.
    """
    arr = _check(y, horizon, 3, name)
    if refit and len(origins) > 1:
        return [
            stats_forecasts(
                classes, name, arr, season_length, (origin,), horizon, max_train
            )[0]
            for origin in origins
        ]
    model = _stats_instance(classes, name, season_length)
    first = origins[0]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        model.fit(y=arr[max(0, first - max_train) : first])
        out = [
            _stats_result(
                model.predict(h=horizon, level=[80, 95])
                if origin == first
                else model.forward(
                    y=arr[max(0, origin - max_train) : origin],
                    h=horizon,
                    level=[80, 95],
                ),
                horizon,
            )
            for origin in origins
        ]
    return out


def mean_forecast(members: list[ModelForecast]) -> ModelForecast:
    """Equal-weight ensemble: the mean of the members' point forecasts and bands."""
    return ModelForecast(
        *(
            np.mean(np.vstack([getattr(f, part) for f in members]), axis=0)
            for part in ("yhat", "lower_80", "upper_80", "lower_95", "upper_95")
        )
    )


def warm_up(classes: dict[str, Any] | None = None) -> float:
    """Import statsforecast (SciPy, statsmodels and its compiled models come with it) and
    fit every model once on a small series, so a process that forks jobs hands them all
    of it loaded. Returns seconds.

    statsforecast 2.0's ETS, Theta and ARIMA are compiled C++: a first fit costs what
    any fit does (no numba compilation on these paths, measured with
    ``NUMBA_DEBUG_CACHE``), so one short non-seasonal fit per model is enough; the
    import is what takes seconds.
    """
    import time

    start = time.perf_counter()
    classes = classes or load_statsforecast()
    t = np.arange(24, dtype="float64")
    y = 100 + t + 10 * np.sin(2 * np.pi * t / 6)
    for name in STATS_MODELS:
        stats_forecasts(classes, name, y, 1, (20, 24), 2, 1000)
    return time.perf_counter() - start


def warm_up_prophet(prophet_cls: Callable[..., Any]) -> float:
    """Fit Prophet once on a month of days, so a process that forks jobs hands them
    cmdstanpy imported and Stan's model loaded (the first fit of a process costs about
    0.3 s more than the next ones). Returns seconds."""
    import time

    start = time.perf_counter()
    dates = pd.date_range("2024-01-01", periods=30, freq="D")
    y = 100 + np.arange(30, dtype="float64")
    prophet_model(prophet_cls, dates[:25], y[:25], dates[25:], "daily", None, 20)
    return time.perf_counter() - start
