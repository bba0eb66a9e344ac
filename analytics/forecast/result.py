"""The result of a forecast and its JSON shape."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import analytics.forecast.models as fm
from analytics.forecast.backtest import BacktestScore
from analytics.forecast.frequency import FrequencyInfo

# --------------------------------------------------------------------------- results


def json_number(value: float, decimals: int) -> float | None:
    """``value`` rounded to ``decimals`` for JSON, None when it is not finite."""
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
            {"date": d.strftime("%Y-%m-%d"), "y": json_number(v, decimals)}
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
                col: json_number(v, decimals)
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


def empty_points() -> pd.DataFrame:
    """The ``points`` frame of a result with no forecast (typed, no rows)."""
    cols = ["yhat", "yhat_lower", "yhat_upper", "yhat_lower_80", "yhat_upper_80"]
    return pd.DataFrame(
        {"date": pd.Series([], dtype="datetime64[ns]")}
        | {c: pd.Series([], dtype="float64") for c in cols}
    )


def points_frame(dates: pd.DatetimeIndex, fc: fm.ModelForecast) -> pd.DataFrame:
    """A model's forecast as the ``points`` frame of a result, one row per date."""
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
