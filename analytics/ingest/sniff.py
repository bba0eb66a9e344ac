"""What a file is before it is read: its type by content, its text encoding, its delimiter."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile

import numpy as np
import pyarrow as pa

from analytics.errors import IngestError, UnsupportedFileType

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
#: The sentence that ends every "this is not a table" message.
WHAT_TO_UPLOAD = "Upload a CSV, XLSX or XLS export of your sales or transactions."


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
            + WHAT_TO_UPLOAD
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
                f"This file is {what}, not a spreadsheet. {WHAT_TO_UPLOAD}"
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


def decode_text(data: bytes, encoding: str) -> str:
    """``data`` decoded (undecodable bytes replaced), without a leading BOM."""
    text = data.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


#: Control characters that text files do not hold (all below 32 but tab, line ends,
#: form feed and the DOS end-of-file mark), for ``str.translate`` to delete.
_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\r\n\f\x1a")


def looks_binary(text: str) -> bool:
    """Whether decoded text is really binary content (control characters, NULs)."""
    sample = text[:20000]
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(_CONTROLS))
    replacement = sample.count("\ufffd")
    return controls > 0.01 * len(sample) or replacement > 0.01 * len(sample)


def text_kind(text: str) -> str | None:
    """What a text file that is not a table is (an HTML or XML page …), or None."""
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
