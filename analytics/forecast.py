"""Forecasts of a canonical transactions frame, SKU score projections and cache keys.

Pipeline: :func:`detect_frequency` decides the period (daily/weekly/monthly/quarterly),
:func:`aggregate_series` sums the chosen metric per period, :func:`forecast` backtests the
candidate models (``analytics.backtest``) and forecasts with the winner
(``analytics.forecast_models``). See ``docs/forecasting.md``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics import backtest as bt
from analytics import forecast_models as fm
from analytics.backtest import BacktestScore, ModelRunner
from analytics.metrics import choose_granularity
from analytics.schema import COST, DATE, PROFIT, QUANTITY, REVENUE

logger = logging.getLogger(__name__)


class ForecastError(ValueError):
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
_GRANULARITY_FREQ = {
    "day": "W-MON",
    "week": "W-MON",
    "month": "MS",
    "quarter": "QS",
}

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_PERIOD_WORDS = {
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


@dataclass(frozen=True)
class FrequencyInfo:
    """How often a series is observed.

    ``freq`` is the pandas alias of the period grid (``D``, ``W-FRI``..., ``MS``, ``QS``),
    ``label`` one of daily/weekly/monthly/quarterly, ``regular`` True when there is exactly
    one date per period and no period is missing, ``season_length`` the periods per
    seasonal cycle (7, 52, 12, 4).
    """

    freq: str
    label: str
    regular: bool
    season_length: int


# --------------------------------------------------------------------------- frequency


def _info(freq: str, label: str, regular: bool) -> FrequencyInfo:
    return FrequencyInfo(
        freq=freq, label=label, regular=regular, season_length=SEASON_LENGTHS[label]
    )


def _distinct_days(dates: pd.Series) -> pd.DatetimeIndex:
    days = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)).dropna()).normalize()
    return days.unique().sort_values()


def _period_start(dates: pd.Series | pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """Map each date to the start of its period on the ``freq`` grid (vectorised).

    Weekly periods ``W-XXX`` run from an XXX day to the day before the next one and are
    labelled by their XXX day.
    """
    days = pd.DatetimeIndex(dates).normalize()
    if freq == "D":
        return days
    if freq.startswith("W-"):
        anchor = _WEEKDAYS.index(freq[2:])
        back = (days.day_of_week - anchor) % 7
        return days - pd.to_timedelta(np.asarray(back), unit="D")
    month = np.asarray(days.month)
    if freq == "QS":
        month = (month - 1) // 3 * 3 + 1
    return pd.DatetimeIndex(
        pd.to_datetime(
            pd.DataFrame({"year": np.asarray(days.year), "month": month, "day": 1})
        )
    ).as_unit(days.unit)


def _is_regular(days: pd.DatetimeIndex, freq: str) -> bool:
    periods = _period_start(days, freq)
    unique = periods.unique()
    full = pd.date_range(unique.min(), unique.max(), freq=freq)
    return len(days) == len(unique) == len(full)


def _normalise_freq(freq: str) -> tuple[str, str]:
    """(alias, label) for a user-given frequency alias or label."""
    key = freq.strip().upper()
    aliases = {
        "D": "D",
        "DAILY": "D",
        "W": "W-SUN",
        "WEEKLY": "W-MON",
        "MS": "MS",
        "M": "MS",
        "ME": "MS",
        "MONTHLY": "MS",
        "QS": "QS",
        "Q": "QS",
        "QE": "QS",
        "QS-JAN": "QS",
        "QUARTERLY": "QS",
    }
    alias = aliases.get(key)
    if alias is None and key.startswith("W-") and key[2:] in _WEEKDAYS:
        alias = key
    if alias is None:
        raise ForecastError(
            f"Unknown frequency {freq!r}; use daily (D), weekly (W-MON...W-SUN), "
            "monthly (MS) or quarterly (QS)."
        )
    label = {"D": "daily", "MS": "monthly", "QS": "quarterly"}.get(alias, "weekly")
    return alias, label


def _frequency_for(freq: str, dates: pd.Series) -> FrequencyInfo:
    """FrequencyInfo for a user-chosen frequency, ``regular`` judged from ``dates``."""
    alias, label = _normalise_freq(freq)
    return _info(alias, label, _is_regular(_distinct_days(dates), alias))


def detect_frequency(dates: pd.Series) -> FrequencyInfo:
    """Decide the period of a series of dates (times of day are ignored).

    Regular data first: one date per month about a month apart → monthly ``MS`` (month
    ends or mid-month dates too); one per quarter about 91 days apart → quarterly ``QS``;
    every date on one weekday, 7 days apart (median) → weekly anchored on that day
    (``W-FRI`` for Fridays). Otherwise (transactions on arbitrary days) the finest period
    that is mostly complete: daily when at least 60 % (``COMPLETENESS``) of the days of the
    span have a date, else weekly (weeks starting Monday, ``W-MON``) when 60 % of the
    weeks do, else monthly when 60 % of the months do, else quarterly.

    Parameters
    ----------
    dates:
        Datetime-like values; missing ones are ignored.

    Returns
    -------
    :class:`FrequencyInfo`. Raises :class:`ForecastError` with fewer than two distinct dates.
    """
    days = _distinct_days(dates)
    if len(days) < 2:
        raise ForecastError(
            "At least two different dates are needed to tell how often the data is recorded."
        )
    gaps = np.asarray((days[1:] - days[:-1]) / pd.Timedelta(days=1), dtype="float64")
    median_gap = float(np.median(gaps))
    n = len(days)
    if days.to_period("M").nunique() == n and 27 <= median_gap <= 32:
        return _info("MS", "monthly", _is_regular(days, "MS"))
    if days.to_period("Q").nunique() == n and 80 <= median_gap <= 100:
        return _info("QS", "quarterly", _is_regular(days, "QS"))
    weekdays = np.unique(np.asarray(days.day_of_week))
    if len(weekdays) == 1 and median_gap == 7:
        freq = f"W-{_WEEKDAYS[int(weekdays[0])]}"
        return _info(freq, "weekly", _is_regular(days, freq))
    for freq, label in (("D", "daily"), ("W-MON", "weekly"), ("MS", "monthly")):
        periods = _period_start(days, freq).unique()
        in_range = len(pd.date_range(periods.min(), periods.max(), freq=freq))
        if len(periods) / in_range >= COMPLETENESS:
            return _info(freq, label, _is_regular(days, freq))
    return _info("QS", "quarterly", _is_regular(days, "QS"))


def default_frequency(dates: pd.Series) -> tuple[FrequencyInfo, str]:
    """The period a forecast uses when the user does not choose one, and why (or "").

    :func:`detect_frequency`, except for sparse daily transactions: when fewer than 90 %
    (``DAILY_MIN_ACTIVE``) of the days have a sale or the median day with sales has fewer
    than ``DAILY_MIN_LINES`` lines, the dashboard's period (:func:`choose_granularity`,
    weeks instead of days) is used, as long as that still gives ``MIN_HISTORY`` periods.
    A series with exactly one row per day (daily totals) stays daily.
    """
    info = detect_frequency(dates)
    if info.label != "daily":
        return info, ""
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)).dropna()).normalize()
    counts = stamps.value_counts()
    if info.regular and len(counts) == len(stamps):
        return info, ""
    span = int((stamps.max() - stamps.min()).days) + 1
    active = len(counts) / span
    typical = float(counts.median())
    if active >= DAILY_MIN_ACTIVE and typical >= DAILY_MIN_LINES:
        return info, ""
    freq = _GRANULARITY_FREQ[choose_granularity(pd.DataFrame({DATE: stamps}))]
    days = pd.DatetimeIndex(counts.index).sort_values()
    periods = _period_start(days, freq).unique()
    if len(pd.date_range(periods.min(), periods.max(), freq=freq)) < MIN_HISTORY:
        return info, ""
    alias, label = _normalise_freq(freq)
    why = (
        f"sales are sparse day by day ({active:.0%} of days have any, "
        f"{typical:.0f} lines on a typical one), so the forecast is {label}, "
        "like the dashboard's charts; choose Daily to forecast each day"
    )
    return _info(alias, label, _is_regular(days, alias)), why


# --------------------------------------------------------------------------- aggregation


def _check_metric(df: pd.DataFrame, metric: str) -> None:
    if metric not in METRICS:
        raise ForecastError(
            f"Cannot forecast {metric!r}; choose one of {', '.join(METRICS)}."
        )
    missing = [col for col in (DATE, metric) if col not in df.columns]
    if missing:
        raise ForecastError(
            f"The data has no {' or '.join(missing)} column to forecast from."
        )


def _aggregate(dated: pd.DataFrame, metric: str, info: FrequencyInfo) -> pd.Series:
    period = _period_start(dated[DATE], info.freq)
    sums = dated[metric].groupby(period).sum()
    full = pd.date_range(sums.index.min(), sums.index.max(), freq=info.freq)
    series = sums.reindex(full, fill_value=0.0).astype("float64")
    series.index.name = DATE
    series.name = metric
    return series


def aggregate_series(
    df: pd.DataFrame, metric: str = REVENUE, freq: str | None = None
) -> tuple[FrequencyInfo, pd.Series]:
    """Sum ``metric`` per period.

    Parameters
    ----------
    df:
        Canonical frame; needs ``date`` and ``metric``. Rows without a date are left out;
        several rows per date (stores, regions, order lines) are summed; unknown (NaN)
        values count as 0 as long as the metric is known somewhere.
    metric:
        ``revenue``, ``profit``, ``cost`` or ``quantity``.
    freq:
        A pandas alias (``D``, ``W-FRI``, ``MS``, ``QS``; ``M``/``ME``/``Q`` map to the
        period starts) or a label (``daily``/``weekly``/``monthly``/``quarterly``);
        None detects it with :func:`detect_frequency`.

    Returns
    -------
    ``(FrequencyInfo, series)``: float series named ``metric``, indexed by period start
    (the anchor day for weekly data), every period from the first to the last present,
    empty ones 0.
    """
    _check_metric(df, metric)
    dated = df.loc[df[DATE].notna(), [DATE, metric]]
    if dated.empty:
        raise ForecastError(
            "No row has a date, so there is no history to forecast from."
        )
    if not dated[metric].notna().any():
        raise ForecastError(f"The dated rows have no {metric} figures to forecast.")
    info = (
        detect_frequency(dated[DATE])
        if freq is None
        else _frequency_for(freq, dated[DATE])
    )
    return info, _aggregate(dated, metric, info)


def period_series(
    df: pd.DataFrame, metric: str = REVENUE, freq: str | None = None
) -> tuple[FrequencyInfo, pd.Series, list[str]]:
    """The total series :func:`forecast` works on: the period it uses (``freq``, else
    :func:`default_frequency`), ``metric`` summed per period, a partial first or last
    period left out. Returns ``(info, series, notes)``, the notes saying what was chosen
    or left out. Raises :class:`ForecastError` when no row has a date and a figure."""
    _check_metric(df, metric)
    dated = df.loc[df[DATE].notna(), [DATE, metric]]
    if dated.empty or not dated[metric].notna().any():
        raise ForecastError(
            f"No row has both a date and a {metric} figure, so there is nothing to forecast."
        )
    notes: list[str] = []
    if freq is not None:
        info = _frequency_for(freq, dated[DATE])
    else:
        info, note = default_frequency(dated[DATE])
        if note:
            notes.append(note)
    day = dated[DATE].dt.normalize()
    series, trimmed = _trim_partial(
        _aggregate(dated, metric, info), info, day.min(), day.max()
    )
    return info, series, notes + trimmed


def period_start(dates: pd.Series | pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """The start of each date's period on the ``freq`` grid (weekly: its anchor day)."""
    return _period_start(dates, freq)


