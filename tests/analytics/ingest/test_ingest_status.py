"""Payments that never went through are not revenue: lines whose Status column says the
payment failed, was declined or the order was cancelled are set aside (and reported),
while negative lines with such a status stay in, since they undo an earlier sale."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import UNPAID_REASON, ingest_bytes


def _payments() -> pd.DataFrame:
    statuses = ["succeeded"] * 10 + ["failed", "Declined", "succeeded", " canceled "]
    amounts = [100.0 + i for i in range(10)] + [500.0, 700.0, 50.0, 900.0]
    return pd.DataFrame(
        {
            "Created date (UTC)": pd.date_range("2024-03-01", periods=14, freq="D")
            .strftime("%Y-%m-%d %H:%M")
            .tolist(),
            "Amount": amounts,
            "Status": statuses,
            "Customer Email": [f"c{i}@example.com" for i in range(14)],
        }
    )


def test_failed_and_cancelled_payments_are_set_aside_and_reported():
    frame = _payments()
    result = ingest_bytes(frame.to_csv(index=False).encode(), "payments.csv")
    paid = frame.loc[frame["Status"] == "succeeded", "Amount"].sum()
    assert result.frame["revenue"].sum() == pytest.approx(paid)
    assert result.report["rows_read"] == 14
    assert result.report["rows_used"] == 11
    (entry,) = [e for e in result.report["set_aside"] if e["reason"] == UNPAID_REASON]
    assert entry["count"] == 3
    assert entry["rows"] == [12, 13, 15]  # source rows (the header is row 1)
    assert any(UNPAID_REASON in w for w in result.warnings)


def test_a_negative_cancellation_line_stays_in_so_totals_are_net():
    orders = pd.DataFrame(
        {
            "Order Date": ["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-06"],
            "Order Status": ["Completed", "Completed", "Cancelled", "Cancelled"],
            "Net Sales": [80.0, 40.0, -40.0, 25.0],
        }
    )
    result = ingest_bytes(orders.to_csv(index=False).encode(), "orders.csv")
    # the -40 line reverses an earlier sale and stays; the unpaid 25 order is set aside
    assert result.frame["revenue"].sum() == pytest.approx(80.0)
    (entry,) = [e for e in result.report["set_aside"] if e["reason"] == UNPAID_REASON]
    assert entry["count"] == 1 and entry["rows"] == [5]


def test_status_words_elsewhere_do_not_set_rows_aside():
    frame = _payments().rename(columns={"Status": "Fulfillment Status"})
    result = ingest_bytes(frame.to_csv(index=False).encode(), "payments.csv")
    assert result.report["rows_used"] == 14
    assert result.frame["revenue"].sum() == pytest.approx(frame["Amount"].sum())
