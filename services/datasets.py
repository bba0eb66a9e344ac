"""From uploaded bytes to a stored session, and back: the only place that joins ingestion and the store.

Reading one file and remembered mappings: ``services.uploads``; the files of a session
(several files combined, rebuilt from their stored tables): ``services.file_sets``."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from analytics.errors import IngestError
from analytics.ingest import IngestResult, columns_signature, ingest_grid, rebuild
from analytics.ingest.combine import Part
from analytics.ingest.grid_codec import encode_cells, grid_from_stored, sheet_record
from analytics.ingest.limits import UploadLimits, check_amounts
from analytics.ingest.read import sheet_note
from services.file_sets import (
    check_combined_size,
    combined_fields,
    file_columns,
    one_mapping,
    read_parts,
    source_records,
    store_parts,
    stored_parts,
    table_frame,
)
from services.session_meta import DETECTED, SessionMeta
from services.store import SessionStore
from services.uploads import (
    REMEMBER_MAPPING_SECONDS,
    Upload,
    apply_remembered,
    mapping_key,
    meta_fields,
    owner_browser,
    read_upload,
    sheet_frame,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """A live session's metadata and canonical frame."""

    meta: SessionMeta
    frame: pd.DataFrame


def create_session(
    store: SessionStore,
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    source: str = "upload",
    owner: Mapping[str, str | None] | None = None,
    limits: UploadLimits | None = None,
) -> SessionMeta:
    """Ingest ``data`` (in memory only) and store it as a new session.

    ``owner`` holds the digests of who may change the session (``browser``: the
    uploading browser, ``token``: the API owner token; see ``web.ownership``). A mapping
    that same browser confirmed earlier for a file with the same columns is applied.
    ``limits`` bound what the file may expand to (checked on the bytes before reading).
    Raises ``analytics.errors.IngestError`` (with an HTTP-ish ``status``) on unusable input.
    Returns the session's metadata.
    """
    result = read_upload(data, filename, sheet, limits)
    result, origin = apply_remembered(store, result, owner_browser(owner))
    check_amounts(result.frame)
    frames = {"frame": result.frame, "table": result.table}
    for index, grid in enumerate(result.sheets.values()):
        frames[sheet_frame(index)] = encode_cells(grid.cells)
    meta = SessionMeta(
        **meta_fields(result, filename=filename, source=source),
        owner=dict(owner or {}),
        mapping_origin=origin,
        sheets=[sheet_record(grid) for grid in result.sheets.values()],
    )
    sid = store.create(meta, frames)
    logger.info(
        "session created rows=%s columns=%s sheets=%s",
        meta.rows,
        len(meta.columns),
        len(result.sheets) or 1,
    )
    # read back as stored; a session whose lifetime is shorter than the upload took
    # may be gone already: its id is still the answer (the dashboard says it expired)
    return store.get_meta(sid) or replace(meta, session_id=sid)


def forget_mapping(store: SessionStore, sid: str) -> SessionMeta:
    """Undo a remembered mapping: back to the detected one, and forget it for this browser.

    KeyError when the session is unknown or expired; ``IngestError`` when the session's
    mapping was not a remembered one.
    """
    meta = store.get_meta(sid)
    if meta is None:
        raise KeyError(sid)
    origin = meta.mapping_origin
    if origin.get("source") != "remembered":
        raise IngestError("This dashboard does not use a remembered mapping.")
    browser = owner_browser(meta.owner)
    if browser:
        store.delete_global(mapping_key(browser, meta.columns))
    updated = remap_session(store, sid, origin["detected"], remember=False)
    return store.update_meta(sid, {"mapping_origin": dict(DETECTED)}) or updated