def future_dates(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The ``horizon`` period starts after ``last``."""
    return _future_dates(last, horizon, freq)


# --------------------------------------------------------------------------- results


def _json_number(value: float, decimals: int) -> float | None:
    value = float(value)
    return round(value, decimals) if math.isfinite(value) else None


@dataclass(frozen=True)
class ForecastResult:
    """A forecast and how far to trust it; :meth:`to_dict` is the JSON shape the web layer uses.

    ``points`` has columns ``date, yhat, yhat_lower, yhat_upper`` (95 % band),
    ``yhat_lower_80, yhat_upper_80``; ``history`` is the aggregated series the models saw.
    """

    status: str
    model: str | None
    model_reason: str
    frequency: FrequencyInfo | None
    horizon: int
    metric: str
    history: pd.Series
    points: pd.DataFrame
    backtest: dict[str, BacktestScore] = field(default_factory=dict)
    chosen_by: str = "only_model"
    message: str = ""
    #: Seconds spent per stage (``aggregate``, ``prophet_import``, ``backtest_<model>``,
    #: ``backtest``, ``fit`` of the chosen model, ``total``); not part of :meth:`to_dict`.
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict: dates ``YYYY-MM-DD``, figures rounded (to cents when the
        series is at least 1 in size, else 6 decimals), no NaN (None instead)."""
        scale = float(self.history.abs().max()) if len(self.history) else 0.0
        decimals = 2 if scale >= 1 else 6
        history = [
            {"date": d.strftime("%Y-%m-%d"), "y": _json_number(v, decimals)}
            for d, v in zip(self.history.index, self.history.to_numpy(), strict=True)
        ]
        value_cols = [
            "yhat",
            "yhat_lower",
            "yhat_upper",
            "yhat_lower_80",
            "yhat_upper_80",
        ]
        points = [
            {"date": row[0].strftime("%Y-%m-%d")}
            | {
                col: _json_number(v, decimals)
                for col, v in zip(value_cols, row[1:], strict=True)
            }
            for row in self.points[["date", *value_cols]].itertuples(
                index=False, name=None
            )
        ]
        return {
            "status": self.status,
            "model": self.model,
            "model_reason": self.model_reason,
            "freq": self.frequency.freq if self.frequency else "",
            "freq_label": self.frequency.label if self.frequency else "",
            "horizon": int(self.horizon),
            "metric": self.metric,
            "history": history,
            "points": points,
            "backtest": {
                name: score.to_dict() for name, score in self.backtest.items()
            },
            "chosen_by": self.chosen_by,
            "message": self.message,
        }


def _empty_points() -> pd.DataFrame:
    cols = ["yhat", "yhat_lower", "yhat_upper", "yhat_lower_80", "yhat_upper_80"]
    return pd.DataFrame(
        {"date": pd.Series([], dtype="datetime64[ns]")}
        | {c: pd.Series([], dtype="float64") for c in cols}
    )


def _points_frame(dates: pd.DatetimeIndex, fc: fm.ModelForecast) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": dates,
            "yhat": fc.yhat,
            "yhat_lower": fc.lower_95,
            "yhat_upper": fc.upper_95,
            "yhat_lower_80": fc.lower_80,
            "yhat_upper_80": fc.upper_80,
        }
    )


