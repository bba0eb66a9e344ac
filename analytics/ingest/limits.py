"""Size guards applied to an upload before (and right after) it is read.

A small file can describe a huge table: an XLSX whose cells carry no ``r=`` references
expands to millions of empty rows, one CSV line of 100,000 commas makes a 100,000-column
table, a zip entry can unpack to gigabytes. These checks look at the bytes (the zip
directory, newline and delimiter counts) before any reader allocates the table, and
refuse with a message naming the limit and what to do. They are cheap: one vectorised
pass over the bytes, and a streamed scan of each worksheet's XML (never held whole).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import IngestError
from analytics.ingest.roles import role_label
from analytics.schema import COST, PROFIT, QUANTITY, REVENUE, UNIT_PRICE


class LimitExceeded(IngestError):
    """The upload is larger than a configured limit."""


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may expand to. Defaults match ``config.Settings``."""

    max_rows: int = 1_000_000
    max_columns: int = 200
    max_cells: int = 10_000_000
    max_line_bytes: int = 64 * 1024
    max_unzipped_bytes: int = 256 * 1024 * 1024
    #: Wall-clock seconds reading one upload may take (``analytics.ingest.budget``).
    max_seconds: float = 20.0


#: Largest absolute amount accepted: above this, sums of float64 lose whole units, and
#: the figure is far more likely an ID, a postal code or a corrupted cell than money.
MAX_AMOUNT = 1e15
_MONEY_ROLES = (REVENUE, COST, PROFIT, UNIT_PRICE, QUANTITY)
_DELIMITERS = (b",", b";", b"\t", b"|")
_TRY = "Export a smaller range (for example one year or one sheet), or remove unused columns"


def check_upload(data: bytes, limits: UploadLimits) -> None:
    """Refuse ``data`` when reading it would exceed ``limits``; do nothing otherwise.

    Raises :class:`LimitExceeded` naming the limit that was hit.
    """
    head = data[:4]
    if head in (b"PK\x03\x04", b"PK\x05\x06"):
        _check_xlsx(data, limits)
    elif not data.startswith(b"\xd0\xcf\x11\xe0"):
        _check_text(data, limits)


# --------------------------------------------------------------------------- CSV / text