def switch_sheet(store: SessionStore, sid: str, sheet: str) -> SessionMeta:
    """Rebuild a session's dataset from another sheet of its workbook.

    The sheets were stored at upload (the file itself never is). Raises ``KeyError`` for
    an unknown or expired session, ``IngestError`` when the sheet is not in the workbook
    or holds nothing usable; the session is unchanged then.
    """
    meta = store.get_meta(sid)
    if meta is None:
        raise KeyError(sid)
    records = meta.sheets
    names = [r["name"] for r in records]
    if sheet not in names:
        raise IngestError(
            f"There is no sheet called '{sheet}' in this workbook."
            + (f" Its sheets are: {', '.join(names)}." if names else "")
        )
    index = names.index(sheet)
    stored = store.get_frame(sid, sheet_frame(index))
    if stored is None:
        raise KeyError(sid)
    grid = grid_from_stored(records[index], stored)
    grid.notes.append(sheet_note(sheet, names, "chosen on the dashboard"))
    try:
        result = ingest_grid(grid)
    except IngestError as error:
        raise IngestError(
            f"The sheet '{sheet}' cannot be used: {error} The dashboard still shows "
            f"the sheet '{meta.report['read'].get('sheet')}'."
        ) from error
    result, origin = apply_remembered(store, result, owner_browser(meta.owner))
    check_amounts(result.frame)
    store.put_frame(sid, "frame", result.frame)
    store.put_frame(sid, "table", result.table)
    changes = meta_fields(result, filename=meta.filename, source=meta.source)
    changes["mapping_origin"] = origin
    changes["revision"] = meta.revision + 1
    return store.update_meta(sid, changes)


def remap_session(
    store: SessionStore,
    sid: str,
    mapping: Mapping[str, str | None],
    *,
    drop_duplicates: bool | None = None,
    remember: bool = True,
) -> SessionMeta:
    """Rebuild a session's dataset with a user-corrected mapping.

    With ``remember`` the mapping is kept for the session owner's browser, for its next
    uploads of files with the same columns (never for anyone else).
    """
    meta = store.get_meta(sid)
    table = store.get_frame(sid, "table")
    if meta is None or table is None:
        raise KeyError(sid)
    drop = meta.drop_duplicates if drop_duplicates is None else drop_duplicates
    if len(source_records(meta)) > 1:
        return _remap_files(store, sid, meta, mapping, drop, remember=remember)
    result = rebuild(
        table, mapping, read_info=meta.report["read"], drop_duplicates=drop
    )
    check_amounts(result.frame)
    store.put_frame(sid, "frame", result.frame)
    changes = meta_fields(result, filename=meta.filename, source=meta.source)
    changes["drop_duplicates"] = drop
    changes["revision"] = meta.revision + 1
    browser = owner_browser(meta.owner)
    if remember:
        changes["mapping_origin"] = {"source": "confirmed", "confirmed_at": time.time()}
    updated = store.update_meta(sid, changes)
    if remember and browser:
        store.set_global(
            mapping_key(browser, list(table.columns)),
            {"mapping": result.mapping, "confirmed_at": time.time()},
            ttl=REMEMBER_MAPPING_SECONDS,
        )
    return updated


