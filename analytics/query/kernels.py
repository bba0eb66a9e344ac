"""Columnar kernels of the query engine: time keys, integer codes of text columns (kept
per column while its data lives), group ids and each measure's value per group, with
``np.bincount`` rather than pandas groupby.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analytics.dataset_model import MEAN, SUM
from analytics.metrics.periods import MONTH_NAMES
from analytics.query.spec import (
    AOV,
    COST,
    CUSTOMERS,
    MARGIN,
    ORDERS,
    PROFIT,
    QUANTITY,
    REPEAT_CUSTOMERS,
    REVENUE,
    SHARE,
    TRANSACTIONS,
    Plan,
)
from analytics.schema import CUSTOMER, DATE, ORDER

#: Distinct counts use a bitmap of groups × ids up to this size, hashing beyond.
_BITMAP_CELLS = 16_000_000
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def _time_key(dates: pd.Series, grain: str) -> np.ndarray:
    """An integer key per row for ``grain`` (sortable in time order); dates must be
    present. Days and weeks are days since 1970-01-01 (weeks by their Monday)."""
    if grain in ("day", "week"):
        days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        days = days.astype("int64")
        if grain == "week":
            days = days - (days + 3) % 7  # 1970-01-01 was a Thursday
        return days
    if grain == "weekday":
        days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        return (days.astype("int64") + 3) % 7  # Monday = 0
    year = dates.dt.year.to_numpy(dtype="int64")
    if grain == "month":
        return year * 100 + dates.dt.month.to_numpy(dtype="int64")
    if grain == "quarter":
        return year * 10 + dates.dt.quarter.to_numpy(dtype="int64")
    if grain == "year":
        return year
    return dates.dt.month.to_numpy(dtype="int64")  # month_of_year


def time_label(value: Any, grain: str) -> Any:
    value = int(value)
    if grain in ("day", "week"):
        return str(np.datetime64(value, "D"))
    if grain == "month":
        return f"{value // 100:04d}-{value % 100:02d}"
    if grain == "quarter":
        return f"{value // 10:04d}-Q{value % 10}"
    if grain == "year":
        return str(value)
    if grain == "month_of_year":
        return MONTH_NAMES[value - 1]
    return _WEEKDAYS[value]


#: Per-column results (integer codes of id columns, value indexes of text columns), by
#: the Arrow array holding the column and what was computed: (weak reference, value).
_CODES: OrderedDict[tuple[int, str], tuple[weakref.ref, Any]] = OrderedDict()
_CODES_LOCK = threading.Lock()
_CODES_KEPT = 16


def column_codes(series: pd.Series) -> np.ndarray:
    """:func:`_codes` of a whole frame column, kept while its data lives (so a session's
    ids are encoded once, not on every query)."""
    return per_column(series, "codes", lambda: _codes(series))


def per_column(series: pd.Series, what: str, compute):
    """``compute()`` for a frame column, cached by the Arrow array holding its data
    (shared by every shallow copy of a cached frame) while that array lives."""
    data = getattr(series.array, "_pa_array", None)
    if data is None:
        return compute()
    key = (id(data), what)
    with _CODES_LOCK:
        hit = _CODES.get(key)
        if hit is not None and hit[0]() is data:
            _CODES.move_to_end(key)
            return hit[1]
    value = compute()
    try:
        ref = weakref.ref(data)
    except TypeError:
        return value
    with _CODES_LOCK:
        _CODES[key] = (ref, value)
        while len(_CODES) > _CODES_KEPT:
            _CODES.popitem(last=False)
    return value


def _codes(series: pd.Series) -> np.ndarray:
    """Integer codes of a text column (-1 where missing), one dictionary encoding."""
    if series.dtype == "category":
        return series.cat.codes.to_numpy(dtype="int64")
    if series.dtype == "str" and hasattr(series.array, "__arrow_array__"):
        encoded = pc.dictionary_encode(series.array.__arrow_array__()).combine_chunks()
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return np.asarray(codes, dtype="int64")
    return pd.factorize(series)[0].astype("int64")


def codes_and_values(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, values)``: integer codes (-1 where missing) and the value of each code."""
    if series.dtype == "category":
        return (
            series.cat.codes.to_numpy(dtype="int64"),
            np.asarray(series.cat.categories, dtype=object),
        )
    if series.dtype == "str" and hasattr(series.array, "__arrow_array__"):
        encoded = pc.dictionary_encode(series.array.__arrow_array__()).combine_chunks()
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        values = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
        return np.asarray(codes, dtype="int64"), values
    codes, uniques = pd.factorize(series)
    return codes.astype("int64"), np.asarray(uniques, dtype=object)


