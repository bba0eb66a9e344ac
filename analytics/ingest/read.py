"""From uploaded bytes to a grid of cells: file type, encoding, dialect, sheets, header.

Everything happens in memory. The file type is decided by content (magic bytes and a
text sniff), never by the name alone. CSV text is decoded once (BOMs, a strict UTF-8
check, then charset-normaliser on a sample) and read with Arrow as strings; Excel files
are read with calamine. :func:`read_grid` returns the raw grid (every cell, with source
row numbers); :func:`shape_table` finds the header row, drops blank rows and columns,
makes header names unique, drops an unnamed index column and sets aside total rows.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analytics.errors import IngestError, UnsupportedFileType
from analytics.formatting import MONTH_NAMES
from analytics.ingest.budget import check_time
from analytics.ingest.parsing import DATE_SHAPE_RE, MISSING_TOKENS, clean_text

SAMPLE_BYTES = 256 * 1024
#: Largest total size of an XLSX's unpacked parts (guards against zip bombs).
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"BM", "a bitmap image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x00\x00\x00\x18ftyp", "a video"),
    (b"\x00\x00\x00\x20ftyp", "a video"),
    (b"RIFF", "a media file"),
    (b"ID3", "an audio file"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3", "a database file"),
)
_WHAT_TO_UPLOAD = "Upload a CSV, XLSX or XLS export of your sales or transactions."
#: Labels of total rows (RE2 syntax, case-insensitive; "Total Income" lines belong to statements).
_TOTAL_LABEL = (
    r"(?i)^\s*(?:(?:grand\s+|sub\s*-?\s*)?totals?(?:$|[^a-z].*$|\s+(?:[a-hj-z]|i[^n]|in[^c]).*$)"
    r"|(?:gesamtsumme|gesamt|summe|total\s+general|totaux?)\s*:?\s*$)"
)
_TOTAL_PREFIXES = ("total", "sub", "grand", "summe", "gesamt", "totaux")
_DATE_SHAPE = re.compile(DATE_SHAPE_RE)
_INDEX_NAMES = ("", "unnamed: 0", "index", "level_0")


@dataclass
class Grid:
    """Every cell of the chosen sheet or CSV file, before any layout decision.

    ``cells`` has positional integer columns: ``str`` values for CSV, Python objects
    (str, float, datetime, …; None when empty) for Excel. ``row_numbers`` holds the
    1-based source row number of each grid row.
    """

    cells: pd.DataFrame
    row_numbers: np.ndarray
    read: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    uncomputed: list[tuple[int, int]] = field(default_factory=list)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    #: Every readable sheet of a workbook with more than one, by name in workbook order
    #: (this one included), so another sheet can be read without the file's bytes.
    workbook: dict[str, Grid] = field(default_factory=dict)


@dataclass
class Shaped:
    """The table after layout fixes, with where its rows came from."""

    table: pd.DataFrame
    row_numbers: np.ndarray
    header_row: int | None
    set_aside: list[dict[str, Any]]
    notes: list[str]
    rows_read: int
    uncomputed_by_column: dict[str, list[tuple[int, int]]]
    header_rows: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------- sniffing


def sniff_kind(data: bytes, filename: str = "") -> str:
    """``"xlsx"``, ``"xls"`` or ``"csv"`` judged by content; raises for anything else."""
    if not data or not data[: 1 << 20].strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise IngestError(
            "The file is empty. Export your sales data again and upload the file that "
            "has rows in it."
        )
    head = data[:16]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError) as error:
            raise IngestError(
                "This Excel file is damaged and cannot be opened. Open it in Excel and save "
                "it again, or export the data as CSV."
            ) from error
        if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
            unpacked = sum(
                i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()
            )
            if unpacked > MAX_UNPACKED_BYTES:
                raise IngestError(
                    "This workbook is too large to read once unpacked "
                    f"({unpacked / 1e6:,.0f} MB). Export the sheet you need as CSV, or "
                    "remove unused sheets and save again."
                )
            return "xlsx"
        if "content.xml" in names:
            raise UnsupportedFileType(
                "This is an OpenDocument spreadsheet (.ods). Save it as .xlsx or CSV and "
                "upload that."
            )
        raise UnsupportedFileType(
            "This is a ZIP archive (or a Word/PowerPoint file), not a spreadsheet. "
            + _WHAT_TO_UPLOAD
        )
    if head.startswith(_OLE_MAGIC):
        if (
            b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k"
            in data[: 65536 * 4]
        ):
            raise IngestError(
                "This Excel file is password-protected. Remove the password in Excel "
                "(File > Info > Protect Workbook) and upload it again."
            )
        return "xls"
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise UnsupportedFileType(
                f"This file is {what}, not a spreadsheet. {_WHAT_TO_UPLOAD}"
            )
    return "csv"


def detect_encoding(data: bytes) -> str:
    """The text encoding of ``data``: BOMs first, then a strict UTF-8 check, then a sample guess."""
    if data.startswith(codecs.BOM_UTF32_LE) and data[2:4] == b"\x00\x00":
        return "utf-32"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = data[:SAMPLE_BYTES]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = max(1, len(sample) // 2)
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    if _valid_utf8(data):
        return "utf-8"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        bad_at = error.start
    from charset_normalizer import from_bytes

    window = data[max(0, bad_at - 4096) : bad_at + SAMPLE_BYTES // 2]
    best = from_bytes(window if len(window) > 64 else data[:SAMPLE_BYTES]).best()
    guess = best.encoding if best is not None else None
    high = np.count_nonzero(
        np.frombuffer(data[: 4 * SAMPLE_BYTES], dtype=np.uint8) >= 0x80
    )
    mostly_ascii = high < 0.05 * min(len(data), 4 * SAMPLE_BYTES)
    for candidate in _encoding_preferences(None if mostly_ascii else guess):
        try:
            data.decode(candidate)
            return candidate
        except (UnicodeDecodeError, LookupError):
            continue
    return "latin-1"


def _valid_utf8(data: bytes) -> bool:
    """Whole-buffer UTF-8 check (Arrow's validator, several times faster than decoding)."""
    buffer = pa.py_buffer(data)
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    array = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buffer])
    try:
        array.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _encoding_preferences(guess: str | None) -> list[str]:
    """Encodings to try: the guess for text that is mostly non-Latin, else Windows-1252."""
    western = {
        "cp1252",
        "latin_1",
        "iso8859_15",
        "iso8859_1",
        "cp1250",
        "mac_roman",
        "cp850",
    }
    if guess is None or guess.replace("-", "_").lower() in western:
        return ["cp1252", "latin-1"]
    return [guess, "cp1252", "latin-1"]


