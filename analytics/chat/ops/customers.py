"""Customers: who comes back, new and returning customers, averages per customer.

New customers and averages per customer use ``analytics.customers`` (the Customers
view's definitions), on the rows of the question's scope and period.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analytics.chat.common import ORDERS, Intent
from analytics.chat.ops.common import ORDERS_NOTE, Scope, period_op, rows_in, scope_of
from analytics.customers import CustomerView, customer_view
from analytics.grounding.context import DataContext
from analytics.grounding.facts import FactSheet
from analytics.query import filter_rows, frame_model
from analytics.schema import CUSTOMER, REVENUE


def op_repeat_customers(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Customers with two or more distinct orders, their share of the customers who
    bought (the repeat rate) and of revenue: the Customers view's figures
    (``analytics.customers.customer_view``) on the question's scope and period."""
    period = intent.periods[0] if intent.periods else None
    where = ctx.where(period)
    if period_op(sheet, ctx, period, "repeat_customers"):
        return
    sheet.rows = ctx.rows
    if not ctx.has_customer:
        sheet.add("Your data has no customer column, so I can't tell who came back.")
        return
    rows, scope = customer_rows(df, replace(intent, skus=()))
    view = customer_view(rows_in(rows, period), top=0)
    sheet.rows = view.coverage["lines_with_customer"]
    if view.repeat_rate is None:
        sheet.add(f"There are no purchases with a customer{scope.words} in {where}.")
        return
    # the Customers view's basis: orders, or purchase days when too few lines carry
    # an order id (several lines of one day are one visit)
    days = view.repeat_basis != "orders"
    more = "purchase days" if days else "orders"
    placed = "bought on more than one day" if days else "placed more than one order"
    plain = scope.plain
    repeat = view.rfm["frequency"] > 1
    one = "purchase day" if days else "order"
    n_repeat = sheet.count(
        f"Customers with more than one {one}{plain}, {where}", view.repeat_customers
    )
    n_all = sheet.count(
        f"Customers with {'a purchase' if days else 'orders'}{plain}, {where}",
        len(view.rfm),
    )
    share = sheet.pct(
        f"Share of customers with more than one {one}{plain}, {where}",
        view.repeat_rate,
    )
    sheet.add(
        f"**{n_repeat} of {n_all} customers** ({share}, the repeat rate) {placed}"
        f"{scope.words} in {where}."
    )
    if days:
        sheet.caveat(
            "_Your data has no order id on enough lines, so the repeat rate counts "
            f"{more}, as the Customers view does: several lines of one customer on one "
            "day are one purchase._"
        )
    total = float(view.coverage["revenue_with_customer"])
    if total:
        theirs = float(view.rfm.loc[repeat, "monetary"].sum())
        revenue = sheet.money(
            f"Revenue of customers with more than one {one}{plain}, {where}", theirs
        )
        part = sheet.pct(
            f"Revenue share of customers with more than one {one}{plain}, {where}",
            theirs / total,
        )
        sheet.add(
            f"They brought {revenue}, {part} of the net revenue of the lines with a "
            "customer id."
        )
    left_out(sheet, view)


def customer_rows(df: pd.DataFrame, intent: Intent) -> tuple[pd.DataFrame, Scope]:
    """The rows of the question's scope (its SKUs, categories and column values), any
    date."""
    scope = scope_of(intent)
    if not scope.filters:
        return df, scope
    return filter_rows(df, frame_model(df, None), scope.filters), scope


def left_out(sheet: FactSheet, view: CustomerView) -> None:
    """How lines without a customer id are treated (as in the Customers view)."""
    cover = view.coverage
    left = cover["lines"] - cover["lines_with_customer"]
    if left:
        lines = sheet.count("Lines without a customer id", left)
        revenue = sheet.money(
            "Revenue of lines without a customer id",
            cover["revenue"] - cover["revenue_with_customer"],
        )
        have = "line has" if left == 1 else "lines have"
        sheet.caveat(
            f"_{lines} {have} no customer id (or no date); they and their revenue "
            f"({revenue}) are left out of the customer figures, as in the Customers "
            "view._"
        )


