"""From uploaded bytes to a stored session, and back: the only place that joins ingestion and the store."""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.budget import time_budget
from analytics.errors import IngestError
from analytics.ingest import (
    IngestResult,
    columns_signature,
    ingest_bytes,
    ingest_grid,
    rebuild,
)
from analytics.limits import UploadLimits, check_amounts, check_upload
from analytics.metrics import choose_granularity
from analytics.readers import (
    encode_cells,
    grid_from_stored,
    read_grid,
    shape_table,
    sheet_note,
    sheet_record,
)
from analytics.sanity import non_finite_amounts, out_of_range_dates
from analytics.schema import CATEGORY, DATE, ORDER, normalise_mapping
from services.store import SessionStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """A live session's metadata and canonical frame."""

    meta: dict[str, Any]
    frame: pd.DataFrame


#: How long a confirmed mapping is remembered for its owner's next uploads.
REMEMBER_MAPPING_SECONDS = 90 * 24 * 3600


def _mapping_key(owner_browser: str, columns: list[str]) -> str:
    """Where a person's confirmed mapping for files with these columns is kept.

    Keyed by the owner's browser digest: a mapping is never applied for anyone else.
    """
    return f"mapping:{owner_browser}:{columns_signature(columns)}"


def _owner_browser(meta_or_owner: Mapping[str, Any] | None) -> str | None:
    owner = (meta_or_owner or {}).get("owner", meta_or_owner) or {}
    return owner.get("browser") if isinstance(owner, Mapping) else None


def create_session(
    store: SessionStore,
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    source: str = "upload",
    owner: Mapping[str, str | None] | None = None,
    limits: UploadLimits | None = None,
) -> dict[str, Any]:
    """Ingest ``data`` (in memory only) and store it as a new session.

    ``owner`` holds the digests of who may change the session (``browser``: the
    uploading browser, ``token``: the API owner token; see ``web.ownership``). A mapping
    that same browser confirmed earlier for a file with the same columns is applied.
    ``limits`` bound what the file may expand to (checked on the bytes before reading).
    Raises ``analytics.errors.IngestError`` (with an HTTP-ish ``status``) on unusable input.
    Returns the session's metadata.
    """
    limits = limits or UploadLimits()
    with time_budget(limits.max_seconds):
        return _create_session(store, data, filename, sheet, source, owner, limits)


def _create_session(
    store: SessionStore,
    data: bytes,
    filename: str,
    sheet: str | None,
    source: str,
    owner: Mapping[str, str | None] | None,
    limits: UploadLimits,
) -> dict[str, Any]:
    check_upload(data, limits)
    try:
        result = ingest_bytes(data, filename, sheet=sheet)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise IngestError(
                f"One cell of the file is longer than {csv.field_size_limit() // 1024} KB; "
                "this is usually a quote that is never closed, which turns the rest of the "
                "file into one cell. Check the quotes around long texts, or export the "
                "file again as CSV."
            ) from error
        raise IngestError(
            f"The file cannot be read as CSV ({error}). Open it in a spreadsheet and "
            "export it again as CSV."
        ) from error
    except IngestError as error:
        better = (
            _explain_unusable(data, filename, sheet) if error.status == 400 else None
        )
        if better is not None:
            raise better from error
        raise
    if result.mapping.get(DATE) is None:
        dates = out_of_range_dates(result.table)
        if dates:
            result.warnings.insert(0, dates)
    result, origin = _apply_remembered(store, result, _owner_browser(owner))
    check_amounts(result.frame)
    meta = _meta_from_result(result, filename=filename, source=source)
    meta["owner"] = dict(owner or {})
    meta["mapping_origin"] = origin
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


def _explain_unusable(
    data: bytes, filename: str, sheet: str | None
) -> IngestError | None:
    """A plainer reason for a refused file when its numbers are all NaN or infinite."""
    try:
        table = shape_table(read_grid(data, filename, sheet=sheet)).table
    except (ValueError, csv.Error):
        return None
    return non_finite_amounts(table)