def _decode(data: bytes, encoding: str) -> str:
    text = data.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f\x1a")
    replacement = sample.count("\ufffd")
    return controls > 0.01 * len(sample) or replacement > 0.01 * len(sample)


def _text_kind(text: str) -> str | None:
    start = text.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<?xml", "<table", "<head")):
        return "a web page or XML file"
    if start.startswith(("{", "[{", "[\n", "[ ")):
        return "a JSON file"
    return None


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits most sample records into the same number of fields."""
    best, best_score = ",", (-1, -1)
    for delim in DELIMITERS:
        counts = [
            len(r)
            for r in csv.reader(lines, delimiter=delim)
            if any(c.strip() for c in r)
        ]
        if not counts:
            continue
        values, freq = np.unique(counts, return_counts=True)
        usable = values > 1
        if not usable.any():
            continue
        mode_i = int(np.argmax(np.where(usable, freq, -1)))
        score = (int(freq[mode_i]), int(values[mode_i]))
        if score > best_score:
            best, best_score = delim, score
    return best


# --------------------------------------------------------------------------- reading


def read_grid(data: bytes, filename: str = "", *, sheet: str | None = None) -> Grid:
    """Read ``data`` (CSV, XLSX or XLS judged by content) into a :class:`Grid`.

    Raises :class:`~analytics.errors.UnsupportedFileType` for other content and
    :class:`~analytics.errors.IngestError` for damaged or empty files.
    """
    kind = sniff_kind(data, filename)
    if kind == "csv":
        return _read_csv(data)
    try:
        return _read_excel(data, kind, sheet)
    except IngestError:
        raise
    except (
        BaseException
    ) as error:  # reader libraries fail in many ways on damaged files
        _reraise_interrupts(error)
        return _damaged(kind, error)


def _read_csv(data: bytes) -> Grid:
    encoding = detect_encoding(data)
    if encoding in ("utf-8", "utf-8-sig"):
        body = data[3:] if encoding == "utf-8-sig" else data
        text = body[:SAMPLE_BYTES].decode("utf-8", errors="ignore")
        utf8 = body
    else:
        text = _decode(data, encoding)
        utf8 = text.encode("utf-8")
    if _looks_binary(text):
        raise UnsupportedFileType(
            "This file does not contain readable text or spreadsheet data (it looks like a "
            f"binary file). {_WHAT_TO_UPLOAD}"
        )
    other = _text_kind(text)
    if other:
        raise UnsupportedFileType(
            f"This file is {other}, not a CSV or Excel file. {_WHAT_TO_UPLOAD}"
        )
    sample_lines = text[:SAMPLE_BYTES].splitlines()[:400]
    if len(text) > SAMPLE_BYTES and len(sample_lines) > 1:
        sample_lines = sample_lines[:-1]
    delimiter = sniff_delimiter(sample_lines)
    aligned = _aligned_layout(sample_lines, delimiter)
    glued = 0
    if aligned is not None:
        delimiter = aligned
        cells = _aligned_cells(utf8.decode("utf-8", errors="replace"), aligned)
    else:
        utf8, glued = _split_glued_headers(utf8, delimiter)
        cells = _csv_cells(utf8, text, delimiter)
    read = {
        "file_type": "csv",
        "encoding": _encoding_name(encoding),
        "delimiter": delimiter,
        "sheet": None,
        "sheets": [],
    }
    notes = []
    if aligned == WHITESPACE:
        notes.append(
            "The text has no delimiter: its columns are aligned with spaces, so values "
            "were split at runs of spaces."
        )
    elif aligned == FIXED_WIDTH:
        notes.append(
            "The text has fixed-width columns (no delimiter); values were cut at the "
            "character positions that are blank on every line."
        )
    if glued:
        notes.append(
            f"{glued} line(s) ended with a copy of the header row glued to the last "
            "value (files joined without a line break); split the copy off and set it "
            "aside."
        )
    return Grid(cells, np.arange(1, len(cells) + 1, dtype="int64"), read, notes)


#: ``read["delimiter"]`` of text whose columns are aligned with runs of spaces, and of
#: fixed-width text (values may hold single spaces; columns found by position).
WHITESPACE = "whitespace"
FIXED_WIDTH = "fixed-width"


def _aligned_layout(lines: list[str], delimiter: str) -> str | None:
    """``WHITESPACE`` or ``FIXED_WIDTH`` when the sample is plain text in aligned columns
    (``.txt``/``.dat`` reports: `` customer_id  date  dollar_value``), else None.

    Never when the header line holds the sniffed delimiter (a real CSV or TSV keeps it
    there), nor when most lines hold it unless the header's names are separated by runs
    of spaces (aligned text with decimal commas). Whitespace-aligned when splitting on
    spaces gives the same number (≥ 2) of fields on at least 90 % of the lines, header
    included; fixed-width (only when most lines lack the delimiter) when the data lines
    share at least one all-blank character column.
    """
    rows = [line for line in lines if line.strip()]
    if len(rows) < 2:
        return None
    delimited = sum(delimiter in line for line in rows) >= 0.5 * len(rows)
    if delimiter in rows[0] or (delimited and not re.search(r"\S {2,}\S", rows[0])):
        return None
    counts = pd.Series([len(line.split()) for line in rows])
    if counts.iloc[0] < 2:
        return None
    mode = int(counts.mode().iloc[0])
    if mode >= 2 and (counts == mode).mean() >= 0.9 and counts.iloc[0] == mode:
        return WHITESPACE
    if not delimited and len(rows) >= 3 and _fixed_width_cuts(rows[1:]):
        return FIXED_WIDTH
    return None


def _fixed_width_cuts(lines: list[str]) -> list[tuple[int, int]]:
    """``(start, end)`` character spans of the columns of fixed-width ``lines``: runs
    of positions holding a non-blank character on some line, split by positions blank
    on every line (at least two columns, else empty)."""
    width = max(len(line.rstrip()) for line in lines)
    if width == 0:
        return []
    used = np.zeros(width, dtype=bool)
    for line in lines:
        chars = np.frombuffer(line[:width].ljust(width).encode("utf-32-le"), "<u4")
        used |= (chars != 32) & (chars != 9)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], used.astype(int), [0]])))
    spans = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return spans if len(spans) >= 2 else []


def _aligned_cells(text: str, layout: str) -> pd.DataFrame:
    """Cells of text in aligned columns (see :func:`_aligned_layout`)."""
    text = text[1:] if text.startswith("\ufeff") else text
    lines = pd.Series(text.splitlines(), dtype="str")
    blank = lines.str.strip() == ""
    if layout == WHITESPACE:
        counts = lines.str.split().str.len()
        width = int(counts[~blank].mode().iloc[0])
        cells = lines.str.strip().str.split(
            r"\s+", n=width - 1, regex=True, expand=True
        )
    else:
        body = [line for line, b in zip(lines, blank, strict=True) if not b]
        spans = _fixed_width_cuts(body[:400]) or _fixed_width_cuts(body[1:400])
        cells = pd.DataFrame(
            {
                i: lines.str.slice(a, b if i < len(spans) - 1 else None).str.strip()
                for i, (a, b) in enumerate(spans)
            }
        )
        header = lines.iloc[0].split()
        if len(header) == len(spans):
            cells.iloc[0] = header
    cells.loc[blank.to_numpy()] = np.nan
    cells.columns = range(cells.shape[1])
    return cells.replace("", np.nan).astype(pd.StringDtype("pyarrow", na_value=np.nan))


def _split_glued_headers(utf8: bytes, delimiter: str) -> tuple[bytes, int]:
    """Put a line break before each copy of the header line that is glued to the end of
    a record (``30/11/1999stccdcli;stcdateliv;…``), so it becomes a repeated header row.

    Only a header of at least 3 fields and 20 characters is looked for; copies that
    start a line are left alone (they are set aside as repeated headers later).
    """
    end = utf8.find(b"\n")
    if end <= 0:
        return utf8, 0
    sep = delimiter.encode("utf-8")
    header = utf8[:end].rstrip(b"\r").rstrip(sep + b" ")
    if len(header) < 20 or header.count(sep) < 2:
        return utf8, 0
    cuts = []
    at = utf8.find(header, end)
    while at != -1:
        if utf8[at - 1 : at] not in (b"\n", b'"'):
            cuts.append(at)
        at = utf8.find(header, at + len(header))
    if not cuts:
        return utf8, 0
    parts = []
    last = 0
    for at in cuts:
        parts.append(utf8[last:at])
        last = at
    parts.append(utf8[last:])
    return b"\n".join(parts), len(cuts)


def _encoding_name(encoding: str) -> str:
    return {"utf-16-le": "utf-16", "utf-16-be": "utf-16", "latin-1": "latin-1"}.get(
        encoding, codecs.lookup(encoding).name
    )


def _csv_cells(utf8: bytes, text: str, delimiter: str) -> pd.DataFrame:
    """All records as a frame of ``str`` cells (Arrow; Python's csv for ragged files)."""
    first = next(csv.reader(io.StringIO(text[:SAMPLE_BYTES]), delimiter=delimiter), [])
    widths = [
        len(r)
        for r in csv.reader(text[:SAMPLE_BYTES].splitlines()[:200], delimiter=delimiter)
    ]
    width = max(widths + [len(first), 1])
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=b'"' in utf8,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # rows of different widths (or other oddities): Python's csv pads them
        table = None
    if table is None:
        return _python_csv_cells(utf8.decode("utf-8", errors="replace"), delimiter)
    if b'="' in utf8:
        table = _unescape_excel_text(table)
    frame = table.to_pandas(
        types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get
    )
    frame.columns = range(frame.shape[1])
    return frame


def _unescape_excel_text(table: pa.Table) -> pa.Table:
    """Cells written as ``="00123"`` (exports that keep leading zeros in Excel) as ``00123``."""
    columns = []
    for column in table.columns:
        if pc.any(pc.starts_with(column, '="')).as_py():
            column = pc.replace_substring_regex(column, r'^="(.*)"$', r"\1")
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _python_csv_cells(text: str, delimiter: str) -> pd.DataFrame:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype="str")
    if '="' in text:
        frame = frame.apply(lambda c: c.str.replace(r'^="(.*)"$', r"\1", regex=True))
    if frame.shape[1] == 0:
        raise IngestError("The file has no readable rows. " + _WHAT_TO_UPLOAD)
    return frame.replace("", np.nan).astype("str")


