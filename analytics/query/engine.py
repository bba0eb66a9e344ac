"""Check a :class:`QuerySpec` against a dataset and answer it (vectorised pandas).

Definitions (the same everywhere a figure is shown):

- ``transactions``: lines (rows) of the file, never called orders;
- ``orders``: distinct order / invoice ids among lines with a positive amount (an id
  whose lines are all returns is not an order); needs an order id on at least 99 % of
  the lines, otherwise orders are not counted;
- ``aov``: net revenue / orders; ``customers``: distinct customer ids (same 99 % rule);
  ``repeat_customers``: customers with more than one order;
- ``margin``: profit / revenue of the group (so it is revenue-weighted, never an
  average of line margins); ``share``: the group's revenue / revenue of every row that
  passes the filters;
- a ratio column (discount, tax rate …) is averaged weighted by revenue, a ``mean``
  column (prices, temperatures) is a plain average, a running balance is refused.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analytics.dataset_model import (
    DIMENSION,
    IDENTIFIER,
    MEAN,
    MEASURE,
    NONE,
    SUM,
    WEIGHTED_MEAN,
    ColumnInfo,
    DatasetModel,
    match_key,
    model_of,
)
from analytics.filters import FilterError, date_bounds, previous_period_bounds
from analytics.formatting import MONTH_NAMES
from analytics.query.spec import (
    AOV,
    COST,
    CUSTOMERS,
    CYCLIC_GRAINS,
    MARGIN,
    MEASURE_LABELS,
    MEASURES,
    ORDERS,
    PROFIT,
    QUANTITY,
    REPEAT_CUSTOMERS,
    REVENUE,
    SHARE,
    TIME_GRAINS,
    TRANSACTIONS,
    Filter,
    QueryError,
    QueryResult,
    QuerySpec,
)
from analytics.schema import CANONICAL_COLUMNS, CUSTOMER, DATE, ORDER

#: Share of lines that must carry an id for orders / customers to be counted.
MIN_ID_COVERAGE = 0.99
NOT_SET = "(not set)"
#: Distinct counts use a bitmap of groups × ids up to this size, hashing beyond.
_BITMAP_CELLS = 16_000_000
_LISTED_VALUES = 20
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_ALIASES = {
    "sales": REVENUE,
    "turnover": REVENUE,
    "average order value": AOV,
    "avg order value": AOV,
    "lines": TRANSACTIONS,
    "line count": TRANSACTIONS,
    "rows": TRANSACTIONS,
    "order count": ORDERS,
    "number of orders": ORDERS,
    "profit margin": MARGIN,
    "units": QUANTITY,
    "share of revenue": SHARE,
    "repeat customer": REPEAT_CUSTOMERS,
    "repeat customers": REPEAT_CUSTOMERS,
    "customer count": CUSTOMERS,
}
_ROLE_MEASURES = {
    "revenue": REVENUE,
    "cost": COST,
    "profit": PROFIT,
    "quantity": QUANTITY,
}


@dataclass(frozen=True)
class Measure:
    """A requested figure: a built-in measure or a file's measure column."""

    name: str
    unit: str
    column: str | None = None  # frame column of a file measure
    aggregation: str = SUM


@dataclass(frozen=True)
class Group:
    name: str
    column: str | None = None  # frame column (None for a time grain)
    grain: str | None = None


@dataclass(frozen=True)
class Plan:
    """A spec resolved against one dataset (frame columns, matched values)."""

    spec: QuerySpec
    measures: tuple[Measure, ...]
    groups: tuple[Group, ...]
    filters: tuple[tuple[str, str, tuple[str, ...]], ...]  # (column, label, values)
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    sort: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------- lookups


def frame_model(frame: pd.DataFrame, model: DatasetModel | None) -> DatasetModel:
    """``model`` without the columns ``frame`` does not hold, or for a frame without a
    model its canonical columns plus any extra text column as a dimension (extra numbers
    are not guessed at: their unit is unknown)."""
    if model is not None:
        kept = tuple(c for c in model.columns if not c.field or c.field in frame)
        return model if len(kept) == len(model.columns) else DatasetModel(kept)
    base = model_of(frame, None)
    extra = [
        ColumnInfo(str(c), DIMENSION, field=str(c))
        for c in frame.columns
        if c not in CANONICAL_COLUMNS
        and (frame[c].dtype == "category" or frame[c].dtype == "str")
    ]
    return DatasetModel(base.columns + tuple(extra))