@dataclass
class Groups:
    """Group id of every row and each group's labels (one tuple per group)."""

    gid: np.ndarray
    count: int
    keys: list[tuple]  # per group: the raw key of each grouping (time key or label)


def group_ids(
    rows: pd.DataFrame, plan: Plan, encoded: dict[str, np.ndarray] | None = None
) -> Groups:
    """Group ids from integer codes of each grouping (no pandas groupby). ``encoded``:
    the values of group columns whose codes ``rows`` carries as ``__<column>_group``."""
    n = len(rows)
    if not plan.groups:
        return Groups(np.zeros(n, dtype="int64"), 1, [()])
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    combined = np.zeros(n, dtype="int64")
    for group in plan.groups:
        if group.grain:
            codes, values = _dense(_time_key(rows[DATE], group.grain))
        elif encoded and group.column in encoded:
            codes = rows[f"__{group.column}_group"].to_numpy(dtype="int64")
            values = encoded[group.column]
        else:
            codes, values = codes_and_values(rows[group.column])
        size = len(values) + 1  # the last code: missing
        codes = np.where(codes < 0, size - 1, codes)
        combined = combined * size + codes
        parts.append((values, size))
    gid, uniques = _dense(combined)
    rest = np.asarray(uniques, dtype="int64")
    decoded = []
    for values, size in reversed(parts):
        codes = rest % size
        rest = rest // size
        decoded.append((values, size, codes))
    columns = []
    for values, size, codes in reversed(decoded):
        missing = codes == size - 1
        picked = np.where(missing, 0, codes)
        labels = (
            values[picked].astype(object)
            if len(values)
            else np.full(len(codes), None, dtype=object)
        )
        labels[missing] = None
        columns.append(labels.tolist())
    return Groups(gid.astype("int64"), len(uniques), list(zip(*columns, strict=True)))


def _dense(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of integer keys: by counting when their range is small
    (uniques in increasing order), by hashing otherwise."""
    values = np.asarray(values, dtype="int64")
    if values.size == 0:
        return values, values
    low, high = int(values.min()), int(values.max())
    if high - low <= _BITMAP_CELLS:
        present = np.bincount(values - low, minlength=high - low + 1) > 0
        remap = np.cumsum(present) - 1
        return remap[values - low], np.flatnonzero(present) + low
    codes, uniques = pd.factorize(values)
    return codes, np.asarray(uniques)


def _sum(gid: np.ndarray, values: pd.Series | np.ndarray, groups: int) -> np.ndarray:
    """Per-group sums; NaN for a group without any known value."""
    data = np.asarray(values, dtype="float64")
    if groups == 1:
        known_any = bool((~np.isnan(data)).any()) if data.size else False
        return np.array([np.nansum(data) if known_any else np.nan])
    known = ~np.isnan(data)
    total = np.bincount(gid, weights=np.where(known, data, 0.0), minlength=groups)
    filled = np.bincount(gid, weights=known.astype("float64"), minlength=groups)
    return np.where(filled > 0, total, np.nan)


def aggregate(
    rows: pd.DataFrame, plan: Plan, groups: Groups, cache: dict | None = None
) -> dict[str, np.ndarray]:
    """Each measure's value per group (arrays aligned with ``groups.keys``)."""
    names = [m.name for m in plan.measures]
    gid, count = groups.gid, groups.count
    out: dict[str, np.ndarray] = {}
    revenue = rows["revenue"].to_numpy(dtype="float64")
    # revenue is never missing: the revenue of no rows is 0
    out[REVENUE] = np.bincount(gid, weights=revenue, minlength=count)
    out[TRANSACTIONS] = np.bincount(gid, minlength=count).astype("float64")
    if COST in names:
        out[COST] = _sum(gid, rows["cost"], count)
    if PROFIT in names or MARGIN in names:
        out[PROFIT] = _sum(gid, rows["profit"], count)
    if QUANTITY in names:
        out[QUANTITY] = _sum(gid, rows["quantity"], count)
    for m in plan.measures:
        if m.column is None:
            continue
        values = rows[m.column].to_numpy(dtype="float64")
        if m.aggregation == SUM:
            out[m.name] = _sum(gid, values, count)
        elif m.aggregation == MEAN:
            known = ~np.isnan(values)
            n = np.bincount(gid, weights=known.astype("float64"), minlength=count)
            total = np.bincount(
                gid, weights=np.where(known, values, 0.0), minlength=count
            )
            out[m.name] = np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)
        else:  # revenue-weighted
            known = ~np.isnan(values)
            weight = np.bincount(
                gid, weights=np.where(known, revenue, 0.0), minlength=count
            )
            total = np.bincount(
                gid, weights=np.where(known, values * revenue, 0.0), minlength=count
            )
            out[m.name] = np.where(
                weight != 0, total / np.where(weight != 0, weight, 1), np.nan
            )
    if any(n in (ORDERS, AOV, CUSTOMERS, REPEAT_CUSTOMERS) for n in names):
        _count_ids(out, gid, count, rows, names, {} if cache is None else cache)
    with np.errstate(divide="ignore", invalid="ignore"):
        if MARGIN in names:
            out[MARGIN] = np.where(
                out[REVENUE] != 0, out[PROFIT] / out[REVENUE], np.nan
            )
        if AOV in names:
            out[AOV] = np.where(out[ORDERS] > 0, out[REVENUE] / out[ORDERS], np.nan)
        if SHARE in names:
            total = float(np.nansum(revenue))
            out[SHARE] = out[REVENUE] / total if total else np.full(count, np.nan)
    return out


