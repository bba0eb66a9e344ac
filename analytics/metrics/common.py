"""Helpers shared by the metric modules: rounding, ratios, per-group sums, choices."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Label of rows whose category / SKU / customer is unknown, in breakdowns.
NOT_SET = "(not set)"


class MetricError(ValueError):
    """A metric was asked for with an option it does not support (user-readable)."""


def check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    """Raise :class:`MetricError` naming ``what`` when ``value`` is not ``allowed``."""
    if value not in allowed:
        raise MetricError(f"Unknown {what} {value!r}; use one of {', '.join(allowed)}.")


def money(value: float) -> float | None:
    """Round a money figure to cents; NaN/inf become None (JSON null)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 2)


def optional_money(value: float) -> float | None:
    """``money`` of a figure that may be NaN (unknown): None then."""
    return None if pd.isna(value) else money(float(value))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` rounded to 6 places; None when undefined."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    value = numerator / denominator
    return round(value, 6) if math.isfinite(value) else None


def group_sums(
    codes: np.ndarray,
    values: np.ndarray,
    size: int,
    *,
    nan_when_unknown: bool = False,
    counts: np.ndarray | None = None,
) -> np.ndarray:
    """Per-code sums of ``values`` (codes 0..size-1). With ``nan_when_unknown``, NaN
    values are skipped and a code with no known value gets NaN (``min_count=1``).

    ``counts`` (rows per code, ``np.bincount(codes, minlength=size)``) saves a pass when
    several columns are summed over the same codes.
    """
    values = np.asarray(values, dtype="float64")
    if not nan_when_unknown:
        return np.bincount(codes, weights=values, minlength=size).astype("float64")
    known = ~np.isnan(values)
    if not known.any():
        return np.full(size, np.nan)
    if known.all():
        total = np.bincount(codes, weights=values, minlength=size).astype("float64")
        if counts is None:
            counts = np.bincount(codes, minlength=size)
        total[counts == 0] = np.nan
        return total
    total = np.bincount(codes, weights=np.where(known, values, 0.0), minlength=size)
    total = total.astype("float64")
    total[np.bincount(codes, weights=known, minlength=size) == 0] = np.nan
    return total


def known_rows(df: pd.DataFrame, column: str, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the rows where ``column`` is known (no copy when all are)."""
    known = df[column].notna()
    return df[columns] if known.all() else df.loc[known, columns]
