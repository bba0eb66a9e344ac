"""From uploaded bytes to a stored session, and back: the only place that joins ingestion and the store."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.errors import IngestError
from analytics.ingest import (
    IngestResult,
    columns_signature,
    ingest_bytes,
    ingest_grid,
    rebuild,
)
from analytics.metrics import choose_granularity
from analytics.readers import encode_cells, grid_from_stored, sheet_note, sheet_record
from analytics.schema import CATEGORY, DATE, ORDER, normalise_mapping
from services.store import SessionStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """A live session's metadata and canonical frame."""

    meta: dict[str, Any]
    frame: pd.DataFrame


def _mapping_key(columns: list[str]) -> str:
    return f"mapping:{columns_signature(columns)}"


def create_session(
    store: SessionStore,
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    source: str = "upload",
) -> dict[str, Any]:
    """Ingest ``data`` (in memory only) and store it as a new session.

    A mapping the user confirmed earlier for a file with the same columns is applied.
    Raises ``analytics.errors.IngestError`` (with an HTTP-ish ``status``) on unusable input.
    Returns the session's metadata.
    """
    result = ingest_bytes(data, filename, sheet=sheet)
    result = _apply_remembered(store, result)
    meta = _meta_from_result(result, filename=filename, source=source)
    frames = {"frame": result.frame, "table": result.table}
    if result.sheets:
        meta["sheets"] = [sheet_record(grid) for grid in result.sheets.values()]
        for index, grid in enumerate(result.sheets.values()):
            frames[_sheet_frame(index)] = encode_cells(grid.cells)
    sid = store.create(meta, frames)
    logger.info(
        "session created rows=%s columns=%s sheets=%s",
        meta["rows"],
        len(meta["columns"]),
        len(result.sheets) or 1,
    )
    return store.get_meta(sid) or {}


def _sheet_frame(index: int) -> str:
    return f"sheet:{index}"


def _apply_remembered(store: SessionStore, result: IngestResult) -> IngestResult:
    """Apply the mapping the user confirmed earlier for a table with the same columns."""
    remembered = store.get_global(_mapping_key(list(result.table.columns)))
    if remembered and ORDER not in remembered:
        # confirmed before the order id was a role: keep the detected one
        remembered = {**remembered, ORDER: result.mapping.get(ORDER)}
    if not remembered or normalise_mapping(remembered) == normalise_mapping(
        result.mapping
    ):
        return result
    try:
        rebuilt = rebuild(result.table, remembered, read_info=result.report["read"])
    except ValueError:
        logger.info("remembered mapping no longer fits; using detection")
        return result
    rebuilt.warnings.insert(
        0,
        "Applied the column mapping you confirmed earlier for files with these columns.",
    )
    rebuilt.sheets = result.sheets
    return rebuilt


def switch_sheet(store: SessionStore, sid: str, sheet: str) -> dict[str, Any]:
    """Rebuild a session's dataset from another sheet of its workbook.

    The sheets were stored at upload (the file itself never is). Raises ``KeyError`` for
    an unknown or expired session, ``IngestError`` when the sheet is not in the workbook
    or holds nothing usable; the session is unchanged then.
    """
    meta = store.get_meta(sid)
    if meta is None:
        raise KeyError(sid)
    records = meta.get("sheets") or []
    names = [r["name"] for r in records]
    if sheet not in names:
        raise IngestError(
            f"There is no sheet called '{sheet}' in this workbook."
            + (f" Its sheets are: {', '.join(names)}." if names else "")
        )
    index = names.index(sheet)
    stored = store.get_frame(sid, _sheet_frame(index))
    if stored is None:
        raise KeyError(sid)
    grid = grid_from_stored(records[index], stored)
    grid.notes.append(sheet_note(sheet, names, "chosen on the dashboard"))
    try:
        result = ingest_grid(grid)
    except IngestError as error:
        raise IngestError(
            f"The sheet '{sheet}' cannot be used: {error} The dashboard still shows "
            f"the sheet '{meta['report']['read'].get('sheet')}'."
        ) from error
    result = _apply_remembered(store, result)
    store.put_frame(sid, "frame", result.frame)
    store.put_frame(sid, "table", result.table)
    changes = _meta_from_result(
        result, filename=meta["filename"], source=meta.get("source", "upload")
    )
    changes["revision"] = int(meta.get("revision", 0)) + 1
    return store.update_meta(sid, changes)


def remap_session(
    store: SessionStore,
    sid: str,
    mapping: Mapping[str, str | None],
    *,
    drop_duplicates: bool | None = None,
    remember: bool = True,
) -> dict[str, Any]:
    """Rebuild a session's dataset with a user-corrected mapping (and remember it)."""
    meta = store.get_meta(sid)
    table = store.get_frame(sid, "table")
    if meta is None or table is None:
        raise KeyError(sid)
    drop = (
        meta.get("drop_duplicates", False)
        if drop_duplicates is None
        else drop_duplicates
    )
    result = rebuild(
        table, mapping, read_info=meta["report"]["read"], drop_duplicates=drop
    )
    store.put_frame(sid, "frame", result.frame)
    changes = _meta_from_result(
        result, filename=meta["filename"], source=meta.get("source", "upload")
    )
    changes["drop_duplicates"] = drop
    changes["revision"] = int(meta.get("revision", 0)) + 1
    updated = store.update_meta(sid, changes)
    if remember:
        store.set_global(_mapping_key(list(table.columns)), result.mapping)
    return updated


def load_dataset(store: SessionStore, sid: str) -> Dataset | None:
    """The session's metadata and canonical frame, or None when unknown/expired."""
    meta = store.get_meta(sid)
    if meta is None:
        return None
    frame = store.get_frame(sid, "frame")
    if frame is None:
        return None
    return Dataset(meta=meta, frame=frame)


#: Category filter options kept in the session's metadata (more would not fit a dropdown).
MAX_CATEGORY_OPTIONS = 500


def _meta_from_result(
    result: IngestResult, *, filename: str, source: str
) -> dict[str, Any]:
    frame = result.frame
    dates = frame[DATE].dropna()
    categories = frame[CATEGORY].dropna().unique()
    return {
        "filename": filename,
        "source": source,
        "rows": int(len(result.frame)),
        "rows_read": int(result.report.get("rows_read", len(result.table))),
        "columns": [str(c) for c in result.table.columns],
        "mapping": normalise_mapping(result.mapping),
        "confidence": {k: round(float(v), 3) for k, v in result.confidence.items()},
        "warnings": list(result.warnings),
        "report": result.report,
        "drop_duplicates": bool(
            result.report.get("duplicates", {}).get("dropped", False)
        ),
        "granularity": choose_granularity(frame),
        "currency": result.report.get("currency"),
        "date_start": dates.min().strftime("%Y-%m-%d") if len(dates) else None,
        "date_end": dates.max().strftime("%Y-%m-%d") if len(dates) else None,
        "categories": sorted(map(str, categories))[:MAX_CATEGORY_OPTIONS],
    }
