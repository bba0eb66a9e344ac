"""Hostile files, generated in memory (nothing binary is committed).

Each :class:`Case` builds its bytes when run and says what the upload must answer: the
status(es) allowed and words the message (or, for accepted files, the warnings) must
contain.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], bytes]
    status: tuple[int, ...]
    says: tuple[str, ...] = ()
    filename: str = "hostile.csv"
    slow: bool = False
    #: Expected total revenue for accepted files (computed here, independently).
    revenue: Callable[[], float] | None = None
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- builders

_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
    '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_HEADER_ROW = (
    b'<row><c t="inlineStr"><is><t>Date</t></is></c>'
    b'<c t="inlineStr"><is><t>Revenue</t></is></c></row>'
)


def xlsx(
    sheet_body: Callable[[Callable[[bytes], None]], None],
    extra: Callable[[zipfile.ZipFile], None] | None = None,
    prefix: bytes = b"",
) -> bytes:
    """A minimal workbook; ``sheet_body(write)`` streams the sheet's ``<sheetData>``
    (with ``prefix``, e.g. ``b"x:"``, every element of the sheet is namespaced so)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            declare = b"xmlns" + (b":" + prefix[:-1] if prefix else b"")
            sheet.write(
                b'<?xml version="1.0"?><'
                + prefix
                + b"worksheet "
                + declare
                + b'="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><'
                + prefix
                + b"sheetData>"
            )
            sheet_body(sheet.write)
            sheet.write(b"</" + prefix + b"sheetData></" + prefix + b"worksheet>")
        if extra is not None:
            extra(archive)
    return buffer.getvalue()


def repeated(piece: bytes, times: int, batch: int = 100_000):
    """A sheet body writing ``piece`` ``times`` times after the header row."""

    def body(write: Callable[[bytes], None]) -> None:
        write(_HEADER_ROW)
        left = times
        while left > 0:
            n = min(batch, left)
            write(piece * n)
            left -= n

    return body


def good_rows(write: Callable[[bytes], None]) -> None:
    write(_HEADER_ROW)
    for day in range(1, 11):
        write(
            f'<row><c t="inlineStr"><is><t>2024-01-{day:02d}</t></is></c>'
            f"<c><v>{day}.5</v></c></row>".encode()
        )


def zeros_entry(name: str, megabytes: int) -> Callable[[zipfile.ZipFile], None]:
    def add(archive: zipfile.ZipFile) -> None:
        with archive.open(name, "w", force_zip64=True) as entry:
            block = b"\x00" * 2**20
            for _ in range(megabytes):
                entry.write(block)

    return add


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def sales(rows: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "Date": pd.date_range("2024-01-01", periods=rows, freq="D").strftime(
                "%Y-%m-%d"
            ),
            "SKU": [f"S{i % 7}" for i in range(rows)],
            "Revenue": np.round(rng.uniform(1, 100, rows), 2),
        }
    )


def with_column(column: str, values: list[str]) -> bytes:
    frame = sales(len(values))
    frame[column] = values
    return csv_bytes(frame)


def wide(columns: int, delimiter: str = ",", rows: int = 20) -> bytes:
    header = delimiter.join(f"c{i}" for i in range(columns))
    line = delimiter.join("1" for _ in range(columns))
    return (header + "\n" + (line + "\n") * rows).encode()


def total(values: list[float]) -> float:
    return round(float(pd.Series(values, dtype="float64").sum()), 2)


# --------------------------------------------------------------------------- cases

_PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ROWS = 1_000_000

