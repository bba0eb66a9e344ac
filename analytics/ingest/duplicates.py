"""Exact duplicate rows of a table, found by hashing every column once (vectorised).

Used by :func:`analytics.ingest.build.build_result` to count (and optionally drop) repeats;
the Arrow dictionary encodings made on the way are kept for the dataset model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analytics.ingest.budget import check_time


def _codes(
    column: pd.Series, keep_encoding: dict | None = None
) -> tuple[np.ndarray, int]:
    """Integer codes of a column's values (missing values get a code too), and how many.

    A text column's Arrow dictionary encoding is put in ``keep_encoding`` under its name
    (the dataset model reuses it for the column's values).
    """
    if column.dtype == "str":
        encoded = pc.dictionary_encode(column.array.__arrow_array__()).combine_chunks()
        if keep_encoding is not None:
            keep_encoding[column.name] = encoded
        size = len(encoded.dictionary) + 1
        codes = encoded.indices.fill_null(size - 1).to_numpy(zero_copy_only=False)
        return np.asarray(codes, dtype="int64"), size
    codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
    size = len(uniques) + 1
    return np.where(codes < 0, size - 1, codes).astype("int64"), size


def duplicate_rows(
    table: pd.DataFrame, keep: np.ndarray, encodings: dict | None = None
) -> np.ndarray:
    """Rows (among those kept) that repeat an earlier kept row exactly.

    Every column is turned once into 64-bit numbers that are equal exactly when the
    values are (text by its Arrow dictionary code, numbers and dates by their bits), and
    these are mixed into one hash per row. Rows whose hash is unique cannot repeat another
    row; only the rest (usually none, or the true repeats) are compared exactly, on the
    same 64-bit numbers (:func:`_exact_repeats`). A hash collision only adds a row to that
    exact check, so the answer is the exact one.
    """
    out = np.zeros(len(table), dtype=bool)
    if table.empty or table.shape[1] == 0:
        return out
    rows = np.flatnonzero(keep)
    key = np.full(len(rows), 0x9E3779B97F4A7C15, dtype="uint64")
    columns = []
    for name in table.columns:
        check_time()
        bits = _row_bits(table[name], encodings)[rows]
        columns.append(bits)
        with np.errstate(over="ignore"):
            key = _mix(key ^ bits)
    shared = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
    if not len(shared):
        return out
    repeats = _exact_repeats([bits[shared] for bits in columns])
    out[rows[shared[repeats]]] = True
    return out


def _row_bits(column: pd.Series, encodings: dict | None) -> np.ndarray:
    """One uint64 per row, equal for rows whose values :func:`_codes` calls equal."""
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else "O"
    if kind == "f" or isinstance(column.dtype, pd.Float64Dtype):
        values = column.to_numpy(dtype="float64", na_value=np.nan) + 0.0  # -0.0 is 0.0
        values[np.isnan(values)] = np.nan  # one NaN
        return values.view("uint64")
    if kind in "iub":
        return column.to_numpy().astype("int64").view("uint64")
    if kind in "mM":
        return column.to_numpy().view("int64").view("uint64")
    return _codes(column, encodings)[0].view("uint64")


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _exact_repeats(columns: list[np.ndarray]) -> np.ndarray:
    """Positions that repeat an earlier position exactly, over equal-length uint64
    columns (:func:`_row_bits` of some rows, in row order).

    Each column is factorised to small codes, combined into one exact row key, which is
    compressed (dropping positions already unique) whenever it could overflow.
    """
    positions = np.arange(len(columns[0]))
    key = np.zeros(len(positions), dtype="int64")
    bound = 1
    for bits in columns:
        codes, uniques = pd.factorize(bits[positions])
        size = len(uniques)
        if bound * size >= 2**62:
            # compress the key, and drop positions that are already unique
            key, kept = pd.factorize(key)
            shared = pd.Series(key).duplicated(keep=False).to_numpy()
            if not shared.any():
                return positions[:0]
            positions, key = positions[shared], key[shared].astype("int64")
            codes = codes[shared]
            bound = len(kept)
        key = key * size + codes
        bound *= size
    return positions[pd.Series(key).duplicated().to_numpy()]
