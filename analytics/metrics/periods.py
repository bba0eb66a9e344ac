"""Calendar periods: the project's month-name table, period numbering and date coverage.

``MONTH_NAMES`` is the one month-name table of the project: every module that reads or
writes month names (chat, grounding, ingestion, formatting) takes them from here.
Periods (day, Monday-week, month, quarter) are numbered by consecutive integers, so
grouping by period is integer maths instead of slow calendar conversions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.schema import DATE

#: English month names, January first: the one table the app reads and writes months with
#: (``MONTH_NAMES[m - 1]`` for month number ``m``; ``name[:3]`` is the short form).
MONTH_NAMES: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
#: Short month labels ("Jan" … "Dec").
MONTH_LABELS: tuple[str, ...] = tuple(name[:3] for name in MONTH_NAMES)
WEEKDAY_LABELS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _month_words() -> dict[str, int]:
    words: dict[str, int] = {}
    for number, name in enumerate(MONTH_NAMES, 1):
        words[name[:3].lower()] = number
        if name == "September":
            words["sept"] = number
    for number, name in enumerate(MONTH_NAMES, 1):
        words.setdefault(name.lower(), number)
    return words


#: Every lower-case word that names a month → its number: the three-letter forms (and
#: "sept") first, then the full names ("may" once): jan, feb, …, sept, …, january, ….
MONTH_WORDS: dict[str, int] = _month_words()
#: ``MONTH_WORDS`` as a regex alternation in the same order (no group).
MONTH_WORDS_PATTERN = "|".join(MONTH_WORDS)
#: ``MONTH_WORDS`` as a regex group, longest words first ("september" before "sep").
MONTH_WORDS_GROUP = "(" + "|".join(sorted(MONTH_WORDS, key=len, reverse=True)) + ")"

#: Pandas offset aliases for the granularities the dashboard offers.
#: Period starts: weeks start on Monday, months and quarters on their first day.
FREQ_ALIASES: dict[str, str] = {
    "day": "D",
    "week": "W-MON",
    "month": "MS",
    "quarter": "QS",
}

_MONTHS_BEFORE_1970 = 1970 * 12
_MAX_LOOKUP_DAYS = 400_000  # about 1,100 years


def epoch_days(dates: pd.Series) -> np.ndarray:
    """Whole days since 1970-01-01 of each date (no missing values), in any time unit."""
    values = dates.to_numpy()
    if values.dtype.kind != "M":
        values = values.astype("datetime64[ns]")
    unit, count = np.datetime_data(values.dtype)
    per_day = np.timedelta64(1, "D") // np.timedelta64(count, unit)
    return values.view("int64") // per_day


def month_numbers(dates: pd.Series) -> np.ndarray:
    """``year * 12 + month - 1`` of each date (no missing values): consecutive months
    differ by 1, so integer maths replaces slow calendar conversions.

    The calendar is looked up once per day of the span, then gathered per row.
    """
    days = epoch_days(dates)
    if days.size == 0:
        return days
    first, last = int(days.min()), int(days.max())
    if last - first > _MAX_LOOKUP_DAYS:
        return (
            dates.dt.year.to_numpy(dtype="int64") * 12
            + dates.dt.month.to_numpy(dtype="int64")
            - 1
        )
    span = pd.DatetimeIndex(np.arange(first, last + 1).astype("datetime64[D]"))
    table = np.asarray(span.year * 12 + span.month - 1, dtype="int64")
    return table[days - first]


def month_starts_of(numbers: np.ndarray) -> np.ndarray:
    """First days (``datetime64[ns]``) of the months numbered by ``month_numbers``."""
    since_1970 = np.asarray(numbers, dtype="int64") - _MONTHS_BEFORE_1970
    return since_1970.astype("datetime64[M]").astype("datetime64[ns]")


def period_numbers(dates: pd.Series, granularity: str) -> np.ndarray:
    """Consecutive integers numbering the day / Monday-week / month / quarter of dates."""
    if granularity == "day":
        return epoch_days(dates)
    if granularity == "week":
        return (epoch_days(dates) + 3) // 7  # 1970-01-01 was a Thursday
    months = month_numbers(dates)
    return months if granularity == "month" else months // 3


def period_starts_of(numbers: np.ndarray, granularity: str) -> np.ndarray:
    """Start dates (``datetime64[ns]``) of the periods numbered by ``period_numbers``."""
    numbers = np.asarray(numbers, dtype="int64")
    if granularity == "day":
        return numbers.astype("datetime64[D]").astype("datetime64[ns]")
    if granularity == "week":
        return (numbers * 7 - 3).astype("datetime64[D]").astype("datetime64[ns]")
    return month_starts_of(numbers if granularity == "month" else numbers * 3)


def month_start(index: int) -> pd.Timestamp:
    """First day of the month numbered ``index`` (``month_numbers``)."""
    return pd.Timestamp(year=index // 12, month=index % 12 + 1, day=1)


def month_end(index: int) -> pd.Timestamp:
    """Last day of the month numbered ``index`` (``month_numbers``)."""
    return month_start(index + 1) - pd.Timedelta(days=1)


def choose_granularity(df: pd.DataFrame) -> str:
    """Pick day/week/month/quarter from the span of the data's dates.

    Up to 62 days → day; up to ~9 months → week; up to 4 years → month; longer → quarter.
    Frames without dates get "month".
    """
    dates = df[DATE].dropna()
    if dates.empty:
        return "month"
    span = (dates.max() - dates.min()).days
    if span <= 62:
        return "day"
    if span <= 270:
        return "week"
    if span <= 4 * 366:
        return "month"
    return "quarter"


# ---- sampling and coverage of the dates ----------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """The span of time a frame's dates speak for, and how densely they are sampled.

    ``step`` is "day", "week" or "month". Monthly data (every date the 1st of a month)
    speaks for whole periods: a date stands for ``step_months`` months, so ``end`` is the
    last day of the last period.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    step: str
    step_months: int = 1

    def tolerance(self, window_days: int) -> pd.Timedelta:
        """Slack at the edges of a window: a tenth of it, at most a week (a few quiet
        days at the start or end of the data), at least one sampling step."""
        step_days = 7 if self.step == "week" else 1
        return pd.Timedelta(days=max(step_days - 1, min(window_days // 10, 7)))

    def covers(self, first: pd.Timestamp, last: pd.Timestamp) -> bool:
        """True when the data reaches (nearly) both edges of ``[first, last]``."""
        slack = self.tolerance((last - first).days + 1)
        return self.start <= first + slack and self.end >= last - slack

    def reaches_back_to(self, first: pd.Timestamp, last: pd.Timestamp) -> bool:
        """True when the data starts (nearly) at or before the window ``[first, last]``."""
        return self.start <= first + self.tolerance((last - first).days + 1)


def distinct_days(dates: pd.Series) -> pd.DatetimeIndex:
    """The sorted distinct calendar days of the dates (times of day dropped)."""
    days = np.sort(pd.unique(epoch_days(dates.dropna())))
    return pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"))


def sampling(days: pd.DatetimeIndex) -> tuple[str, int]:
    """("day" | "week" | "month", months per period) from the distinct dates.

    Monthly when there are at least two dates and every one is the 1st of a month (the
    step is then the gcd of the month gaps: 3 for quarterly data); weekly when they all
    fall on one weekday; daily otherwise.
    """
    if len(days) < 2:
        return "day", 1
    if bool(days.is_month_start.all()):
        months = np.asarray(days.year * 12 + days.month - 1, dtype="int64")
        gap = int(np.gcd.reduce(np.diff(months)))
        return "month", max(1, min(gap, 12))
    if days.day_of_week.nunique() == 1:
        return "week", 1
    return "day", 1


def coverage_of(df: pd.DataFrame) -> Coverage | None:
    """The :class:`Coverage` of a frame's dates; None when it has none."""
    days = distinct_days(df[DATE])
    if days.empty:
        return None
    step, step_months = sampling(days)
    end = days[-1]
    if step == "month":
        end = end + pd.DateOffset(months=step_months) - pd.Timedelta(days=1)
    return Coverage(start=days[0], end=end, step=step, step_months=step_months)
