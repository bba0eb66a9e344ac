"""Forecast of a canonical transactions frame: :func:`forecast` and the model ranking.

Pipeline: ``frequency`` decides the period (daily/weekly/monthly/quarterly) and sums the
chosen metric per period, :func:`forecast` backtests the candidate models (``backtest``)
and forecasts with the winner (``models``), calibrating its bands on the backtest errors;
``explain`` words the choice. See ``docs/forecasting.md``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

import analytics.forecast.backtest as bt
import analytics.forecast.models as fm
from analytics.forecast.backtest import BacktestScore, ModelRunner
from analytics.forecast.common import (
    DEFAULT_HORIZONS,
    ENSEMBLE_MEMBERS,
    MAX_HORIZON,
    METRICS,
    MIN_HISTORY,
    MIN_SEASONS,
    MODEL_LABELS,
    MODEL_NAMES,
    PERIOD_WORDS,
    STATS_MAX_TRAIN,
    STATS_REFIT,
    TIE_TOLERANCE,
    ForecastError,
)
from analytics.forecast.explain import model_reason, trust_message
from analytics.forecast.frequency import (
    FrequencyInfo,
    aggregate_periods,
    check_metric,
    default_frequency,
    frequency_for,
    future_dates,
    trim_partial,
)
from analytics.forecast.result import ForecastResult, empty_points, points_frame
from analytics.schema import DATE, REVENUE

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- models


def _import_prophet() -> Any:
    """Import and return the Prophet class (slow, ~1.7 s the first time; only on demand)."""
    from prophet import Prophet

    # Prophet sets its own logger to INFO on import; its per-fit notes are noise here.
    logging.getLogger("prophet").setLevel(logging.WARNING)
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    return Prophet


def load_prophet() -> tuple[Any | None, str]:
    """(the Prophet class, "") or (None, why it is unavailable), logging the failure."""
    try:
        return _import_prophet(), ""
    except Exception as exc:  # ImportError, or a broken Stan backend raising anything
        logger.warning("Prophet unavailable: %s", exc)
        return None, f"Prophet is unavailable ({type(exc).__name__}: {exc})"


def _load_statsforecast() -> tuple[dict[str, Any] | None, str]:
    try:
        return fm.load_statsforecast(), ""
    except Exception as exc:  # ImportError, or numba failing to load
        logger.warning("statsforecast unavailable: %s", exc)
        return None, f"statsforecast is unavailable ({type(exc).__name__}: {exc})"


def _runner(
    name: str,
    series: pd.Series,
    info: FrequencyInfo,
    prophet_cls: Any,
    holidays_country: str | None,
    uncertainty_samples: int,
) -> ModelRunner:
    values = series.to_numpy(dtype="float64")
    dates = pd.DatetimeIndex(series.index)
    m = info.season_length

    def run(end: int, horizon: int) -> fm.ModelForecast:
        train = values[:end]
        if name == "seasonal_naive":
            return fm.seasonal_naive(train, horizon, m)
        if name == "naive":
            return fm.seasonal_naive(train, horizon, 1)
        if name == "trend_seasonal_naive":
            return fm.trend_seasonal_naive(train, horizon, m)
        if name == "trend":
            return fm.linear_trend(train, horizon, window=MIN_SEASONS * m)
        return fm.prophet_model(
            prophet_cls,
            dates[:end],
            train,
            future_dates(dates[end - 1], horizon, info.freq),
            info.label,
            holidays_country=holidays_country,
            uncertainty_samples=uncertainty_samples,
        )

    return run


def _validate_args(
    metric: str,
    horizon: int | None,
    model: str | None,
    holidays_country: str | None,
    samples: int,
) -> None:
    if metric not in METRICS:
        raise ForecastError(
            f"Cannot forecast {metric!r}; choose one of {', '.join(METRICS)}."
        )
    if model is not None and model not in MODEL_NAMES:
        raise ForecastError(
            f"Unknown model {model!r}; choose one of {', '.join(MODEL_NAMES)}."
        )
    if horizon is not None and not (1 <= int(horizon) <= MAX_HORIZON):
        raise ForecastError(f"The horizon must be between 1 and {MAX_HORIZON} periods.")
    if not 20 <= int(samples) <= 5000:
        raise ForecastError("uncertainty_samples must be between 20 and 5000.")
    if holidays_country:
        import holidays  # light; installed with prophet

        if holidays_country.upper() not in holidays.list_supported_countries():
            raise ForecastError(
                f"No holiday calendar for {holidays_country!r}; use a country code such as US, GB or DE."
            )


def _insufficient(
    series: pd.Series,
    info: FrequencyInfo | None,
    metric: str,
    horizon: int,
    reason: str,
) -> ForecastResult:
    n = len(series)
    points = empty_points()
    model = None
    model_reason = f"No model: {reason}"
    words = PERIOD_WORDS[info.label] if info else "periods"
    message = (
        f"{reason[:1].upper()}{reason[1:]}. At least {MIN_HISTORY} {words} of history are needed "
        "for a tested forecast."
    )
    if info is not None and n >= 3:
        fc = fm.linear_trend(series.to_numpy(dtype="float64"), horizon)
        points = points_frame(future_dates(series.index[-1], horizon, info.freq), fc)
        model = "trend"
        model_reason = f"Straight-line trend only: {reason}."
        seasonal_need = MIN_SEASONS * info.season_length
        message = (
            f"Only {n} {words} of history: this straight line with wide bands is a rough "
            f"direction, not a tested forecast. About {MIN_HISTORY} {words} are needed for one "
            f"({seasonal_need} for seasonal patterns)."
        )
    return ForecastResult(
        status="insufficient_history",
        model=model,
        model_reason=model_reason,
        frequency=info,
        horizon=horizon,
        metric=metric,
        history=series,
        points=points,
        backtest={},
        chosen_by="only_model",
        message=message,
    )


def forecast(
    df: pd.DataFrame,
    *,
    metric: str = REVENUE,
    horizon: int | None = None,
    model: str | None = None,
    holidays_country: str | None = None,
    uncertainty_samples: int = 200,
    backtest: bool = True,
    freq: str | None = None,
) -> ForecastResult:
    """Forecast ``metric`` of a canonical frame, with an honest backtest.

    Parameters
    ----------
    df:
        Canonical frame (needs ``date`` and ``metric``); not modified.
    metric:
        ``revenue`` (default), ``profit``, ``cost`` or ``quantity``, summed per period.
    horizon:
        Periods ahead; None uses 90 days, 13 weeks, 6 months or 4 quarters.
    model:
        None picks by backtest MASE among the baselines, the statsforecast models, their
        ensemble and Prophet (:func:`rank_models`: the ensemble unless a model beat it
        clearly); a name from ``MODEL_NAMES`` is used when it can run on this history.
    holidays_country:
        Country code (``US``, ``GB``...) whose public holidays Prophet models (daily data).
    uncertainty_samples:
        Prophet's posterior draws for the bands (20-5000; fewer is faster).
    backtest:
        False skips the backtest: the named model, or the fallback, is fitted alone.
    freq:
        Period to forecast in (as for :func:`aggregate_series`); None detects it.

    Returns
    -------
    :class:`ForecastResult`; ``status`` is ``insufficient_history`` with fewer than
    ``MIN_HISTORY`` periods (a straight line with wide bands from 3 periods on) and
    ``failed`` when no model could be fitted. Raises :class:`ForecastError` for invalid
    arguments.
    """
    _validate_args(metric, horizon, model, holidays_country, uncertainty_samples)
    check_metric(df, metric)
    dated = df.loc[df[DATE].notna(), [DATE, metric]]
    empty = pd.Series(
        [], dtype="float64", index=pd.DatetimeIndex([], name=DATE), name=metric
    )
    if dated.empty:
        return _insufficient(
            empty, None, metric, int(horizon or 0), "no row has a date"
        )
    if not dated[metric].notna().any():
        return ForecastResult(
            status="failed",
            model=None,
            model_reason=f"No {metric} figures on dated rows.",
            frequency=None,
            horizon=int(horizon or 0),
            metric=metric,
            history=empty,
            points=empty_points(),
            message=f"This data has no {metric} figures with a date, so there is nothing to forecast.",
        )
    freq_note = ""
    if freq is not None:
        info = frequency_for(freq, dated[DATE])
    else:
        try:
            info, freq_note = default_frequency(dated[DATE])
        except ForecastError:
            return _insufficient(
                empty, None, metric, int(horizon or 0), "all rows share one date"
            )
    started = time.perf_counter()
    timings: dict[str, float] = {}
    day = dated[DATE].dt.normalize()
    series, trimmed = trim_partial(
        aggregate_periods(dated, metric, info), info, day.min(), day.max()
    )
    timings["aggregate"] = time.perf_counter() - started
    h = int(horizon or DEFAULT_HORIZONS[info.label])
    n = len(series)
    words = PERIOD_WORDS[info.label]
    if n < MIN_HISTORY:
        return _insufficient(series, info, metric, h, f"only {n} {words} of history")

    m = info.season_length
    seasonal = n >= MIN_SEASONS * m
    bench, fallback = (
        ("seasonal_naive", "trend_seasonal_naive") if seasonal else ("naive", "trend")
    )
    # simplest first: ties in the backtest go to the earlier one
    candidates = [bench, fallback, *fm.STATS_MODELS, "ensemble", "prophet"]
    if info.label == "daily" and model != "auto_arima":
        # a year of days costs AutoARIMA ~0.5 s per fit, more than all the others
        candidates.remove("auto_arima")
    if model is not None and model not in candidates and model in ("trend", "naive"):
        candidates.insert(2, model)
    notes: list[str] = []
    if model is not None and model not in candidates:
        notes.append(
            f"{MODEL_LABELS[model]} needs {MIN_SEASONS} full seasons ({MIN_SEASONS * m} {words}); "
            f"this history has {n}"
        )

    if holidays_country and info.label != "daily":
        notes.append(f"holidays are only modelled for daily data, not {info.label}")
    needs_prophet = "prophet" in candidates and (backtest or model == "prophet")
    tick = time.perf_counter()
    prophet_cls, prophet_note = load_prophet() if needs_prophet else (None, "")
    timings["prophet_import"] = time.perf_counter() - tick
    if prophet_cls is None:
        candidates.remove("prophet")
        if prophet_note:
            notes.append(prophet_note)
    wants_stats = backtest or model in (*fm.STATS_MODELS, "ensemble")
    tick = time.perf_counter()
    stats_classes, stats_note = _load_statsforecast() if wants_stats else (None, "")
    timings["statsforecast_import"] = time.perf_counter() - tick
    if stats_classes is None:
        candidates = [c for c in candidates if c not in (*fm.STATS_MODELS, "ensemble")]
        if stats_note:
            notes.append(stats_note)
    runners = {
        name: _runner(
            name, series, info, prophet_cls, holidays_country, uncertainty_samples
        )
        for name in candidates
    }
    values = series.to_numpy(dtype="float64")
    stats_season = m if seasonal else 1
    max_train = STATS_MAX_TRAIN[info.label]
    members_ok: list[str] = []

    def forecasts_from(
        name: str, origins: tuple[int, ...], steps: int, members: dict
    ) -> list[fm.ModelForecast]:
        """``name``'s forecasts of ``steps`` values from each cut-off in ``origins``."""
        if name in fm.STATS_MODELS:
            return fm.stats_forecasts(
                stats_classes,
                name,
                values,
                stats_season,
                origins,
                steps,
                max_train,
                refit=info.label in STATS_REFIT,
            )
        if name == "ensemble":
            parts = [members[k] for k in ENSEMBLE_MEMBERS if k in members]
            if len(parts) < 2:
                raise ValueError("fewer than two ensemble members could be fitted")
            return [fm.mean_forecast(list(group)) for group in zip(*parts, strict=True)]
        return [runners[name](origin, steps) for origin in origins]

    scores: dict[str, BacktestScore] = {}
    plan = None
    if backtest:
        min_train = (
            max(m + 2, min(MIN_SEASONS * m, n - 3))
            if seasonal
            else max(4, min(MIN_HISTORY, n - 3))
        )
        plan = bt.plan_backtest(n, h, min_train)
    scale_season = m if seasonal else 1
    if plan is not None:
        actual = bt.origin_actuals(values, plan)
        scales = bt.origin_scales(values, plan, scale_season)
        backtested: dict[str, list[fm.ModelForecast]] = {}
        for name in list(candidates):
            tick = time.perf_counter()
            try:
                backtested[name] = forecasts_from(
                    name, plan.origins, plan.horizon, backtested
                )
                scores[name] = bt.score_forecasts(actual, backtested[name], scales)
            except Exception as exc:  # a model failing at a cut-off is not chosen
                logger.warning("Backtest of %s failed: %s", name, exc)
                notes.append(
                    f"{MODEL_LABELS[name]} failed in the backtest ({type(exc).__name__})"
                )
                candidates.remove(name)
            timings[f"backtest_{name}"] = time.perf_counter() - tick
        timings["backtest"] = sum(
            v for k, v in timings.items() if k.startswith("backtest_")
        )

    members_ok.extend(k for k in ENSEMBLE_MEMBERS if k in scores)

    def ranked() -> list[str]:
        return rank_models(scores, candidates)

    if model is not None and model in candidates:
        order, chosen_by = [model] + [c for c in ranked() if c != model], "user"
    elif scores:
        order, chosen_by = ranked(), "mase"
    else:
        order, chosen_by = [fallback, bench], "only_model"

    chosen, fc = None, None
    tick = time.perf_counter()
    finals: dict[str, list[fm.ModelForecast]] = {}
    for name in order:
        try:
            if name == "ensemble":
                for member in members_ok or list(ENSEMBLE_MEMBERS):
                    if member in candidates and member not in finals:
                        try:
                            finals[member] = forecasts_from(member, (n,), h, finals)
                        except Exception as exc:
                            logger.warning("Ensemble member %s failed: %s", member, exc)
            fc = forecasts_from(name, (n,), h, finals)[0]
            chosen = name
            break
        except Exception as exc:
            logger.warning("Forecast with %s failed: %s", name, exc)
            notes.append(
                f"{MODEL_LABELS[name]} failed to fit ({type(exc).__name__}: {exc})"
            )
    timings["fit"] = time.perf_counter() - tick
    timings["total"] = time.perf_counter() - started
    if chosen is None or fc is None:
        return ForecastResult(
            status="failed",
            model=None,
            model_reason="; ".join(notes) or "No model could be fitted.",
            frequency=info,
            horizon=h,
            metric=metric,
            history=series,
            points=empty_points(),
            backtest=scores,
            chosen_by=chosen_by,
            message="No forecast could be made from this data.",
            timings=timings,
        )
    if chosen_by == "user" and chosen != model:
        chosen_by = "mase" if scores else "only_model"
    fc = _calibrate(fc, scores.get(chosen), values, scale_season)

    reason = model_reason(
        chosen, chosen_by, model, bench, scores, backtest, plan is not None
    )
    if notes:
        reason = f"{reason} ({'; '.join(notes)})."
    message = (
        f"{MODEL_LABELS[chosen]} forecast of {metric} for the next {h} {words}. "
        + trust_message(
            info, chosen, bench, scores, plan.horizon if plan else None, seasonal, n
        )
    )
    if freq_note:
        trimmed.insert(0, freq_note)
    if trimmed:
        message += " " + " ".join(t[:1].upper() + t[1:] + "." for t in trimmed)
    return ForecastResult(
        status="ready",
        model=chosen,
        model_reason=reason,
        frequency=info,
        horizon=h,
        metric=metric,
        history=series,
        points=points_frame(future_dates(series.index[-1], h, info.freq), fc),
        backtest=scores,
        chosen_by=chosen_by,
        message=message,
        timings=timings,
    )


