"""Header evidence over value look-alikes, two-row headers, and counting negative lines.

Generated files: a one-row export, a Revenue column whose values look like row ids,
headers split over two rows (group row above, or a name broken in two), and negative
quantities with and without an amount.
"""

from __future__ import annotations

import pytest

from analytics.ingest import ingest_bytes
from tests.fixtures.messy import write_csv, xlsx_from_sheets


def mapped(result) -> dict[str, str]:
    return {k: v for k, v in result.mapping.items() if v}


def date_range(result) -> list[str]:
    return result.report["date_range"]


# --------------------------------------------------------------------------- one row


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120.50", 120.5), ("2000", 2000.0), ("1", 1.0), ("1,499.00", 1499.0)],
)
def test_one_row_file_is_read(value, expected):
    data = write_csv([["Date", "Product", "Revenue"], ["2024-03-05", "Mug", value]])
    result = ingest_bytes(data, "one.csv")
    assert mapped(result) == {"date": "Date", "revenue": "Revenue", "sku": "Product"}
    assert result.frame["revenue"].sum() == expected
    assert len(result.frame) == 1
    assert date_range(result) == ["2024-03-05", "2024-03-05"]


def test_one_row_workbook_is_read():
    data = xlsx_from_sheets({"Sales": [["Date", "Sales"], ["2024-03-05", 2024.0]]})
    result = ingest_bytes(data, "one.xlsx")
    assert mapped(result) == {"date": "Date", "revenue": "Sales"}
    assert result.frame["revenue"].sum() == 2024.0


# --------------------------------------------------------------------------- id-like values


def test_revenue_header_wins_over_sequential_values():
    rows = [["Date", "Product", "Revenue"]] + [
        [f"2024-01-0{i}", f"P{i}", str(100 + i)] for i in range(1, 6)
    ]
    result = ingest_bytes(write_csv(rows), "seq.csv")
    assert mapped(result) == {"date": "Date", "revenue": "Revenue", "sku": "Product"}
    assert result.frame["revenue"].sum() == 515.0
    assert date_range(result) == ["2024-01-01", "2024-01-05"]
    assert result.confidence["revenue"] < 0.8


def test_row_id_next_to_sequential_revenue_is_not_revenue():
    rows = [["Row ID", "Date", "Sales"]] + [
        [str(i), f"2024-01-0{i}", str(100 + i)] for i in range(1, 6)
    ]
    result = ingest_bytes(write_csv(rows), "seq.csv")
    assert mapped(result) == {"date": "Date", "revenue": "Sales"}
    assert result.frame["revenue"].sum() == 515.0


def test_better_revenue_candidate_beats_id_like_revenue_column():
    rows = [["Date", "Revenue", "Amount"]] + [
        [f"2024-01-0{i}", str(100 + i), f"{i * 12.5:.2f}"] for i in range(1, 6)
    ]
    result = ingest_bytes(write_csv(rows), "two.csv")
    assert result.mapping["revenue"] == "Amount"
    assert result.frame["revenue"].sum() == 187.5


@pytest.mark.parametrize("header", ["Year", "Store", "Row ID", "Postcode"])
def test_id_like_columns_without_a_revenue_name_stay_out(header):
    rows = [["Date", header, "Net Sales"]] + [
        [f"2024-01-0{i}", str(2020 + i), f"{i * 10.25:.2f}"] for i in range(1, 6)
    ]
    result = ingest_bytes(write_csv(rows), "x.csv")
    assert result.mapping["revenue"] == "Net Sales"
    assert header not in result.mapping.values()


# --------------------------------------------------------------------------- two-row headers


def test_group_row_above_header_csv():
    rows = [
        ["", "", "Sales", "", "Costs", ""],
        ["Date", "Product", "Units", "Amount", "Units", "Amount"],
        ["2024-01-01", "A", "2", "20.00", "2", "12.00"],
        ["2024-01-05", "B", "1", "15.50", "1", "9.30"],
        ["2024-02-01", "A", "3", "30.00", "3", "18.00"],
    ]
    result = ingest_bytes(write_csv(rows), "grouped.csv")
    assert list(result.table.columns) == [
        "Date", "Product", "Sales Units", "Sales Amount", "Costs Units", "Costs Amount",
    ]  # fmt: skip
    assert mapped(result) == {
        "date": "Date",
        "revenue": "Sales Amount",
        "cost": "Costs Amount",
        "sku": "Product",
        "quantity": "Sales Units",
    }
    assert round(result.frame["revenue"].sum(), 2) == 65.5
    assert round(result.frame["cost"].sum(), 2) == 39.3
    assert date_range(result) == ["2024-01-01", "2024-02-01"]
    read = result.report["read"]
    assert read["header_row"] == 2
    assert read["header_rows"] == [1, 2]
    assert any("header spans rows 1–2" in a for a in result.report["assumptions"])