def _as_utf8(data: bytes) -> bytes:
    """UTF-16/32 text re-encoded so newlines and delimiters are single bytes."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return data.decode("utf-32", errors="replace").encode("utf-8")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    sample = data[: 64 * 1024]
    half = max(1, len(sample) // 2)
    if sample[1::2].count(0) > 0.3 * half:
        return data.decode("utf-16-le", errors="replace").encode("utf-8")
    if sample[0::2].count(0) > 0.3 * half:
        return data.decode("utf-16-be", errors="replace").encode("utf-8")
    return data


def _check_text(data: bytes, limits: UploadLimits) -> None:
    data = _as_utf8(data)
    arr = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], breaks + 1))
    starts = starts[starts < len(arr)]
    if starts.size == 0:
        return
    ends = np.append(breaks, len(arr))[: starts.size]
    lengths = ends - starts
    rows = int(starts.size)
    if rows > limits.max_rows:
        raise LimitExceeded(
            f"The file has {rows:,} lines; at most {limits.max_rows:,} rows can be read "
            f"in one upload. {_TRY}, then upload again."
        )
    longest = int(lengths.max())
    if longest > limits.max_line_bytes:
        line = int(np.argmax(lengths)) + 1
        raise LimitExceeded(
            f"Line {line:,} of the file is {_size(longest)} long; lines of at most "
            f"{_size(limits.max_line_bytes)} can be read (a sales export's lines "
            "are far shorter, so the file is probably damaged or not a table). Check "
            "that line in a text editor, or export the data again."
        )
    delimiter = _main_delimiter(data[: 64 * 1024])
    # delimiters per line: positions of every delimiter, counted from each line start to
    # the next (the newline between a line's end and the next start is no delimiter)
    found = np.flatnonzero(arr == delimiter[0])
    counts = np.diff(np.searchsorted(found, np.append(starts, len(arr))))
    widest = int(counts.max()) + 1
    if widest > limits.max_columns:
        line = int(np.argmax(counts))
        fields = _fields_on_line(data, int(starts[line]), int(ends[line]), delimiter)
        if fields > limits.max_columns:
            raise LimitExceeded(
                f"Line {line + 1:,} of the file has {fields:,} columns; at most "
                f"{limits.max_columns:,} columns can be read. Remove the extra "
                "separators or unused columns, then upload again."
            )
        widest = limits.max_columns
    if rows * widest > limits.max_cells:
        raise LimitExceeded(
            f"The file has about {rows * widest:,} cells ({rows:,} rows × {widest:,} "
            f"columns); at most {limits.max_cells:,} cells can be read in one upload. "
            f"{_TRY}, then upload again."
        )


def _size(n: int) -> str:
    return f"{n:,} bytes" if n < 10 * 1024 else f"{n / 1024:,.0f} KB"


def _main_delimiter(head: bytes) -> bytes:
    """The candidate delimiter most frequent on the first lines (a cheap sniff)."""
    lines = head.split(b"\n")[:50]
    scores = {d: sum(line.count(d) for line in lines) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: scores[d])


def _fields_on_line(data: bytes, start: int, end: int, delimiter: bytes) -> int:
    """Fields on one line, counting quoted delimiters as text (Python's csv)."""
    text = data[start:end].decode("utf-8", errors="replace")
    try:
        row = next(csv.reader(io.StringIO(text), delimiter=delimiter.decode()), [])
    except csv.Error:
        return text.count(delimiter.decode()) + 1
    return len(row)


# --------------------------------------------------------------------------- XLSX

_PREFIX = re.compile(rb"<(\w+):worksheet\b")
_CELL_COLUMN = re.compile(rb'\br="([A-Z]{1,3})\d')
_CHUNK = 1 << 20


def _check_xlsx(data: bytes, limits: UploadLimits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError):
        return  # the reader explains damaged files
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.max_unzipped_bytes:
        raise LimitExceeded(
            f"This workbook unpacks to {unpacked / 2**20:,.0f} MB; at most "
            f"{limits.max_unzipped_bytes / 2**20:,.0f} MB can be read. Remove unused "
            "sheets, images or formatting and save again, or export the sheet you need "
            "as CSV."
        )
    for info in infos:
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(
            ".xml"
        ):
            _check_sheet_xml(archive, info, limits)


def _check_sheet_xml(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: UploadLimits
) -> None:
    """Count a worksheet's rows and cells from its XML, streamed in 1 MB pieces."""
    rows = cells = highest = widest = 0
    tail = b""
    tags: tuple[bytes, bytes, bytes, bytes] | None = None
    row_ref: re.Pattern[bytes] | None = None
    for chunk in _chunks(archive, info):
        buffer = tail + chunk
        cut = buffer.rfind(b"<") if chunk else len(buffer)
        cut = len(buffer) if cut <= 0 else cut
        part, tail = buffer[:cut], buffer[cut:]
        if tags is None or row_ref is None:
            # a namespace prefix (<x:worksheet>) is declared on the root element
            found = _PREFIX.search(part)
            name = found.group(1) + b":" if found else b""
            tags = (b"<" + name + b"row", b"<" + name + b"c ", b"<" + name + b"c>")
            tags = (*tags, b"<" + name + b"c/")
            row_ref = re.compile(
                rb"<" + re.escape(name) + rb'row\b[^>]*?\br="(\d{1,9})"'
            )
        # plain counts (memchr speed); <rowBreaks> lies outside the cells, rarely big
        rows += part.count(tags[0])
        cells += part.count(tags[1]) + part.count(tags[2]) + part.count(tags[3])
        refs = row_ref.findall(part)
        if refs:
            highest = max(highest, max(int(r) for r in refs))
        letters = set(_CELL_COLUMN.findall(part))
        if letters:
            widest = max(widest, max(_column_number(x) for x in letters))
        if rows > limits.max_rows or highest > limits.max_rows:
            raise _sheet_limit(info, f"more than {limits.max_rows:,} rows")
        if cells > limits.max_cells:
            raise _sheet_limit(info, f"more than {limits.max_cells:,} cells")
        span = max(rows, highest) * widest
        if span > limits.max_cells:
            raise _sheet_limit(
                info,
                f"cells spanning {max(rows, highest):,} rows × {widest:,} columns, more "
                f"than {limits.max_cells:,} cells",
            )


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The entry's bytes in pieces, then one empty piece; stops quietly on damage (the
    reader explains damaged files)."""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError):
        pass
    yield b""


def _sheet_limit(info: zipfile.ZipInfo, what: str) -> LimitExceeded:
    name = info.filename.rsplit("/", 1)[-1].removesuffix(".xml")
    return LimitExceeded(
        f"A worksheet of this workbook ({name}) has {what}; that is more than one "
        f"upload can read. Delete the empty rows below the data (Ctrl+Shift+End shows "
        f"where the sheet ends) and save again, or {_TRY[0].lower() + _TRY[1:]}."
    )


# --------------------------------------------------------------------------- amounts


def check_amounts(frame: pd.DataFrame) -> None:
    """Refuse amounts no total can be built from (infinite, or beyond ``MAX_AMOUNT``).

    Two cells of 1e308 would add up to infinity: the dashboard would show no revenue at
    all. Raises :class:`IngestError` naming the role and the largest value.
    """
    for role in _MONEY_ROLES:
        if role not in frame.columns:
            continue
        values = pd.to_numeric(frame[role], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        with np.errstate(invalid="ignore", over="ignore"):
            too_big = ~np.isnan(values) & ~(np.abs(values) <= MAX_AMOUNT)
            total = np.nansum(values[~too_big]) if not too_big.any() else 0.0
        if too_big.any() or not np.isfinite(total):
            worst = values[too_big][0] if too_big.any() else np.nanmax(np.abs(values))
            raise IngestError(
                f"The column used for {role_label(role)} holds a value of {worst:.3g}, "
                f"too large to add up (the largest amount accepted is {MAX_AMOUNT:,.0f}). "
                f"{int(too_big.sum()) or 'Some'} value(s) are affected. Check that the "
                "right column is mapped (an ID or a postal code is not an amount) or fix "
                "those cells, then upload again."
            )
