"""What ingestion produces for one file (:class:`IngestResult`).

Kept apart from :mod:`analytics.ingest` so the statement reader (:mod:`analytics.ingest.pnl`),
which ingestion calls, can build one without importing ingestion back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.ingest.grid import Grid


@dataclass
class IngestResult:
    """Everything ingestion produced for one file.

    ``frame`` is the canonical frame (``analytics.schema``) without the rows set aside;
    ``table`` the source table after layout fixes (string column names; ``str``,
    ``float64`` or ``datetime64`` columns), from which :func:`rebuild` recomputes
    ``frame`` for another mapping; ``mapping`` role → column of ``table``;
    ``confidence`` role → 0..1 for detected roles; ``report`` the JSON-serialisable
    data-quality report; ``warnings`` short sentences for the user.
    """

    frame: pd.DataFrame
    table: pd.DataFrame
    mapping: dict[str, str | None]
    confidence: dict[str, float]
    report: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    #: Every sheet of a multi-sheet workbook (see :attr:`analytics.ingest.grid.Grid.workbook`),
    #: for the caller to keep so the user can switch sheets; empty otherwise.
    sheets: dict[str, Grid] = field(default_factory=dict)