def op_per_customer(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Average revenue or orders per customer (``analytics.customers``' definitions:
    revenue per customer = net revenue of the lines with a customer id / customers;
    orders per customer = orders / customers with a purchase)."""
    period = intent.periods[0] if intent.periods else None
    rows, scope = customer_rows(df, intent)
    rows = rows_in(rows, period)
    where = ctx.where(period)
    metric = ORDERS if intent.metric == ORDERS else REVENUE
    if period_op(sheet, ctx, period, "per_customer", metric=metric):
        return
    view = customer_view(rows, top=0)
    sheet.rows = view.coverage["lines_with_customer"]
    if view.customers == 0:
        sheet.add(f"There are no lines with a customer id{scope.words} in {where}.")
        return
    plain = scope.plain
    if metric == ORDERS:
        if view.unit != "orders":
            sheet.add(
                "Too few of your customer lines carry an order id to count orders "
                "exactly, so I can't give orders per customer."
            )
            return
        if view.orders_per_customer is None:
            sheet.add(f"No customer bought anything{scope.words} in {where}.")
            return
        buyers = len(view.rfm)
        average = sheet.count(
            f"Orders per customer{plain}, {where}", view.orders_per_customer, 2
        )
        orders = sheet.count(
            f"Orders of customers{plain}, {where}",
            round(view.orders_per_customer * buyers),
        )
        n_buyers = sheet.count(f"Customers with a purchase{plain}, {where}", buyers)
        sheet.add(
            f"**Orders per customer**{scope.words}, {where}: **{average}** on average "
            f"({orders} orders from {n_buyers} customers who bought)."
            if buyers > 1
            else f"({orders} from the one customer who bought)."
        )
        sheet.caveat(ORDERS_NOTE)
    else:
        average = sheet.money(
            f"Revenue per customer{plain}, {where}", view.revenue_per_customer
        )
        revenue = sheet.money(
            f"Revenue of customers{plain}, {where}",
            view.coverage["revenue_with_customer"],
        )
        n_customers = sheet.count(f"Customers{plain}, {where}", view.customers)
        sheet.add(
            f"**Average revenue per customer**{scope.words}, {where}: **{average}** "
            f"({revenue} of net revenue from {n_customers} "
            f"{'customer' if view.customers == 1 else 'customers'})."
        )
    left_out(sheet, view)
    what = "Orders" if metric == ORDERS else "Revenue"
    sheet.add(
        "",
        f"This is the average over customers; for each customer's own figure, ask "
        f"“{what} by customer{' in ' + period.label if period else ''}”.",
    )


def op_new_customers(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """New customers (first purchase in the period) and returning ones (a purchase in
    the period, the first one before it), with their revenue in the period; without a
    period, new customers per year; "per month", the Customers view's monthly table."""
    period = intent.periods[0] if intent.periods else None
    rows, scope = customer_rows(df, intent)
    where = ctx.where(period)
    if period_op(sheet, ctx, period, "new_customers"):
        return
    everyone = customer_view(rows, top=every_customer(rows))
    sheet.rows = everyone.coverage["lines_with_customer"]
    plain = scope.plain
    if everyone.customers == 0:
        sheet.add(f"There are no lines with a customer id{scope.words}.")
        return
    if intent.dimension == "month" or period is None:
        _new_by_time(sheet, everyone, ctx, intent, scope)
    else:
        in_period = customer_view(rows_in(rows, period), top=every_customer(rows))
        first = everyone.top.set_index("customer")["first"]
        seen = in_period.top.set_index("customer")
        new = (
            seen.index.map(first).to_series(index=seen.index).ge(period.start)
        ).to_numpy()
        bought = seen["first"].notna().to_numpy()
        if not bought.any():
            sheet.add(
                f"No customer with an id bought anything{scope.words} in {where}."
            )
            left_out(sheet, in_period)
            return
        n_new = sheet.count(f"New customers{plain}, {where}", int((new & bought).sum()))
        n_back = sheet.count(
            f"Returning customers{plain}, {where}", int((~new & bought).sum())
        )
        new_revenue = sheet.money(
            f"Revenue of new customers{plain}, {where}",
            float(seen.loc[new, "revenue"].sum()),
        )
        back_revenue = sheet.money(
            f"Revenue of returning customers{plain}, {where}",
            float(seen.loc[~new, "revenue"].sum()),
        )
        buyers = int(bought.sum())
        share = sheet.pct(
            f"Share of new customers among the customers who bought{plain}, {where}",
            (new & bought).sum() / buyers if buyers else None,
        )
        sheet.add(
            f"**{n_new} new customers**{scope.words} in {where} ({share} of the "
            "customers who bought there): their first purchase in your data was in "
            f"that period; they brought {new_revenue} there.",
            f"**{n_back} returning customers** bought in {where} after a first purchase "
            f"before it; they brought {back_revenue} there.",
        )
    first_day = everyone.top["first"].min()
    sheet.caveat(
        "_A customer is new at their first purchase in your data (which starts "
        f"{first_day:%Y-%m-%d}{' for this selection' if scope.filters else ''}): "
        "customers who bought before it look new. Revenue is net (returns "
        "included)._"
    )
    left_out(sheet, everyone)


def every_customer(rows: pd.DataFrame) -> int:
    """A ``top`` that keeps every customer."""
    return int(rows[CUSTOMER].nunique()) + 1


def _new_by_time(
    sheet: FactSheet, view: CustomerView, ctx: DataContext, intent: Intent, scope: Scope
) -> None:
    """New customers per month (asked "per month") or per year, with the revenue of
    new and returning customers (the Customers view's monthly figures)."""
    monthly = view.monthly
    period = intent.periods[0] if intent.periods else None
    if period is not None:
        monthly = monthly.loc[
            (monthly["month"] >= period.start.replace(day=1))
            & (monthly["month"] <= period.end)
        ]
    monthly_grain = intent.dimension == "month"
    key = monthly["month"].dt.strftime("%Y-%m" if monthly_grain else "%Y")
    table = monthly.groupby(key)[["new_customers", "new", "returning"]].sum()
    where = ctx.where(period)
    grain = "month" if monthly_grain else "year"
    sheet.add(
        f"**New customers by {grain}**{scope.words}, {where} (revenue of new and of "
        "returning customers in each):",
        "",
    )
    plain = scope.plain
    for label, row in table.iterrows():
        n_new = sheet.count(f"New customers{plain}, {label}", int(row["new_customers"]))
        new = sheet.money(f"Revenue of new customers{plain}, {label}", row["new"])
        back = sheet.money(
            f"Revenue of returning customers{plain}, {label}", row["returning"]
        )
        noun = "customer" if int(row["new_customers"]) == 1 else "customers"
        sheet.add(
            f"- {label}: {n_new} new {noun}; revenue in customers' first month {new}, "
            f"in later months {back}"
        )
    sheet.add(
        "",
        f"Revenue is *new* in the month of a customer's first purchase and *returning* "
        "in later months (as in the Customers view). Ask “new customers in "
        f"{table.index[-1] if len(table) else 'a period'}” for one period.",
    )
