"""Unusable uploads get an IngestError that says what is wrong and what to do."""

from __future__ import annotations

import io
import zipfile

import pytest

from analytics.errors import IngestError, UnsupportedFileType
from analytics.ingest import ingest_bytes
from tests.fixtures import messy
from web.errors import status_for


@pytest.mark.parametrize(
    ("data", "name", "status", "message"),
    [
        (b"", "empty.csv", 400, "The file is empty"),
        (b"\r\n\r\n  \n", "blank.csv", 400, "The file is empty"),
        (b"Date,SKU,Sales\n", "header.csv", 400, "has a header but no data rows"),
        (b"Date,SKU,Sales\n,,\n", "header.csv", 400, "has a header but no data rows"),
        (messy.binary_garbage(), "data.csv", 415, "does not contain readable text"),
        (messy.png_bytes(), "sales.xlsx", 415, "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "report.csv", 415, "PDF document"),
        (messy.corrupt_xlsx(), "sales.xlsx", 400, "damaged"),
        (
            b"<!DOCTYPE html><html><body>Sign in</body></html>",
            "sales.xls",
            415,
            "web page",
        ),
        (b'[{"date": "2024-01-01", "sales": 10}]', "sales.csv", 415, "JSON"),
    ],
)
def test_unusable_files(data, name, status, message):
    with pytest.raises(IngestError) as caught:
        ingest_bytes(data, name)
    assert status_for(caught.value) == status
    assert message in str(caught.value)


def test_unsupported_type_is_its_own_class():
    with pytest.raises(UnsupportedFileType):
        ingest_bytes(messy.png_bytes(), "sales.csv")


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UnsupportedFileType, match="ZIP archive"):
        ingest_bytes(buffer.getvalue(), "sales.xlsx")


def test_customer_list_is_explained():
    with pytest.raises(IngestError) as caught:
        ingest_bytes(messy.customer_list_csv(), "contacts.csv")
    assert str(caught.value) == (
        "No column looks like a date or an amount; the file seems to be a customer or contact "
        "list. Upload a sales or transactions export with at least an amount column."
    )


def test_dates_without_amounts_say_what_is_missing():
    data = messy.write_csv(
        [["Date", "Product"], ["2024-01-01", "A"], ["2024-01-02", "B"]]
    )
    with pytest.raises(IngestError, match="No column looks like an amount"):
        ingest_bytes(data, "dates.csv")


def test_no_usable_rows_is_explained():
    data = messy.write_csv(
        [["Date", "Sales"], ["2024-01-01", "n/a"], ["2024-01-02", "-"]]
    )
    with pytest.raises(
        IngestError, match="None of the rows could be used: 2 no revenue amount"
    ):
        ingest_bytes(data, "sales.csv", mapping={"date": "Date", "revenue": "Sales"})


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"revenue": "Missing"},
            "The column 'Missing' chosen for Revenue is not in the file",
        ),
        (
            {"revenue": "Category"},
            "The column 'Category' chosen for Revenue does not hold numbers",
        ),
        (
            {"revenue": "Revenue", "date": "Category"},
            "The column 'Category' chosen for Date does not hold dates",
        ),
        ({"date": "Date"}, "Choose a column for Revenue"),
    ],
)
def test_bad_user_mapping(mapping, message):
    data = messy.write_csv(messy.sales_rows(messy.base_frame(rows=10)))
    with pytest.raises(IngestError, match=message):
        ingest_bytes(data, "sales.csv", mapping=mapping)


def test_password_protected_workbook():
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 500
        + "EncryptedPackage".encode("utf-16-le")
        + b"\x00" * 600
    )
    with pytest.raises(IngestError, match="password-protected"):
        ingest_bytes(data, "sales.xlsx")


def _mutations(count: int = 36):
    """Seeded damage to valid exports: flipped bytes, truncation, injected delimiters."""
    import random

    rng = random.Random(7)
    bases = [
        messy.encoding_cases()[0].data,
        messy.encoding_cases()[3].data,
        messy.number_cases()[1].data,
        messy.write_csv(messy.pnl_months_rows()[0]),
        messy.multi_sheet_case().data,
        messy.xls_case().data,
    ]
    for i in range(count):
        data = bytearray(bases[i % len(bases)])
        kind = i % 4
        if kind == 0:
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:
            data = data[: rng.randrange(1, len(data))]
        elif kind == 2:
            at = rng.randrange(len(data))
            data = (
                data[:at]
                + rng.choice(
                    [b",,", b";", b'"', b"\x00\x00", b"Total,1\n", b"\r\n\r\n"]
                )
                * 3
                + data[at:]
            )
        else:
            a, b = sorted(rng.randrange(len(data)) for _ in range(2))
            data = data[:a] + data[b:]
        yield bytes(data)


def test_damaged_files_raise_only_ingest_errors():
    for data in _mutations():
        try:
            ingest_bytes(data, "damaged.csv")
        except IngestError:
            pass


def test_sheet_with_a_huge_used_range_is_refused():
    rows = [["Date", "Sales"], ["2024-01-01", 5.0]]
    data = messy.xlsx_from_sheets({"Sales": rows})
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    book["Sales"]["XFD1048576"] = "stray"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(IngestError, match="spans 1,048,576 rows × 16,384 columns"):
        ingest_bytes(buffer.getvalue(), "stray.xlsx")


def test_zip_bomb_is_refused(monkeypatch):
    from analytics.ingest import sniff as readers

    monkeypatch.setattr(readers, "MAX_UNPACKED_BYTES", 1000)
    data = messy.xlsx_from_sheets({"Sales": [["Date", "Sales"], ["2024-01-01", 5.0]]})
    with pytest.raises(IngestError, match="too large to read once unpacked"):
        ingest_bytes(data, "big.xlsx")


def test_quantities_without_amounts_say_what_is_missing():
    data = b"Date,Qty,Warehouse\n2024-01-01,3,North\n2024-01-02,4,South\n"
    with pytest.raises(
        IngestError,
        match=r"it has quantities \('Qty'\) but no amounts or prices, so revenue "
        r"cannot be worked out",
    ):
        ingest_bytes(data, "stock-moves.csv")


def test_notes_below_the_data_are_set_aside_as_a_footer():
    from analytics.ingest import FOOTER_REASON

    data = (
        b"Date,Sales\n2024-01-01,10\n2024-01-02,\n2024-01-03,20\n"
        b"Exported by ShopSystem on 2024-02-01,\nPage 1 of 1,\n"
    )
    result = ingest_bytes(data, "sales.csv")
    assert result.frame["revenue"].sum() == 30
    assert result.report["set_aside"] == [
        {"reason": FOOTER_REASON, "count": 2, "rows": [5, 6]},
        {"reason": "no revenue amount (empty or unreadable)", "count": 1, "rows": [3]},
    ]
