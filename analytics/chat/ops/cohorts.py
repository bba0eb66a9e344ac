"""Cohort retention and RFM segments: the Customers view's figures
(``analytics.customers.customer_view``) on the question's scope."""

from __future__ import annotations

import pandas as pd

from analytics.chat.common import Intent
from analytics.chat.ops.common import period_op, rows_in
from analytics.chat.ops.customers import customer_rows, every_customer, left_out
from analytics.customers import SEGMENT_RULES, customer_view
from analytics.grounding.context import DataContext
from analytics.grounding.facts import FactSheet


def op_rfm_segments(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Customers and net revenue of each RFM segment (names and rules as the view
    shows them)."""
    period = intent.periods[0] if intent.periods else None
    rows, scope = customer_rows(df, intent)
    where = ctx.where(period)
    if period_op(sheet, ctx, period, "rfm_segments"):
        return
    view = customer_view(rows_in(rows, period), top=0)
    sheet.rows = view.coverage["lines_with_customer"]
    if not len(view.rfm):
        sheet.add(f"No customer with an id bought anything{scope.words} in {where}.")
        return
    plain = scope.plain
    buyers = sheet.count(f"Customers with a purchase{plain}, {where}", len(view.rfm))
    sheet.add(
        f"**Customer segments (RFM)**{scope.words}, {where}: the {buyers} customers who "
        f"bought, scored 1–5 on recency, frequency ({view.repeat_basis}) and net "
        "revenue, as in the Customers view:",
        "",
    )
    rules = dict(SEGMENT_RULES)
    for row in view.segments.to_dict("records"):
        name = row["segment"]
        n = sheet.count(
            f"Customers in segment {name}{plain}, {where}", row["customers"]
        )
        revenue = sheet.money(
            f"Revenue of segment {name}{plain}, {where}", row["revenue"]
        )
        part = (
            ""
            if pd.isna(row["share_of_revenue"])
            else f", {sheet.pct(f'Share of revenue of segment {name}{plain}, {where}', row['share_of_revenue'])} of their revenue"
        )
        noun = "customer" if row["customers"] == 1 else "customers"
        sheet.add(f"- **{name}** ({rules[name]}): {n} {noun}, {revenue}{part}")
    sheet.add(
        "",
        "Scores are quintiles among these customers; recency counts the days from a "
        "customer's last purchase to the last date of the selection; the first rule "
        "that matches names the segment.",
    )
    left_out(sheet, view)


def op_retention(
    sheet: FactSheet, df: pd.DataFrame, ctx: DataContext, intent: Intent
) -> None:
    """Of the customers whose first purchase is in the period's months (every month
    without a period), how many bought again in a later month, and the share of them
    with a purchase the month right after their first (the view's cohort table)."""
    period = intent.periods[0] if intent.periods else None
    rows, scope = customer_rows(df, intent)
    where = ctx.where(period)
    if period_op(sheet, ctx, period, "retention"):
        return
    view = customer_view(rows, top=every_customer(rows))
    sheet.rows = view.coverage["lines_with_customer"]
    sizes, cohorts = view.cohort_sizes, view.cohorts
    if period is not None:
        keep = (sizes.index >= period.start.replace(day=1)) & (
            sizes.index <= period.end
        )
        sizes, cohorts = sizes[keep], cohorts.loc[keep]
    plain = scope.plain
    if not len(sizes):
        sheet.add(f"No customer made a first purchase{scope.words} in {where}.")
        return
    last_month = view.monthly["month"].max()
    bought = view.top.loc[view.top["first"].notna()]
    first = bought["first"].dt.to_period("M").dt.to_timestamp()
    later = bought["last"].dt.to_period("M").dt.to_timestamp() > first
    mine = first.isin(sizes.index) & (first < last_month)
    label = f"first purchase in {where}" if period else "every first month"
    if mine.any():
        n = sheet.count(
            f"Customers who could come back{plain}, {label}", int(mine.sum())
        )
        back = sheet.count(
            f"Customers who came back in a later month{plain}, {label}",
            int((mine & later).sum()),
        )
        share = sheet.pct(
            f"Share of customers who came back in a later month{plain}, {label}",
            float((mine & later).sum() / mine.sum()),
        )
        when = f"in {where}" if period else f"before {last_month:%B %Y}"
        sheet.add(
            f"**{back} of {n} customers** ({share}) whose first purchase{scope.words} "
            f"was {when} bought again in a later month, up to {last_month:%B %Y} (the "
            "last month of the data)."
        )
    if 1 in cohorts.columns:
        seen = cohorts[1].notna()
        if seen.any():
            base = int(sizes[seen].sum())
            kept = int(round(float((cohorts.loc[seen, 1] * sizes[seen]).sum())))
            n_kept = sheet.count(
                f"Customers retained the next month{plain}, {label}", kept
            )
            next_share = sheet.pct(
                f"Share of customers retained the next month{plain}, {label}",
                kept / base,
            )
            sheet.add(
                f"{n_kept} of {base:,} ({next_share}) bought again in the month right "
                "after their first (the Customers view's cohort table, month 1)."
            )
    sheet.add(
        "",
        "_A customer's cohort is the month of their first purchase in your data; "
        "customers whose first month is the last month of the data cannot have come "
        "back yet and are left out of the first figure. See the Customers view's "
        "cohort heatmap for each month._",
    )
    left_out(sheet, view)
