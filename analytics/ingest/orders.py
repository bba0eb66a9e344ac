"""Lines of one order: the order-number column, order totals repeated on each line, and
dates written on an order's first line only (shop and invoice exports)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics.ingest.parsing import clean_text
from analytics.ingest.role_words import normalise_header
from analytics.schema import ORDER, QUANTITY, REVENUE, UNIT_PRICE

#: Headers of a column naming the order a line belongs to (lines of one order in a row).
_ORDER_KEY = re.compile(
    r"^(?:name|order|order (?:id|no|number|name|ref|reference)|invoice|invoice "
    r"(?:id|no|number)|receipt (?:id|no|number)|transaction (?:id|no)|document "
    r"(?:no|number)|belegnr|beleg nr|belegnummer|bestellnummer|bestellung|"
    r"numero de commande|n commande|commande|pedido|numero pedido)$"
)


def order_key(table: pd.DataFrame, mapping: Mapping[str, str | None]) -> str | None:
    """The column naming the order each line belongs to (see ``_ORDER_KEY``)."""
    mapped = mapping.get(ORDER)
    if mapped and mapped in table.columns and table[mapped].dtype == "str":
        return mapped
    others = {column for role, column in mapping.items() if role != ORDER}
    for name in table.columns:
        if (
            table[name].dtype == "str"
            and name not in others
            and _ORDER_KEY.match(normalise_header(name))
        ):
            return name
    return None


def repeated_order_amount(
    table: pd.DataFrame, mapping: Mapping[str, str | None], data: dict[str, Any]
) -> str | None:
    """The order column when the revenue column repeats an order total on each line.

    Invoice exports with one row per line (Xero, many carts) repeat invoice fields on
    every line; summing such a ``Total`` counts an order once per line. Detected when,
    between consecutive lines of one order, the amount stays the same while quantity ×
    unit price changes.
    """
    key_name = order_key(table, mapping)
    if key_name is None:
        return None
    key = clean_text(table[key_name]).to_numpy(dtype=object)
    if len(key) < 4:
        return None
    same_order = np.zeros(len(key), dtype=bool)
    same_order[1:] = (key[1:] == key[:-1]) & pd.notna(key[1:])
    if same_order.sum() < 3:
        return None
    revenue = data[REVENUE].to_numpy()
    line = (data[QUANTITY] * data[UNIT_PRICE]).to_numpy()
    pairs = np.flatnonzero(same_order)
    repeated = revenue[pairs] == revenue[pairs - 1]
    differs = line[pairs] != line[pairs - 1]
    if repeated.mean() >= 0.9 and differs.mean() >= 0.3:
        return str(key_name)
    return None


def inherit_order_dates(
    table: pd.DataFrame, dates: pd.Series, mapping: Mapping[str, str | None]
) -> tuple[pd.Series, str, int] | None:
    """Dates for the extra lines of an order that carry the date on its first line only.

    Shop exports with one row per line item often leave order fields (the date among
    them) empty on the order's other lines; a line without a date takes the date of the
    line above when both name the same order in an order-number column.
    """
    undated = dates.isna().to_numpy()
    if not undated.any() or undated.all():
        return None
    name = order_key(table, mapping)
    if name is None:
        return None
    key = clean_text(table[name])
    if key.isna().mean() > 0.05:
        return None
    run = (key != key.shift()).cumsum()
    filled = dates.groupby(run.to_numpy()).ffill()
    gained = int((filled.notna() & dates.isna()).sum())
    if gained:
        return filled.astype("datetime64[ns]"), str(name), gained
    return None