def rank_models(
    scores: Mapping[str, BacktestScore],
    order: list[str],
    reference: str | None = "ensemble",
) -> list[str]:
    """Names in ``order`` that have a score, best backtest MASE first.

    MASEs within ``TIE_TOLERANCE`` (1 %) of the best one count as equal, and equal ones
    keep their place in ``order`` (simplest model first), so a tie goes to the simpler
    model.

    The ``reference`` model (the ensemble) goes first unless the best model beat it
    *clearly* (:func:`analytics.forecast.backtest.clearly_better`: lower MASE origin after origin,
    beyond chance) — a combination of models is the safer bet than one model that led
    by a hair on 3-5 overlapping cut-offs. It is never put above the benchmark (the
    first model of ``order``) on MASE, so the chosen model's backtest MASE stays at or
    below the benchmark's.
    """
    scored = [name for name in order if name in scores]
    if not scored:
        return []
    best = min(scores[name].mase for name in scored)
    tie = best * (1 + TIE_TOLERANCE) + 1e-12
    ranked = sorted(
        scored, key=lambda name: (max(scores[name].mase, tie), order.index(name))
    )
    if (
        reference in scores
        and reference in ranked
        and ranked[0] != reference
        and scores[reference].mase <= scores[scored[0]].mase
        and not bt.clearly_better(
            scores[ranked[0]], scores[reference], tolerance=TIE_TOLERANCE
        )
    ):
        ranked.remove(reference)
        ranked.insert(0, reference)
    return ranked


def _calibrate(
    fc: fm.ModelForecast,
    score: BacktestScore | None,
    values: np.ndarray,
    season_length: int,
) -> fm.ModelForecast:
    """Conformal 80 %/95 % bands from the chosen model's backtest errors (its own bands
    when it was not back-tested); lower bounds stop at 0 for a history with no negative
    value."""
    if score is not None and score.q80 is not None and score.q95 is not None:
        scale = bt.seasonal_naive_mae(values, season_length)
        fc = bt.calibrated(fc, bt.spread(fc, scale), score.q80, score.q95)
    if len(values) and float(np.min(values)) >= 0:
        above = fc.yhat >= 0  # a forecast below 0 keeps its band around it
        fc = fm.ModelForecast(
            yhat=fc.yhat,
            lower_80=np.where(above, np.maximum(fc.lower_80, 0.0), fc.lower_80),
            upper_80=fc.upper_80,
            lower_95=np.where(above, np.maximum(fc.lower_95, 0.0), fc.lower_95),
            upper_95=fc.upper_95,
        )
    return fc
