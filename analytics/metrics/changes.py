"""What changed between a period and its comparison period: the change in revenue or
profit split by the values of one dimension, exactly (the contributions, in cents, add up
to the total change).

Pure (no Dash/Flask) and vectorised. Comparison periods:

- ``previous_period``: ``analytics.metrics.filters.previous_period_bounds`` (the same length just
  before; whole months compare with whole months);
- ``year_ago``: the same dates a year earlier, or — for daily and weekly data, where the
  weekday matters — 364 days earlier (52 weeks), so a Monday compares with a Monday.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.metrics.common import NOT_SET
from analytics.metrics.filters import FilterError, date_bounds, previous_period_bounds
from analytics.schema import DATE, PROFIT, REVENUE

COMPARES = ("previous_period", "year_ago")
#: Values listed one by one; the rest are summed as one "Other" row.
TOP_VALUES = 8
#: Dimensions with more values than this are not offered for the split.
MAX_VALUES = 5000


@dataclass(frozen=True)
class Change:
    """The change of ``measure`` from ``previous`` to ``current``, split by ``by``."""

    measure: str
    by: str
    start: pd.Timestamp
    end: pd.Timestamp
    previous_start: pd.Timestamp
    previous_end: pd.Timestamp
    current: float
    previous: float
    change: float
    #: value, current, previous, change (largest |change| first; "Other (n values)" last)
    rows: pd.DataFrame
    notes: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d} compared with "
            f"{self.previous_start:%Y-%m-%d} to {self.previous_end:%Y-%m-%d}"
        )


def comparison_bounds(
    start, end, compare: str, *, weekday_aligned: bool = False
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """``(start, end, previous_start, previous_end)``, inclusive days.

    Raises ``FilterError`` for an unknown ``compare`` or missing dates.
    """
    if compare not in COMPARES:
        raise FilterError(
            f"Unknown comparison {compare!r}: use previous_period or year_ago."
        )
    first, last = date_bounds(start, end)
    if first is None or last is None:
        raise FilterError("A comparison needs both a start and an end date.")
    if compare == "previous_period":
        before, until = previous_period_bounds(first, last)
    elif weekday_aligned:
        before, until = first - pd.Timedelta(days=364), last - pd.Timedelta(days=364)
    else:
        before, until = first - pd.DateOffset(years=1), last - pd.DateOffset(years=1)
    return first, last, before, until


def _in(frame: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    dates = frame[DATE]
    return frame[(dates >= first) & (dates < last + pd.Timedelta(days=1))]


#: Amounts are added up as whole millionths (exact integers; files carry at most a few
#: decimals), then shown in cents.
UNITS = 1_000_000


def _micros(values: pd.Series) -> np.ndarray:
    return np.round(values.to_numpy("float64") * UNITS).astype("int64")


def _apportion(micros: np.ndarray) -> np.ndarray:
    """Cents per row that add up exactly to the rounded total (largest remainders)."""
    step = UNITS // 100
    total = int(np.round(micros.sum() / step))
    floor = micros // step
    left = total - int(floor.sum())
    if left:
        remainder = micros - floor * step
        floor[np.argsort(-remainder, kind="stable")[:left]] += 1
    return floor


def split_candidates(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns of ``columns`` the frame has with 2 to ``MAX_VALUES`` values."""
    out = []
    for column in columns:
        if column in frame:
            count = frame[column].nunique()
            if 2 <= count <= MAX_VALUES:
                out.append(column)
    return out


