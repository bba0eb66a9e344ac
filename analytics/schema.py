"""Column roles and the canonical transactions frame shared by every analytics module.

Ingestion turns any uploaded table into the *canonical frame*: one row per transaction line
(or per period line for aggregated exports), with these columns, in this order:

===============  ==================  ==========================================================
column           dtype               meaning
===============  ==================  ==========================================================
``source_row``   int64               1-based row number in the source sheet/file (for reports)
``date``         datetime64[ns]      transaction date, naive; NaT everywhere when the file has
                                     no date column
``revenue``      float64             net revenue of the line (negative for returns/credits);
                                     never NaN (rows without revenue are set aside)
``cost``         float64             cost of the line; NaN where unknown
``profit``       float64             revenue - cost (or from the file); NaN where unknown
``quantity``     float64             units; NaN where unknown
``unit_price``   float64             price per unit; NaN where unknown
``sku``          string (``str``)    product / SKU identifier; missing where unknown
``category``     string (``str``)    product category; missing where unknown
``customer``     string (``str``)    customer identifier; missing where unknown
``order_id``     string (``str``)    order / invoice the line belongs to; missing where unknown
===============  ==================  ==========================================================

After these, a frame built from a table also carries the file's *dimension* columns
(categoricals of strings) and its unmapped numeric *measure* columns (``float64``), named after their
header (see :mod:`analytics.dataset_model`, which records each one's kind and unit).
Code that only knows the canonical columns ignores them.

``ROLES`` are the roles a user maps to file columns (``Mapping``: role -> column name or None).
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC

import numpy as np
import pandas as pd

DATE = "date"
REVENUE = "revenue"
COST = "cost"
PROFIT = "profit"
QUANTITY = "quantity"
UNIT_PRICE = "unit_price"
SKU = "sku"
CATEGORY = "category"
CUSTOMER = "customer"
ORDER = "order_id"
SOURCE_ROW = "source_row"

#: Roles the user can map, in display order.
ROLES: tuple[str, ...] = (
    DATE,
    REVENUE,
    COST,
    PROFIT,
    SKU,
    QUANTITY,
    UNIT_PRICE,
    CATEGORY,
    CUSTOMER,
    ORDER,
)

#: Human labels for roles (UI and messages).
ROLE_LABELS: dict[str, str] = {
    DATE: "Date",
    REVENUE: "Revenue",
    COST: "Cost",
    PROFIT: "Profit",
    SKU: "SKU / product",
    QUANTITY: "Quantity",
    UNIT_PRICE: "Unit price",
    CATEGORY: "Category",
    CUSTOMER: "Customer",
    ORDER: "Order / invoice id",
}

NUMERIC_COLUMNS: tuple[str, ...] = (REVENUE, COST, PROFIT, QUANTITY, UNIT_PRICE)
TEXT_COLUMNS: tuple[str, ...] = (SKU, CATEGORY, CUSTOMER, ORDER)
CANONICAL_COLUMNS: tuple[str, ...] = (
    SOURCE_ROW,
    DATE,
    *NUMERIC_COLUMNS,
    *TEXT_COLUMNS,
)

Mapping = dict[str, str | None]


def empty_mapping() -> Mapping:
    """A mapping with every role unassigned."""
    return {role: None for role in ROLES}


def normalise_mapping(mapping: MappingABC[str, str | None] | None) -> Mapping:
    """Return a full role -> column mapping (unknown roles dropped, missing ones None)."""
    out = empty_mapping()
    for role, column in (mapping or {}).items():
        if role in out:
            out[role] = column or None
    return out


def empty_canonical() -> pd.DataFrame:
    """A canonical frame with no rows and the right dtypes."""
    return conform_canonical(pd.DataFrame({SOURCE_ROW: pd.Series([], dtype="int64")}))


def conform_canonical(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the canonical columns and dtypes (missing ones filled).

    Parameters
    ----------
    df:
        A frame holding any subset of ``CANONICAL_COLUMNS``; other columns are dropped.

    Returns
    -------
    A new frame with ``CANONICAL_COLUMNS`` in order; ``df`` is not modified.
    """
    n = len(df)
    out: dict[str, pd.Series] = {}
    index = df.index
    if SOURCE_ROW in df:
        out[SOURCE_ROW] = df[SOURCE_ROW].astype("int64")
    else:
        out[SOURCE_ROW] = pd.Series(np.arange(1, n + 1, dtype="int64"), index=index)
    if DATE in df:
        out[DATE] = pd.to_datetime(df[DATE]).astype("datetime64[ns]")
    else:
        out[DATE] = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    for col in NUMERIC_COLUMNS:
        if col in df:
            out[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        else:
            out[col] = pd.Series(np.nan, index=index, dtype="float64")
    for col in TEXT_COLUMNS:
        if col in df:
            values = df[col]
            if values.dtype != "str":  # a str column is already what this makes
                values = values.astype("str").where(values.notna()).astype("str")
            out[col] = values
        else:
            out[col] = pd.Series(pd.NA, index=index, dtype="str")
    return pd.DataFrame(out, index=index).reset_index(drop=True)


def has_values(df: pd.DataFrame, column: str) -> bool:
    """True when ``column`` of a canonical frame holds at least one known value."""
    return bool(df[column].notna().any()) if column in df else False