def _trim_partial(
    series: pd.Series,
    info: FrequencyInfo,
    first_day: pd.Timestamp,
    last_day: pd.Timestamp,
) -> tuple[pd.Series, list[str]]:
    """Drop a first or last week/month/quarter that the transactions only partly cover.

    Regular data (one date per period) is complete by construction and daily periods
    cannot be partial, so only irregular weekly/monthly/quarterly aggregates are trimmed.
    """
    notes: list[str] = []
    if info.regular or info.label == "daily" or len(series) < 3:
        return series, notes
    word = _PERIOD_WORDS[info.label][:-1]
    one_day = pd.Timedelta(days=1)
    last_start = series.index[-1]
    last_end = pd.date_range(last_start, periods=2, freq=info.freq)[1]
    if (last_day + one_day - last_start) / (last_end - last_start) < PARTIAL_MIN:
        series = series.iloc[:-1]
        notes.append(
            f"the last {word} is incomplete (data ends {last_day.day} {last_day:%b %Y}) "
            "and was left out"
        )
    first_start = series.index[0]
    first_end = pd.date_range(first_start, periods=2, freq=info.freq)[1]
    if (first_end - first_day) / (first_end - first_start) < PARTIAL_MIN:
        series = series.iloc[1:]
        notes.append(
            f"the first {word} is incomplete (data starts {first_day.day} {first_day:%b %Y}) "
            "and was left out"
        )
    return series, notes