#: Largest sheet (rows × columns of its used range) read into memory.
MAX_SHEET_CELLS = 30_000_000


def _read_excel(data: bytes, kind: str, sheet: str | None) -> Grid:
    """XLSX through calamine (fast); XLS through xlrd (pure Python, safe on damaged files).

    With no ``sheet`` every sheet is read, the one holding the most data is chosen and
    all of them travel in :attr:`Grid.workbook`.
    """
    if kind == "xls":
        names, grids, merged = _xls_sheets(data, sheet)
    else:
        names, grids, merged = _xlsx_sheets(data, sheet)
    if not grids:
        raise IngestError(
            "None of the sheets in this workbook could be read. " + _WHAT_TO_UPLOAD
        )
    sheets = {
        name: Grid(
            cells,
            np.arange(1, len(cells) + 1, dtype="int64"),
            {
                "file_type": kind,
                "encoding": None,
                "delimiter": None,
                "sheet": name,
                "sheets": names,
            },
            [],
            _uncomputed_formulas(data, name) if kind == "xlsx" else [],
            merged.get(name, []),
        )
        for name, cells in grids.items()
    }
    if sheet is not None:
        return sheets[sheet]
    ranked = rank_sheets(sheets)
    chosen = sheets[ranked[0]]
    if len(sheets) > 1:
        chosen.notes.append(sheet_note(ranked[0], names, "it holds the most data"))
        chosen.workbook = sheets
    return chosen


def rank_sheets(sheets: dict[str, Grid]) -> list[str]:
    """Sheet names, the one most likely to hold transactions first (empty sheets last)."""
    scores = {name: _sheet_score(grid.cells) for name, grid in sheets.items()}
    return sorted(scores, key=lambda name: -scores[name])


def sheet_note(chosen: str, names: list[str], why: str) -> str:
    """The quality report's line saying which sheet was read, and why."""
    others = [f"'{n}'" for n in names if n != chosen]
    return f"Read the sheet '{chosen}' ({why})" + (
        "; the workbook also has " + ", ".join(others) + "." if others else "."
    )