def test_header_name_split_over_two_rows():
    rows = [
        ["Order", "Net", "Unit", ""],
        ["Date", "Sales", "Price", "Qty"],
        ["03/01/2024", "20.00", "10.00", "2"],
        ["15/01/2024", "15.50", "15.50", "1"],
        ["01/02/2024", "30.00", "10.00", "3"],
    ]
    result = ingest_bytes(write_csv(rows), "split.csv")
    assert mapped(result) == {
        "date": "Order Date",
        "revenue": "Net Sales",
        "quantity": "Qty",
        "unit_price": "Unit Price",
    }
    assert round(result.frame["revenue"].sum(), 2) == 65.5
    assert date_range(result) == ["2024-01-03", "2024-02-01"]
    assert result.report["read"]["header_rows"] == [1, 2]
    assert result.report["rows_used"] == 3


def test_merged_group_header_under_a_title_in_a_workbook():
    sheet = [
        ["Shop report 2024"],
        [None, None, "Sales", None, "Costs", None],
        ["Date", "Product", "Units", "Amount", "Units", "Amount"],
        ["2024-01-01", "A", 2, 20.0, 2, 12.0],
        ["2024-01-03", "B", 1, 10.25, 1, 6.0],
        ["2024-01-09", "C", 4, 40.0, 4, 24.5],
    ]
    data = xlsx_from_sheets({"Report": sheet}, merges={"Report": ["C2:D2", "E2:F2"]})
    result = ingest_bytes(data, "report.xlsx")
    assert mapped(result) == {
        "date": "Date",
        "revenue": "Sales Amount",
        "cost": "Costs Amount",
        "sku": "Product",
        "quantity": "Sales Units",
    }
    assert round(result.frame["revenue"].sum(), 2) == 70.25
    assert round(result.frame["cost"].sum(), 2) == 42.5
    assert result.report["read"]["header_rows"] == [2, 3]
    assert result.report["read"]["header_row"] == 3
    assert date_range(result) == ["2024-01-01", "2024-01-09"]


def test_vertically_merged_header_cells_are_not_doubled():
    sheet = [
        ["Date", "Product", "Region", "Sales", None],
        [None, None, None, "Net", "Gross"],
        ["2024-01-01", "A", "North", 10.0, 12.0],
        ["2024-01-02", "B", "South", 20.0, 24.0],
        ["2024-01-03", "A", "South", 30.0, 36.0],
    ]
    merges = ["A1:A2", "B1:B2", "C1:C2", "D1:E1"]
    data = xlsx_from_sheets({"S": sheet}, merges={"S": merges})
    result = ingest_bytes(data, "merged.xlsx")
    assert list(result.table.columns) == [
        "Date", "Product", "Region", "Sales Net", "Sales Gross",
    ]  # fmt: skip
    assert mapped(result) == {"date": "Date", "revenue": "Sales Net", "sku": "Product"}
    assert result.frame["revenue"].sum() == 60.0
    assert result.report["read"]["header_rows"] == [1, 2]


def test_text_first_data_row_is_not_taken_for_a_header():
    rows = [
        ["Date", "Product", "Revenue"],
        ["N/A", "Gift card", ""],
        ["2024-01-01", "A", "20"],
        ["2024-01-03", "B", "11.5"],
    ]
    result = ingest_bytes(write_csv(rows), "x.csv")
    assert result.report["read"]["header_rows"] == [1]
    assert mapped(result) == {"date": "Date", "revenue": "Revenue", "sku": "Product"}
    assert result.frame["revenue"].sum() == 31.5


# --------------------------------------------------------------------------- negatives