def _sheet_frame(index: int) -> str:
    return f"sheet:{index}"


DETECTED = {"source": "detected"}


def _apply_remembered(
    store: SessionStore, result: IngestResult, owner_browser: str | None
) -> tuple[IngestResult, dict[str, Any]]:
    """Apply the mapping this browser confirmed earlier for a table with the same columns.

    Returns the result and where its mapping came from (``meta["mapping_origin"]``):
    ``{"source": "detected"}``, or ``{"source": "remembered", "confirmed_at",
    "detected"}`` so the dashboard can say so and undo it in one click.
    """
    if not owner_browser:
        return result, dict(DETECTED)
    remembered = store.get_global(
        _mapping_key(owner_browser, list(result.table.columns))
    )
    if not isinstance(remembered, dict) or not isinstance(
        remembered.get("mapping"), dict
    ):
        return result, dict(DETECTED)
    if ORDER not in remembered["mapping"]:
        # confirmed before the order id was a role: keep the detected one
        remembered = {
            **remembered,
            "mapping": {**remembered["mapping"], ORDER: result.mapping.get(ORDER)},
        }
    detected = normalise_mapping(result.mapping)
    if normalise_mapping(remembered["mapping"]) == detected:
        return result, dict(DETECTED)
    try:
        rebuilt = rebuild(
            result.table, remembered["mapping"], read_info=result.report["read"]
        )
        check_amounts(rebuilt.frame)
    except ValueError:
        logger.info("remembered mapping no longer fits; using detection")
        return result, dict(DETECTED)
    rebuilt.warnings.insert(
        0,
        "Applied the column mapping you confirmed earlier in this browser for files "
        "with these columns (undo it in the Data quality card).",
    )
    rebuilt.sheets = result.sheets
    return rebuilt, {
        "source": "remembered",
        "confirmed_at": remembered.get("confirmed_at"),
        "detected": detected,
    }


def forget_mapping(store: SessionStore, sid: str) -> dict[str, Any]:
    """Undo a remembered mapping: back to the detected one, and forget it for this browser.

    KeyError when the session is unknown or expired; ``IngestError`` when the session's
    mapping was not a remembered one.
    """
    meta = store.get_meta(sid)
    if meta is None:
        raise KeyError(sid)
    origin = meta.get("mapping_origin") or {}
    if origin.get("source") != "remembered":
        raise IngestError("This dashboard does not use a remembered mapping.")
    browser = _owner_browser(meta)
    if browser:
        store.delete_global(_mapping_key(browser, meta["columns"]))
    updated = remap_session(store, sid, origin["detected"], remember=False)
    return store.update_meta(sid, {"mapping_origin": dict(DETECTED)}) or updated


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
    result, origin = _apply_remembered(store, result, _owner_browser(meta))
    check_amounts(result.frame)
    store.put_frame(sid, "frame", result.frame)
    store.put_frame(sid, "table", result.table)
    changes = _meta_from_result(
        result, filename=meta["filename"], source=meta.get("source", "upload")
    )
    changes["mapping_origin"] = origin
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
    """Rebuild a session's dataset with a user-corrected mapping.

    With ``remember`` the mapping is kept for the session owner's browser, for its next
    uploads of files with the same columns (never for anyone else).
    """
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
    check_amounts(result.frame)
    store.put_frame(sid, "frame", result.frame)
    changes = _meta_from_result(
        result, filename=meta["filename"], source=meta.get("source", "upload")
    )
    changes["drop_duplicates"] = drop
    changes["revision"] = int(meta.get("revision", 0)) + 1
    browser = _owner_browser(meta)
    if remember:
        changes["mapping_origin"] = {"source": "confirmed", "confirmed_at": time.time()}
    updated = store.update_meta(sid, changes)
    if remember and browser:
        store.set_global(
            _mapping_key(browser, list(table.columns)),
            {"mapping": result.mapping, "confirmed_at": time.time()},
            ttl=REMEMBER_MAPPING_SECONDS,
        )
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
