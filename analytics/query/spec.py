"""The typed query: which figures, grouped by what, over which rows.

A :class:`QuerySpec` is plain data (JSON in and out with :func:`spec_from_json` and
:func:`spec_to_json`); :func:`analytics.query.plan.validate` checks it against one
dataset's model and :func:`analytics.query.engine.run` answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analytics.errors import UserFacingError
from analytics.schema import CATEGORY, CUSTOMER, ORDER, SKU

# ----------------------------------------------------------------- measure names
REVENUE = "revenue"
COST = "cost"
PROFIT = "profit"
MARGIN = "margin"
QUANTITY = "quantity"
ORDERS = "orders"
AOV = "aov"
CUSTOMERS = "customers"
REPEAT_CUSTOMERS = "repeat_customers"
TRANSACTIONS = "transactions"
SHARE = "share"

#: Built-in measures, with their unit.
MEASURES: dict[str, str] = {
    REVENUE: "money",
    COST: "money",
    PROFIT: "money",
    MARGIN: "ratio",
    QUANTITY: "count",
    ORDERS: "count",
    AOV: "money",
    CUSTOMERS: "count",
    REPEAT_CUSTOMERS: "count",
    TRANSACTIONS: "count",
    SHARE: "ratio",
}
MEASURE_LABELS: dict[str, str] = {
    REVENUE: "Revenue",
    COST: "Cost",
    PROFIT: "Profit",
    MARGIN: "Margin",
    QUANTITY: "Quantity",
    ORDERS: "Orders",
    AOV: "Average order value",
    CUSTOMERS: "Customers",
    REPEAT_CUSTOMERS: "Repeat customers",
    TRANSACTIONS: "Lines",
    SHARE: "Share of revenue",
}

# ------------------------------------------------------------------ time grains
TIME_GRAINS: tuple[str, ...] = (
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "month_of_year",
    "weekday",
)
#: Grains that repeat every year (they line up with a year-ago comparison).
CYCLIC_GRAINS = ("month_of_year", "weekday")
#: Canonical text columns a query may group or filter by.
ROLE_GROUPS: tuple[str, ...] = (SKU, CATEGORY, CUSTOMER, ORDER)

COMPARES = ("previous_period", "year_ago")
MAX_LIMIT = 10_000


class QueryError(UserFacingError, ValueError):
    """A query that cannot be answered as asked; the message says what exists."""


@dataclass(frozen=True)
class Filter:
    """Keep rows whose ``column`` holds one of ``values`` (matched ignoring case,
    accents and spacing)."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class QuerySpec:
    """One question about a dataset.

    ``measures``: built-in names of :data:`MEASURES` or a measure column of the file.
    ``group_by``: dimension columns, ``sku``/``category``/``customer``, or a time grain
    of :data:`TIME_GRAINS`. ``filters``: value lists per column. ``start``/``end``:
    inclusive dates (YYYY-MM-DD). ``compare``: ``previous_period`` or ``year_ago``
    (needs ``start`` and ``end``). ``sort``: a requested measure (default: the first;
    time grains sort by time). ``limit``: keep the first rows after sorting.
    """

    measures: tuple[str, ...] = (REVENUE,)
    group_by: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    start: str | None = None
    end: str | None = None
    compare: str | None = None
    sort: str | None = None
    descending: bool = True
    limit: int | None = None


@dataclass(frozen=True)
class Measure:
    """A requested figure: a built-in measure or a file's measure column."""

    name: str
    unit: str
    column: str | None = None  # frame column of a file measure
    aggregation: str = "sum"


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
    start: Any  # pandas Timestamp or None
    end: Any
    sort: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class QueryResult:
    """Rows (one per group, or one row of totals), totals over every filtered row, the
    spec as answered, each measure's unit and notes on how figures were made."""

    spec: QuerySpec
    columns: list[str]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    units: dict[str, str]
    notes: list[str] = field(default_factory=list)
    groups: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "spec": spec_to_json(self.spec),
            "columns": self.columns,
            "rows": self.rows,
            "totals": self.totals,
            "units": self.units,
            "notes": self.notes,
            "groups": self.groups,
        }


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    ):
        raise QueryError(f"'{what}' must be a list of names.")
    return tuple(str(v).strip() for v in value if str(v).strip())


