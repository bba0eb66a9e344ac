"""Ingestion speed: clean vs messy 300,000-row CSVs, and a 50,000-row XLSX.

Targets: the clean CSV a few times a bare ``pd.read_csv(engine="pyarrow")`` of the same
bytes; the messy CSV (``;``, ``1.234,56 €`` amounts, day-first dates) at most 2× the
clean one; the XLSX read at most 2 s. Files are generated into a temporary directory
(never committed). Prints medians of 5 runs.

Run: ``.venv/bin/python benchmarks/bench_ingest.py``.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.ingest import ingest_bytes  # noqa: E402
from analytics.ingest.grid_codec import encode_cells  # noqa: E402
from benchmarks.datagen import csv_bytes, messy_csv_bytes, transactions  # noqa: E402
from services.store import frame_to_bytes  # noqa: E402

RUNS = 5
XLSX_ROWS = 50_000


def median_time(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def dollar_csv_bytes(frame: pd.DataFrame) -> bytes:
    """US-style mess: ``$1,234.56`` amounts, month-first dates, padded headers."""

    def dollars(values: pd.Series) -> pd.Series:
        return "$" + values.map("{:,.2f}".format)

    messy = pd.DataFrame(
        {
            " Order Date": pd.to_datetime(frame["date"]).dt.strftime("%m/%d/%Y"),
            "Item Code": frame["sku"],
            "Category ": frame["category"],
            "Qty": frame["quantity"],
            "Price": dollars(frame["unit_price"]),
            "Sales": dollars(frame["revenue"]),
            "COGS": dollars(frame["cost"]),
        }
    )
    return messy.to_csv(index=False).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, extra_sheets: bool = False) -> bytes:
    """An XLSX of ``frame`` with native dates and numbers (openpyxl, write-only).

    With ``extra_sheets``, a notes sheet and a 2,000-row product list come first, as
    in a shop system's workbook export.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    if extra_sheets:
        notes = book.create_sheet("Notes")
        notes.append(["Exported from ShopSystem"])
        products = book.create_sheet("Products")
        products.append(["SKU", "Description", "Supplier"])
        for i in range(2_000):
            products.append([f"SKU-{i:05d}", f"Product {i}", f"Supplier {i % 40}"])
    sheet = book.create_sheet("Sales")
    sheet.append(
        ["Date", "SKU", "Category", "Quantity", "Unit Price", "Revenue", "Cost"]
    )
    dates = pd.to_datetime(frame["date"]).dt.to_pydatetime()
    for row in zip(
        dates, frame["sku"], frame["category"], frame["quantity"].astype(int),
        frame["unit_price"], frame["revenue"], frame["cost"], strict=True,
    ):  # fmt: skip
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    frame = transactions()
    expected = round(float(frame["revenue"].sum()), 2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {
            "clean.csv": csv_bytes(frame),
            "messy_eu.csv": messy_csv_bytes(frame),
            "messy_us.csv": dollar_csv_bytes(frame),
            "sales.xlsx": xlsx_bytes(frame.head(XLSX_ROWS)),
            "workbook.xlsx": xlsx_bytes(frame.head(XLSX_ROWS), extra_sheets=True),
        }
        for name, data in files.items():
            (folder / name).write_bytes(data)
        data = {name: (folder / name).read_bytes() for name in files}

    for name in ("clean.csv", "messy_eu.csv", "messy_us.csv"):
        result = ingest_bytes(data[name], name)
        total = round(float(result.frame["revenue"].sum()), 2)
        if total != expected or len(result.frame) != len(frame):
            raise SystemExit(
                f"{name}: wrong result ({total} vs {expected}, {len(result.frame)} rows)"
            )

    bare = median_time(
        lambda: pd.read_csv(io.BytesIO(data["clean.csv"]), engine="pyarrow")
    )
    clean = median_time(lambda: ingest_bytes(data["clean.csv"], "clean.csv"))
    messy_eu = median_time(lambda: ingest_bytes(data["messy_eu.csv"], "messy_eu.csv"))
    messy_us = median_time(lambda: ingest_bytes(data["messy_us.csv"], "messy_us.csv"))
    xlsx = median_time(lambda: ingest_bytes(data["sales.xlsx"], "sales.xlsx"))
    xlsx_rows = len(ingest_bytes(data["sales.xlsx"], "sales.xlsx").frame)
    book = median_time(lambda: ingest_bytes(data["workbook.xlsx"], "workbook.xlsx"))
    sheets = ingest_bytes(data["workbook.xlsx"], "workbook.xlsx").sheets
    keep = median_time(
        lambda: [frame_to_bytes(encode_cells(g.cells)) for g in sheets.values()]
    )

    mb = len(data["clean.csv"]) / 1e6
    print(f"rows: {len(frame):,}  clean CSV: {mb:.1f} MB  (median of {RUNS} runs)")
    print(f"bare pd.read_csv(engine='pyarrow'): {bare:6.3f} s")
    print(
        f"ingest clean CSV:                  {clean:6.3f} s  ({clean / bare:.1f}x bare read)"
    )
    print(
        f"ingest messy CSV (; 1.234,56 €):   {messy_eu:6.3f} s  ({messy_eu / clean:.2f}x clean; target <= 2x)"
    )
    print(
        f"ingest messy CSV ($1,234.56 m/d):  {messy_us:6.3f} s  ({messy_us / clean:.2f}x clean; target <= 2x)"
    )
    print(f"ingest XLSX {xlsx_rows:,} rows:         {xlsx:6.3f} s  (target <= 2 s)")
    print(
        f"ingest 3-sheet XLSX (same sales):  {book:6.3f} s  "
        f"+ keeping its sheets for switching {keep:6.3f} s "
        f"({(book + keep) / xlsx:.2f}x the one-sheet file)"
    )


if __name__ == "__main__":
    main()