# --------------------------------------------------------------------------- stored sheets

#: Cell kinds of the stored form of a workbook sheet (see :func:`encode_cells`).
_TYPE_CODES: dict[type, int] = {
    type(None): 0,
    str: 1,
    int: 2,
    float: 3,
    bool: 4,
    datetime.datetime: 5,
    datetime.date: 6,
    datetime.time: 7,
    datetime.timedelta: 8,
}
_NUMBER_KINDS = (2, 3, 4)
_DATE_KINDS = (5, 6)


def _kind_of(value: Any) -> int:
    """Kind of a value whose exact type is not in ``_TYPE_CODES`` (numpy scalars, …)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return 0
    if isinstance(value, (bool, np.bool_)):
        return 4
    if isinstance(value, (int, np.integer)):
        return 2
    if isinstance(value, (float, np.floating)):
        return 3
    if isinstance(value, datetime.datetime):
        return 5
    if isinstance(value, datetime.date):
        return 6
    return 1


#: Kind of every present cell of a column whose values all share one type.
_UNIFORM_KINDS = {
    "string": 1,
    "integer": 2,
    "floating": 3,
    "boolean": 4,
    "datetime": 5,
    "date": 6,
}


def _cell_codes(values: np.ndarray, head: int = 64) -> np.ndarray:
    """Kind code of each cell of a column.

    Below the first ``head`` cells (titles, headers) a column usually holds one type, so
    it costs one type check; only mixed columns are checked cell by cell.
    """
    if len(values) > head:
        body = values[head:]
        uniform = _UNIFORM_KINDS.get(pd.api.types.infer_dtype(body, skipna=True))
        if uniform is not None:
            return np.concatenate(
                [
                    _cell_codes(values[:head], head),
                    np.where(pd.isna(body), 0, uniform).astype("int8"),
                ]
            )
    kinds = pd.Series(values).map(type).map(_TYPE_CODES)
    kinds = kinds.to_numpy(dtype="float64", na_value=-1).astype("int8")
    odd = kinds < 0
    if odd.any():
        kinds[odd] = [_kind_of(v) for v in values[odd]]
    return kinds


def encode_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """A workbook sheet's cells as a Parquet-friendly frame, decoded by :func:`decode_cells`.

    Each grid column ``j`` becomes four typed columns: its cell kinds (``k<j>``), the
    numbers (``n<j>``: ints, floats, booleans), the dates (``d<j>``) and the text
    (``v<j>``: labels; times and durations as ISO text), so every cell comes back with the
    Python type calamine/xlrd produced.
    """
    out: dict[str, Any] = {}
    n = len(cells)
    for j, name in enumerate(cells.columns):
        values = cells[name].to_numpy(dtype=object)
        kinds = _cell_codes(values)
        numbers = np.full(n, np.nan)
        mask = np.isin(kinds, _NUMBER_KINDS)
        if mask.any():
            numbers[mask] = values[mask].astype("float64")
        dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        mask = np.isin(kinds, _DATE_KINDS)
        if mask.any():
            dates[mask] = pd.to_datetime(values[mask]).to_numpy("datetime64[ns]")
        text = np.full(n, None, dtype=object)
        mask = kinds == 1
        text[mask] = values[mask]
        for code in (7, 8):
            mask = kinds == code
            if mask.any():
                text[mask] = [
                    v.isoformat() if code == 7 else repr(v.total_seconds())
                    for v in values[mask]
                ]
        out[f"k{j}"] = kinds
        out[f"n{j}"] = numbers
        out[f"d{j}"] = dates
        out[f"v{j}"] = pd.array(text, dtype="string")
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def _objects(values: Any) -> np.ndarray:
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def decode_cells(stored: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`encode_cells`."""
    columns: dict[int, np.ndarray] = {}
    for j in range(len(stored.columns) // 4):
        kinds = stored[f"k{j}"].to_numpy()
        values = np.full(len(kinds), None, dtype=object)
        numbers = stored[f"n{j}"].to_numpy()
        dates = pd.DatetimeIndex(stored[f"d{j}"])
        text = stored[f"v{j}"].to_numpy(dtype=object, na_value=None)
        for code in np.unique(kinds):
            mask = kinds == code
            if code == 1:
                values[mask] = text[mask]
            elif code == 2:
                values[mask] = _objects(numbers[mask].astype("int64").tolist())
            elif code == 3:
                values[mask] = _objects(numbers[mask].tolist())
            elif code == 4:
                values[mask] = _objects((numbers[mask] != 0).tolist())
            elif code == 5:
                values[mask] = _objects(dates[mask].to_pydatetime())
            elif code == 6:
                values[mask] = _objects(dates[mask].to_series().dt.date)
            elif code == 7:
                values[mask] = _objects(map(datetime.time.fromisoformat, text[mask]))
            elif code == 8:
                values[mask] = _objects(
                    datetime.timedelta(seconds=float(v)) for v in text[mask]
                )
        columns[j] = values
    if not columns:
        return pd.DataFrame()
    return pd.DataFrame(columns, dtype=object)


def sheet_record(grid: Grid) -> dict[str, Any]:
    """JSON-serialisable facts of a workbook sheet that :func:`grid_from_stored` needs."""
    cells = grid.cells
    rows = int(cells.notna().any(axis=1).sum()) if not cells.empty else 0
    return {
        "name": grid.read["sheet"],
        "rows": rows,
        "columns": int(cells.shape[1]),
        "read": dict(grid.read),
        "uncomputed": [list(c) for c in grid.uncomputed],
        "merged": [[list(a), list(b)] for a, b in grid.merged],
    }


def grid_from_stored(record: dict[str, Any], stored: pd.DataFrame) -> Grid:
    """A workbook sheet's :class:`Grid` from :func:`sheet_record` and :func:`encode_cells`."""
    cells = decode_cells(stored)
    return Grid(
        cells,
        np.arange(1, len(cells) + 1, dtype="int64"),
        dict(record["read"]),
        [],
        [tuple(c) for c in record.get("uncomputed", [])],
        [(tuple(a), tuple(b)) for a, b in record.get("merged", [])],
    )


def _no_sheet(sheet: str, names: list[str]) -> IngestError:
    return IngestError(
        f"There is no sheet called '{sheet}' in this workbook. Its sheets are: "
        + ", ".join(names)
        + "."
    )


def _too_big(name: str, height: int, width: int) -> IngestError:
    return IngestError(
        f"The sheet '{name}' spans {height:,} rows × {width:,} columns (often because of "
        "stray cells far from the data). Delete the empty rows and columns after the data "
        "and save again, or export the sheet as CSV."
    )


def _xlsx_sheets(
    data: bytes, sheet: str | None
) -> tuple[list[str], dict[str, pd.DataFrame], dict[str, list]]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    metas = [
        m
        for m in workbook.sheets_metadata
        if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible
    ] or list(workbook.sheets_metadata)
    names = [m.name for m in metas]
    if not names:
        raise IngestError("This workbook has no worksheets. " + _WHAT_TO_UPLOAD)
    if sheet is not None and sheet not in workbook.sheet_names:
        raise _no_sheet(sheet, names)
    grids: dict[str, pd.DataFrame] = {}
    merged: dict[str, list] = {}
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in [sheet] if sheet is not None else names:
        height, width = _xlsx_extent(archive, name)
        if height * width > MAX_SHEET_CELLS:
            raise _too_big(name, height, width)
        ws = workbook.get_sheet_by_name(name)
        grids[name] = _object_grid(ws.to_python(skip_empty_area=False))
        merged[name] = list(ws.merged_cell_ranges or [])
    return names, grids, merged


_CELL_COLUMN_RE = re.compile(rb'<c r="([A-Z]{1,3})\d')
_CELL_ROW_RE = re.compile(rb'<c r="[A-Z]{1,3}(\d+)"')
_ROW_RE = re.compile(rb'<row r="(\d+)"')


def _xlsx_extent(archive: zipfile.ZipFile, sheet: str) -> tuple[int, int]:
    """(rows, columns) a sheet's cells span, read from its XML before calamine sizes it.

    calamine allocates the whole used range at once, so a stray cell at XFD1048576 must
    be caught here; the cells' own references are used (a ``<dimension>`` tag can lie).
    """
    path = _sheet_path(archive, sheet)
    if path is None or path not in archive.namelist():
        return (0, 0)
    xml = archive.read(path)
    letters = set(_CELL_COLUMN_RE.findall(xml))
    numbers = set(_CELL_ROW_RE.findall(xml)) | set(_ROW_RE.findall(xml))
    cols = max((column_index(x.decode()) + 1 for x in letters), default=0)
    widest = max(numbers, key=lambda x: (len(x), x), default=b"0")
    return int(widest), cols


def _xls_sheets(
    data: bytes, sheet: str | None
) -> tuple[list[str], dict[str, pd.DataFrame], dict[str, list]]:
    import xlrd

    try:
        book = xlrd.open_workbook(
            file_contents=data, logfile=io.StringIO(), formatting_info=True
        )
    except NotImplementedError:
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO())
    names = book.sheet_names()
    if sheet is not None and sheet not in names:
        raise _no_sheet(sheet, names)
    origin = pd.Timestamp("1904-01-01" if book.datemode else "1899-12-30")
    grids: dict[str, pd.DataFrame] = {}
    merged: dict[str, list] = {}
    for name in [sheet] if sheet is not None else names:
        ws = book.sheet_by_name(name)
        if ws.nrows * ws.ncols > MAX_SHEET_CELLS:
            raise _too_big(name, ws.nrows, ws.ncols)
        columns = {}
        for c in range(ws.ncols):
            values = np.array(ws.col_values(c), dtype=object)
            types = np.array(ws.col_types(c))
            values[
                np.isin(
                    types, (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR)
                )
            ] = None
            dates = types == xlrd.XL_CELL_DATE
            if dates.any():
                serials = values[dates].astype("float64")
                stamps = origin + pd.to_timedelta(serials, unit="D")
                values[dates] = stamps.round("s").to_pydatetime()
            booleans = types == xlrd.XL_CELL_BOOLEAN
            if booleans.any():
                values[booleans] = values[booleans].astype(bool)
            columns[c] = values
        grids[name] = pd.DataFrame(columns, dtype=object) if columns else pd.DataFrame()
        merged[name] = [
            ((rlo, clo), (rhi - 1, chi - 1)) for rlo, rhi, clo, chi in ws.merged_cells
        ]
    return names, grids, merged