def spec_from_json(data: Any) -> QuerySpec:
    """A spec from its JSON form (see README, "Query API"); raises QueryError when the
    shape is wrong (unknown keys, wrong types)."""
    if not isinstance(data, Mapping):
        raise QueryError("The query must be a JSON object.")
    known = {
        "measures",
        "group_by",
        "filters",
        "date_range",
        "start",
        "end",
        "compare",
        "sort",
        "limit",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise QueryError(
            f"Unknown query field(s): {', '.join(unknown)}. Fields: {', '.join(sorted(known))}."
        )
    measures = _strings(data.get("measures"), "measures") or (REVENUE,)
    group_by = _strings(data.get("group_by"), "group_by")
    filters = []
    raw_filters = data.get("filters") or []
    if isinstance(raw_filters, Mapping):
        raw_filters = [{"column": k, "values": v} for k, v in raw_filters.items()]
    if not isinstance(raw_filters, list):
        raise QueryError("'filters' must be a list of {column, values} objects.")
    for item in raw_filters:
        if not isinstance(item, Mapping) or not isinstance(item.get("column"), str):
            raise QueryError(
                "Each filter needs a 'column' name and a list of 'values'."
            )
        values = _strings(item.get("values"), "values")
        if not values:
            raise QueryError(f"The filter on '{item['column']}' has no values.")
        filters.append(Filter(item["column"].strip(), values))
    dates = data.get("date_range") or {}
    if not isinstance(dates, Mapping):
        raise QueryError("'date_range' must be an object with 'start' and 'end'.")
    start = dates.get("start", data.get("start"))
    end = dates.get("end", data.get("end"))
    for label, value in (("start", start), ("end", end)):
        if value is not None and not isinstance(value, str):
            raise QueryError(f"The {label} date must be text like 2024-01-31.")
    compare = data.get("compare")
    if compare is not None and compare not in COMPARES:
        raise QueryError(
            f"'compare' must be one of {', '.join(COMPARES)} (or left out)."
        )
    sort = data.get("sort")
    by, descending = None, True
    if isinstance(sort, str):
        by = sort
    elif isinstance(sort, Mapping):
        by = sort.get("by")
        order = sort.get("order", "desc")
        if order not in ("asc", "desc"):
            raise QueryError("The sort order must be 'asc' or 'desc'.")
        descending = order == "desc"
        if by is not None and not isinstance(by, str):
            raise QueryError("'sort.by' must be a measure name.")
    elif sort is not None:
        raise QueryError("'sort' must be a measure name or {by, order}.")
    limit = data.get("limit")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise QueryError("'limit' must be a whole number of at least 1.")
        limit = min(limit, MAX_LIMIT)
    return QuerySpec(
        measures=measures,
        group_by=group_by,
        filters=tuple(filters),
        start=(start or None),
        end=(end or None),
        compare=compare,
        sort=by,
        descending=descending,
        limit=limit,
    )


def spec_to_json(spec: QuerySpec) -> dict[str, Any]:
    """The JSON form of ``spec`` (accepted back by :func:`spec_from_json`)."""
    out: dict[str, Any] = {
        "measures": list(spec.measures),
        "group_by": list(spec.group_by),
        "filters": [
            {"column": f.column, "values": list(f.values)} for f in spec.filters
        ],
        "date_range": {"start": spec.start, "end": spec.end},
        "compare": spec.compare,
        "sort": {"by": spec.sort, "order": "desc" if spec.descending else "asc"},
        "limit": spec.limit,
    }
    return out