def known_share(series: pd.Series) -> float:
    """The share of ``series`` that holds a value (0 for no rows), without scanning an
    Arrow column (its null count is kept with the data)."""
    if not len(series):
        return 0.0
    data = getattr(series.array, "_pa_array", None)
    if data is not None:
        return 1.0 - data.null_count / len(series)
    values = series.to_numpy()
    if values.dtype.kind == "f":
        return 1.0 - float(np.isnan(values).sum()) / len(values)
    if values.dtype.kind == "M":
        return 1.0 - float(np.isnat(values).sum()) / len(values)
    return float(series.notna().mean())


def values_of(frame: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of a text column of ``frame`` (sorted; missing left out)."""
    series = frame[column]
    if series.dtype == "category":
        return sorted(map(str, series.cat.categories))
    return sorted(map(str, pd.unique(series.dropna())))


def match_values(
    requested: list[str] | tuple[str, ...], available: list[str]
) -> tuple[list[str], list[str]]:
    """``(matched, unknown)``: the available values each request names, ignoring case,
    accents, spacing and punctuation (``"quebec"`` matches ``"Québec"``), and the
    requests that match nothing."""
    return _match_keyed(requested, _by_key(available))


def _by_key(available: list[str]) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = {}
    for value in available:
        by_key.setdefault(match_key(value), []).append(value)
    return by_key


def _match_keyed(
    requested: list[str] | tuple[str, ...], by_key: dict[str, list[str]]
) -> tuple[list[str], list[str]]:
    matched: list[str] = []
    unknown: list[str] = []
    for value in requested:
        hits = by_key.get(match_key(value))
        if hits:
            matched.extend(h for h in hits if h not in matched)
        else:
            unknown.append(value)
    return matched, unknown


def _value_index(series: pd.Series) -> tuple[list[str], dict[str, list[str]]]:
    """A text column's sorted distinct values and the values of each match key, kept
    while the column's data lives (a session's SKU or customer ids are read once, not
    on every filtered query)."""
    return _per_column(
        series,
        "values",
        lambda: (lambda values: (values, _by_key(values)))(
            values_of(series.to_frame("v"), "v")
        ),
    )


def _listing(names: list[str]) -> str:
    shown = names[:_LISTED_VALUES]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" … and {more} more" if more > 0 else "")


def groupable_columns(model: DatasetModel) -> list[ColumnInfo]:
    """Columns a query may group or filter by: kept dimensions and the mapped
    SKU / customer / order id columns."""
    return [
        c
        for c in model.columns
        if c.field and (c.kind == DIMENSION or (c.kind == IDENTIFIER and c.role))
    ]


def available_measures(
    model: DatasetModel, frame: pd.DataFrame | None = None
) -> list[str]:
    """Measure names this dataset can answer (built-in ones first)."""
    out = [REVENUE, TRANSACTIONS, SHARE]
    has = _has_values(model, frame)
    if has("cost"):
        out.append(COST)
    if has("profit"):
        out += [PROFIT, MARGIN]
    if has("quantity"):
        out.append(QUANTITY)
    if has(ORDER):
        out += [ORDERS, AOV]
    if has(CUSTOMER):
        out.append(CUSTOMERS)
        if has(ORDER):
            out.append(REPEAT_CUSTOMERS)
    out += [c.name for c in model.measures if c.aggregation != NONE]
    return out


def _has_values(
    model: DatasetModel, frame: pd.DataFrame | None, memo: dict | None = None
):
    """``has(role)``: whether the dataset holds values for a role (answers kept in
    ``memo`` for the rest of one validation)."""
    memo = {} if memo is None else memo

    def has(role: str) -> bool:
        if role in memo:
            return memo[role]
        if frame is not None:
            memo[role] = role in frame and known_share(frame[role]) > 0
            return memo[role]
        if role in ("cost", "profit"):
            return bool(model.role_column("cost") or model.role_column("profit"))
        return model.role_column(role) is not None

    return has


def _resolve_measure(
    name: str, model: DatasetModel, frame: pd.DataFrame | None, memo: dict | None = None
) -> Measure:
    key = match_key(name)
    builtin = {match_key(m): m for m in MEASURES}
    choice = builtin.get(key) or _ALIASES.get(key)
    if choice is None:
        column = model.find(name)
        if column is not None and column.role in _ROLE_MEASURES:
            choice = _ROLE_MEASURES[column.role]
        elif column is not None and column.kind == MEASURE:
            if column.aggregation == NONE:
                raise QueryError(
                    f"'{column.name}' is a running balance: adding it up or averaging it "
                    "over rows gives no meaningful figure."
                )
            return Measure(
                column.name,
                column.unit or "number",
                column.field,
                column.aggregation or SUM,
            )
        elif column is not None:
            raise QueryError(
                f"'{column.name}' is a {column.kind} column, not a figure to add up; "
                "group or filter by it instead. Measures: "
                + _listing(available_measures(model, frame))
                + "."
            )
    if choice is None:
        raise QueryError(
            f"'{name}' is not a measure of your file. Measures: "
            + _listing(available_measures(model, frame))
            + "."
        )
    has = _has_values(model, frame, memo)
    if choice in (COST, PROFIT, MARGIN) and not has(
        choice if choice != MARGIN else PROFIT
    ):
        raise QueryError(
            f"Your file has no cost or profit column, so {MEASURE_LABELS[choice].lower()} "
            "cannot be worked out. Map one under Data quality if the file has it."
        )
    if choice == QUANTITY and not has("quantity"):
        raise QueryError(
            "Your file has no quantity column; map one under Data quality."
        )
    if choice in (ORDERS, AOV, REPEAT_CUSTOMERS):
        _require_ids(frame, model, ORDER, "order / invoice id", choice, memo)
    if choice in (CUSTOMERS, REPEAT_CUSTOMERS):
        _require_ids(frame, model, CUSTOMER, "customer id", choice, memo)
    return Measure(choice, MEASURES[choice])


def _require_ids(
    frame: pd.DataFrame | None,
    model: DatasetModel,
    role: str,
    what: str,
    measure: str,
    memo: dict | None = None,
) -> None:
    label = MEASURE_LABELS[measure].lower()
    if not _has_values(model, frame, memo)(role):
        raise QueryError(
            f"Your file has no {what} column, so {label} cannot be counted (lines are "
            "not orders). Map one under Data quality if the file has it."
        )
    if frame is not None and len(frame):
        coverage = known_share(frame[role])
        if coverage < MIN_ID_COVERAGE:
            raise QueryError(
                f"Only {coverage:.0%} of the lines have a {what}, so {label} cannot be "
                "counted exactly."
            )


def _resolve_group(
    name: str, model: DatasetModel, frame: pd.DataFrame | None, memo: dict | None = None
) -> Group:
    key = match_key(name)
    grains = {match_key(g): g for g in TIME_GRAINS}
    if key in grains:
        if not _has_values(model, frame, memo)(DATE):
            raise QueryError(
                f"Your file has no date column, so it cannot be grouped by {grains[key]}."
            )
        return Group(grains[key], grain=grains[key])
    column = model.find(name)
    if column is None or column not in groupable_columns(model):
        names = [c.name for c in groupable_columns(model)]
        if _has_values(model, frame)(DATE):
            names += list(TIME_GRAINS)
        what = "no column" if column is None else "no groupable column"
        raise QueryError(f"Your file has {what} '{name}'; columns: {_listing(names)}.")
    return Group(column.name, column=column.field)


def validate(
    spec: QuerySpec, model: DatasetModel, frame: pd.DataFrame | None = None
) -> Plan:
    """Resolve ``spec`` against a dataset, or raise :class:`QueryError` naming what
    exists (columns, values, measures). With ``frame``, filter values are matched to
    the data's values and id coverage is checked."""
    if not spec.measures:
        raise QueryError("Ask for at least one measure (for example revenue).")
    if frame is not None:
        model = frame_model(frame, model)
    memo: dict = {}
    measures = tuple(_resolve_measure(m, model, frame, memo) for m in spec.measures)
    names = [m.name for m in measures]
    if len(set(names)) != len(names):
        measures = tuple(dict((m.name, m) for m in measures).values())
    groups = tuple(_resolve_group(g, model, frame, memo) for g in spec.group_by)
    if len({g.name for g in groups}) != len(groups):
        raise QueryError("Each column can appear only once in group_by.")
    filters = []
    for item in spec.filters:
        column = model.find(item.column)
        if column is None or column not in groupable_columns(model):
            names = [c.name for c in groupable_columns(model)]
            raise QueryError(
                f"Your file has no column '{item.column}' to filter on; columns: "
                f"{_listing(names)}."
            )
        values = tuple(item.values)
        if frame is not None:
            available, by_key = _value_index(frame[column.field])
            matched, unknown = _match_keyed(list(values), by_key)
            if unknown:
                raise QueryError(
                    f"{column.name} has no value "
                    + ", ".join(f"'{u}'" for u in unknown)
                    + f"; values: {_listing(available)}."
                )
            values = tuple(matched)
        filters.append((column.field, column.name, values))
    try:
        start, end = date_bounds(spec.start, spec.end)
    except FilterError as error:
        raise QueryError(str(error)) from None
    if (start or end) and not _has_values(model, frame, memo)(DATE):
        raise QueryError(
            "Your file has no date column, so it cannot be limited to dates."
        )
    if spec.compare:
        if start is None or end is None:
            raise QueryError(
                "A comparison needs a date range: give both start and end dates."
            )
        timed = [g for g in groups if g.grain and g.grain not in CYCLIC_GRAINS]
        if timed:
            raise QueryError(
                f"A comparison cannot be grouped by {timed[0].grain} (the periods hold "
                "different dates); compare totals, or group by month_of_year or weekday."
            )
    sort = spec.sort
    if sort is not None:
        wanted = _resolve_measure(sort, model, frame, memo).name
        if wanted not in [m.name for m in measures]:
            raise QueryError(
                f"Sort by a requested measure ({', '.join(m.name for m in measures)})."
            )
        sort = wanted
    return Plan(spec, measures, groups, tuple(filters), start, end, sort)


