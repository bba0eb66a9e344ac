"""Narrow a canonical frame to the user's date range, categories and SKUs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from analytics.errors import UserFacingError
from analytics.schema import CATEGORY, DATE, SKU

DateLike = str | dt.date | dt.datetime | pd.Timestamp | np.datetime64


class FilterError(UserFacingError, ValueError):
    """A filter value the user chose cannot be applied (message is shown to the user)."""


def parse_date(value: DateLike | None, label: str = "date") -> pd.Timestamp | None:
    """A date-like value as a midnight ``Timestamp``; None or blank text gives None.

    Raises ``FilterError`` naming ``label`` when the value is not a date.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, (str, dt.date, np.datetime64)):
        raise FilterError(f"The {label} {value!r} is not a date; use YYYY-MM-DD.")
    try:
        stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError, OverflowError):
        raise FilterError(
            f"The {label} {value!r} is not a date; use YYYY-MM-DD."
        ) from None
    if pd.isna(stamp):
        raise FilterError(f"The {label} is empty; choose a date or clear the field.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def date_bounds(
    start: DateLike | None = None, end: DateLike | None = None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Parse and check a date range: ``(start, end)`` as midnight Timestamps or None.

    Raises ``FilterError`` for an unreadable date or a start after the end.
    """
    first = parse_date(start, "start date")
    last = parse_date(end, "end date")
    if first is not None and last is not None and first > last:
        raise FilterError(
            f"The start date {first:%Y-%m-%d} is after the end date {last:%Y-%m-%d}; "
            "swap them or pick a later end date."
        )
    return first, last


def _as_list(values: str | Iterable[str] | None, label: str) -> list[str] | None:
    """Normalise a selection: a bare string is one value; None/empty means "no filter"."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    try:
        chosen = [str(v) for v in values if v is not None]
    except TypeError:
        raise FilterError(f"The {label} filter must be a list of names.") from None
    return chosen or None


def filter_frame(
    df: pd.DataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    categories: str | Iterable[str] | None = None,
    sku_query: str | None = None,
    skus: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Rows of a canonical frame that pass every given filter.

    Parameters
    ----------
    df:
        Canonical frame; uses ``date``, ``category`` and ``sku``.
    start, end:
        Inclusive dates (``"2024-01-31"``, ``date``, ``Timestamp``); times of day are ignored,
        so ``end`` keeps every row of that day. Rows without a date are dropped as soon as
        either bound is given. None or "" leaves that side open.
    categories:
        Keep rows whose ``category`` is one of these (exact match). None or an empty list
        keeps every category (an empty multi-select means "all").
    sku_query:
        Keep rows whose ``sku`` contains this text, ignoring case and surrounding spaces.
    skus:
        Keep rows whose ``sku`` is one of these (exact match); None or empty keeps all.

    Returns
    -------
    A new frame with the same columns and the original index of the kept rows.

    Raises
    ------
    FilterError
        (a ``ValueError``) for an unreadable date or a start after the end.
    """
    first, last = date_bounds(start, end)
    chosen_categories = _as_list(categories, "category")
    chosen_skus = _as_list(skus, "SKU")
    query = sku_query.strip() if isinstance(sku_query, str) else None

    mask = np.ones(len(df), dtype=bool)
    if first is not None:
        mask &= (df[DATE] >= first).to_numpy(dtype=bool, na_value=False)
    if last is not None:
        mask &= (df[DATE] < last + pd.Timedelta(days=1)).to_numpy(
            dtype=bool, na_value=False
        )
    if chosen_categories is not None:
        mask &= (
            df[CATEGORY].isin(chosen_categories).to_numpy(dtype=bool, na_value=False)
        )
    if chosen_skus is not None:
        mask &= df[SKU].isin(chosen_skus).to_numpy(dtype=bool, na_value=False)
    if query:
        mask &= _contains(df[SKU], query)
    if mask.all():
        return df.copy(deep=False)
    return df.loc[mask]


def _contains(values: pd.Series, query: str) -> np.ndarray:
    """Case-insensitive substring match, computed once per distinct value."""
    codes, uniques = pd.factorize(values)
    hits = pd.Series(uniques).str.contains(query, case=False, regex=False)
    hits = hits.to_numpy(dtype=bool, na_value=False)
    return np.append(hits, False)[codes]  # code -1 (missing) → last slot, False


def previous_period_bounds(
    start: DateLike, end: DateLike
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period of equal length that ends the day before ``start``.

    A range of whole calendar months (first day of a month to last day of a month) is
    compared with the same number of whole months before it, so "2024" is compared with
    "2023" and "March" with "February". Any other range is compared with the same
    number of days before it.

    Returns
    -------
    ``(previous_start, previous_end)``, inclusive midnight Timestamps.

    Raises
    ------
    FilterError
        When either date is missing or unreadable, or ``start`` is after ``end``.
    """
    first, last = date_bounds(start, end)
    if first is None or last is None:
        raise FilterError("A comparison period needs both a start and an end date.")
    if first.is_month_start and last.is_month_end:
        months = (last.year - first.year) * 12 + (last.month - first.month) + 1
        previous_start = first - pd.DateOffset(months=months)
        return previous_start, first - pd.Timedelta(days=1)
    length = last - first + pd.Timedelta(days=1)
    previous_end = first - pd.Timedelta(days=1)
    return previous_end - length + pd.Timedelta(days=1), previous_end