SIZE_CASES = [
    Case(
        "xlsx-1.1M-rows-without-refs",
        lambda: xlsx(repeated(b"<row/>", 1_100_000)),
        (413,),
        ("more than 1,000,000 rows",),
        "book.xlsx",
    ),
    Case(
        "xlsx-9.3M-rows-without-refs",
        lambda: xlsx(repeated(b"<row/>", 9_300_000)),
        (413,),
        ("rows", "delete the empty rows"),
        "book.xlsx",
    ),
    Case(
        "xlsx-rows-with-cells-without-refs",
        lambda: xlsx(repeated(b"<row><c><v>1</v></c></row>", 1_200_000)),
        (413,),
        ("rows",),
        "book.xlsx",
    ),
    Case(
        "xlsx-10M-cells-in-one-row",
        lambda: xlsx(repeated(b"<c><v>1</v></c>", 10_100_000)),
        (413,),
        ("cells",),
        "book.xlsx",
        slow=True,
    ),
    Case(
        "xlsx-prefixed-tags-without-refs",
        lambda: xlsx(repeated(b"<x:row/>", 1_100_000), prefix=b"x:"),
        (413,),
        ("rows",),
        "book.xlsx",
    ),
    Case(
        "xlsx-row-ref-far-below",
        lambda: xlsx(
            lambda w: w(
                _HEADER_ROW + b'<row r="2000000"><c r="A2000000"><v>1</v></c></row>'
            )
        ),
        (413,),
        ("rows",),
        "book.xlsx",
    ),
    Case(
        "xlsx-cell-ref-far-right",
        lambda: xlsx(
            lambda w: w(_HEADER_ROW + b'<row r="3"><c r="XFD3"><v>1</v></c></row>')
        ),
        (400,),
        ("amount",),
        "book.xlsx",
    ),
    Case(
        "xlsx-cell-ref-far-right-1000-rows",
        lambda: xlsx(
            lambda w: w(
                _HEADER_ROW
                + b'<row r="1000"><c r="A1000"><v>1</v></c><c r="XFD1000"><v>1</v></c>'
                b"</row>"
            )
        ),
        (413,),
        ("1,000 rows", "16,384 columns"),
        "book.xlsx",
    ),
    Case(
        "xlsx-zip-bomb-media",
        lambda: xlsx(good_rows, zeros_entry("xl/media/image1.png", 300)),
        (413,),
        ("unpacks to", "MB"),
        "book.xlsx",
    ),
    Case(
        "xlsx-zip-bomb-sheet-whitespace",
        lambda: xlsx(repeated(b" " * 1024, 270 * 1024)),
        (413,),
        ("unpacks to",),
        "book.xlsx",
    ),
    Case(
        "xlsx-bomb-in-unread-part",
        lambda: xlsx(good_rows, zeros_entry("docProps/custom.xml", 260)),
        (413,),
        ("unpacks to",),
        "book.xlsx",
    ),
    Case(
        "csv-1.1M-rows",
        lambda: b"Date,Revenue\n" + b"1\n" * 1_100_000,
        (413,),
        ("1,000,000 rows",),
    ),
    Case(
        "csv-100k-commas-on-one-line",
        lambda: (
            b"Date,SKU,Revenue\n"
            + b"2024-01-01,A,1\n" * 20_000
            + b"," * 100_000
            + b"\n"
            + b"2024-01-02,B,2\n" * 10_000
        ),
        (413,),
        ("line 20,002", "kb"),
    ),
    Case(
        "csv-60k-commas-on-one-line",
        lambda: b"Date,SKU,Revenue\n2024-01-01,A,1\n" + b"," * 60_000 + b"\n",
        (413,),
        ("columns", "200"),
    ),
    Case(
        "csv-10000-columns", lambda: wide(10_000, rows=50), (413,), ("10,000 columns",)
    ),
    Case("csv-201-columns", lambda: wide(201), (413,), ("201 columns",)),
    Case("csv-1000-columns-semicolon", lambda: wide(1000, ";"), (413,), ("columns",)),
    Case("csv-1000-columns-tab", lambda: wide(1000, "\t"), (413,), ("columns",)),
    Case("csv-1000-columns-pipe", lambda: wide(1000, "|"), (413,), ("columns",)),
    Case(
        "csv-utf16-1000-columns",
        lambda: codecs.BOM_UTF16_LE + wide(1000).decode().encode("utf-16-le"),
        (413,),
        ("columns",),
    ),
    Case(
        "csv-utf16-long-line",
        lambda: (
            codecs.BOM_UTF16_LE
            + ("Date,Revenue\n2024-01-01," + "9" * 70_000 + "\n").encode("utf-16-le")
        ),
        (413,),
        ("kb long",),
    ),
    Case(
        "csv-field-200kb-first-256kb",
        lambda: (
            b'Date,SKU,Revenue\n2024-01-01,"'
            + b"x" * 200_000
            + b'",5\n2024-01-02,B,3\n'
        ),
        (413,),
        ("line 2", "kb"),
    ),
    Case(
        "csv-field-200kb-across-short-lines",
        lambda: (
            b'Date,SKU,Revenue\n2024-01-01,"'
            + (b"x" * 1000 + b"\n") * 200
            + b'",5\n2024-01-02,B,3\n'
        ),
        (400,),
        ("longer than 128 kb", "quote"),
    ),
    Case(
        "csv-ragged-200M-cells",
        lambda: b"Date,Revenue" + b"," * 198 + b"\n" + b"1\n" * 999_990,
        (413,),
        ("cells",),
    ),
    Case(
        "csv-quoted-commas-are-not-columns",
        lambda: b'Date,SKU,Revenue\n2024-01-01,"' + b"," * 5000 + b'",5\n',
        (201, 400),
        (),
    ),
    Case(
        "csv-over-16mb",
        lambda: b"Date,Revenue\n" + b"2024-01-01,1\n" * 1_400_000,
        (413,),
        ("16 mb",),
    ),
]