# ------------------------------------------------------------------- computing


def _mask(frame: pd.DataFrame, plan: Plan, start, end) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for column, _, values in plan.filters:
        series = frame[column]
        if series.dtype == "category":
            # one lookup per category, then a gather over the integer codes
            wanted = np.append(series.cat.categories.isin(values), False)
            mask &= wanted[series.cat.codes.to_numpy()]
        else:
            mask &= series.isin(values).to_numpy(dtype=bool, na_value=False)
    if start is not None or end is not None:
        # on the raw datetime64 values: a missing date (NaT) compares False
        dates = frame[DATE].to_numpy(dtype="datetime64[ns]")
        if start is not None:
            mask &= dates >= np.datetime64(pd.Timestamp(start).as_unit("ns"))
        if end is not None:
            mask &= dates < np.datetime64(
                (pd.Timestamp(end) + pd.Timedelta(days=1)).as_unit("ns")
            )
    return mask


def filter_rows(
    frame: pd.DataFrame, model: DatasetModel, filters: tuple[Filter, ...] | list[Filter]
) -> pd.DataFrame:
    """Rows of ``frame`` whose columns hold the given values (matched like a query's
    filters); raises :class:`QueryError` naming the columns or values that exist."""
    if not filters:
        return frame
    plan = validate(
        QuerySpec(measures=(TRANSACTIONS,), filters=tuple(filters)), model, frame
    )
    mask = _mask(frame, plan, None, None)
    return frame if mask.all() else frame.loc[mask]


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


