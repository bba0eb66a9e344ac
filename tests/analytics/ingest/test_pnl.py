"""Profit-and-loss statements become one canonical row per period, subtotals never added twice."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes, rebuild
from analytics.ingest.pnl import classify_lines
from tests.fixtures import messy


def statement(rows, kind: str):
    data = (
        messy.write_csv(rows)
        if kind == "csv"
        else messy.xlsx_from_sheets({"Profit and Loss": rows})
    )
    return ingest_bytes(data, f"pnl.{kind}")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("negative_expenses", [False, True])
def test_months_across_the_top(kind, negative_expenses):
    rows, expected = messy.pnl_months_rows(negative_expenses)
    result = statement(rows, kind)
    frame = result.frame
    assert frame["date"].dt.strftime("%Y-%m").tolist() == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]
    assert round(frame["revenue"].sum(), 2) == expected["revenue"]
    assert round(frame["cost"].sum(), 2) == expected["cost"]
    assert round(frame["profit"].sum(), 2) == expected["profit"]
    assert result.report["layout"] == "profit_and_loss"


def test_per_period_figures():
    rows, _ = messy.pnl_months_rows()
    frame = statement(rows, "csv").frame
    assert frame["revenue"].round(2).tolist() == [15150.0, 16000.5, 15426.5]
    assert frame["profit"].round(2).tolist() == [
        (15150.0 - 11300.0),
        round(16000.5 - 11900.2, 2),
        round(15426.5 - 11150.1, 2),
    ]


def test_total_column_is_not_a_period():
    rows, _ = messy.pnl_months_rows()
    result = statement(rows, "csv")
    assert len(result.frame) == 3
    assert "Total" in result.report["read"]["statement"]["ignored_columns"]


def test_single_amount_column_dated_from_title():
    rows, expected = messy.pnl_single_column_rows()
    result = statement(rows, "csv")
    assert len(result.frame) == 1
    row = result.frame.iloc[0]
    assert row["date"] == pd.Timestamp("2023-01-01")
    assert (round(row["revenue"], 2), round(row["cost"], 2), round(row["profit"], 2)) == (
        expected["revenue"], expected["cost"], expected["profit"],
    )  # fmt: skip


def test_report_names_lines_and_subtotals():
    rows, _ = messy.pnl_months_rows()
    report = statement(rows, "csv").report
    assert report["statement"]["income_lines"] == [
        "Sales",
        "Consulting services",
        "Interest income",
    ]
    assert report["statement"]["cost_lines"] == [
        "Purchases",
        "Rent",
        "Wages and Salaries",
    ]
    assert "Gross Profit" in report["statement"]["subtotal_lines"]
    assert "were not added again" in report["assumptions"][0]


def test_rebuild_recomputes_the_statement():
    rows, _ = messy.pnl_months_rows()
    result = statement(rows, "xlsx")
    again = rebuild(result.table, result.mapping, read_info=result.report["read"])
    pd.testing.assert_frame_equal(again.frame, result.frame)


def test_statement_without_line_items_uses_section_totals():
    rows = [
        ["Income Statement 2023"],
        ["", "2023"],
        ["Total Revenue", "1,000.00"],
        ["Total Expenses", "(600.00)"],
        ["Net Income", "400.00"],
    ]
    frame = statement(rows, "csv").frame
    assert frame[["revenue", "cost", "profit"]].iloc[0].tolist() == [
        1000.0,
        600.0,
        400.0,
    ]
    assert frame["date"].iloc[0] == pd.Timestamp("2023-01-01")


def test_ordinary_sales_table_is_not_a_statement():
    rows = [
        ["Date", "Product", "Sales"],
        ["2024-01-01", "Gross Profit Mug", "10.00"],
        ["2024-01-02", "Net Profit Tee", "12.00"],
    ]
    result = ingest_bytes(messy.write_csv(rows), "sales.csv")
    assert result.report["layout"] == "table"
    assert result.frame["revenue"].sum() == 22.0


def test_classify_lines():
    labels = pd.Series(
        [
            "Revenue",
            "Sales",
            "Total Revenue",
            "Cost of Sales",
            "Stock",
            "Gross Profit",
            "Wages",
            "Net Profit",
        ]
    )
    amounts = [False, True, True, False, True, True, True, True]
    import numpy as np

    kinds = classify_lines(labels, np.array(amounts))
    assert kinds.tolist() == [
        "header",
        "income",
        "subtotal",
        "header",
        "cost",
        "subtotal",
        "cost",
        "net_profit",
    ]
