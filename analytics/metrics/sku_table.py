"""The SKU ranking's columns, once: the dashboard's table, its sorting and the exports.

Each column names the field it shows (a column of ``analytics.metrics.sku_scores`` with the
projection ``services.views.cached_sku_scores`` adds, or a text the table derives from
one: ``band_label``, ``note``, ``trend``), its header, how its numbers are written, the
field it sorts by, and whether the ranking's CSV/XLSX export carries it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class SkuColumn:
    """One column of the SKU ranking.

    ``label`` is the table's header (``None``: not a column of the table, only of the
    export); ``format`` the d3 specifier of a numeric column; ``sortable`` the field a
    click on the header sorts by (the column itself, or the figure a text column stands
    for), ``None`` when the table keeps its rank order; ``exported`` whether the
    ranking's CSV/XLSX export holds it (under ``name``).
    """

    name: str
    label: str | None
    type: str = "numeric"
    format: str | None = None
    sortable: str | None = None
    exported: bool = False


def _sorted(name: str, label: str, fmt: str | None = None) -> SkuColumn:
    """A figure shown, sortable by itself and exported."""
    return SkuColumn(name, label, format=fmt, sortable=name, exported=True)


#: The table's columns in the order shown, with the exported fields it derives from.
SKU_COLUMNS: tuple[SkuColumn, ...] = (
    _sorted("rank", "Rank"),
    SkuColumn("sku", "SKU", type="text", sortable="sku", exported=True),
    _sorted("score", "Score", ".1f"),
    SkuColumn("band_label", "Band", type="text", sortable="score"),
    SkuColumn("band", None, type="text", exported=True),
    _sorted("frequency_score", "Frequency", ".2f"),
    _sorted("price_score", "Price", ".2f"),
    _sorted("consistency_score", "Consistency", ".2f"),
    _sorted("transactions", "Transactions", ","),
    SkuColumn("note", "Note", type="text", sortable="transactions"),
    SkuColumn("few_sales", None, type="boolean", exported=True),
    _sorted("avg_amount", "Avg amount", ",.2f"),
    _sorted("revenue", "Revenue", ",.2f"),
    _sorted("profit", "Profit", ",.2f"),
    _sorted("projected_score", "Next month", ".1f"),
    SkuColumn("trend", "Trend", type="text"),
    SkuColumn("trending_down", None, type="boolean", exported=True),
)

#: Header clicked → the field sorted by; any other column keeps the rank order.
SORT_FIELDS: dict[str, str] = {c.name: c.sortable for c in SKU_COLUMNS if c.sortable}
#: Fields of the ranking's CSV/XLSX export.
EXPORTED: frozenset[str] = frozenset(c.name for c in SKU_COLUMNS if c.exported)


def shown_columns() -> list[SkuColumn]:
    """The columns of the dashboard's table, in order."""
    return [c for c in SKU_COLUMNS if c.label is not None]


def sku_export(scores: pd.DataFrame) -> pd.DataFrame:
    """The exported columns of a SKU score frame, in the frame's order."""
    return scores[[c for c in scores.columns if c in EXPORTED]]