def _distinct_per_group(gid: np.ndarray, codes: np.ndarray, groups: int) -> np.ndarray:
    """How many distinct non-negative ``codes`` each group id holds."""
    valid = codes >= 0
    base = int(codes.max()) + 1 if codes.size else 1
    if groups * base <= _BITMAP_CELLS:
        seen = np.zeros(groups * base, dtype=bool)
        seen[gid[valid] * base + codes[valid]] = True
        return seen.reshape(groups, base).sum(axis=1).astype("float64")
    pairs = pd.unique(gid[valid] * base + codes[valid])  # hashing: faster than sorting
    return np.bincount(pairs // base, minlength=groups).astype("float64")


def _count_ids(out, gid: np.ndarray, groups: int, rows, names, cache: dict) -> None:
    """Orders, customers and repeat customers per group, on integer codes (kept in
    ``cache`` for the next grouping of the same rows)."""
    order_codes = customer_codes = None
    if any(n in (ORDERS, AOV, REPEAT_CUSTOMERS) for n in names):
        if "orders" not in cache:
            paid = (rows["revenue"] > 0).to_numpy()
            ids = rows.get(f"__{ORDER}_codes")
            ids = _codes(rows[ORDER]) if ids is None else ids.to_numpy("int64")
            cache["orders"] = np.where(paid, ids, -1)
        order_codes = cache["orders"]
        out[ORDERS] = _distinct_per_group(gid, order_codes, groups)
    if any(n in (CUSTOMERS, REPEAT_CUSTOMERS) for n in names):
        if "customers" not in cache:
            ids = rows.get(f"__{CUSTOMER}_codes")
            cache["customers"] = (
                _codes(rows[CUSTOMER]) if ids is None else ids.to_numpy("int64")
            )
        customer_codes = cache["customers"]
        out[CUSTOMERS] = _distinct_per_group(gid, customer_codes, groups)
    if REPEAT_CUSTOMERS in names:
        valid = (order_codes >= 0) & (customer_codes >= 0)
        c_base = int(customer_codes.max()) + 1 if valid.any() else 1
        o_base = int(order_codes.max()) + 1 if valid.any() else 1
        pair = gid[valid] * c_base + customer_codes[valid]
        triples = pd.unique(pair * o_base + order_codes[valid])
        counts = pd.Series(triples // o_base).value_counts(sort=False)
        repeat = counts.index.to_numpy()[counts.to_numpy() > 1] // c_base
        out[REPEAT_CUSTOMERS] = np.bincount(repeat, minlength=groups).astype("float64")
