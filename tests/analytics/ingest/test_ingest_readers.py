"""Reading layer: type by content, encodings, delimiters, header row, cell ranges."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.errors import IngestError, UnsupportedFileType
from analytics.ingest.read import cell_ranges, column_index, column_letters, read_grid
from analytics.ingest.shape import find_header_row
from analytics.ingest.sniff import detect_encoding, sniff_delimiter, sniff_kind
from tests.fixtures import messy

TEXT = "Date,Catégorie,Montant\n2024-01-01,Café,12.50\n2024-01-02,Thé,3.00\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
        ((TEXT + "Prix,€,5\n").encode("cp1252"), "cp1252"),
    ],
)
def test_detect_encoding(data, encoding):
    assert detect_encoding(data) == encoding


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "cp1252", "utf-8-sig"])
def test_text_reads_the_same_in_any_encoding(encoding):
    grid = read_grid(TEXT.encode(encoding), "x.csv")
    assert grid.cells.iloc[1].tolist() == ["2024-01-01", "Café", "12.50"]


def test_late_non_utf8_byte_is_found():
    data = (
        "Date,Name,Sales\n"
        + "2024-01-01,Plain,1.00\n" * 20000
        + "2024-01-02,Crème,2.00\n"
    ).encode("cp1252")
    assert detect_encoding(data) == "cp1252"


@pytest.mark.parametrize(
    ("lines", "delimiter"),
    [
        (["a,b,c", "1,2,3"], ","),
        (["a;b;c", "1,5;2,5;3"], ";"),
        (["a\tb\tc", "1\t2\t3"], "\t"),
        (["a|b|c", "1|2|3"], "|"),
        (["Report", "a;b", "1,5;2,5", "3,5;4,5"], ";"),
        (['name,"note, with comma",x', '"A, B",c,1'], ","),
    ],
)
def test_sniff_delimiter(lines, delimiter):
    assert sniff_delimiter(lines) == delimiter


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"a,b\n1,2\n", "csv"),
        (messy.xlsx_from_sheets({"S": [["a"], [1]]}), "xlsx"),
        (messy.xls_bytes({"S": [["a"], [1.0]]}), "xls"),
    ],
)
def test_sniff_kind_by_content(data, kind):
    assert sniff_kind(data, "misnamed.bin") == kind


@pytest.mark.parametrize(
    "data", [b"GIF89a" + bytes(100), b"\x1f\x8b\x08" + bytes(100), b"PK\x03\x04garbage"]
)
def test_sniff_kind_refuses_other_content(data):
    with pytest.raises(IngestError):
        sniff_kind(data, "sales.csv")


def test_ole_file_with_encrypted_package_is_password_protected():
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(100)
        + "EncryptedPackage".encode("utf-16-le")
    )
    with pytest.raises(IngestError, match="password-protected") as caught:
        sniff_kind(data, "x.xlsx")
    assert not isinstance(caught.value, UnsupportedFileType)


def cells(rows: list[list]) -> pd.DataFrame:
    width = max(len(r) for r in rows)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)


@pytest.mark.parametrize(
    ("rows", "header"),
    [
        ([["Date", "Sales"], ["2024-01-01", "1.0"]], 0),
        (
            [
                ["Acme Ltd"],
                ["Report", "2024"],
                [],
                ["Date", "SKU", "Sales"],
                ["2024-01-01", "A", "1.0"],
            ],
            3,
        ),
        ([["2024-01-01", "A", "1.0"], ["2024-01-02", "B", "2.0"]], None),
        ([["Product", 2023, 2024], ["A", 10.5, 12.0], ["B", 1.0, 2.0]], 0),
        ([["Product", "Jan 2024", "Feb 2024"], ["A", "10", "12"]], 0),
    ],
)
def test_find_header_row(rows, header):
    assert find_header_row(cells(rows)) == header


def test_cell_ranges_and_letters():
    assert cell_ranges([(2, 3), (3, 3), (4, 3), (7, 5)]) == "D2:D4, F7"
    assert [column_letters(i) for i in (0, 25, 26, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "ZZ",
        "AAA",
    ]
    assert [column_index(s) for s in ("A", "Z", "AA", "ZZ", "AAA")] == [
        0,
        25,
        26,
        701,
        702,
    ]


def test_ragged_rows_are_padded():
    grid = read_grid(
        b"Date,Sales,Note\n2024-01-01,1.00\n2024-01-02,2.00,ok,extra\n", "x.csv"
    )
    assert grid.cells.shape == (3, 4)
    assert grid.cells.iloc[2].tolist() == ["2024-01-02", "2.00", "ok", "extra"]


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (
            "Дата,Товар,Сумма\n2024-01-01,Молоко,12.50\n2024-01-02,Хлеб,3.00\n" * 30,
            "cp1251",
            "cp1251",
        ),
        ("日付,商品,売上\n2024-01-01,牛乳,1250\n" * 30, "shift_jis", "cp932"),
    ],
)
def test_non_latin_legacy_encodings(text, encoding, expected):
    assert detect_encoding(text.encode(encoding)) == expected


def test_xlsx_extent_without_dimension_tag():
    import io
    import re
    import zipfile

    from analytics.ingest.read import _xlsx_extent

    data = messy.xlsx_from_sheets({"S": [["Date", "Sales"], ["2024-01-01", 1.0]]})
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = re.sub(rb"<dimension[^>]*/>", b"", body)
                body = body.replace(b'<c r="B2"', b'<c r="AB7"').replace(
                    b'<row r="2"', b'<row r="7"'
                )
            target.writestr(item, body)
    assert _xlsx_extent(zipfile.ZipFile(io.BytesIO(buffer.getvalue())), "S") == (7, 28)