def _remap_files(
    store: SessionStore,
    sid: str,
    meta: SessionMeta,
    mapping: Mapping[str, str | None],
    drop: bool,
    *,
    remember: bool,
) -> SessionMeta:
    """:func:`remap_session` for a session of several files: one mapping for all of
    them, which needs them to have the same columns."""
    signatures = {
        columns_signature(f.get("columns") or [])
        for f in file_columns(store, sid, meta)
    }
    if len(signatures) > 1:
        raise IngestError(
            "The files of this dashboard have different columns, so one mapping cannot "
            "be applied to all of them. Each file was mapped on its own; to change one, "
            "upload it again on its own, or replace the data with files that have the "
            "same columns."
        )
    parts = stored_parts(store, sid, meta, drop_duplicates=drop, mapping=mapping)
    updated = store_parts(
        store,
        sid,
        meta,
        parts,
        keep_overlaps=meta.keep_overlaps,
        drop_duplicates=drop,
        tables_changed=False,
    )
    browser = owner_browser(meta.owner)
    if remember:
        updated = store.update_meta(
            sid,
            {"mapping_origin": {"source": "confirmed", "confirmed_at": time.time()}},
        )
        if browser:
            store.set_global(
                mapping_key(browser, meta.columns),
                {"mapping": parts[0].result.mapping, "confirmed_at": time.time()},
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


def create_combined_session(
    store: SessionStore,
    uploads: list[Upload],
    *,
    source: str = "upload",
    owner: Mapping[str, str | None] | None = None,
    limits: UploadLimits | None = None,
    keep_overlaps: bool = False,
) -> SessionMeta:
    """Ingest several files and store them as one session (one file: as
    :func:`create_session`).

    Every file is read on its own; files with the same columns get one mapping; the
    results are combined by :func:`analytics.ingest.combine.combine` (refused with the reason
    when they cannot be). Raises ``IngestError`` naming the file at fault.
    """
    if len(uploads) == 1:
        return create_session(
            store,
            uploads[0].data,
            uploads[0].filename,
            source=source,
            owner=owner,
            limits=limits,
        )
    parts, origins = read_parts(store, uploads, owner_browser(owner), limits, [])
    check_combined_size(parts, limits)
    parts = one_mapping(parts, drop_duplicates=False)
    result, fields = combined_fields(parts, keep_overlaps, drop_duplicates=False)
    fields["source"] = source
    meta = SessionMeta(**fields, owner=dict(owner or {}), mapping_origin=origins[0])
    frames = {"frame": result.frame}
    for index, part in enumerate(parts):
        frames[table_frame(index)] = part.result.table
    sid = store.create(meta, frames)
    logger.info("combined session created files=%s rows=%s", len(parts), meta.rows)
    # read back as stored; a session whose lifetime is shorter than the upload took
    # may be gone already: its id is still the answer (the dashboard says it expired)
    return store.get_meta(sid) or replace(meta, session_id=sid)


#: How long adding files waits for another change of the same session to finish.
CHANGE_WAIT_SECONDS = 30.0


def add_files(
    store: SessionStore,
    sid: str,
    uploads: list[Upload],
    *,
    replace: bool = False,
    limits: UploadLimits | None = None,
    keep_overlaps: bool | None = None,
) -> SessionMeta:
    """Add files to a session's data, or replace its data with them (same session id,
    next revision). The caller checks ownership.

    Raises ``KeyError`` for an unknown or expired session, ``IngestError`` (naming the
    file) when a file or the combination is refused; the session is unchanged then.
    """
    meta = store.get_meta(sid)
    if meta is None:
        raise KeyError(sid)
    browser = owner_browser(meta.owner)
    records = [] if replace else source_records(meta)
    leaders = []
    for index, record in enumerate(records[:1] + records[-1:]):
        table = store.get_frame(sid, table_frame(0 if index == 0 else len(records) - 1))
        if table is not None:
            leaders.append(
                Part(
                    record["name"],
                    IngestResult(
                        frame=pd.DataFrame(),
                        table=table,
                        mapping=dict(record["mapping"]),
                        confidence={},
                        report={"read": record["read"]},
                    ),
                )
            )
    new_parts, origins = read_parts(
        store, uploads, browser, limits, [r["name"] for r in records], leaders
    )
    try:
        with store.lock(f"files:{sid}", ttl=120.0, timeout=CHANGE_WAIT_SECONDS):
            meta = store.get_meta(sid)
            if meta is None:
                raise KeyError(sid)
            drop = meta.drop_duplicates
            keep = meta.keep_overlaps if keep_overlaps is None else keep_overlaps
            old = (
                [] if replace else stored_parts(store, sid, meta, drop_duplicates=drop)
            )
            parts = one_mapping([*old, *new_parts], drop_duplicates=drop)
            check_combined_size(parts, limits)
            updated = store_parts(
                store,
                sid,
                meta,
                parts,
                keep_overlaps=keep,
                drop_duplicates=drop,
                tables_changed=True,
                keep_confidence=not replace,
            )
            if replace:
                updated = store.update_meta(sid, {"mapping_origin": origins[0]})
    except TimeoutError as error:
        raise IngestError(
            "Another change to this dashboard is still running. Try again in a moment."
        ) from error
    logger.info(
        "session files %s files=%s rows=%s",
        "replaced" if replace else "added",
        len(parts),
        updated.rows,
    )
    return updated


def set_keep_overlaps(store: SessionStore, sid: str, keep: bool) -> SessionMeta:
    """Count (``keep``) or set aside rows repeating rows of an earlier file."""
    meta = store.get_meta(sid)
    if meta is None:
        raise KeyError(sid)
    if len(source_records(meta)) < 2:
        raise IngestError("This dashboard shows one file: there is nothing to overlap.")
    drop = meta.drop_duplicates
    parts = stored_parts(store, sid, meta, drop_duplicates=drop)
    return store_parts(
        store,
        sid,
        meta,
        parts,
        keep_overlaps=keep,
        drop_duplicates=drop,
        tables_changed=False,
        keep_confidence=True,
    )
