"""Payment exports that carry refunds in their own column ("Amount" and "Amount Refunded"
on every line, as Stripe writes them): revenue is net of refunds."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes


def _stripe(**extra: list) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": [f"ch_{i:04d}" for i in range(6)],
            "Created date (UTC)": pd.date_range("2024-02-01 09:00", periods=6, freq="D")
            .strftime("%Y-%m-%d %H:%M")
            .tolist(),
            "Amount": ["120.00", "80.00", "45.50", "200.00", "99.99", "10.00"],
            "Amount Refunded": ["0.00", "80.00", "0.00", "50.00", "0.00", "0.00"],
            "Currency": ["usd"] * 6,
            "Status": ["Paid", "Refunded", "Paid", "Paid", "Paid", "Failed"],
            "Customer Email": [f"c{i}@example.com" for i in range(6)],
        }
    )
    for name, values in extra.items():
        frame[name.replace("_", " ")] = values
    return frame


def test_refunds_are_taken_off_the_amounts():
    result = ingest_bytes(
        _stripe().to_csv(index=False).encode(), "unified_payments.csv"
    )
    # the failed charge is set aside; refunds come off the rest
    expected = (120 + 80 + 45.5 + 200 + 99.99) - (80 + 50)
    assert result.frame["revenue"].sum() == pytest.approx(expected)
    assert result.mapping["revenue"] == "Amount"
    assert (
        "Revenue is Amount minus Amount Refunded (refunds taken off, so totals are net)."
        in result.report["assumptions"]
    )
    assert result.report["currency"] == "USD"
    by_line = result.frame.set_index("source_row")["revenue"]
    assert by_line[3] == pytest.approx(0.0)  # fully refunded
    assert by_line[5] == pytest.approx(150.0)  # partly refunded


def test_converted_amounts_pair_with_their_own_refund_column():
    frame = _stripe(
        Converted_Amount=["110.00", "73.00", "41.00", "183.00", "91.00", "9.00"],
        Converted_Amount_Refunded=["0.00", "73.00", "0.00", "45.00", "0.00", "0.00"],
    ).drop(columns=["Amount"])
    result = ingest_bytes(frame.to_csv(index=False).encode(), "payments.csv")
    assert result.mapping["revenue"] == "Converted Amount"
    assert result.frame["revenue"].sum() == pytest.approx(
        (110 + 73 + 41 + 183 + 91) - (73 + 45)
    )


def test_an_order_level_refund_on_first_lines_only_is_left_alone():
    lines = pd.DataFrame(
        {
            "Date": ["2024-01-01"] * 3 + ["2024-01-02"] * 2,
            "Order": ["#1001"] * 3 + ["#1002"] * 2,
            "Revenue": [10.0, 20.0, 30.0, 5.0, 5.0],
            "Refunded Amount": [15.0, None, None, None, None],
        }
    )
    result = ingest_bytes(lines.to_csv(index=False).encode(), "orders.csv")
    assert result.frame["revenue"].sum() == pytest.approx(70.0)
    assert not any("refunds taken off" in a for a in result.report["assumptions"])
