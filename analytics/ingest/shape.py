"""From a grid of cells to a table: header row(s), blank rows and columns, unique names,
index column, repeated headers, total rows, year and month columns as one period."""

from __future__ import annotations

import datetime
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analytics.errors import IngestError
from analytics.ingest.budget import check_time
from analytics.ingest.grid import Grid, Shaped
from analytics.ingest.parsing import DATE_SHAPE_RE, MISSING_TOKENS, clean_text
from analytics.ingest.sniff import WHAT_TO_UPLOAD
from analytics.metrics.periods import MONTH_WORDS

#: Labels of total rows (RE2 syntax, case-insensitive; "Total Income" lines belong to statements).
_TOTAL_LABEL = (
    r"(?i)^\s*(?:(?:grand\s+|sub\s*-?\s*)?totals?(?:$|[^a-z].*$|\s+(?:[a-hj-z]|i[^n]|in[^c]).*$)"
    r"|(?:gesamtsumme|gesamt|summe|total\s+general|totaux?)\s*:?\s*$)"
)
_TOTAL_PREFIXES = ("total", "sub", "grand", "summe", "gesamt", "totaux")
_DATE_SHAPE = re.compile(DATE_SHAPE_RE)
_INDEX_NAMES = ("", "unnamed: 0", "index", "level_0")


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
        raise IngestError("The file has no columns. " + WHAT_TO_UPLOAD)
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
    from analytics.ingest.number_parsing import parse_numbers

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
    month = month.fillna(text.map(MONTH_WORDS))
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
