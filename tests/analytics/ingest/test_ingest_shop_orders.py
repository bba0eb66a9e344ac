"""Shop order exports with statuses and refunds (tests/fixtures/shop_orders.py): voided
or cancelled orders are left out with all their lines, refunds are taken off once per
order, revenue is the line items' product amounts (shipping and tax apart).

Each case's answer was kept in integer cents while the file was written.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import UNPAID_REASON, ingest_bytes
from tests.fixtures import shop_orders

ORDERS = shop_orders.all_orders()


@pytest.fixture(scope="module")
def results():
    return {o.name: ingest_bytes(o.data, o.filename) for o in ORDERS}


def test_four_variants():
    assert len({o.name for o in ORDERS}) >= 4


@pytest.mark.parametrize("orders", ORDERS, ids=lambda o: o.name)
def test_revenue_is_line_items_of_kept_orders_net_of_refunds(results, orders):
    result = results[orders.name]
    assert round(float(result.frame["revenue"].sum()) * 100) == orders.revenue
    assert any(
        "refunds taken off" in a and "minus" in a for a in result.report["assumptions"]
    )


@pytest.mark.parametrize("orders", ORDERS, ids=lambda o: o.name)
def test_every_line_of_a_cancelled_order_is_set_aside(results, orders):
    report = results[orders.name].report
    aside = {e["reason"]: e["count"] for e in report["set_aside"]}
    assert aside == {UNPAID_REASON: orders.cancelled_lines}
    assert report["rows_read"] == orders.rows_read
    assert report["rows_read"] == report["rows_used"] + sum(aside.values())


@pytest.mark.parametrize("orders", ORDERS, ids=lambda o: o.name)
def test_date_range(results, orders):
    assert results[orders.name].report["date_range"] == orders.date_range


@pytest.mark.parametrize("orders", ORDERS, ids=lambda o: o.name)
def test_shipping_and_tax_are_not_product_revenue(results, orders):
    """Revenue plus the refunds equals quantity × price of the kept lines: no shipping,
    tax or order total in it."""
    result = results[orders.name]
    frame = result.frame
    line_amounts = (frame["quantity"] * frame["unit_price"]).sum()
    assert round(line_amounts * 100) == orders.revenue + orders.refunded


def test_refund_header_and_status_header_are_matched_by_meaning():
    frame = pd.DataFrame(
        {
            "Order Ref": ["A1", "A2", "A3", "A4"],
            "Order Date": ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04"],
            "Payment status (shop)": ["Paid", "Paid", "Voided", "Paid"],
            "Sales": ["100.00", "80.00", "60.00", "40.00"],
            "Refund Amount (GBP)": ["0.00", "30.00", "0.00", "0.00"],
        }
    )
    result = ingest_bytes(frame.to_csv(index=False).encode(), "orders.csv")
    assert result.frame["revenue"].sum() == pytest.approx(100 + 80 - 30 + 40)
    assert {e["reason"]: e["count"] for e in result.report["set_aside"]} == {
        UNPAID_REASON: 1
    }


@pytest.mark.parametrize(
    ("header", "is_payment_status"),
    [
        ("Financial Status", True),
        ("Order Payment Status (Shop)", True),
        ("Bestellstatus", True),
        ("Zahlungsstatus", True),
        ("Statut de la commande", True),
        ("Fulfillment Status", False),
        ("Lineitem fulfillment status", False),
        ("Versandstatus", False),
        ("Lieferstatus", False),
        ("Billing State", False),
    ],
)
def test_status_columns_are_recognised_by_meaning(header, is_payment_status):
    frame = pd.DataFrame(
        {
            "Date": ["2024-05-01", "2024-05-02", "2024-05-03"],
            header: ["paid", "cancelled", "paid"],
            "Amount": ["10.00", "20.00", "30.00"],
        }
    )
    result = ingest_bytes(frame.to_csv(index=False).encode(), "orders.csv")
    kept = 40.0 if is_payment_status else 60.0
    assert result.frame["revenue"].sum() == pytest.approx(kept)
