"""Forecasts per SKU, category or any dimension: many series fitted in one batch.

:func:`forecast_by` splits the metric by the values of one column, builds every group's
series on the same periods as the total forecast (:func:`analytics.forecast.period_series`:
the same default period, the same partial first/last period left out) and forecasts the
largest groups with the same statistical models, fitted all at once by statsforecast
(``StatsForecast.forecast`` over a long frame: one call, one model specification per
season, no per-group Python loop around the fits).

Per group the forecast is the mean of AutoETS and AutoTheta (the ensemble the total
forecast defaults to, without AutoARIMA, which costs more than both together per series).
Groups with under two seasons of history are fitted without a season; under
``MIN_HISTORY`` periods they get no forecast. Bands are the models' own 80 % intervals
(mean of the two); unlike the total forecast they are not calibrated by a backtest, and
the result says so. Without statsforecast each group gets the trend + seasonal-naive
forecast (trend under two seasons).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import analytics.forecast.models as fm
from analytics.forecast.common import (
    DEFAULT_HORIZONS,
    MIN_HISTORY,
    MIN_SEASONS,
    ForecastError,
)
from analytics.forecast.frequency import (
    FrequencyInfo,
    future_dates,
    period_series,
    period_start,
)
from analytics.schema import DATE, REVENUE

#: Groups forecast by default / at most (the largest by the metric's total).
DEFAULT_LIMIT = 20
MAX_LIMIT = 200
#: Label of rows without a value in the column.
NO_VALUE = "(no value)"
#: The batch's members; their mean is each group's forecast.
MEMBERS: tuple[str, ...] = ("auto_ets", "auto_theta")


@dataclass(frozen=True)
class GroupForecasts:
    """Forecasts of the largest groups of one column.

    ``groups`` has one row per group, largest first: ``group, total`` (metric over the
    history), ``periods`` (history length from the group's first sale), ``status``
    (``ready`` or ``insufficient_history``), ``model``, ``forecast_total`` (the next
    ``horizon`` periods), ``compared_total`` and ``compared`` (the same periods one season
    earlier, ``"a year before"``, when the group's history covers them, else the last
    ``horizon`` periods, ``"the last periods"``), ``change`` (``forecast_total /
    compared_total - 1``, NaN when ``compared_total`` is not positive), ``history`` (the
    last two seasons or two horizons, ``{date, y}``) and ``points`` (a list of ``{date,
    yhat, yhat_lower_80, yhat_upper_80}``). Point forecasts and bands
    stop at 0 when the data has no negative value.
    """

    by: str
    metric: str
    frequency: FrequencyInfo
    horizon: int
    groups: pd.DataFrame
    group_count: int
    left_out_share: float
    notes: list[str]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for row in self.groups.to_dict("records"):
            rows.append(
                {
                    "group": row["group"],
                    "total": _number(row["total"]),
                    "periods": int(row["periods"]),
                    "status": row["status"],
                    "model": row["model"] if isinstance(row["model"], str) else None,
                    "compared_total": _number(row["compared_total"]),
                    "compared": row["compared"],
                    "forecast_total": _number(row["forecast_total"]),
                    "change": _number(row["change"], 4),
                    "history": row["history"],
                    "points": row["points"],
                }
            )
        shown = len(rows)
        left = self.group_count - shown
        message = (
            f"{self.metric.capitalize()} forecast for the next {self.horizon} "
            f"{self.frequency.label} periods, for each of the {shown} largest values "
            f"of {self.by}"
            + (
                f" (the other {left:,}, {self.left_out_share:.0%} of {self.metric}, "
                "are not forecast)"
                if left
                else ""
            )
            + ". "
            + _models_sentence([r["model"] for r in rows])
        )
        if self.notes:
            message += " " + " ".join(n[:1].upper() + n[1:] + "." for n in self.notes)
        return {
            "status": "ready",
            "by": self.by,
            "metric": self.metric,
            "freq": self.frequency.freq,
            "freq_label": self.frequency.label,
            "horizon": self.horizon,
            "group_count": self.group_count,
            "left_out_share": round(self.left_out_share, 4),
            "groups": rows,
            "message": message,
        }


#: How the message names each model a group can get.
_MODEL_WORDS = {
    "ensemble": "the mean of exponential smoothing (AutoETS) and theta (AutoTheta)",
    "trend_seasonal_naive": "last year's pattern moved by the recent trend",
    "trend": "a straight-line trend",
}


def _models_sentence(models: list[str | None]) -> str:
    """What the groups were forecast with, e.g. "Each is the mean of ... fitted to that
    value's own history; the bands ... ". Names only the models actually used."""
    used = [m for m in _MODEL_WORDS if m in models]
    missing = sum(m is None for m in models)
    if not used:
        text = "No value has enough history to forecast"
    elif len(used) == 1:
        text = f"Each is {_MODEL_WORDS[used[0]]}, fitted to that value's own history"
    else:
        text = (
            "Each is "
            + ", or ".join(
                f"{_MODEL_WORDS[m]} ({models.count(m)} of them)" for m in used
            )
            + ", fitted to that value's own history"
        )
    if used:
        text += (
            "; the bands are the models' own 80% intervals, not checked by a backtest"
        )
    if missing and used:
        text += (
            f". {missing} with under {MIN_HISTORY} periods of history "
            + ("is" if missing == 1 else "are")
            + " not forecast"
        )
    return text + "."


def _number(value: Any, decimals: int = 2) -> float | None:
    value = float(value)
    return round(value, decimals) if np.isfinite(value) else None


def _group_matrix(
    df: pd.DataFrame, by: str, metric: str, info: FrequencyInfo, grid: pd.DatetimeIndex
) -> pd.DataFrame:
    """``metric`` summed per group (rows) and period of ``grid`` (columns), 0 if none."""
    dated = df.loc[df[DATE].notna(), [DATE, by, metric]]
    periods = period_start(dated[DATE], info.freq)
    keep = (periods >= grid[0]) & (periods <= grid[-1])
    keys = dated[by].astype("string").fillna(NO_VALUE).to_numpy()[keep]
    codes, names = pd.factorize(keys, sort=False)
    cols = grid.get_indexer(periods[keep])
    values = dated[metric].to_numpy(dtype="float64", na_value=0.0)[keep]
    matrix = np.zeros((len(names), len(grid)))
    np.add.at(matrix, (codes, cols), np.nan_to_num(values))
    return pd.DataFrame(matrix, index=pd.Index(names, name="group"), columns=grid)


def _fallback(y: np.ndarray, h: int, m: int) -> tuple[str, fm.ModelForecast]:
    if len(y) >= MIN_SEASONS * m and m > 1:
        return "trend_seasonal_naive", fm.trend_seasonal_naive(y, h, m)
    return "trend", fm.linear_trend(y, h, window=MIN_SEASONS * m)


def _batch(
    classes: dict[str, Any],
    series: dict[str, np.ndarray],
    grid: pd.DatetimeIndex,
    info: FrequencyInfo,
    season: int,
    h: int,
) -> dict[str, fm.ModelForecast]:
    """Mean of the members for every series in ``series``, in one statsforecast call."""
    if not series:
        return {}
    ids, dates, values = [], [], []
    for name, y in series.items():
        ids.append(np.repeat(name, len(y)))
        dates.append(grid[len(grid) - len(y) :])
        values.append(y)
    long = pd.DataFrame(
        {
            "unique_id": np.concatenate(ids),
            "ds": np.concatenate([d.to_numpy() for d in dates]),
            "y": np.concatenate(values),
        }
    )
    models = [fm.stats_model(classes, name, season, name) for name in MEMBERS]
    batch = classes["batch"](models=models, freq=info.freq, n_jobs=1)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        out = batch.forecast(df=long, h=h, level=[80])
    out = out.sort_values(["unique_id", "ds"])
    result = {}
    for name, rows in out.groupby("unique_id", sort=False):
        parts = []
        for member in MEMBERS:
            yhat = rows[member].to_numpy(dtype="float64")
            parts.append(
                fm.ModelForecast(
                    yhat=yhat,
                    lower_80=np.minimum(rows[f"{member}-lo-80"].to_numpy(), yhat),
                    upper_80=np.maximum(rows[f"{member}-hi-80"].to_numpy(), yhat),
                    lower_95=yhat,
                    upper_95=yhat,
                )
            )
        mean = fm.mean_forecast(parts)
        if np.all(np.isfinite(mean.yhat)):
            result[str(name)] = mean
    return result


def forecast_by(
    df: pd.DataFrame,
    by: str,
    *,
    metric: str = REVENUE,
    horizon: int | None = None,
    freq: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> GroupForecasts:
    """Forecast ``metric`` separately for the ``limit`` largest values of column ``by``.

    Raises :class:`analytics.forecast.ForecastError` for an unknown column, a limit
    outside 1-``MAX_LIMIT``, a horizon outside 1-1000, or data without dated figures.
    """
    started = time.perf_counter()
    if by not in df.columns:
        raise ForecastError(f"There is no column {by!r} to forecast by.")
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise ForecastError(f"The number of groups must be between 1 and {MAX_LIMIT}.")
    if horizon is not None and not 1 <= int(horizon) <= 1000:
        raise ForecastError("The horizon must be between 1 and 1000 periods.")
    info, total, notes = period_series(df, metric, freq)
    h = int(horizon or DEFAULT_HORIZONS[info.label])
    grid = pd.DatetimeIndex(total.index)
    matrix = _group_matrix(df, by, metric, info, grid)
    totals = matrix.sum(axis=1)
    order = totals.abs().sort_values(ascending=False, kind="stable").index
    top = matrix.loc[order[: int(limit)]]
    grand = float(totals.abs().sum())
    left_share = (
        float(totals.abs().loc[order[int(limit) :]].sum()) / grand if grand else 0.0
    )
    m = info.season_length
    values = top.to_numpy()
    active = values != 0
    first = np.where(active.any(axis=1), active.argmax(axis=1), values.shape[1])
    histories = {str(name): values[i, first[i] :] for i, name in enumerate(top.index)}
    ready = {k: y for k, y in histories.items() if len(y) >= MIN_HISTORY}
    forecasts: dict[str, fm.ModelForecast] = {}
    models: dict[str, str] = {}
    try:
        classes = fm.load_statsforecast()
    except Exception as exc:  # ImportError, or its compiled parts failing to load
        classes = None
        notes.append(f"statsforecast is unavailable ({type(exc).__name__})")
    if classes is not None:
        seasonal = {k: y for k, y in ready.items() if len(y) >= MIN_SEASONS * m}
        plain = {k: y for k, y in ready.items() if k not in seasonal}
        for season, part in ((m, seasonal), (1, plain)):
            try:
                found = _batch(classes, part, grid, info, season, h)
            except Exception as exc:  # noqa: BLE001 - fall back per group below
                notes.append(f"the batch fit failed ({type(exc).__name__})")
                found = {}
            forecasts.update(found)
            models.update(dict.fromkeys(found, "ensemble"))
    for key, y in ready.items():
        if key not in forecasts:
            models[key], forecasts[key] = _fallback(y, h, m)
    future = future_dates(grid[-1], h, info.freq)
    no_negative = bool(np.min(matrix.to_numpy(), initial=0.0) >= 0)
    rows = []
    for name in top.index:
        key = str(name)
        y = histories[key]
        fc = forecasts.get(key)
        if m > 1 and len(y) >= m and h <= m:
            # the forecast's periods one season (a year) before
            compared, basis = (
                float(y[len(y) - m : len(y) - m + h].sum()),
                "a year before",
            )
        else:
            compared, basis = float(y[-h:].sum()) if len(y) else 0.0, "the last periods"
        points: list[dict[str, Any]] = []
        if fc is not None:
            if no_negative:  # sales cannot go below 0: neither can their forecast
                fc = fm.ModelForecast(
                    *(
                        np.maximum(part, 0.0)
                        for part in (
                            fc.yhat,
                            fc.lower_80,
                            fc.upper_80,
                            fc.lower_95,
                            fc.upper_95,
                        )
                    )
                )
            lower = fc.lower_80
            points = [
                {
                    "date": f"{d:%Y-%m-%d}",
                    "yhat": _number(v),
                    "yhat_lower_80": _number(lo),
                    "yhat_upper_80": _number(hi),
                }
                for d, v, lo, hi in zip(
                    future, fc.yhat, lower, fc.upper_80, strict=True
                )
            ]
        ahead = float(np.sum(fc.yhat)) if fc is not None else float("nan")
        shown = y[-max(MIN_SEASONS * m, 2 * h) :]
        history = [
            {"date": f"{d:%Y-%m-%d}", "y": _number(v)}
            for d, v in zip(grid[len(grid) - len(shown) :], shown, strict=True)
        ]
        rows.append(
            {
                "group": key,
                "total": float(totals.loc[name]),
                "periods": len(y),
                "status": "ready" if fc is not None else "insufficient_history",
                "model": models.get(key),
                "forecast_total": ahead,
                "compared_total": compared,
                "compared": basis,
                "change": ahead / compared - 1 if compared > 0 else float("nan"),
                "history": history,
                "points": points,
            }
        )
    return GroupForecasts(
        by=by,
        metric=metric,
        frequency=info,
        horizon=h,
        groups=pd.DataFrame(
            rows,
            columns=[
                "group",
                "total",
                "periods",
                "status",
                "model",
                "forecast_total",
                "compared_total",
                "compared",
                "change",
                "history",
                "points",
            ],
        ),
        group_count=len(matrix),
        left_out_share=left_share,
        notes=notes,
        seconds=time.perf_counter() - started,
    )
