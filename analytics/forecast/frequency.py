"""How often a series is observed, and the metric summed per period on that grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.forecast.common import (
    COMPLETENESS,
    DAILY_MIN_ACTIVE,
    DAILY_MIN_LINES,
    METRICS,
    MIN_HISTORY,
    PARTIAL_MIN,
    PERIOD_WORDS,
    SEASON_LENGTHS,
    ForecastError,
)
from analytics.metrics.periods import choose_granularity
from analytics.schema import DATE, REVENUE

_GRANULARITY_FREQ = {
    "day": "W-MON",
    "week": "W-MON",
    "month": "MS",
    "quarter": "QS",
}

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


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


def frequency_for(freq: str, dates: pd.Series) -> FrequencyInfo:
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


def check_metric(df: pd.DataFrame, metric: str) -> None:
    """Raise :class:`ForecastError` unless ``df`` has a ``metric`` that can be forecast."""
    if metric not in METRICS:
        raise ForecastError(
            f"Cannot forecast {metric!r}; choose one of {', '.join(METRICS)}."
        )
    missing = [col for col in (DATE, metric) if col not in df.columns]
    if missing:
        raise ForecastError(
            f"The data has no {' or '.join(missing)} column to forecast from."
        )


def aggregate_periods(
    dated: pd.DataFrame, metric: str, info: FrequencyInfo
) -> pd.Series:
    """``metric`` of the dated rows summed per period of ``info``'s grid (a complete grid)."""
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
    check_metric(df, metric)
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
        else frequency_for(freq, dated[DATE])
    )
    return info, aggregate_periods(dated, metric, info)


def period_series(
    df: pd.DataFrame, metric: str = REVENUE, freq: str | None = None
) -> tuple[FrequencyInfo, pd.Series, list[str]]:
    """The total series :func:`forecast` works on: the period it uses (``freq``, else
    :func:`default_frequency`), ``metric`` summed per period, a partial first or last
    period left out. Returns ``(info, series, notes)``, the notes saying what was chosen
    or left out. Raises :class:`ForecastError` when no row has a date and a figure."""
    check_metric(df, metric)
    dated = df.loc[df[DATE].notna(), [DATE, metric]]
    if dated.empty or not dated[metric].notna().any():
        raise ForecastError(
            f"No row has both a date and a {metric} figure, so there is nothing to forecast."
        )
    notes: list[str] = []
    if freq is not None:
        info = frequency_for(freq, dated[DATE])
    else:
        info, note = default_frequency(dated[DATE])
        if note:
            notes.append(note)
    day = dated[DATE].dt.normalize()
    series, trimmed = trim_partial(
        aggregate_periods(dated, metric, info), info, day.min(), day.max()
    )
    return info, series, notes + trimmed


def trim_partial(
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
    word = PERIOD_WORDS[info.label][:-1]
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


def period_start(dates: pd.Series | pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """The start of each date's period on the ``freq`` grid (weekly: its anchor day)."""
    return _period_start(dates, freq)


def future_dates(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The ``horizon`` period starts after ``last``."""
    return _future_dates(last, horizon, freq)


def _future_dates(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(last, periods=horizon + 1, freq=freq)[1:]
