"""The Customers section follows the filters like the rest of the dashboard."""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import Dash, Output, dash_table, html

from analytics.customers import CustomerView
from analytics.formatting import format_date, format_money, format_number, format_pct
from analytics.metrics import FilterError
from callbacks.context import store
from callbacks.filters import VIEW_INPUTS, download_links, filters_of
from components import ids
from components.cards import kpi_card
from components.customers import cohort_figure, new_returning_figure
from components.figures import empty_figure
from services.views import cached_customer_view, load_view

logger = logging.getLogger(__name__)

TREND_LABELS = {
    "up": "▲ up",
    "down": "▼ down",
    "flat": "→ flat",
    "new": "new",
    "lapsed": "lapsed",
    "none": "–",
}


def customer_kpis(view: CustomerView, currency: str) -> list:
    """Customers, repeat rate, orders per customer and revenue per customer."""
    per = "order" if view.unit == "orders" else "line"
    basis = (
        "more than one order"
        if view.repeat_basis == "orders"
        else "bought on more than one day"
    )
    return [
        kpi_card("Customers", format_number(view.customers)),
        kpi_card(
            "Repeat rate",
            "–" if view.repeat_rate is None else format_pct(view.repeat_rate),
            note=f"{format_number(view.repeat_customers)} with {basis}",
        ),
        kpi_card(
            f"{view.unit.capitalize()} per customer",
            "–"
            if view.orders_per_customer is None
            else f"{view.orders_per_customer:,.2f}",
            note=None if per == "order" else "no order id: lines, not orders",
        ),
        kpi_card(
            "Revenue per customer",
            "–"
            if view.revenue_per_customer is None
            else format_money(view.revenue_per_customer, currency),
        ),
    ]


def segments_table(view: CustomerView, currency: str) -> dash_table.DataTable:
    rows = [
        {
            "segment": r["segment"],
            "rule": r["rule"],
            "customers": format_number(r["customers"]),
            "revenue": format_money(r["revenue"], currency),
            "share": "–"
            if r["share_of_revenue"] != r["share_of_revenue"]
            else format_pct(r["share_of_revenue"]),
        }
        for r in view.segments.to_dict("records")
    ]
    return _table(
        rows,
        [
            ("segment", "Segment"),
            ("rule", "Rule (scores 1–5)"),
            ("customers", "Customers"),
            ("revenue", "Revenue"),
            ("share", "Share"),
        ],
    )


def top_table(view: CustomerView, currency: str) -> dash_table.DataTable:
    rows = [
        {
            "customer": str(r["customer"]),
            "revenue": format_money(r["revenue"], currency),
            "units": format_number(r[view.unit]),
            "first": "" if r["first"] != r["first"] else format_date(r["first"]),
            "last": "" if r["last"] != r["last"] else format_date(r["last"]),
            "trend": TREND_LABELS.get(r["trend"], r["trend"]),
        }
        for r in view.top.to_dict("records")
    ]
    return _table(
        rows,
        [
            ("customer", "Customer"),
            ("revenue", "Revenue"),
            ("units", view.unit.capitalize()),
            ("first", "First purchase"),
            ("last", "Last purchase"),
            ("trend", "Last 90 days"),
        ],
    )


def _table(rows: list[dict], columns: list[tuple[str, str]]) -> dash_table.DataTable:
    return dash_table.DataTable(
        data=rows,
        columns=[{"id": i, "name": n} for i, n in columns],
        page_size=10,
        style_as_list_view=True,
        style_table={"overflowX": "auto"},
        style_cell={"fontSize": 13, "padding": "4px 8px", "textAlign": "left"},
        style_header={
            "fontWeight": 600,
            "backgroundColor": "var(--bs-tertiary-bg, #f8f9fa)",
        },
    )


def update_customers(
    session_id: str | None,
    filters: dict | None,
) -> tuple:
    """(hidden, KPI cards, notes, monthly figure, cohort figure, segments, top, CSV link)."""
    filters = filters_of(filters)
    try:
        view = load_view(store(), session_id or "", filters)
    except FilterError:
        view = None
    found = None if view is None else cached_customer_view(view)
    if found is None:
        empty = empty_figure("")
        return True, [], None, empty, empty, None, None, "#"
    currency = view.dataset.meta.currency_symbol
    notes = (
        dbc.Alert(
            [html.Div(n) for n in found.notes], color="light", className="small mb-3"
        )
        if found.notes
        else None
    )
    data_csv = download_links(view)[0]
    return (
        False,
        customer_kpis(found, currency),
        notes,
        new_returning_figure(found.monthly, currency),
        cohort_figure(found.cohorts, found.cohort_sizes),
        segments_table(found, currency),
        top_table(found, currency),
        data_csv.replace("/data.csv", "/customers.csv", 1),
    )


def register(app: Dash) -> None:
    app.callback(
        Output(ids.CUSTOMERS_SECTION, "hidden"),
        Output(ids.CUSTOMERS_KPIS, "children"),
        Output(ids.CUSTOMERS_NOTES, "children"),
        Output(ids.CUSTOMERS_MONTHLY_GRAPH, "figure"),
        Output(ids.CUSTOMERS_COHORT_GRAPH, "figure"),
        Output(ids.CUSTOMERS_SEGMENTS, "children"),
        Output(ids.CUSTOMERS_TOP, "children"),
        Output(ids.DOWNLOAD_CUSTOMERS_CSV, "href"),
        *VIEW_INPUTS,
    )(update_customers)