def test_stock_adjustments_counted_apart_from_returns():
    rows = [
        ["InvoiceNo", "InvoiceDate", "StockCode", "Quantity", "UnitPrice"],
        ["1001", "2024-01-02", "A1", "3", "2.50"],
        ["C1002", "2024-01-03", "A1", "-1", "2.50"],
        ["1003", "2024-01-04", "B2", "-12", "0.00"],
        ["1004", "2024-01-05", "B2", "-5", "0"],
        ["1005", "2024-01-06", "DISC", "1", "-4.00"],
        ["1006", "2024-01-07", "B2", "2", "10.00"],
    ]
    result = ingest_bytes(write_csv(rows), "retail.csv")
    assert mapped(result) == {
        "date": "InvoiceDate",
        "sku": "StockCode",
        "quantity": "Quantity",
        "unit_price": "UnitPrice",
        "order_id": "InvoiceNo",
    }
    assert round(result.frame["revenue"].sum(), 2) == 21.0
    negatives = result.report["negatives"]
    assert negatives["returns_or_cancellations"] == 2
    assert negatives["stock_adjustments"] == 2
    assert negatives["negative_quantity"] == 3
    assert negatives["negative_revenue"] == 2
    assumptions = result.report["assumptions"]
    assert any("Kept 2 return/cancellation line(s)" in a for a in assumptions)
    assert any(a.startswith("2 line(s) have a negative quantity") for a in assumptions)


# --------------------------------------------------------------------------- period groups


def test_measures_grouped_under_months_are_read_per_period():
    rows = [
        ["", "Jan 2024", "", "Feb 2024", "", "Total", ""],
        ["Product", "Units", "Amount", "Units", "Amount", "Units", "Amount"],
        ["Mug", "2", "29.00", "1", "14.50", "3", "43.50"],
        ["Cap", "", "", "4", "75.96", "4", "75.96"],
    ]
    result = ingest_bytes(write_csv(rows), "by_month.csv")
    assert mapped(result) == {
        "date": "Period",
        "revenue": "Amount",
        "sku": "Product",
        "quantity": "Units",
    }
    assert round(result.frame["revenue"].sum(), 2) == 119.46
    assert result.frame["quantity"].sum() == 7
    assert date_range(result) == ["2024-01-01", "2024-02-01"]
    assert result.frame.sort_values(["source_row", "date"])["source_row"].tolist() == [
        3, 3, 4,
    ]  # fmt: skip
    assert any("Ignored the total column(s)" in a for a in result.report["assumptions"])


def test_measures_grouped_under_years_in_a_workbook():
    sheet = [
        [None, 2023, None, 2024, None],
        ["Region", "Units", "Sales", "Units", "Sales"],
        ["North", 2, 100.0, 1, 50.0],
        ["South", 5, 200.0, 4, 160.25],
    ]
    data = xlsx_from_sheets({"S": sheet}, merges={"S": ["B1:C1", "D1:E1"]})
    result = ingest_bytes(data, "by_year.xlsx")
    assert mapped(result) == {"date": "Period", "revenue": "Sales", "quantity": "Units"}
    assert round(result.frame["revenue"].sum(), 2) == 510.25
    assert date_range(result) == ["2023-01-01", "2024-01-01"]
    assert result.report["read"]["header_rows"] == [1, 2]


def test_quarters_without_a_year_are_summed_not_one_picked():
    rows = [
        ["", "Q1", "", "Q2", ""],
        ["Region", "Units", "Sales", "Units", "Sales"],
        ["North", "2", "100.00", "1", "50.00"],
        ["South", "5", "200.00", "4", "160.00"],
    ]
    result = ingest_bytes(write_csv(rows), "quarters.csv")
    assert mapped(result) == {"revenue": "Sales", "quantity": "Units"}
    assert result.frame["revenue"].sum() == 510.0
    assert result.report["date_range"] is None
    assert any("cannot be dated" in a for a in result.report["assumptions"])


def test_measure_groups_that_are_not_periods_stay_columns():
    rows = [
        ["", "Sales", "", "Returns", ""],
        ["Date", "Units", "Amount", "Units", "Amount"],
        ["2024-01-01", "2", "20.00", "1", "10.00"],
        ["2024-01-02", "3", "30.00", "0", "0.00"],
    ]
    result = ingest_bytes(write_csv(rows), "x.csv")
    assert result.mapping["revenue"] == "Sales Amount"
    assert result.frame["revenue"].sum() == 50.0