MALFORMED_CASES = [
    Case("empty", lambda: b"", (400,), ("empty",)),
    Case("whitespace-only", lambda: b" \n\t\r\n   \n", (400,), ("empty",)),
    Case("bom-only", lambda: codecs.BOM_UTF8, (400,), ("empty",)),
    Case("png", lambda: _PNG, (415,), ("png",), "sales.csv"),
    Case("jpeg", lambda: b"\xff\xd8\xff\xe0" + bytes(100), (415,), ("jpeg",)),
    Case("gif", lambda: b"GIF89a" + bytes(100), (415,), ("gif",)),
    Case("pdf", lambda: b"%PDF-1.7\n" + bytes(100), (415,), ("pdf",)),
    Case("gzip", lambda: b"\x1f\x8b\x08" + bytes(100), (415,), ("gzip",)),
    Case("elf", lambda: b"\x7fELF" + bytes(100), (415,), ("program",)),
    Case("exe", lambda: b"MZ\x90\x00" + bytes(100), (415,), ("program",)),
    Case("sqlite", lambda: b"SQLite format 3\x00" + bytes(100), (415,), ("database",)),
    Case(
        "zip-not-a-workbook",
        lambda: _zip({"word/document.xml": b"<w/>"}),
        (415,),
        ("zip",),
        "x.xlsx",
    ),
    Case(
        "ods",
        lambda: _zip({"content.xml": b"<office/>", "mimetype": b"x"}),
        (415,),
        ("opendocument",),
        "x.ods",
    ),
    Case(
        "xlsx-truncated",
        lambda: xlsx(good_rows)[:300],
        (400,),
        ("damaged",),
        "book.xlsx",
    ),
    Case("pk-garbage", lambda: b"PK\x03\x04" + bytes(500), (400,), ("damaged",)),
    Case("ole-garbage", lambda: _OLE + bytes(2000), (400,), ("damaged",), "book.xls"),
    Case(
        "ole-encrypted",
        lambda: _OLE + bytes(600) + "EncryptedPackage".encode("utf-16-le") + bytes(600),
        (400,),
        ("password",),
        "book.xlsx",
    ),
    Case(
        "xlsx-sheet-missing",
        lambda: _zip(
            {
                "[Content_Types].xml": _CONTENT_TYPES.encode(),
                "_rels/.rels": _RELS.encode(),
                "xl/workbook.xml": _WORKBOOK.encode(),
                "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.encode(),
            }
        ),
        (400,),
        (),
        "book.xlsx",
    ),
    Case(
        "xlsx-empty-sheet",
        lambda: xlsx(lambda w: None),
        (400,),
        (),
        "book.xlsx",
    ),
    Case(
        "html-page",
        lambda: (
            b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table>"
            b"</body></html>"
        ),
        (415,),
        ("web page",),
    ),
    Case("json", lambda: b'{"rows": [{"revenue": 5}]}', (415,), ("json",)),
    Case("nul-laden-text", lambda: b"a\x00b\x00" * 3000, (400, 415), ()),
    Case("random-bytes", lambda: np.random.default_rng(1).bytes(5000), (400, 415), ()),
    Case(
        "header-only",
        lambda: b"Date,SKU,Revenue\n",
        (400,),
        (),
    ),
    Case("single-cell", lambda: b"hello\n", (400,), ()),
    Case(
        "unbalanced-quote",
        lambda: b'Date,SKU,Revenue\n2024-01-01,"A,5\n2024-01-02,B,3\n',
        (201, 400),
        (),
    ),
    Case(
        "text-without-numbers",
        lambda: b"Name,Note\n" + b"alpha,beta\n" * 30,
        (400,),
        ("amount",),
    ),
    Case(
        "latin1-noise",
        lambda: bytes(range(0x80, 0x100)) * 40,
        (400, 415),
        (),
    ),
]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


_NORMAL = [12.5, 7.25]

