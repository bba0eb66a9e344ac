"""A query spec checked against one dataset: its measures, groupings and filters
resolved to frame columns and matched values (:func:`validate`), with messages that name
what exists when something does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.dataset_model import (
    DIMENSION,
    IDENTIFIER,
    MEASURE,
    NONE,
    SUM,
    ColumnInfo,
    DatasetModel,
    match_key,
    model_of,
)
from analytics.metrics.filters import FilterError, date_bounds
from analytics.query.kernels import per_column
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
    Group,
    Measure,
    Plan,
    QueryError,
    QuerySpec,
)
from analytics.schema import CANONICAL_COLUMNS, CUSTOMER, DATE, ORDER

#: Share of lines that must carry an id for orders / customers to be counted.
MIN_ID_COVERAGE = 0.99
NOT_SET = "(not set)"
_LISTED_VALUES = 20
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
    return per_column(
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