def what_changed(
    history: pd.DataFrame,
    start,
    end,
    compare: str,
    *,
    candidates: list[str],
    by: str | None = None,
    measure: str = REVENUE,
    top: int = TOP_VALUES,
    weekday_aligned: bool = False,
) -> Change:
    """The change of ``measure`` (revenue or profit) in ``history`` from the comparison
    period to ``start``–``end``, split by ``by`` (or, when None, by the candidate whose
    largest single value moved most). Raises ``FilterError`` with a reason."""
    if measure not in (REVENUE, PROFIT):
        raise FilterError(f"Unknown measure {measure!r}: use revenue or profit.")
    first, last, before, until = comparison_bounds(
        start, end, compare, weekday_aligned=weekday_aligned
    )
    current, previous = _in(history, first, last), _in(history, before, until)
    notes = []
    if measure == PROFIT:
        unknown = int(current[PROFIT].isna().sum() + previous[PROFIT].isna().sum())
        if unknown == len(current) + len(previous):
            raise FilterError(
                "The data has no cost or profit, so profit cannot change."
            )
        if unknown:
            notes.append(f"{unknown:,} line(s) without a profit are left out.")
    if previous.empty:
        notes.append(
            f"No sales from {before:%Y-%m-%d} to {until:%Y-%m-%d}: everything is new."
        )
    both = pd.concat([current, previous], ignore_index=True)
    options = split_candidates(both, candidates)
    if by is None:
        if not options:
            raise FilterError(
                "No column has two or more values to split the change by."
            )
        by = max(options, key=lambda c: _largest_move(current, previous, c, measure))
    elif by not in both:
        raise FilterError(f"Unknown column {by!r} to split the change by.")
    rows = _split(current, previous, by, measure, top)
    cur = int(_apportion(rows["current_micros"].to_numpy()).sum())
    prev = int(_apportion(rows["previous_micros"].to_numpy()).sum())
    rows = rows.drop(columns=["current_micros", "previous_micros"])
    return Change(
        measure=measure,
        by=by,
        start=first,
        end=last,
        previous_start=before,
        previous_end=until,
        current=cur / 100,
        previous=prev / 100,
        change=(cur - prev) / 100,
        rows=rows,
        notes=tuple(notes),
    )


def _per_value(
    current: pd.DataFrame, previous: pd.DataFrame, by: str, measure: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, current, previous) per value of ``by``, in millionths."""
    keys = pd.concat(
        [current[by].astype("object"), previous[by].astype("object")],
        ignore_index=True,
    ).fillna(NOT_SET)
    codes, values = pd.factorize(keys)
    n = len(current)
    amounts = np.concatenate(
        [
            _micros(current[measure].fillna(0.0)),
            _micros(previous[measure].fillna(0.0)),
        ]
    )
    size = len(values)
    now = np.zeros(size, dtype="int64")
    then = np.zeros(size, dtype="int64")
    np.add.at(now, codes[:n], amounts[:n])
    np.add.at(then, codes[n:], amounts[n:])
    return np.asarray(values), now, then


def _largest_move(current, previous, by: str, measure: str) -> int:
    _, now, then = _per_value(current, previous, by, measure)
    return int(np.abs(now - then).max()) if len(now) else 0


def _split(current, previous, by: str, measure: str, top: int) -> pd.DataFrame:
    values, now, then = _per_value(current, previous, by, measure)
    delta = now - then
    order = np.lexsort((values.astype(str), -np.abs(delta)))
    shown, rest = order[:top], order[top:]
    labels = [str(v) for v in values[shown]]
    cur, prev = list(now[shown]), list(then[shown])
    if len(rest):
        labels.append(f"Other ({len(rest):,} values)")
        cur.append(int(now[rest].sum()))
        prev.append(int(then[rest].sum()))
    cur_a = _apportion(np.asarray(cur, "int64"))
    prev_a = _apportion(np.asarray(prev, "int64"))
    return pd.DataFrame(
        {
            "value": labels,
            "current": cur_a / 100,
            "previous": prev_a / 100,
            "change": (cur_a - prev_a) / 100,
            "current_micros": np.asarray(cur, "int64"),
            "previous_micros": np.asarray(prev, "int64"),
        }
    )


def change_json(change: Change) -> dict:
    """A :class:`Change` as JSON-ready plain values."""
    return {
        "measure": change.measure,
        "by": change.by,
        "period": {
            "start": f"{change.start:%Y-%m-%d}",
            "end": f"{change.end:%Y-%m-%d}",
        },
        "compared_with": {
            "start": f"{change.previous_start:%Y-%m-%d}",
            "end": f"{change.previous_end:%Y-%m-%d}",
        },
        "current": change.current,
        "previous": change.previous,
        "change": change.change,
        "contributions": change.rows.to_dict("records"),
        "notes": list(change.notes),
    }