NUMBER_CASES = [
    Case(
        "two-1e308",
        lambda: with_column("Revenue", ["1e308", "1e308"]),
        (400,),
        ("too large", "revenue"),
    ),
    Case(
        "minus-1e308",
        lambda: with_column("Revenue", ["-1e308", "5"]),
        (400,),
        ("too large",),
    ),
    Case(
        "1e16-amount",
        lambda: with_column("Revenue", ["1e16", "5", "6"]),
        (400,),
        ("too large",),
    ),
    Case(
        "400-digit-amount",
        lambda: with_column("Revenue", ["9" * 400, "5"]),
        (400,),
        ("too large",),
    ),
    Case(
        "nan-only",
        lambda: with_column("Revenue", ["NaN"] * 5),
        (400,),
        ("no usable numbers", "revenue"),
    ),
    Case(
        "inf-only",
        lambda: with_column("Revenue", ["inf", "-inf", "Infinity"]),
        (400,),
        ("no usable numbers",),
    ),
    Case(
        "1e999-only",
        lambda: with_column("Revenue", ["1e999"] * 4),
        (400,),
        ("no usable numbers",),
    ),
    Case(
        "cost-1e308",
        lambda: csv_bytes(
            sales(3).assign(Cost=["1e308", "1", "1"]),
        ),
        (400,),
        ("cost", "too large"),
    ),
    Case(
        "nan-among-amounts",
        lambda: with_column("Revenue", ["NaN", *map(str, _NORMAL)]),
        (201,),
        (),
        revenue=lambda: total(_NORMAL),
    ),
    Case(
        "tiny-amounts",
        lambda: with_column("Revenue", ["1e-300", "2.5", "-0"]),
        (201,),
        (),
        revenue=lambda: total([1e-300, 2.5, 0.0]),
    ),
]

DATE_CASES = [
    Case(
        "dates-year-0001",
        lambda: with_column("Date", ["0001-01-01", "0001-02-01", "0001-03-01"]),
        (201,),
        ("year 1,", "placeholder"),
    ),
    Case(
        "dates-year-9999",
        lambda: with_column("Date", ["9999-12-31"] * 3),
        (201,),
        ("year 9999",),
    ),
    Case(
        "dates-0001-to-9999",
        lambda: with_column("Date", ["0001-01-01", "9999-12-31", "9999-12-30"]),
        (201,),
        ("years 1 to 9999",),
    ),
    Case(
        "dates-dmy-year-0001",
        lambda: with_column("Date", ["01/02/0001", "03/04/0001", "05/06/0001"]),
        (201,),
        ("year 1,",),
    ),
]


def _accepted_with_name(name: str) -> Case:
    return Case(
        f"filename-{name.encode('unicode_escape').decode()[:30]}",
        lambda: csv_bytes(sales(5)),
        (201,),
        (),
        filename=name,
        revenue=lambda: total(sales(5)["Revenue"].tolist()),
    )


FILENAME_CASES = [
    _accepted_with_name(name)
    for name in (
        "sales\x00.csv",
        "invoice\u202excs.csv",
        "../../etc/passwd.csv",
        "C:\\Users\\me\\sales.csv",
        "s" * 1000 + ".csv",
        "sales\tq\x1b[31m.csv",
        "<script>alert(1)</script>.csv",
        "\ufeffsales\u200d.csv",
        "....",
        "Umsa\u0308tze.csv",
    )
]


def _text_case(case_id: str, column: str, value: str) -> Case:
    frame = sales(6)
    frame[column] = [value, *frame[column].astype(str).tolist()[1:]]
    return Case(
        case_id,
        lambda: csv_bytes(frame),
        (201,),
        (),
        revenue=lambda: total(frame["Revenue"].tolist()),
        extra={"column": column, "value": value},
    )


TEXT_CASES = [
    _text_case("sku-with-link", "SKU", '<a href="https://evil.example">x</a>'),
    _text_case("sku-with-script", "SKU", "<script>alert(1)</script>"),
    _text_case("sku-with-formula", "SKU", '=HYPERLINK("http://evil","x")'),
    _text_case("sku-60kb", "SKU", "Z" * 60_000),
    _text_case("sku-rtl-override", "SKU", "abc\u202edef"),
    _text_case("sku-only-spaces", "SKU", "     "),
]


def _many_skus() -> bytes:
    n = 50_000
    frame = pd.DataFrame(
        {
            "Date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(np.arange(n) % 300, unit="D"),
            "SKU": [f"SKU{i}" for i in range(n)],
            "Revenue": (np.arange(n) % 97 + 1).astype(float),
        }
    )
    return csv_bytes(frame)


MANY_SKUS = Case(
    "50k-distinct-skus",
    _many_skus,
    (201,),
    (),
    revenue=lambda: float(((np.arange(50_000) % 97) + 1).sum()),
    slow=True,
)

UPLOAD_CASES = [
    *SIZE_CASES,
    *MALFORMED_CASES,
    *NUMBER_CASES,
    *DATE_CASES,
    *FILENAME_CASES,
    *TEXT_CASES,
    MANY_SKUS,
]
