"""From uploaded bytes to a grid of cells: file type, encoding, dialect, sheets.

Everything happens in memory. The file type is decided by content (magic bytes and a
text sniff, ``sniff``), never by the name alone. CSV text is decoded once (BOMs, a strict
UTF-8 check, then charset-normaliser on a sample) and read with Arrow as strings; Excel
files are read with calamine. :func:`read_grid` returns the raw grid (every cell, with
source row numbers); ``shape`` turns it into a table (header row, blank rows and columns,
unique names, index column, total rows); ``grid_codec`` stores a sheet's cells and back.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import html
import io
import re
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analytics.errors import IngestError, UnsupportedFileType
from analytics.ingest.grid import Grid
from analytics.ingest.sniff import (
    SAMPLE_BYTES,
    WHAT_TO_UPLOAD,
    decode_text,
    detect_encoding,
    looks_binary,
    sniff_delimiter,
    sniff_kind,
    text_kind,
)

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
        text = decode_text(data, encoding)
        utf8 = text.encode("utf-8")
    if looks_binary(text):
        raise UnsupportedFileType(
            "This file does not contain readable text or spreadsheet data (it looks like a "
            f"binary file). {WHAT_TO_UPLOAD}"
        )
    other = text_kind(text)
    if other:
        raise UnsupportedFileType(
            f"This file is {other}, not a CSV or Excel file. {WHAT_TO_UPLOAD}"
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
        raise IngestError("The file has no readable rows. " + WHAT_TO_UPLOAD)
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
            "None of the sheets in this workbook could be read. " + WHAT_TO_UPLOAD
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
        raise IngestError("This workbook has no worksheets. " + WHAT_TO_UPLOAD)
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