def _time_label(value: Any, grain: str) -> Any:
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


def _column_codes(series: pd.Series) -> np.ndarray:
    """:func:`_codes` of a whole frame column, kept while its data lives (so a session's
    ids are encoded once, not on every query)."""
    return _per_column(series, "codes", lambda: _codes(series))


def _per_column(series: pd.Series, what: str, compute):
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


def _codes_and_values(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
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
class _Groups:
    """Group id of every row and each group's labels (one tuple per group)."""

    gid: np.ndarray
    count: int
    keys: list[tuple]  # per group: the raw key of each grouping (time key or label)


def _group_ids(
    rows: pd.DataFrame, plan: Plan, encoded: dict[str, np.ndarray] | None = None
) -> _Groups:
    """Group ids from integer codes of each grouping (no pandas groupby). ``encoded``:
    the values of group columns whose codes ``rows`` carries as ``__<column>_group``."""
    n = len(rows)
    if not plan.groups:
        return _Groups(np.zeros(n, dtype="int64"), 1, [()])
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    combined = np.zeros(n, dtype="int64")
    for group in plan.groups:
        if group.grain:
            codes, values = _dense(_time_key(rows[DATE], group.grain))
        elif encoded and group.column in encoded:
            codes = rows[f"__{group.column}_group"].to_numpy(dtype="int64")
            values = encoded[group.column]
        else:
            codes, values = _codes_and_values(rows[group.column])
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
    return _Groups(gid.astype("int64"), len(uniques), list(zip(*columns, strict=True)))


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


def _aggregate(
    rows: pd.DataFrame, plan: Plan, groups: _Groups, cache: dict | None = None
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


def _round(value: Any, unit: str) -> Any:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if not math.isfinite(number):
        return None
    if unit == "count":
        return int(round(number))
    return round(number, 2 if unit == "money" else 6)


def _label(key: Any, group: Group) -> Any:
    if key is None:
        return NOT_SET
    return _time_label(key, group.grain) if group.grain else str(key)


@dataclass
class _Computed:
    """A query's figures before rounding (shared by :func:`run` and :func:`table`)."""

    plan: Plan
    names: list[str]
    units: dict[str, str]
    groups: _Groups
    figures: dict[str, np.ndarray]
    totals: dict[str, np.ndarray]
    previous: dict[tuple, dict[str, float]] | None
    previous_totals: dict[str, np.ndarray] | None
    shown: np.ndarray
    notes: list[str]


def _compute(
    frame: pd.DataFrame, spec: QuerySpec, model: DatasetModel | None
) -> _Computed:
    model = frame_model(frame, model)
    plan = validate(spec, model, frame)
    notes: list[str] = []
    names = [m.name for m in plan.measures]
    units = {m.name: m.unit for m in plan.measures}
    frame = frame[_needed(frame, plan)]
    codes = {
        f"__{role}_codes": _column_codes(frame[role])
        for role in (ORDER, CUSTOMER)
        if role in frame
    }
    encoded: dict[str, np.ndarray] = {}
    for group in plan.groups:
        if group.column and frame[group.column].dtype != "category":
            # text columns: encoded once per column (kept while it lives)
            group_codes, encoded[group.column] = _per_column(
                frame[group.column],
                "groups",
                lambda series=frame[group.column]: _codes_and_values(series),
            )
            codes[f"__{group.column}_group"] = group_codes
    if codes:
        frame = frame.assign(**codes)
    timed = [g for g in plan.groups if g.grain]

    def select(start, end) -> pd.DataFrame:
        mask = _mask(frame, plan, start, end)
        if timed:
            mask &= ~np.isnat(frame[DATE].to_numpy(dtype="datetime64[ns]"))
        return frame.loc[mask] if not mask.all() else frame

    current = select(plan.start, plan.end)
    if timed:
        undated = int(_mask(frame, plan, plan.start, plan.end).sum() - len(current))
        if undated:
            notes.append(f"{undated:,} line(s) without a date are left out.")
    groups = _group_ids(current, plan, encoded)
    cache: dict = {}
    figures = _aggregate(current, plan, groups, cache)
    everything = _Groups(np.zeros(len(current), dtype="int64"), 1, [()])
    totals_figures = (
        _aggregate(current, plan, everything, cache) if plan.groups else figures
    )

    previous = previous_totals = None
    if plan.spec.compare:
        if plan.spec.compare == "previous_period":
            first, last = previous_period_bounds(plan.start, plan.end)
            said = "the previous period"
        else:
            first = plan.start - pd.DateOffset(years=1)
            last = plan.end - pd.DateOffset(years=1)
            said = "the same dates a year earlier"
        notes.append(
            f"Compared with {said}: {first:%Y-%m-%d} to {last:%Y-%m-%d}; changes of "
            "ratios are in points, others relative."
        )
        before = select(first, last)
        before_groups = _group_ids(before, plan, encoded)
        figures_before = _aggregate(before, plan, before_groups)
        previous = {
            key: {n: figures_before[n][i] for n in names}
            for i, key in enumerate(before_groups.keys)
        }
        previous_totals = _aggregate(
            before, plan, _Groups(np.zeros(len(before), dtype="int64"), 1, [()])
        )

    order = np.arange(groups.count)
    sort = plan.sort
    if plan.groups:
        if sort is None and len(timed) == len(plan.groups):
            # time order
            keys = groups.keys
            order = np.array(
                sorted(order, key=lambda i: tuple((k is None, k) for k in keys[i])),
                dtype="int64",
            )
        else:
            values = figures[sort or names[0]]
            filled = np.where(
                np.isnan(values), -np.inf if plan.spec.descending else np.inf, values
            )
            order = np.argsort(
                -filled if plan.spec.descending else filled, kind="stable"
            )
    shown = order
    if plan.spec.limit is not None and groups.count > plan.spec.limit:
        shown = order[: plan.spec.limit]
        notes.append(f"Showing {plan.spec.limit} of {groups.count:,} groups.")
    return _Computed(
        plan,
        names,
        units,
        groups,
        figures,
        totals_figures,
        previous,
        previous_totals,
        shown,
        notes,
    )


def run(
    frame: pd.DataFrame, spec: QuerySpec, model: DatasetModel | None = None
) -> QueryResult:
    """Answer ``spec`` on a canonical ``frame`` (with its dataset ``model``).

    Raises :class:`QueryError` when the spec does not fit the data (see :func:`validate`).
    """
    c = _compute(frame, spec, model)
    plan, names, units, groups = c.plan, c.names, c.units, c.groups
    figures, previous, notes = c.figures, c.previous, c.notes
    totals = {n: _round(c.totals[n][0], units[n]) for n in names}
    if c.previous_totals is not None:
        for n in names:
            totals[f"{n}_previous"] = _round(c.previous_totals[n][0], units[n])
            totals[f"{n}_change"] = _change(
                c.totals[n][0], c.previous_totals[n][0], units[n]
            )
    rows: list[dict[str, Any]] = []
    if plan.groups:
        for i in c.shown:
            key = groups.keys[i]
            row: dict[str, Any] = {
                g.name: _label(k, g) for g, k in zip(plan.groups, key, strict=True)
            }
            for n in names:
                row[n] = _round(figures[n][i], units[n])
            if previous is not None:
                before_row = previous.get(key, {})
                for n in names:
                    value = before_row.get(n, np.nan)
                    row[f"{n}_previous"] = _round(value, units[n])
                    row[f"{n}_change"] = _change(figures[n][i], value, units[n])
            rows.append(row)
    else:
        rows = [dict(totals)]
    notes.extend(_measure_notes(plan))
    return QueryResult(
        spec=plan.spec,
        columns=[g.name for g in plan.groups] + names,
        rows=rows,
        totals=totals,
        units=units,
        notes=notes,
        groups=groups.count,
    )


@dataclass
class QueryTable:
    """A query's answer as columns, before any rounding (for code that words or charts
    the figures itself, such as the chat).

    ``frame``: one row per shown group, in the answer's order (sort, then limit): a
    column per grouping (its labels, :data:`NOT_SET` for missing values; time grains as
    in :func:`run`), then one float column per measure and, with a comparison,
    ``<measure>_previous``. Without grouping it has one row of totals. ``totals``: each
    measure over every filtered row (and ``<measure>_previous``); NaN when unknown.
    """

    spec: QuerySpec
    frame: pd.DataFrame
    totals: dict[str, float]
    units: dict[str, str]
    notes: list[str]
    groups: int


def table(
    frame: pd.DataFrame, spec: QuerySpec, model: DatasetModel | None = None
) -> QueryTable:
    """Answer ``spec`` like :func:`run`, as an unrounded :class:`QueryTable`."""
    c = _compute(frame, spec, model)
    plan, names = c.plan, c.names
    totals = {n: float(c.totals[n][0]) for n in names}
    if c.previous_totals is not None:
        totals.update({f"{n}_previous": float(c.previous_totals[n][0]) for n in names})
    columns: dict[str, Any] = {}
    if plan.groups:
        shown = c.shown
        keys = [c.groups.keys[i] for i in shown]
        for position, group in enumerate(plan.groups):
            columns[group.name] = [_label(key[position], group) for key in keys]
        for n in names:
            columns[n] = c.figures[n][shown].astype("float64")
        if c.previous is not None:
            for n in names:
                columns[f"{n}_previous"] = np.array(
                    [c.previous.get(key, {}).get(n, np.nan) for key in keys],
                    dtype="float64",
                )
        out = pd.DataFrame(columns)
    else:
        out = pd.DataFrame({k: [v] for k, v in totals.items()})
    notes = c.notes + _measure_notes(plan)
    return QueryTable(plan.spec, out, totals, c.units, notes, c.groups.count)


def order_figures(frame: pd.DataFrame) -> dict[str, float | int | None]:
    """``{orders, avg_order_value, customers, repeat_customers}`` of a canonical frame
    (definitions in the module docstring); each is None when the frame cannot count it
    (no order id / customer column, or ids on fewer than 99 % of the lines)."""

    def countable(role: str) -> bool:
        return (
            role in frame
            and len(frame) > 0
            and known_share(frame[role]) >= MIN_ID_COVERAGE
        )

    out: dict[str, float | int | None] = {
        "orders": None,
        "avg_order_value": None,
        "customers": None,
        "repeat_customers": None,
    }
    has_orders, has_customers = countable(ORDER), countable(CUSTOMER)
    if not (has_orders or has_customers):
        return out
    names = []
    if has_orders:
        names += [ORDERS, AOV]
    if has_customers:
        names.append(CUSTOMERS)
    if has_orders and has_customers:
        names.append(REPEAT_CUSTOMERS)
    plan = Plan(
        QuerySpec(measures=tuple(names)),
        tuple(Measure(n, MEASURES[n]) for n in names),
        (),
        (),
        None,
        None,
        None,
    )
    rows = frame[_needed(frame, plan)]
    figures = _aggregate(rows, plan, _Groups(np.zeros(len(rows), "int64"), 1, [()]))
    if has_orders:
        out["orders"] = _round(figures[ORDERS][0], "count")
        out["avg_order_value"] = _round(figures[AOV][0], "money")
    if has_customers:
        out["customers"] = _round(figures[CUSTOMERS][0], "count")
    if has_orders and has_customers:
        out["repeat_customers"] = _round(figures[REPEAT_CUSTOMERS][0], "count")
    return out


def _needed(frame: pd.DataFrame, plan: Plan) -> list[str]:
    """The frame columns the plan reads (copying only these is much cheaper)."""
    names = {m.name for m in plan.measures}
    wanted = [DATE, "revenue"]
    if names & {COST}:
        wanted.append("cost")
    if names & {PROFIT, MARGIN}:
        wanted.append("profit")
    if QUANTITY in names:
        wanted.append("quantity")
    if names & {ORDERS, AOV, REPEAT_CUSTOMERS}:
        wanted.append(ORDER)
    if names & {CUSTOMERS, REPEAT_CUSTOMERS}:
        wanted.append(CUSTOMER)
    wanted += [m.column for m in plan.measures if m.column]
    wanted += [g.column for g in plan.groups if g.column]
    wanted += [column for column, _, _ in plan.filters]
    return [c for c in dict.fromkeys(wanted) if c in frame]


def _change(now: Any, before: Any, unit: str) -> float | None:
    try:
        now, before = float(now), float(before)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(now) and math.isfinite(before)):
        return None
    if unit == "ratio":
        return round(now - before, 6)
    if before == 0:
        return None
    return round((now - before) / abs(before), 6)


def _measure_notes(plan: Plan) -> list[str]:
    notes = []
    for m in plan.measures:
        if m.name == MARGIN:
            notes.append("Margin is profit / revenue of each group (revenue-weighted).")
        elif m.name in (ORDERS, AOV):
            notes.append(
                "Orders are distinct order ids with a positive amount; average order "
                "value is net revenue / orders."
            )
        elif m.name == TRANSACTIONS:
            notes.append("Transactions are lines of the file, not orders.")
        elif m.name == SHARE:
            notes.append(
                "Share is each group's part of the revenue of the filtered rows."
            )
        elif m.aggregation == WEIGHTED_MEAN:
            notes.append(
                f"{m.name} is a rate: averaged weighted by revenue, never summed."
            )
        elif m.aggregation == MEAN:
            notes.append(f"{m.name} is averaged over lines (it does not add up).")
    return list(dict.fromkeys(notes))
