"""The grid of cells a file is read into, and the table shaped from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


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
