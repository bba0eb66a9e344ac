"""Shared names of the forecasting package: metrics, model names and labels, limits, cache key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import analytics.forecast.models as fm
from analytics.errors import UserFacingError
from analytics.schema import COST, PROFIT, QUANTITY, REVENUE


class ForecastError(UserFacingError, ValueError):
    """Bad input for a forecast, with a message that can be shown to the user."""


#: Metrics that can be forecast (summed per period).
METRICS: tuple[str, ...] = (REVENUE, PROFIT, COST, QUANTITY)
#: Every model name a result can carry; ``naive`` is the benchmark when no season fits.
MODEL_NAMES: tuple[str, ...] = (
    "ensemble",
    "auto_ets",
    "auto_theta",
    "auto_arima",
    "prophet",
    "trend_seasonal_naive",
    "seasonal_naive",
    "trend",
    "naive",
)
#: Models whose equal-weight mean is the ``ensemble`` candidate (those of them that are
#: candidates and fit: AutoARIMA is left out of daily forecasts unless asked for).
ENSEMBLE_MEMBERS: tuple[str, ...] = fm.STATS_MODELS
#: Most recent periods a statsforecast model is fitted on. The limit is there for the
#: cost of fitting: monthly and quarterly fits take milliseconds, so they see 30 years
#: (more history estimates the parameters better; the models weight recent periods
#: themselves); half a year of days, since Theta's optimiser takes seconds on a full year.
STATS_MAX_TRAIN: dict[str, int] = {
    "daily": 182,
    "weekly": 260,
    "monthly": 360,
    "quarterly": 120,
}
#: Frequencies whose statsforecast models are refitted at every backtest cut-off, as the
#: forecast itself is fitted on all the history before it. Daily models are fitted once,
#: at the first cut-off, and carried forward (one fit instead of five; the first window
#: already holds months of days).
STATS_REFIT: frozenset[str] = frozenset({"weekly", "monthly", "quarterly"})
#: Backtest MASEs within this share of the best count as a tie, won by the simpler model.
TIE_TOLERANCE = 0.01
SEASON_LENGTHS: dict[str, int] = {
    "daily": 7,
    "weekly": 52,
    "monthly": 12,
    "quarterly": 4,
}
DEFAULT_HORIZONS: dict[str, int] = {
    "daily": 90,
    "weekly": 13,
    "monthly": 6,
    "quarterly": 4,
}
#: Fewer periods than this: ``insufficient_history`` (a straight line at most).
MIN_HISTORY = 8
#: Full seasons needed before seasonal models are used.
MIN_SEASONS = 2
#: Share of periods that must have sales for irregular dates to use that period.
COMPLETENESS = 0.6
MAX_HORIZON = 1000
#: A first/last period of transaction data covering less than this share of its days is
#: incomplete and left out of the forecast.
PARTIAL_MIN = 0.8
CACHE_VERSION = 3
#: Transactions are forecast day by day by default only when at least this share of the
#: span's days has a sale and the median such day has at least ``DAILY_MIN_LINES`` lines;
#: sparser data is forecast per week/month/quarter, like the dashboard's charts.
DAILY_MIN_ACTIVE = 0.9
DAILY_MIN_LINES = 10
PERIOD_WORDS = {
    "daily": "days",
    "weekly": "weeks",
    "monthly": "months",
    "quarterly": "quarters",
}
#: How the app names each model, on the dashboard, in reports, answers and messages.
MODEL_LABELS = {
    "ensemble": "Ensemble (mean of the statistical models)",
    "auto_ets": "Exponential smoothing (AutoETS)",
    "auto_theta": "Theta (AutoTheta)",
    "auto_arima": "ARIMA (AutoARIMA)",
    "prophet": "Prophet",
    "trend_seasonal_naive": "Trend + seasonal pattern",
    "seasonal_naive": "Seasonal naive (same as last season)",
    "trend": "Straight-line trend",
    "naive": "Naive (last value)",
}


# --------------------------------------------------------------------------- caching


def forecast_cache_key(session_id: str, params: Mapping[str, Any]) -> str:
    """Stable cache key for a session's forecast with ``params``.

    Parameters with a None value are left out (so ``{"horizon": None}`` and ``{}`` share
    a key); key order does not matter; ``CACHE_VERSION`` is part of the key so results
    computed by an older forecaster are not reused. Returns ``"forecast:<32 hex>"``.
    """
    clean = {str(k): v for k, v in params.items() if v is not None}
    payload = json.dumps(
        {"v": CACHE_VERSION, "session": str(session_id), "params": clean},
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return "forecast:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
