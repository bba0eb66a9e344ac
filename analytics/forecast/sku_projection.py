"""SKU score projections: where each SKU's monthly score is heading."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import analytics.forecast.models as fm
from analytics.forecast.common import ForecastError
from analytics.forecast.result import json_number

# --------------------------------------------------------------------------- SKU scores

#: Months of SKU score history a projection looks at.
SKU_WINDOW = 6
#: Fewest months in the window for a projection.
SKU_MIN_MONTHS = 3
#: One-sided significance level of the "trending down" slope test.
SKU_TREND_ALPHA = 0.05
#: Two-sided level of the projected_lower/projected_upper band.
SKU_BAND = 0.80
#: Range of the scores of ``analytics.metrics.skus`` (0-100); projections and bands are clipped to it.
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
        as from ``analytics.metrics.monthly_sku_scores`` (each month scored with the SKU
        score's percentile ranks among that month's SKUs); not modified.
    periods:
        Months ahead of the latest month (1 = next month).
    window:
        Months of history per fit (default 6).
    bounds:
        Score range the projection and its band are clipped to (default 0-100, the range
        of ``analytics.metrics.skus`` scores); None leaves them unclipped. The slope is never
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
                    "score": json_number(row["projected_score"], 4),
                    "lower": json_number(row["projected_lower"], 4),
                    "upper": json_number(row["projected_upper"], 4),
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
            {"month": m.strftime("%Y-%m-%d"), "score": json_number(v, 4)}
            for m, v in zip(history_rows.index, history_rows.to_numpy(), strict=True)
        ],
        "projection": projection,
        "slope": None if months < SKU_MIN_MONTHS else json_number(slope, 4),
        "trending_down": trending_down,
        "months": months,
        "window": window,
        "message": message,
    }
