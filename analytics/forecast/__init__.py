"""Forecasting: series forecasts with an honest backtest, batches per group, SKU score projections.

Modules, lowest first: ``models`` (the candidate models: baselines, Prophet, statsforecast),
``backtest`` (rolling-origin scores and conformal bands), ``common`` (metrics, model names
and labels, limits, the cache key), ``frequency`` (the period grid and the metric summed per
period), ``result`` (:class:`ForecastResult` and its JSON shape), ``explain`` (the sentences
on the choice and the trust), ``run`` (:func:`forecast`), ``batch`` (one forecast per value
of a column) and ``sku_projection`` (where each SKU's monthly score is heading). The public
names are re-exported here; import from ``analytics.forecast``. See ``docs/forecasting.md``.
"""

from analytics.forecast.batch import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    GroupForecasts,
    forecast_by,
)
from analytics.forecast.common import (
    CACHE_VERSION,
    DEFAULT_HORIZONS,
    MAX_HORIZON,
    METRICS,
    MIN_HISTORY,
    MIN_SEASONS,
    MODEL_LABELS,
    MODEL_NAMES,
    ForecastError,
    forecast_cache_key,
)
from analytics.forecast.explain import coverage_sentence
from analytics.forecast.frequency import (
    FrequencyInfo,
    aggregate_series,
    default_frequency,
    detect_frequency,
    future_dates,
    period_series,
    period_start,
)
from analytics.forecast.models import ModelForecast, warm_up
from analytics.forecast.result import ForecastResult
from analytics.forecast.run import forecast, load_prophet, rank_models
from analytics.forecast.sku_projection import (
    SKU_WINDOW,
    project_sku_scores,
    sku_score_forecast,
)

__all__ = [
    "CACHE_VERSION",
    "DEFAULT_HORIZONS",
    "DEFAULT_LIMIT",
    "MAX_HORIZON",
    "MAX_LIMIT",
    "METRICS",
    "MIN_HISTORY",
    "MIN_SEASONS",
    "MODEL_LABELS",
    "MODEL_NAMES",
    "SKU_WINDOW",
    "ForecastError",
    "ForecastResult",
    "FrequencyInfo",
    "GroupForecasts",
    "ModelForecast",
    "aggregate_series",
    "coverage_sentence",
    "default_frequency",
    "detect_frequency",
    "forecast",
    "forecast_by",
    "forecast_cache_key",
    "future_dates",
    "load_prophet",
    "period_series",
    "period_start",
    "project_sku_scores",
    "rank_models",
    "sku_score_forecast",
    "warm_up",
]
