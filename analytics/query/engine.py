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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

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
    QueryError,
    QueryResult,
    QuerySpec,
)
from analytics.schema import CANONICAL_COLUMNS, CUSTOMER, DATE, ORDER

#: Share of lines that must carry an id for orders / customers to be counted.
MIN_ID_COVERAGE = 0.99
NOT_SET = "(not set)"
_LISTED_VALUES = 20
_MONTHS = (
    "January February March April May June July August September October November "
    "December"
).split()
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
    """``model``, or for a frame without one its canonical columns plus any extra text
    column as a dimension (extra numbers are not guessed at: their unit is unknown)."""
    if model is not None:
        return model
    base = model_of(frame, None)
    extra = [
        ColumnInfo(str(c), DIMENSION, field=str(c))
        for c in frame.columns
        if c not in CANONICAL_COLUMNS
        and (frame[c].dtype == "category" or frame[c].dtype == "str")
    ]
    return DatasetModel(base.columns + tuple(extra))


def values_of(frame: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of a text column of ``frame`` (sorted; missing left out)."""
    series = frame[column]
    if series.dtype == "category":
        present = series.cat.remove_unused_categories().cat.categories
        return sorted(map(str, present))
    return sorted(map(str, pd.unique(series.dropna())))


def match_values(
    requested: list[str] | tuple[str, ...], available: list[str]
) -> tuple[list[str], list[str]]:
    """``(matched, unknown)``: the available values each request names, ignoring case,
    accents, spacing and punctuation (``"quebec"`` matches ``"Québec"``), and the
    requests that match nothing."""
    by_key: dict[str, list[str]] = {}
    for value in available:
        by_key.setdefault(match_key(value), []).append(value)
    matched: list[str] = []
    unknown: list[str] = []
    for value in requested:
        hits = by_key.get(match_key(value))
        if hits:
            matched.extend(h for h in hits if h not in matched)
        else:
            unknown.append(value)
    return matched, unknown


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


def _has_values(model: DatasetModel, frame: pd.DataFrame | None):
    def has(role: str) -> bool:
        if frame is not None:
            return role in frame and bool(frame[role].notna().any())
        if role in ("cost", "profit"):
            return bool(model.role_column("cost") or model.role_column("profit"))
        return model.role_column(role) is not None

    return has


def _resolve_measure(
    name: str, model: DatasetModel, frame: pd.DataFrame | None
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
    has = _has_values(model, frame)
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
        _require_ids(frame, model, ORDER, "an order / invoice id column", choice)
    if choice in (CUSTOMERS, REPEAT_CUSTOMERS):
        _require_ids(frame, model, CUSTOMER, "a customer column", choice)
    return Measure(choice, MEASURES[choice])


def _require_ids(
    frame: pd.DataFrame | None, model: DatasetModel, role: str, what: str, measure: str
) -> None:
    label = MEASURE_LABELS[measure].lower()
    if not _has_values(model, frame)(role):
        raise QueryError(
            f"Your file has no {what}, so {label} cannot be counted (lines are not "
            "orders). Map one under Data quality if the file has it."
        )
    if frame is not None and len(frame):
        coverage = float(frame[role].notna().mean())
        if coverage < MIN_ID_COVERAGE:
            raise QueryError(
                f"Only {coverage:.0%} of the lines have {what[2:] if what.startswith('a ') else what}, "
                f"so {label} cannot be counted exactly."
            )


def _resolve_group(name: str, model: DatasetModel, frame: pd.DataFrame | None) -> Group:
    key = match_key(name)
    grains = {match_key(g): g for g in TIME_GRAINS}
    if key in grains:
        if not _has_values(model, frame)(DATE):
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
    measures = tuple(_resolve_measure(m, model, frame) for m in spec.measures)
    names = [m.name for m in measures]
    if len(set(names)) != len(names):
        measures = tuple(dict((m.name, m) for m in measures).values())
    groups = tuple(_resolve_group(g, model, frame) for g in spec.group_by)
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
            available = values_of(frame, column.field)
            matched, unknown = match_values(list(values), available)
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
    if (start or end) and not _has_values(model, frame)(DATE):
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
        wanted = _resolve_measure(sort, model, frame).name
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
        mask &= frame[column].isin(values).to_numpy(dtype=bool, na_value=False)
    if start is not None:
        mask &= (frame[DATE] >= start).to_numpy(dtype=bool, na_value=False)
    if end is not None:
        mask &= (frame[DATE] < end + pd.Timedelta(days=1)).to_numpy(
            dtype=bool, na_value=False
        )
    return mask


def _time_key(dates: pd.Series, grain: str) -> pd.Series:
    """An integer key per row for ``grain`` (sortable in time order)."""
    if grain == "day":
        return dates.dt.normalize()
    if grain == "week":
        day = dates.dt.normalize()
        return day - pd.to_timedelta(day.dt.weekday, unit="D")
    year = dates.dt.year
    if grain == "month":
        return year * 100 + dates.dt.month
    if grain == "quarter":
        return year * 10 + dates.dt.quarter
    if grain == "year":
        return year
    if grain == "month_of_year":
        return dates.dt.month
    return dates.dt.weekday  # weekday


def _time_label(value: Any, grain: str) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if grain in ("day", "week"):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    value = int(value)
    if grain == "month":
        return f"{value // 100:04d}-{value % 100:02d}"
    if grain == "quarter":
        return f"{value // 10:04d}-Q{value % 10}"
    if grain == "year":
        return str(value)
    if grain == "month_of_year":
        return _MONTHS[value - 1]
    return _WEEKDAYS[value]


def _aggregate(rows: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """One row per group (or one row of totals) with a column per measure."""
    names = [m.name for m in plan.measures]
    work: dict[str, Any] = {}
    keys: list[str] = []
    for i, group in enumerate(plan.groups):
        key = f"__g{i}"
        keys.append(key)
        if group.grain:
            work[key] = _time_key(rows[DATE], group.grain)
        else:
            work[key] = rows[group.column]
    revenue = rows["revenue"]
    work["revenue"] = revenue
    need_profit = any(n in (PROFIT, MARGIN) for n in names)
    if COST in names:
        work["cost"] = rows["cost"]
    if need_profit:
        work["profit"] = rows["profit"]
    if QUANTITY in names:
        work["quantity"] = rows["quantity"]
    for m in plan.measures:
        if m.column is None:
            continue
        values = rows[m.column]
        if m.aggregation == WEIGHTED_MEAN:
            weight = revenue.where(values.notna())
            work[f"{m.name}__wx"] = values * revenue
            work[f"{m.name}__w"] = weight
        else:
            work[m.name] = values
    table = pd.DataFrame(work, index=rows.index)
    if keys:
        grouped = table.groupby(keys, observed=True, sort=False, dropna=False)
    else:
        table["__all"] = 0
        keys = ["__all"]
        grouped = table.groupby("__all", sort=False)
    sums = [c for c in ("revenue", "cost", "profit", "quantity") if c in table]
    sums += [c for c in table.columns if c.endswith("__wx") or c.endswith("__w")]
    sums += [m.name for m in plan.measures if m.column and m.aggregation == SUM]
    out = grouped[sums].sum(min_count=1)
    out[TRANSACTIONS] = grouped.size()
    means = [m.name for m in plan.measures if m.column and m.aggregation == MEAN]
    if means:
        out[means] = grouped[means].mean()
    for m in plan.measures:
        if m.aggregation == WEIGHTED_MEAN and m.column:
            w = out[f"{m.name}__w"]
            out[m.name] = (out[f"{m.name}__wx"] / w).where(w != 0)
    if any(n in (ORDERS, AOV, REPEAT_CUSTOMERS) for n in names):
        paid = (revenue > 0).to_numpy()
        orders = rows[ORDER].where(paid)
        frame_o = pd.DataFrame({k: table[k] for k in keys}).assign(__o=orders)
        out[ORDERS] = frame_o.groupby(keys, observed=True, sort=False, dropna=False)[
            "__o"
        ].nunique()
        out[ORDERS] = out[ORDERS].fillna(0)
    if any(n in (CUSTOMERS, REPEAT_CUSTOMERS) for n in names):
        frame_c = pd.DataFrame({k: table[k] for k in keys}).assign(__c=rows[CUSTOMER])
        out[CUSTOMERS] = frame_c.groupby(keys, observed=True, sort=False, dropna=False)[
            "__c"
        ].nunique()
    if REPEAT_CUSTOMERS in names:
        pairs = pd.DataFrame({k: table[k] for k in keys}).assign(
            __c=rows[CUSTOMER], __o=rows[ORDER].where((revenue > 0).to_numpy())
        )
        pairs = pairs.dropna(subset=["__c", "__o"]).drop_duplicates()
        per_customer = pairs.groupby(
            [*keys, "__c"], observed=True, sort=False, dropna=False
        ).size()
        repeat = (
            (per_customer > 1)
            .groupby(level=list(range(len(keys))), sort=False, dropna=False)
            .sum()
        )
        out[REPEAT_CUSTOMERS] = repeat.reindex(out.index).fillna(0)
    if MARGIN in names:
        out[MARGIN] = (out["profit"] / out["revenue"]).where(out["revenue"] != 0)
    if AOV in names:
        out[AOV] = (out["revenue"] / out[ORDERS]).where(out[ORDERS] > 0)
    return out


def _round(value: Any, unit: str) -> Any:
    if value is None:
        return None
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if not math.isfinite(number):
        return None
    if unit == "count":
        return int(round(number))
    return round(number, 2 if unit == "money" else 6)


def run(
    frame: pd.DataFrame, spec: QuerySpec, model: DatasetModel | None = None
) -> QueryResult:
    """Answer ``spec`` on a canonical ``frame`` (with its dataset ``model``).

    Raises :class:`QueryError` when the spec does not fit the data (see :func:`validate`).
    """
    model = frame_model(frame, model)
    plan = validate(spec, model, frame)
    notes: list[str] = []
    names = [m.name for m in plan.measures]
    units = {m.name: m.unit for m in plan.measures}
    current = frame.loc[_mask(frame, plan, plan.start, plan.end)]
    timed = [g for g in plan.groups if g.grain]
    if timed:
        undated = int(current[DATE].isna().sum())
        if undated:
            notes.append(f"{undated:,} line(s) without a date are left out.")
            current = current.loc[current[DATE].notna()]
    table = _aggregate(current, plan)
    totals_table = _aggregate(
        current, Plan(plan.spec, plan.measures, (), (), None, None, None)
    )
    total_revenue = float(current["revenue"].sum())
    if SHARE in names:
        table[SHARE] = (table["revenue"] / total_revenue) if total_revenue else np.nan
        totals_table[SHARE] = 1.0 if total_revenue else np.nan
    previous = None
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
        before = frame.loc[_mask(frame, plan, first, last)]
        previous = _aggregate(before, plan)
        previous_totals = _aggregate(
            before, Plan(plan.spec, plan.measures, (), (), None, None, None)
        )
        before_revenue = float(before["revenue"].sum())
        if SHARE in names:
            previous[SHARE] = (
                previous["revenue"] / before_revenue if before_revenue else np.nan
            )
            previous_totals[SHARE] = 1.0 if before_revenue else np.nan
    groups = len(table)
    # sort
    sort = plan.sort
    if sort is None and timed and len(timed) == len(plan.groups):
        table = table.sort_index(ascending=True)
    elif plan.groups:
        by = sort or names[0]
        table = table.sort_values(
            by, ascending=not plan.spec.descending, na_position="last", kind="stable"
        )
    if plan.spec.limit is not None and groups > plan.spec.limit:
        table = table.iloc[: plan.spec.limit]
        notes.append(f"Showing {plan.spec.limit} of {groups:,} groups.")
    rows: list[dict[str, Any]] = []
    index = table.index
    for position in range(len(table)):
        key = index[position]
        if not isinstance(key, tuple):
            key = (key,)
        row: dict[str, Any] = {}
        if plan.groups:
            for group, value in zip(plan.groups, key, strict=True):
                if group.grain:
                    row[group.name] = _time_label(value, group.grain)
                else:
                    row[group.name] = NOT_SET if pd.isna(value) else str(value)
        for name in names:
            row[name] = _round(table[name].iloc[position], units[name])
        if previous is not None:
            for name in names:
                before_value = (
                    previous[name].get(index[position], np.nan)
                    if plan.groups
                    else previous_totals[name].iloc[0]
                )
                row[f"{name}_previous"] = _round(before_value, units[name])
                row[f"{name}_change"] = _change(
                    table[name].iloc[position], before_value, units[name]
                )
        rows.append(row)
    totals = {name: _round(totals_table[name].iloc[0], units[name]) for name in names}
    if previous is not None:
        for name in names:
            before_value = previous_totals[name].iloc[0]
            totals[f"{name}_previous"] = _round(before_value, units[name])
            totals[f"{name}_change"] = _change(
                totals_table[name].iloc[0], before_value, units[name]
            )
    notes.extend(_measure_notes(plan))
    columns = [g.name for g in plan.groups] + names
    if not plan.groups:
        rows = [dict(totals)]
    return QueryResult(
        spec=plan.spec,
        columns=columns,
        rows=rows,
        totals=totals,
        units=units,
        notes=notes,
        groups=groups if plan.groups else 1,
    )


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
