"""Answer a :class:`QuerySpec` on a dataset (vectorised pandas): :func:`run` (rounded JSON
rows) and :func:`table` (unrounded columns) share one computation. The spec is checked by
:mod:`analytics.query.plan`; the columnar work is in :mod:`analytics.query.kernels`.

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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.dataset_model import (
    MEAN,
    WEIGHTED_MEAN,
    DatasetModel,
)
from analytics.metrics.filters import previous_period_bounds
from analytics.query.kernels import (
    Groups,
    aggregate,
    codes_and_values,
    column_codes,
    group_ids,
    per_column,
    time_label,
)
from analytics.query.plan import (
    MIN_ID_COVERAGE,
    NOT_SET,
    frame_model,
    known_share,
    validate,
)
from analytics.query.spec import (
    AOV,
    COST,
    CUSTOMERS,
    MARGIN,
    MEASURES,
    ORDERS,
    PROFIT,
    QUANTITY,
    REPEAT_CUSTOMERS,
    SHARE,
    TRANSACTIONS,
    Filter,
    Group,
    Measure,
    Plan,
    QueryResult,
    QuerySpec,
)
from analytics.schema import CUSTOMER, DATE, ORDER

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
    return time_label(key, group.grain) if group.grain else str(key)


@dataclass
class _Computed:
    """A query's figures before rounding (shared by :func:`run` and :func:`table`)."""

    plan: Plan
    names: list[str]
    units: dict[str, str]
    groups: Groups
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
        f"__{role}_codes": column_codes(frame[role])
        for role in (ORDER, CUSTOMER)
        if role in frame
    }
    encoded: dict[str, np.ndarray] = {}
    for group in plan.groups:
        if group.column and frame[group.column].dtype != "category":
            # text columns: encoded once per column (kept while it lives)
            group_codes, encoded[group.column] = per_column(
                frame[group.column],
                "groups",
                lambda series=frame[group.column]: codes_and_values(series),
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
    groups = group_ids(current, plan, encoded)
    cache: dict = {}
    figures = aggregate(current, plan, groups, cache)
    everything = Groups(np.zeros(len(current), dtype="int64"), 1, [()])
    totals_figures = (
        aggregate(current, plan, everything, cache) if plan.groups else figures
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
        before_groups = group_ids(before, plan, encoded)
        figures_before = aggregate(before, plan, before_groups)
        previous = {
            key: {n: figures_before[n][i] for n in names}
            for i, key in enumerate(before_groups.keys)
        }
        previous_totals = aggregate(
            before, plan, Groups(np.zeros(len(before), dtype="int64"), 1, [()])
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
    figures = aggregate(rows, plan, Groups(np.zeros(len(rows), "int64"), 1, [()]))
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
