"""Customers who come back: how many ordered more than once, and what they bring."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics.chat.common import Intent
from analytics.chat.ops.common import (
    ORDER,
    distinct_per,
    plain_words,
    rows_in,
    scoped_rows,
)
from analytics.grounding.context import DataContext
from analytics.grounding.facts import FactSheet
from analytics.schema import CUSTOMER, REVENUE


def op_repeat_customers(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Customers with two or more distinct orders, their share of customers and revenue."""
    period = intent.periods[0] if intent.periods else None
    scoped, scope_words = scoped_rows(df, replace(intent, skus=()))
    rows = rows_in(scoped, period)
    where = period.label if period else f"all dates ({ctx.span()})"
    sheet.op("repeat_customers", period=period.iso() if period else "all")
    sheet.period, sheet.rows = (period.label if period else ctx.span()), len(rows)
    if not ctx.has_customer:
        sheet.add("Your data has no customer column, so I can't tell who came back.")
        return
    if not ctx.has_orders:
        sheet.add(
            "Your data has no order id column, so I can't tell one order from the "
            "next and can't count repeat customers."
        )
        return
    known = rows.loc[rows[CUSTOMER].notna() & rows[ORDER].notna()]
    sold = known.loc[known[REVENUE] > 0]
    if known.empty:
        sheet.add(f"There are no orders with a customer{scope_words} in {where}.")
        return
    # Orders per customer among lines with a positive amount (returns are not orders).
    orders = distinct_per(sold[CUSTOMER], sold[ORDER]).reindex(
        pd.unique(known[CUSTOMER]), fill_value=0.0
    )
    repeat = orders.loc[orders >= 2]
    plain = plain_words(scope_words)
    n_repeat = sheet.count(
        f"Customers with more than one order{plain}, {where}", len(repeat)
    )
    n_all = sheet.count(f"Customers with orders{plain}, {where}", len(orders))
    share = sheet.pct(
        f"Share of customers with more than one order{plain}, {where}",
        len(repeat) / len(orders),
    )
    sheet.add(
        f"**{n_repeat} of {n_all} customers** ({share}) placed more than one order"
        f"{scope_words} in {where}."
    )
    total = float(known[REVENUE].sum())
    if total:
        codes, _ = pd.factorize(known[CUSTOMER], sort=False)  # same order as ``orders``
        per_customer = np.bincount(codes, weights=known[REVENUE].to_numpy())
        theirs = float(per_customer[(orders.to_numpy() >= 2)].sum())
        revenue = sheet.money(
            f"Revenue of customers with more than one order{plain}, {where}", theirs
        )
        part = sheet.pct(
            f"Revenue share of customers with more than one order{plain}, {where}",
            theirs / total,
        )
        sheet.add(f"They brought {revenue}, {part} of the revenue of these customers.")
