"""Multi-sheet workbooks: every sheet is kept (as cells) so the user can switch, and the
sheet read by default is one that holds sales."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from analytics.errors import IngestError
from analytics.ingest import ingest_bytes, ingest_grid
from analytics.ingest.grid_codec import (
    decode_cells,
    encode_cells,
    grid_from_stored,
    sheet_record,
)
from analytics.ingest.read import read_grid
from services.store import frame_from_bytes, frame_to_bytes
from tests.fixtures import messy


def _round_trip(cells: pd.DataFrame) -> pd.DataFrame:
    return decode_cells(frame_from_bytes(frame_to_bytes(encode_cells(cells))))


def test_stored_cells_come_back_with_their_python_types():
    cells = pd.DataFrame(
        [
            ["Date", "Sales", None, "Paid", "Start", "Length", "Ref"],
            [
                datetime.datetime(2024, 1, 2, 3, 4, 5),
                1.5,
                3,
                True,
                datetime.time(10, 30),
                datetime.timedelta(hours=2, seconds=1),
                "00123",
            ],
            [datetime.date(2024, 2, 29), "n/a", None, False, None, None, ""],
            [None, 0.1 + 0.2, -(2**40), None, None, None, "=SUM(A1)"],
        ],
        dtype=object,
    )
    back = _round_trip(cells)
    assert back.shape == cells.shape
    for before, after in zip(
        cells.to_numpy().ravel(), back.to_numpy().ravel(), strict=True
    ):
        assert type(after) is type(before)
        assert after == before or (before is None and after is None)


def test_long_uniform_columns_round_trip_exactly():
    n = 5_000
    rng = np.random.default_rng(3)
    dates = pd.date_range("2021-01-01", periods=n, freq="h").to_pydatetime()
    cells = pd.DataFrame(
        {
            0: ["Date", *dates[1:]],
            1: ["Revenue", *rng.normal(100, 30, n - 1).tolist()],
            2: ["SKU", *[f"SKU-{i % 97:03d}" for i in range(1, n)]],
            3: ["Qty", *rng.integers(1, 9, n - 1).tolist()],
        },
        dtype=object,
    )
    cells.iloc[2500, 1] = None  # an empty cell in the middle
    cells.iloc[4000, 1] = "see note"  # text in a number column: cell-by-cell path
    back = _round_trip(cells)
    assert back.equals(cells)
    assert type(back.iloc[10, 3]) is int
    assert type(back.iloc[10, 0]) is datetime.datetime


def test_every_sheet_of_a_workbook_travels_with_the_result():
    case = messy.multi_sheet_case()
    result = ingest_bytes(case.data, case.filename)
    assert list(result.sheets) == ["Notes", "Transactions", "Summary"]
    assert result.report["read"]["sheet"] == "Transactions"
    assert any(
        "Read the sheet 'Transactions' (it holds the most data)" in note
        for note in result.report["assumptions"]
    )


def test_csv_and_single_sheet_workbooks_keep_no_sheets():
    frame = messy.base_frame(seed=4)
    single = messy.xlsx_from_sheets({"Sales": messy.excel_rows(frame)})
    assert ingest_bytes(single, "one.xlsx").sheets == {}
    assert ingest_bytes(b"Date,Sales\n2024-01-01,5\n", "a.csv").sheets == {}


def test_a_stored_sheet_reads_like_the_uploaded_workbook():
    case = messy.multi_sheet_case()
    direct = ingest_bytes(case.data, case.filename, sheet="Summary")
    workbook = ingest_bytes(case.data, case.filename).sheets
    record = sheet_record(workbook["Summary"])
    assert record["rows"] == 3 and record["columns"] == 2
    stored = frame_from_bytes(frame_to_bytes(encode_cells(workbook["Summary"].cells)))
    again = ingest_grid(grid_from_stored(record, stored))
    assert again.frame["revenue"].sum() == pytest.approx(3.0)
    assert again.frame["revenue"].sum() == pytest.approx(direct.frame["revenue"].sum())
    assert again.mapping == direct.mapping
    assert again.report["read"]["sheets"] == ["Notes", "Transactions", "Summary"]


def test_merged_cells_and_uncomputed_formulas_survive_storage():
    rows = [["Date", "Sales", "Check"]] + [
        [datetime.datetime(2024, 1, d), float(d), f"=B{d + 1}*2"] for d in range(1, 9)
    ]
    data = messy.xlsx_from_sheets(
        {"Notes": [["Title"], ["more"]], "Sales": rows}, merges={"Notes": ["A1:C1"]}
    )
    grid = read_grid(data, "book.xlsx")
    sales = grid.workbook["Sales"]
    assert sales.uncomputed  # openpyxl saves formulas without results
    record = sheet_record(sales)
    back = grid_from_stored(record, encode_cells(sales.cells))
    assert back.uncomputed == sales.uncomputed
    notes = grid.workbook["Notes"]
    assert grid_from_stored(sheet_record(notes), encode_cells(notes.cells)).merged == (
        notes.merged
    )


def test_a_bigger_sheet_without_amounts_gives_way_to_the_sales_sheet():
    frame = messy.base_frame(rows=30, seed=8)
    products = [["Product code", "Description", "Supplier", "Colour", "Size"]] + [
        [f"P{i:04d}", f"Item {i}", f"Supplier {i % 7}", "blue", "M"] for i in range(400)
    ]
    data = messy.xlsx_from_sheets(
        {"Products": products, "Sales": messy.excel_rows(frame)}
    )
    result = ingest_bytes(data, "shop.xlsx")
    assert result.report["read"]["sheet"] == "Sales"
    assert result.frame["revenue"].sum() == pytest.approx(
        frame["revenue_cents"].sum() / 100
    )
    assert (
        "Read the sheet 'Sales' (the sheet 'Products' holds more cells but no sales "
        "amounts); the workbook also has 'Products'." in result.report["assumptions"]
    )
    assert list(result.sheets) == ["Products", "Sales"]


def test_a_workbook_without_sales_on_any_sheet_explains_the_first_sheet():
    people = [["Name", "Email", "City"]] + [
        [f"Person {i}", f"p{i}@example.com", "Leeds"] for i in range(50)
    ]
    data = messy.xlsx_from_sheets({"Customers": people, "Notes": [["hello"]]})
    with pytest.raises(IngestError, match="customer list|No column looks like"):
        ingest_bytes(data, "people.xlsx")
