"""A workbook sheet's cells stored as a Parquet-friendly frame and back (the session store
keeps every sheet so that another can be chosen later without the file)."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pandas as pd

from analytics.ingest.grid import Grid

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