def _future_dates(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(last, periods=horizon + 1, freq=freq)[1:]


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
            _future_dates(dates[end - 1], horizon, info.freq),
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


def _trust_message(
    info: FrequencyInfo,
    chosen: str,
    bench: str,
    scores: dict[str, BacktestScore],
    bt_horizon: int | None,
    seasonal: bool,
    n: int,
) -> str:
    words = _PERIOD_WORDS[info.label]
    parts: list[str] = []
    score = scores.get(chosen)
    if score is None:
        parts.append(
            "It was not back-tested, so its accuracy on this data is unknown; treat it as a rough guide."
        )
    else:
        err, err_name = (
            (score.mape, "MAPE") if score.mape is not None else (score.smape, "sMAPE")
        )
        shown = f"{err:.1f}" if err < 10 else f"{err:.0f}"
        parts.append(
            f"Tested on the last {score.n_origins} cut-offs "
            f"({bt_horizon} {words if bt_horizon != 1 else words[:-1]} ahead each), "
            f"it was off by {shown}% on average ({err_name})"
        )
        bench_score = scores.get(bench)
        best = min(scores, key=lambda name: scores[name].mase)
        if bench_score is None:
            parts[-1] += "."
        elif chosen == bench:
            if best == bench:
                parts[-1] += ", and no method beat simply repeating the past pattern."
            else:
                parts[-1] += "."
        else:
            gain = (
                100 * (1 - score.mase / bench_score.mase)
                if bench_score.mase > 0
                else 0.0
            )
            if gain >= 5:
                parts[-1] += (
                    f", {gain:.0f}% less error than simply repeating the past pattern."
                )
            else:
                parts[-1] += (
                    ", about the same error as simply repeating the past pattern."
                )
        if best != chosen and scores[best].mase < score.mase:
            parts.append(
                f"{MODEL_LABELS[best]} tested better on this data "
                f"(MASE {scores[best].mase:.2f} against {score.mase:.2f})"
                + (
                    f", but not clearly ({_wins(scores[best], score)}), so the mean of "
                    "the models is used: a combination is the safer bet."
                    if chosen == "ensemble"
                    else "."
                )
            )
        parts.append(coverage_sentence(score))
        if err <= 10 and score.coverage_80 >= 0.6:
            parts.append("Reasonably reliable for planning.")
        elif err <= 25:
            parts.append("Use it as a guide, not a promise.")
        else:
            parts.append("Errors are large: treat it as a rough direction only.")
    if not seasonal:
        parts.append(
            f"Only {n} {words} of history (under {MIN_SEASONS} full seasons), so seasonal patterns are not modelled."
        )
    return " ".join(parts)


def _wins(a: BacktestScore, b: BacktestScore) -> str:
    """How ``a`` fared against ``b`` cut-off by cut-off, e.g. "lower at 4 of 5 cut-offs,
    within chance"."""
    k = min(len(a.origin_mase), len(b.origin_mase))
    if not k:
        return "within chance"
    lower = sum(x < y for x, y in zip(a.origin_mase, b.origin_mase, strict=False))
    return f"lower at {lower} of {k} cut-offs, within chance"


def coverage_sentence(score: BacktestScore) -> str:
    """How many held-out values the backtest's bands caught, e.g. "8 of 10 ..."."""
    if not score.n_points:
        return f"{score.coverage_80:.0%} of past values fell inside its 80% band."
    return (
        f"In the backtest, {score.inside_80} of {score.n_points} past values fell inside "
        f"its 80% band and {score.inside_95} inside the 95% band."
    )


def _insufficient(
    series: pd.Series,
    info: FrequencyInfo | None,
    metric: str,
    horizon: int,
    reason: str,
) -> ForecastResult:
    n = len(series)
    points = _empty_points()
    model = None
    model_reason = f"No model: {reason}"
    words = _PERIOD_WORDS[info.label] if info else "periods"
    message = (
        f"{reason[:1].upper()}{reason[1:]}. At least {MIN_HISTORY} {words} of history are needed "
        "for a tested forecast."
    )
    if info is not None and n >= 3:
        fc = fm.linear_trend(series.to_numpy(dtype="float64"), horizon)
        points = _points_frame(_future_dates(series.index[-1], horizon, info.freq), fc)
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
    _check_metric(df, metric)
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
            points=_empty_points(),
            message=f"This data has no {metric} figures with a date, so there is nothing to forecast.",
        )
    freq_note = ""
    if freq is not None:
        info = _frequency_for(freq, dated[DATE])
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
    series, trimmed = _trim_partial(
        _aggregate(dated, metric, info), info, day.min(), day.max()
    )
    timings["aggregate"] = time.perf_counter() - started
    h = int(horizon or DEFAULT_HORIZONS[info.label])
    n = len(series)
    words = _PERIOD_WORDS[info.label]
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
            points=_empty_points(),
            backtest=scores,
            chosen_by=chosen_by,
            message="No forecast could be made from this data.",
            timings=timings,
        )
    if chosen_by == "user" and chosen != model:
        chosen_by = "mase" if scores else "only_model"
    fc = _calibrate(fc, scores.get(chosen), values, scale_season)

    reason = _model_reason(
        chosen, chosen_by, model, bench, scores, backtest, plan is not None
    )
    if notes:
        reason = f"{reason} ({'; '.join(notes)})."
    message = (
        f"{MODEL_LABELS[chosen]} forecast of {metric} for the next {h} {words}. "
        + _trust_message(
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
        points=_points_frame(_future_dates(series.index[-1], h, info.freq), fc),
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
    *clearly* (:func:`analytics.backtest.clearly_better`: lower MASE origin after origin,
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


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Theta (AutoTheta)" → "theta (AutoTheta)", while an
    acronym such as "ARIMA (AutoARIMA)" keeps its capitals."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _model_reason(
    chosen: str,
    chosen_by: str,
    requested: str | None,
    bench: str,
    scores: dict[str, BacktestScore],
    backtest_requested: bool,
    backtested: bool,
) -> str:
    label = MODEL_LABELS[chosen]
    if chosen_by == "user":
        return f"{label}, as requested"
    best = min(scores, key=lambda name: scores[name].mase) if scores else chosen
    if (
        chosen_by == "mase"
        and best != chosen
        and scores[best].mase < scores[chosen].mase
    ):
        others = ", ".join(
            f"{_in_sentence(MODEL_LABELS[name])} {score.mase:.2f}"
            for name, score in scores.items()
            if name != chosen
        )
        text = (
            f"{label}: no model beat it clearly in the backtest (MASE "
            f"{scores[chosen].mase:.2f}; {others}; {_in_sentence(MODEL_LABELS[best])} "
            f"was {_wins(scores[best], scores[chosen])})"
        )
        if requested is not None and requested != chosen:
            text = f"{MODEL_LABELS[requested]} could not be used. {text}"
        return text
    if chosen_by == "mase":
        others = ", ".join(
            f"{_in_sentence(MODEL_LABELS[name])} {score.mase:.2f}"
            for name, score in scores.items()
            if name != chosen
        )
        text = f"{label} had the lowest backtest MASE ({scores[chosen].mase:.2f}"
        text += f"; {others})" if others else ")"
        if chosen == bench:
            text += ": no model beat the benchmark"
        if requested is not None and requested != chosen:
            text = f"{MODEL_LABELS[requested]} could not be used. {text}"
        return text
    why = (
        "backtest switched off"
        if not backtest_requested
        else "too little history to backtest"
    )
    if backtested:
        why = "no model could be backtested"
    return f"{label}, the default model ({why})"


# --------------------------------------------------------------------------- SKU scores

#: Months of SKU score history a projection looks at.
SKU_WINDOW = 6
#: Fewest months in the window for a projection.
SKU_MIN_MONTHS = 3
#: One-sided significance level of the "trending down" slope test.
SKU_TREND_ALPHA = 0.05
#: Two-sided level of the projected_lower/projected_upper band.
SKU_BAND = 0.80
#: Range of the scores of ``analytics.sku`` (0-100); projections and bands are clipped to it.
SCORE_BOUNDS: tuple[float, float] = (0.0, 100.0)

_SKU_COLUMNS = [
    "sku",
    "projected_score",
    "projected_lower",
    "projected_upper",
    "slope",
    "trending_down",
    "months",
]


def _month_number(months: pd.Series) -> np.ndarray:
    stamps = pd.DatetimeIndex(pd.to_datetime(months))
    return np.asarray(stamps.year * 12 + stamps.month - 1, dtype="int64")


def _sku_window(monthly_scores: pd.DataFrame, window: int) -> tuple[pd.DataFrame, int]:
    """Scores of the last ``window`` months as ``sku, x, y`` (x = months relative to the
    latest month, 0 for it) plus the latest month number."""
    missing = [c for c in ("month", "sku", "score") if c not in monthly_scores.columns]
    if missing:
        raise ForecastError(
            f"SKU scores need the columns month, sku and score; missing {', '.join(missing)}."
        )
    if window < SKU_MIN_MONTHS:
        raise ForecastError(
            f"The projection window must be at least {SKU_MIN_MONTHS} months."
        )
    scored = monthly_scores.loc[
        monthly_scores["month"].notna() & monthly_scores["score"].notna()
    ]
    if scored.empty:
        return pd.DataFrame({"sku": [], "x": [], "y": []}), 0
    month_no = _month_number(scored["month"])
    last = int(month_no.max())
    frame = pd.DataFrame(
        {
            "sku": scored["sku"].to_numpy(),
            "x": (month_no - last).astype("float64"),
            "y": pd.to_numeric(scored["score"], errors="coerce").to_numpy(
                dtype="float64"
            ),
        }
    )
    frame = frame.loc[(frame["x"] > -window) & frame["y"].notna()]
    frame = frame.groupby(["sku", "x"], as_index=False, sort=False)["y"].mean()
    return frame, last


def _sku_fits(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-SKU least squares of y on x from group sums (no per-SKU loop).

    Returns a frame indexed by sku with ``n, x_mean, y_mean, sxx, slope, s2`` (residual
    variance, NaN below 3 points) and ``t_stat`` of the slope.
    """
    centred = frame.assign(y=frame["y"] - frame.groupby("sku")["y"].transform("mean"))
    centred = centred.assign(
        xx=centred["x"] ** 2, xy=centred["x"] * centred["y"], yy=centred["y"] ** 2
    )
    sums = centred.groupby("sku", sort=True)[["x", "xx", "xy", "yy"]].sum()
    n = frame.groupby("sku", sort=True).size().astype("float64")
    y_mean = frame.groupby("sku", sort=True)["y"].mean()
    x_mean = sums["x"] / n
    sxx = sums["xx"] - n * x_mean**2
    sxy = sums["xy"]  # y is centred, so the cross term vanishes
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (sxy / sxx).where(sxx > 0)
        ssr = (sums["yy"] - slope * sxy).clip(lower=0.0)
        s2 = (ssr / (n - 2)).where(n >= SKU_MIN_MONTHS)
        se = np.sqrt(s2 / sxx)
        t_stat = pd.Series(
            np.where(
                se > 0,
                slope / se,
                np.where(slope < 0, -np.inf, np.where(slope > 0, np.inf, 0.0)),
            ),
            index=sums.index,
        ).where(n >= SKU_MIN_MONTHS)
    return pd.DataFrame(
        {
            "n": n,
            "x_mean": x_mean,
            "y_mean": y_mean,
            "sxx": sxx,
            "slope": slope.where(n >= SKU_MIN_MONTHS),
            "s2": s2,
            "t_stat": t_stat,
        }
    )


def _project(
    fits: pd.DataFrame, x0: float, bounds: tuple[float, float] | None
) -> pd.DataFrame:
    """Projection, band and trend flag of each fit at month ``x0`` (0 = latest month),
    clipped to ``bounds`` when given."""
    n = fits["n"]
    yhat = fits["y_mean"] + fits["slope"] * (x0 - fits["x_mean"])
    t_band = fm.t_quantile(0.5 + SKU_BAND / 2, (n - 2).to_numpy())
    half = t_band * np.sqrt(
        fits["s2"] * (1 + 1 / n + (x0 - fits["x_mean"]) ** 2 / fits["sxx"])
    )
    t_crit = fm.t_quantile(1 - SKU_TREND_ALPHA, (n - 2).to_numpy())
    down = (fits["slope"] < 0) & (fits["t_stat"] <= -t_crit)
    lower, upper = yhat - half, yhat + half
    if bounds is not None:
        yhat, lower, upper = (s.clip(*bounds) for s in (yhat, lower, upper))
    return pd.DataFrame(
        {
            "projected_score": yhat,
            "projected_lower": lower,
            "projected_upper": upper,
            "trending_down": down.fillna(False).astype(bool),
        }
    )


def project_sku_scores(
    monthly_scores: pd.DataFrame,
    periods: int = 1,
    window: int = SKU_WINDOW,
    bounds: tuple[float, float] | None = SCORE_BOUNDS,
) -> pd.DataFrame:
    """Project every SKU's score ``periods`` months past the latest month, all SKUs at once.

    A least-squares line is fitted to each SKU's scores in the last ``window`` months of
    the data (the latest month of any SKU and the ``window - 1`` before it; months without
    a score are skipped, not counted as 0), in closed form from per-SKU group sums.

    Parameters
    ----------
    monthly_scores:
        Frame with ``month`` (month start), ``sku``, ``score`` (other columns ignored),
        as from ``analytics.sku.monthly_sku_scores`` (each month scored with the SKU
        score's percentile ranks among that month's SKUs); not modified.
    periods:
        Months ahead of the latest month (1 = next month).
    window:
        Months of history per fit (default 6).
    bounds:
        Score range the projection and its band are clipped to (default 0-100, the range
        of ``analytics.sku`` scores); None leaves them unclipped. The slope is never
        clipped.

    Returns
    -------
    One row per SKU: ``sku, projected_score, projected_lower, projected_upper`` (80 %
    prediction interval), ``slope`` (score points per month), ``trending_down`` (slope
    negative at the one-sided 5 % level of a t-test with ``months - 2`` degrees of
    freedom), ``months`` (months in the window with a score). SKUs with fewer than 3 such
    months get NaN projection and slope and ``trending_down`` False. Sorted by projected
    score, highest first (NaN last), then SKU.
    """
    if periods < 1:
        raise ForecastError("Project at least one month ahead.")
    frame, _ = _sku_window(monthly_scores, window)
    skus = pd.Index(
        monthly_scores["sku"].dropna().unique() if "sku" in monthly_scores else [],
        name="sku",
    )
    fits = _sku_fits(frame).reindex(skus)
    projected = _project(fits, float(periods), bounds)
    out = pd.DataFrame(
        {
            "sku": skus.to_numpy(),
            "projected_score": projected["projected_score"].to_numpy(dtype="float64"),
            "projected_lower": projected["projected_lower"].to_numpy(dtype="float64"),
            "projected_upper": projected["projected_upper"].to_numpy(dtype="float64"),
            "slope": fits["slope"].to_numpy(dtype="float64"),
            "trending_down": projected["trending_down"].to_numpy(dtype=bool),
            "months": fits["n"].fillna(0).to_numpy(dtype="int64"),
        }
    )
    out = out.sort_values(
        ["projected_score", "sku"], ascending=[False, True], na_position="last"
    )
    return out.reset_index(drop=True)[_SKU_COLUMNS]


def sku_score_forecast(
    monthly_scores: pd.DataFrame,
    sku: str,
    periods: int = 3,
    window: int = SKU_WINDOW,
    bounds: tuple[float, float] | None = SCORE_BOUNDS,
) -> dict[str, Any]:
    """One SKU's score history and its projection for the next ``periods`` months.

    Returns
    -------
    ``{sku, history: [{month, score}], projection: [{month, score, lower, upper}],
    slope, trending_down, months, window, message}``; months are ``YYYY-MM-DD`` month
    starts, the band is the 80 % prediction interval of :func:`project_sku_scores` (clipped
    to ``bounds`` likewise), the
    projection is empty (slope None) with fewer than 3 scored months in the window.
    Raises :class:`ForecastError` for an SKU that is not in the frame.
    """
    if periods < 1:
        raise ForecastError("Project at least one month ahead.")
    frame, last = _sku_window(monthly_scores, window)
    own = monthly_scores.loc[monthly_scores["sku"] == sku]
    if own.empty:
        raise ForecastError(f"SKU {sku!r} has no scores.")
    history_rows = own.loc[
        own["month"].notna() & own["score"].notna(), ["month", "score"]
    ]
    history_rows = (
        history_rows.assign(month=pd.to_datetime(history_rows["month"]))
        .groupby("month")["score"]
        .mean()
    )
    fits = _sku_fits(frame.loc[frame["sku"] == sku]).reindex(
        pd.Index([sku], name="sku")
    )
    months = int(fits["n"].fillna(0).iloc[0])
    projection: list[dict[str, Any]] = []
    slope = fits["slope"].iloc[0]
    trending_down = False
    if months >= SKU_MIN_MONTHS:
        for k in range(1, periods + 1):
            row = _project(fits, float(k), bounds).iloc[0]
            month_start = pd.Timestamp(
                year=(last + k) // 12, month=(last + k) % 12 + 1, day=1
            )
            projection.append(
                {
                    "month": month_start.strftime("%Y-%m-%d"),
                    "score": _json_number(row["projected_score"], 4),
                    "lower": _json_number(row["projected_lower"], 4),
                    "upper": _json_number(row["projected_upper"], 4),
                }
            )
            trending_down = bool(row["trending_down"])
        if trending_down:
            direction = (
                f"falling by {abs(slope):.1f} points a month, a clear downward trend"
            )
        elif slope > 0:
            direction = f"rising by {slope:.1f} points a month"
        else:
            direction = f"down {abs(slope):.1f} points a month, within normal month-to-month swings"
        message = (
            f"Straight line through the last {months} months of scores: {direction}. "
            "The band shows where 80% of outcomes would fall."
        )
    else:
        message = f"Only {months} scored month(s) in the last {window}: at least {SKU_MIN_MONTHS} are needed to project."
    return {
        "sku": sku,
        "history": [
            {"month": m.strftime("%Y-%m-%d"), "score": _json_number(v, 4)}
            for m, v in zip(history_rows.index, history_rows.to_numpy(), strict=True)
        ],
        "projection": projection,
        "slope": None if months < SKU_MIN_MONTHS else _json_number(slope, 4),
        "trending_down": trending_down,
        "months": months,
        "window": window,
        "message": message,
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
