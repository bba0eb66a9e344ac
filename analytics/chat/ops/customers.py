"""Customers who come back: how many ordered more than once, and what they bring."""

from __future__ import annotations

import pandas as pd

from analytics.chat.common import ORDERS, Intent
from analytics.chat.ops.common import figures, scope_of
from analytics.grounding.context import DataContext
from analytics.grounding.facts import FactSheet
from analytics.query import NOT_SET
from analytics.schema import CUSTOMER, REVENUE


def op_repeat_customers(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Customers with two or more distinct orders, their share of customers and revenue
    (orders per customer from the query engine)."""
    period = intent.periods[0] if intent.periods else None
    scope = scope_of(intent, skus=False)
    where = ctx.where(period)
    sheet.op("repeat_customers", period=period.iso() if period else "all")
    sheet.period = period.label if period else ctx.span()
    sheet.rows = ctx.rows
    if not ctx.has_customer:
        sheet.add("Your data has no customer column, so I can't tell who came back.")
        return
    if not ctx.has_orders:
        sheet.add(
            "Your data has no order id column, so I can't tell one order from the "
            "next and can't count repeat customers."
        )
        return
    per_customer = figures(df, (ORDERS,), scope, period, CUSTOMER)
    sheet.rows = int(per_customer["transactions"].sum())
    if per_customer[ORDERS].isna().all():
        sheet.add(
            "Too few of your lines carry an order id to count orders exactly, so I "
            "can't count repeat customers."
        )
        return
    known = per_customer.loc[per_customer[CUSTOMER] != NOT_SET]
    if known.empty:
        sheet.add(f"There are no orders with a customer{scope.words} in {where}.")
        return
    repeat = known.loc[known[ORDERS] >= 2]
    plain = scope.plain
    n_repeat = sheet.count(
        f"Customers with more than one order{plain}, {where}", len(repeat)
    )
    n_all = sheet.count(f"Customers with orders{plain}, {where}", len(known))
    share = sheet.pct(
        f"Share of customers with more than one order{plain}, {where}",
        len(repeat) / len(known),
    )
    sheet.add(
        f"**{n_repeat} of {n_all} customers** ({share}) placed more than one order"
        f"{scope.words} in {where}."
    )
    total = float(known[REVENUE].sum())
    if total:
        theirs = float(repeat[REVENUE].sum())
        revenue = sheet.money(
            f"Revenue of customers with more than one order{plain}, {where}", theirs
        )
        part = sheet.pct(
            f"Revenue share of customers with more than one order{plain}, {where}",
            theirs / total,
        )
        sheet.add(f"They brought {revenue}, {part} of the revenue of these customers.")