def _reraise_interrupts(error: BaseException) -> None:
    """Let interrupts through; everything else a reader library raises means a bad file."""
    if isinstance(error, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise error


def _damaged(kind: str, error: BaseException) -> Grid:
    raise IngestError(
        f"This {kind.upper()} file is damaged and cannot be read. Open it in Excel and save "
        "it again, or export the data as CSV."
    ) from error


def _object_grid(rows: list[list[Any]]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows, dtype=object)
    return frame.where(frame.ne(""), None)


def _sheet_score(cells: pd.DataFrame) -> float:
    """How much transaction-like data a sheet holds (numeric and date cells count most)."""
    if cells.empty:
        return 0.0
    block = cells.iloc[:2000]
    kinds = pd.Series(block.to_numpy(dtype=object).ravel()).map(type)
    typed = int(kinds.isin([float, int, datetime.date, datetime.datetime]).sum())
    filled = int(block.notna().to_numpy().sum())
    return (typed + 0.25 * filled) * len(cells) / max(len(block), 1)


_CELL_RE = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"[^>]*?>(<f\b[^>]*?(?:/>|>.*?</f>))(\s*<v>[^<]+</v>)?',
    re.S,
)


def _uncomputed_formulas(data: bytes, sheet: str) -> list[tuple[int, int]]:
    """(row number, 0-based column) of formula cells saved without a computed value."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        path = _sheet_path(archive, sheet)
        if path is None:
            return []
        xml = archive.read(path)
    except (KeyError, zipfile.BadZipFile):
        return []
    if b"<f" not in xml:
        return []
    out = []
    for match in _CELL_RE.finditer(xml):
        if match.group(4) is None:
            out.append((int(match.group(2)), column_index(match.group(1).decode())))
    return out


def _sheet_path(archive: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    rid = None
    for match in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", workbook):
        attrs = match.group(1)
        name = re.search(r'\bname="([^"]*)"', attrs)
        if name and html.unescape(name.group(1)) == sheet:
            found = re.search(r'\br:id="([^"]*)"', attrs) or re.search(
                r'\bid="([^"]*)"', attrs
            )
            rid = found.group(1) if found else None
            break
    if rid is None:
        return None
    for match in re.finditer(r"<Relationship\b([^>]*)/?>", rels):
        attrs = match.group(1)
        if re.search(rf'\bId="{re.escape(rid)}"', attrs):
            target = re.search(r'\bTarget="([^"]*)"', attrs)
            if target:
                t = target.group(1)
                return t.lstrip("/") if t.startswith("/") else "xl/" + t
    return None


def column_index(letters: str) -> int:
    """0-based index of an Excel column name (``A`` → 0, ``AA`` → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letters(index: int) -> str:
    """Excel column name of a 0-based index (0 → ``A``)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ranges(cells: list[tuple[int, int]]) -> str:
    """``D2:D40, F7`` style description of cells grouped into column runs."""
    by_col: dict[int, list[int]] = {}
    for row, col in sorted(cells, key=lambda rc: (rc[1], rc[0])):
        by_col.setdefault(col, []).append(row)
    parts = []
    for col, rows in by_col.items():
        start = prev = rows[0]
        for row in rows[1:] + [None]:
            if row is not None and row == prev + 1:
                prev = row
                continue
            letters = column_letters(col)
            parts.append(
                f"{letters}{start}"
                if start == prev
                else f"{letters}{start}:{letters}{prev}"
            )
            if row is not None:
                start = prev = row
    return ", ".join(parts[:6]) + (" …" if len(parts) > 6 else "")


# --------------------------------------------------------------------------- layout


_NUMBER_CELL = re.compile(
    r"[-+(]?[$€£¥]?\s?[-+]?\d[\d,.\s\u00a0']*%?\)?(?:\s?[€$£A-Z]{1,3})?"
)


def _cell_kind(value: Any) -> int:
    """0 empty, 1 number, 2 date, 3 label (for the few rows scanned for a header)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return 0
    if isinstance(value, bool):
        return 3
    if isinstance(value, (int, float, np.integer, np.floating)):
        return 1
    if isinstance(value, (datetime.date, datetime.datetime, pd.Timestamp)):
        return 2
    text = str(value).strip()
    if not text or text.lower() in MISSING_TOKENS:
        return 0
    if _NUMBER_CELL.fullmatch(text):
        return 1
    if _DATE_SHAPE.fullmatch(text):
        return 2
    return 3


def _cell_kinds(cells: pd.DataFrame) -> np.ndarray:
    """Kind codes (see :func:`_cell_kind`) of a small block of cells."""
    values = cells.to_numpy(dtype=object)
    return np.array(
        [[_cell_kind(v) for v in row] for row in values], dtype="int8"
    ).reshape(values.shape)


def find_header_row(cells: pd.DataFrame, scan: int = 60) -> int | None:
    """Position of the header row in the grid (None when the first data row has no header).

    The header is the first row that is (nearly) as wide as the rows below it and made
    of labels rather than numbers or dates; title rows above it are narrower.
    """
    block = cells.iloc[:scan]
    if block.empty:
        return None
    kinds = _cell_kinds(block)
    widths = (kinds > 0).sum(axis=1)
    labels = (kinds == 3).sum(axis=1)
    numbers = (kinds == 1).sum(axis=1)
    nonempty = np.flatnonzero(widths > 0)
    if nonempty.size == 0:
        return None
    maxw = int(widths.max())
    for pos in nonempty:
        below = widths[pos + 1 : pos + 21]
        below = below[below > 0]
        typical = float(np.median(below)) if below.size else float(widths[pos])
        wide_enough = widths[pos] >= max(1 if maxw == 1 else 2, 0.8 * typical)
        if not wide_enough:
            continue
        if (
            labels[pos] >= 0.6 * widths[pos]
            and numbers[pos] == 0
            or labels[pos] == widths[pos]
        ):
            return int(pos)
        if labels[pos] >= 1 and _period_header(
            block.iloc[pos], kinds[pos], kinds[pos + 1 : pos + 6]
        ):
            return int(pos)
        return None
    return None


def header_rows(cells: pd.DataFrame, header: int) -> tuple[int, int]:
    """(first, last) grid positions of a header that may span two rows.

    Excel reports often split a header over two rows: a group row above it (``Sales`` over
    ``Units | Amount``, usually merged cells) or a name broken in two (``Net`` / ``Sales``).
    The row below the header continues it when it holds only labels and at least one of
    them sits over a column of numbers or dates; the row above is a group row when it is
    directly above, holds only labels, and is not a title (one cell in the first column).
    """
    block = cells.iloc[max(header - 1, 0) : header + 8]
    kinds = _cell_kinds(block)
    at = header - max(header - 1, 0)
    row = kinds[at]
    in_header = row > 0
    first = int(np.flatnonzero(in_header)[0]) if in_header.any() else 0

    def not_a_label_row(cells_kinds: np.ndarray) -> bool:
        # a title or section row has one cell, in the first column
        filled = np.flatnonzero(cells_kinds > 0)
        return filled.size >= 2 or (filled.size == 1 and int(filled[0]) > first)

    if at + 2 < len(kinds):
        below = kinds[at + 1]
        data = kinds[at + 2 :]
        typed = ((data == 1) | (data == 2)).sum(axis=0) > 0.5 * (data > 0).sum(axis=0)
        if (
            not_a_label_row(below)
            and not ((below == 1) | (below == 2)).any()
            and bool((typed & (below == 3)).any())
            and not ((below > 0) & ~in_header & ~typed).all()
        ):
            return header, header + 1
    if at == 1:
        above = kinds[0]
        filled = np.flatnonzero(above > 0)
        years = np.array(
            [_year_like(v) for v in block.iloc[0].tolist()], dtype=bool
        )  # a group row of periods (2023 | | 2024, Jan 2024 | | Feb 2024)
        if (
            not_a_label_row(above)
            and bool(((above[filled] >= 2) | years[filled]).all())
            and bool(in_header[filled].all())
            and filled.size < in_header.sum()
        ):
            return header - 1, header
    return header, header


def _stacked_names(cells: pd.DataFrame, top: int, header: int) -> list[str]:
    """One name per column from the header rows ``top..header`` (``Sales`` + ``Amount``)."""
    bottom = [_header_name(v) for v in cells.iloc[header].tolist()]
    if top == header:
        return bottom
    upper = [_header_name(v) for v in cells.iloc[top].tolist()]
    lowered = [n.lower() for n in bottom if n]
    if len(set(lowered)) < len(lowered):
        # repeated sub-headers (Units | Amount | Units | Amount): a group label covers
        # the empty cells to its right, as a merged cell would
        label = ""
        for i, name in enumerate(upper):
            label = name or label
            upper[i] = label if bottom[i] else name
    return [
        f"{u} {b}" if u and b and u.lower() != b.lower() else (b or u)
        for u, b in zip(upper, bottom, strict=True)
    ]


def _year_like(value: Any) -> bool:
    try:
        number = float(str(value).strip())
    except ValueError:
        return False
    return number.is_integer() and 1900 <= number <= 2100


def _period_header(row: pd.Series, kinds: np.ndarray, below: np.ndarray) -> bool:
    """A header whose other cells are periods (years, months, dates) over columns of numbers."""
    periods = np.array(
        [
            k == 2 or (k == 1 and _year_like(v))
            for k, v in zip(kinds, row.tolist(), strict=True)
        ]
    )
    if periods.sum() < 2 or ((kinds == 3) | periods | (kinds == 0)).sum() != len(kinds):
        return False
    if below.size == 0:
        return False
    return bool((below[:, periods] == 1).mean() >= 0.5)


def _unique_names(raw: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    lowered = {n.lower() for n in raw}
    out = []
    for name in raw:
        key = name.lower()
        if key in seen:
            seen[key] += 1
            candidate = f"{name} ({seen[key]})"
            while candidate.lower() in lowered:
                seen[key] += 1
                candidate = f"{name} ({seen[key]})"
            lowered.add(candidate.lower())
            out.append(candidate)
        else:
            seen[key] = 1
            out.append(name)
    return out


def _header_name(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return " ".join(str(value).split())


def _fill_merged(
    cells: pd.DataFrame, merged: list, first_row: int
) -> tuple[pd.DataFrame, int]:
    """Cells with each merged range (from the header row down) filled with its value."""
    out = cells.copy()
    filled = 0
    for (r0, c0), (r1, c1) in merged:
        if r0 < first_row or r0 >= len(out) or c0 >= out.shape[1]:
            continue
        value = cells.iat[r0, c0]
        if value is None or (r0 == r1 and c0 == c1):
            continue
        out.iloc[r0 : r1 + 1, c0 : c1 + 1] = value
        filled += 1
    return out, filled


def column_to_table_dtype(col: pd.Series) -> pd.Series:
    """An Excel object column as float64, datetime64 or str (parquet-friendly)."""
    check_time()
    if col.dtype.kind in "fiuM" or col.dtype == "str":
        return col.astype("float64") if col.dtype.kind in "iu" else col
    kind = pd.api.types.infer_dtype(col, skipna=True)
    if kind in ("floating", "integer", "mixed-integer-float", "decimal"):
        return pd.to_numeric(col, errors="coerce").astype("float64")
    if kind in ("datetime", "datetime64", "date"):
        try:
            return pd.to_datetime(col).astype("datetime64[ns]")
        except (ValueError, TypeError, OverflowError):
            pass
    if kind == "empty":
        return pd.Series(np.nan, index=col.index, dtype="str")
    if kind == "boolean":
        return col.map({True: "TRUE", False: "FALSE"}).astype("str")
    text = col.astype("str").where(col.notna())
    text = text.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
    text = text.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True)
    return text.astype("str")


def shape_table(grid: Grid) -> Shaped:
    """Find the header, drop blank rows/columns and index columns, set aside total rows."""
    cells = grid.cells
    notes: list[str] = []
    if cells.empty or not bool(cells.notna().to_numpy().any()):
        raise IngestError(
            "The file is empty. Export your sales data again and upload the file that has rows in it."
        )
    header = find_header_row(cells)
    if header is None:
        first_data = int(np.flatnonzero(cells.notna().any(axis=1).to_numpy())[0])
        names = [f"Column {i + 1}" for i in range(cells.shape[1])]
        body = cells.iloc[first_data:]
        rows = grid.row_numbers[first_data:]
        notes.append(
            "The file has no header row; columns are named Column 1, Column 2, …"
        )
        header_row = None
    else:
        top, header = header_rows(cells, header)
        names = _stacked_names(cells, top, header)
        body = cells.iloc[header + 1 :]
        rows = grid.row_numbers[header + 1 :]
        header_row = int(grid.row_numbers[header])
        if top > 0:
            notes.append(
                f"Skipped {top} row(s) above the header (the header is row "
                f"{int(grid.row_numbers[top])})."
            )
    if grid.merged:
        start = top if header is not None else 0
        filled, count = _fill_merged(cells, grid.merged, start)
        if count:
            body = filled.iloc[len(cells) - len(body) :]
            if header is not None:
                names = _stacked_names(filled, top, header)
            notes.append(f"Filled {count} merged cell range(s) with their value.")
    stacked = (
        [] if header is None else [int(r) for r in grid.row_numbers[top : header + 1]]
    )
    if len(stacked) > 1:
        example = next((n for n in names if " " in n), names[0] if names else "")
        notes.append(
            f"The header spans rows {stacked[0]}–{stacked[-1]}; combined them into one "
            f"name per column (for example '{example}')."
        )
    if body.shape[1] == 0:
        raise IngestError("The file has no columns. " + _WHAT_TO_UPLOAD)
    blank_rows = ~body.notna().any(axis=1).to_numpy()
    body = body.loc[~blank_rows]
    rows = rows[~blank_rows]
    if body.empty:
        raise IngestError(
            "The file has a header but no data rows. Export the data again including its rows."
        )
    col_filled = body.notna().any(axis=0).to_numpy()
    keep = [i for i, name in enumerate(names) if col_filled[i] or name]
    uncomputed_cols = {c for _, c in grid.uncomputed}
    keep = sorted(set(keep) | (uncomputed_cols & set(range(len(names)))))
    body = body.iloc[:, keep]
    names = [names[i] for i in keep]
    positions = keep
    if names and names[0].lower() in _INDEX_NAMES and _is_index_column(body.iloc[:, 0]):
        body = body.iloc[:, 1:]
        names = names[1:]
        positions = positions[1:]
        notes.append("Ignored the unnamed index column.")
    names = [n or f"Column {positions[i] + 1}" for i, n in enumerate(names)]
    names = _unique_names(names)
    table = pd.DataFrame(
        {
            name: column_to_table_dtype(body.iloc[:, i].reset_index(drop=True))
            for i, name in enumerate(names)
        }
    )
    rows_read = len(table)
    set_aside = []
    for reason, finder in (
        ("repeated header row", _repeated_headers),
        ("total or subtotal row", _total_rows),
    ):
        mask = finder(table)
        if bool(mask.any()):
            set_aside.append(
                {
                    "reason": reason,
                    "count": int(mask.sum()),
                    "rows": [int(r) for r in rows[mask][:10]],
                }
            )
            table = table.loc[~mask].reset_index(drop=True)
            rows = rows[~mask]
    by_column: dict[str, list[tuple[int, int]]] = {}
    if grid.uncomputed:
        lookup = dict(zip(positions, names, strict=True))
        for row, col in grid.uncomputed:
            if col in lookup and (header_row is None or row > header_row):
                by_column.setdefault(lookup[col], []).append((row, col))
    return Shaped(
        table, rows, header_row, set_aside, notes, rows_read, by_column, stacked
    )


def _is_index_column(col: pd.Series) -> bool:
    values = pd.to_numeric(
        clean_text(col) if col.dtype.kind not in "fiu" else col, errors="coerce"
    )
    if values.isna().any():
        return False
    return bool((values == np.floor(values)).all() and values.is_unique)


def _mostly_numbers(sample: pd.Series) -> bool:
    from analytics.ingest.parsing import parse_numbers

    parsed = parse_numbers(sample)
    return parsed.valid > 0 and parsed.valid >= 0.9 * (parsed.valid + parsed.invalid)


def _repeated_headers(table: pd.DataFrame) -> np.ndarray:
    """Rows that repeat the header names (files made by pasting exports together).

    Compared exactly (the header names are already trimmed); a repeated header with
    padded cells falls through to the missing-amount check instead.
    """
    needed = max(2, 0.8 * table.shape[1])
    candidates = []
    for name in table.columns:
        col = table[name]
        if col.dtype == "str" and name:
            hit = pc.equal(col.array.__arrow_array__(), str(name))
            if pc.any(hit).as_py():
                candidates.append((name, hit))
    if len(candidates) < needed:
        return np.zeros(len(table), dtype=bool)
    matches = np.zeros(len(table), dtype="int64")
    for _, hit in candidates:
        matches += np.asarray(
            pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype="int64"
        )
    return matches >= needed


def _total_rows(table: pd.DataFrame) -> np.ndarray:
    """Rows labelled as totals (``Total``, ``Grand total``, ``Subtotal: …``) in a text column."""
    mask = np.zeros(len(table), dtype=bool)
    if table.empty:
        return mask
    text_cols = [
        c
        for c in table.columns
        if table[c].dtype == "str" and not _mostly_numbers(table[c].iloc[:200])
    ]
    for name in text_cols[:8]:
        values = table[name].array.__arrow_array__()
        # labels are decided once per distinct value (few, next to the rows)
        distinct = pc.unique(values)
        lowered = pc.ascii_lower(distinct)
        maybe = pc.starts_with(lowered, " ")
        for prefix in _TOTAL_PREFIXES:
            maybe = pc.or_(maybe, pc.starts_with(lowered, prefix))
        if not pc.any(maybe).as_py():
            continue
        labels = pc.match_substring_regex(distinct, _TOTAL_LABEL)
        matched = pc.filter(distinct, pc.fill_null(pc.and_(maybe, labels), False))
        if len(matched) == 0:
            continue
        hit = pc.fill_null(pc.is_in(values, value_set=matched), False)
        hit = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
        if hit.any() and hit.sum() <= max(3, 0.25 * len(table)):
            mask |= hit
    if not mask.any():
        return mask
    # a labelled total leaves other cells of the row empty that are filled elsewhere
    filled = table.notna().to_numpy()
    typical = (
        filled[~mask].mean(axis=0) > 0.5
        if (~mask).any()
        else np.ones(filled.shape[1], bool)
    )
    sparse = (
        (~filled[:, typical]).any(axis=1)
        if typical.any()
        else np.ones(len(table), bool)
    )
    last_rows = np.zeros(len(table), dtype=bool)
    last_rows[-3:] = True
    return mask & (sparse | last_rows)


_YEAR_NAMES = re.compile(
    r"^(?:year|yr|jahr|ano|año|annee|année|anno|fiscal year|fy|sales year)$", re.I
)
_MONTH_NAMES = re.compile(
    r"^(?:month|monat|mes|mois|mese|maand|month name|month number|month no|sales month)$",
    re.I,
)
_MONTHS = {
    word: number
    for number, name in enumerate(MONTH_NAMES, start=1)
    for word in (name.lower(), name[:3].lower())
} | {"sept": 9}


def add_year_month_period(table: pd.DataFrame) -> tuple[pd.DataFrame, str] | None:
    """Add a ``Period`` column (first day of the month) when a table has Year and Month
    columns but no date column; None when it does not apply."""
    from analytics.ingest.parsing import looks_like_dates

    for name in table.columns:
        col = table[name]
        if col.dtype.kind == "M":
            return None
        if col.dtype == "str" and looks_like_dates(col.iloc[:300]) >= 0.6:
            return None
    years = [c for c in table.columns if _YEAR_NAMES.match(" ".join(str(c).split()))]
    months = [c for c in table.columns if _MONTH_NAMES.match(" ".join(str(c).split()))]
    if not years or not months:
        return None
    year = pd.to_numeric(clean_text(table[years[0]]), errors="coerce")
    text = clean_text(table[months[-1]]).str.lower().str.strip(". ")
    month = pd.to_numeric(text, errors="coerce")
    month = month.fillna(text.map(_MONTHS))
    usable = year.between(1900, 2100) & (year == year.round()) & month.between(1, 12)
    if usable.mean() < 0.95:
        return None
    stamp = (
        year.astype("Int64").astype("str")
        + "-"
        + month.astype("Int64").astype("str").str.zfill(2)
        + "-01"
    )
    name = "Period"
    while name in table.columns:
        name += " (2)"
    out = table.assign(**{name: stamp.where(usable).astype("str")})
    note = f"The file has no date column; dated each row by '{years[0]}' and '{months[-1]}' (first day of the month)."
    return out, note
