"""From uploaded bytes to a stored session, and back: the only place that joins ingestion and the store."""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from analytics.errors import IngestError, UnsupportedFileType
from analytics.ingest import (
    IngestResult,
    columns_signature,
    ingest_bytes,
    ingest_grid,
    rebuild,
)
from analytics.ingest.budget import TimeBudgetExceeded, time_budget
from analytics.ingest.combine import Part, combine
from analytics.ingest.grid_codec import encode_cells, grid_from_stored, sheet_record
from analytics.ingest.limits import (
    LimitExceeded,
    UploadLimits,
    check_amounts,
    check_upload,
)
from analytics.ingest.read import read_grid, sheet_note
from analytics.ingest.sanity import non_finite_amounts, out_of_range_dates
from analytics.ingest.shape import shape_table
from analytics.metrics import choose_granularity
from analytics.schema import CATEGORY, DATE, ORDER, normalise_mapping
from services.session_meta import DETECTED, SessionMeta
from services.store import SessionStore

logger = logging.getLogger(__name__)
#: Refusals whose message already says what to do (a file type, a size or a time limit);
#: any other ingestion error may get a plainer explanation from :func:`_explain_unusable`.
_SAYS_WHAT_TO_DO = (UnsupportedFileType, LimitExceeded, TimeBudgetExceeded)


@dataclass(frozen=True)
class Dataset:
    """A live session's metadata and canonical frame."""

    meta: SessionMeta
    frame: pd.DataFrame


#: How long a confirmed mapping is remembered for its owner's next uploads.
REMEMBER_MAPPING_SECONDS = 90 * 24 * 3600


def _mapping_key(owner_browser: str, columns: list[str]) -> str:
    """Where a person's confirmed mapping for files with these columns is kept.

    Keyed by the owner's browser digest: a mapping is never applied for anyone else.
    """
    return f"mapping:{owner_browser}:{columns_signature(columns)}"


def _owner_browser(owner: Mapping[str, Any] | None) -> str | None:
    return (owner or {}).get("browser")


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
    result = _read_upload(data, filename, sheet, limits)
    result, origin = _apply_remembered(store, result, _owner_browser(owner))
    check_amounts(result.frame)
    frames = {"frame": result.frame, "table": result.table}
    for index, grid in enumerate(result.sheets.values()):
        frames[_sheet_frame(index)] = encode_cells(grid.cells)
    meta = SessionMeta(
        **_meta_from_result(result, filename=filename, source=source),
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


def _read_upload(
    data: bytes,
    filename: str,
    sheet: str | None,
    limits: UploadLimits | None,
    mapping: Mapping[str, str | None] | None = None,
) -> IngestResult:
    """One file's ingestion (with ``mapping`` instead of detection when given), with the
    limits checked first, within the upload's time budget, and plain messages for files
    the CSV reader chokes on."""
    limits = limits or UploadLimits()
    with time_budget(limits.max_seconds):
        return _read_within_budget(data, filename, sheet, limits, mapping)


def _read_within_budget(
    data: bytes,
    filename: str,
    sheet: str | None,
    limits: UploadLimits,
    mapping: Mapping[str, str | None] | None,
) -> IngestResult:
    check_upload(data, limits)
    try:
        result = ingest_bytes(data, filename, sheet=sheet, mapping=mapping)
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
            _explain_unusable(data, filename, sheet)
            if not isinstance(error, _SAYS_WHAT_TO_DO)
            else None
        )
        if better is not None:
            raise better from error
        raise
    if result.mapping.get(DATE) is None:
        dates = out_of_range_dates(result.table)
        if dates:
            result.warnings.insert(0, dates)
    return result


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


def _apply_remembered(
    store: SessionStore, result: IngestResult, owner_browser: str | None
) -> tuple[IngestResult, dict[str, Any]]:
    """Apply the mapping this browser confirmed earlier for a table with the same columns.

    Returns the result and where its mapping came from (``SessionMeta.mapping_origin``):
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
    browser = _owner_browser(meta.owner)
    if browser:
        store.delete_global(_mapping_key(browser, meta.columns))
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
            f"the sheet '{meta.report['read'].get('sheet')}'."
        ) from error
    result, origin = _apply_remembered(store, result, _owner_browser(meta.owner))
    check_amounts(result.frame)
    store.put_frame(sid, "frame", result.frame)
    store.put_frame(sid, "table", result.table)
    changes = _meta_from_result(result, filename=meta.filename, source=meta.source)
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
    if len(_source_records(meta)) > 1:
        return _remap_files(store, sid, meta, mapping, drop, remember=remember)
    result = rebuild(
        table, mapping, read_info=meta.report["read"], drop_duplicates=drop
    )
    check_amounts(result.frame)
    store.put_frame(sid, "frame", result.frame)
    changes = _meta_from_result(result, filename=meta.filename, source=meta.source)
    changes["drop_duplicates"] = drop
    changes["revision"] = meta.revision + 1
    browser = _owner_browser(meta.owner)
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
        for f in _file_columns(store, sid, meta)
    }
    if len(signatures) > 1:
        raise IngestError(
            "The files of this dashboard have different columns, so one mapping cannot "
            "be applied to all of them. Each file was mapped on its own; to change one, "
            "upload it again on its own, or replace the data with files that have the "
            "same columns."
        )
    parts = _stored_parts(store, sid, meta, drop_duplicates=drop, mapping=mapping)
    updated = _store_parts(
        store,
        sid,
        meta,
        parts,
        keep_overlaps=meta.keep_overlaps,
        drop_duplicates=drop,
        tables_changed=False,
    )
    browser = _owner_browser(meta.owner)
    if remember:
        updated = store.update_meta(
            sid,
            {"mapping_origin": {"source": "confirmed", "confirmed_at": time.time()}},
        )
        if browser:
            store.set_global(
                _mapping_key(browser, meta.columns),
                {"mapping": parts[0].result.mapping, "confirmed_at": time.time()},
                ttl=REMEMBER_MAPPING_SECONDS,
            )
    return updated


def _file_columns(
    store: SessionStore, sid: str, meta: SessionMeta
) -> list[dict[str, Any]]:
    out = []
    for index, _record in enumerate(_source_records(meta)):
        table = store.get_frame(sid, _table_frame(index))
        if table is None:
            raise KeyError(sid)
        out.append({"columns": [str(c) for c in table.columns]})
    return out


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
    """The fields of :class:`SessionMeta` that describe an ingestion's result."""
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


# --------------------------------------------------------------------------- several files


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its bytes (in memory only) and its clean name."""

    data: bytes
    filename: str


#: Combined meta keeps, per file, what rebuilding it needs (``SessionMeta.sources``).
SOURCES = "sources"


def _table_frame(index: int) -> str:
    """Where the source table of a session's ``index``-th file is kept."""
    return "table" if index == 0 else f"table:{index}"


def _unique_names(names: list[str]) -> list[str]:
    """File names made distinct (``sales.csv``, ``sales.csv (2)``)."""
    out: list[str] = []
    for name in names:
        candidate, n = name, 2
        while candidate in out:
            candidate = f"{name} ({n})"
            n += 1
        out.append(candidate)
    return out


def _read_parts(
    store: SessionStore,
    uploads: list[Upload],
    browser: str | None,
    limits: UploadLimits | None,
    taken: list[str],
    leaders: list[Part] | None = None,
) -> tuple[list[Part], list[dict[str, Any]]]:
    """Each upload ingested on its own (a remembered mapping applied), or with the
    mapping of an earlier file with the same columns (``leaders``: files already in
    the session); a refused file is named in the message."""
    leaders = leaders or []
    parts: list[Part] = []
    origins: list[dict[str, Any]] = []
    names = _unique_names([*taken, *(u.filename for u in uploads)])[len(taken) :]
    for upload, name in zip(uploads, names, strict=True):
        like = _read_like(upload, [*leaders, *parts], limits)
        if like is not None:
            parts.append(Part(name, like))
            origins.append(origins[-1] if origins else dict(DETECTED))
            continue
        try:
            result = _read_upload(upload.data, upload.filename, None, limits)
        except IngestError as error:
            raise type(error)(f"“{upload.filename}”: {error}") from error
        result, origin = _apply_remembered(store, result, browser)
        parts.append(Part(name, result))
        origins.append(origin)
    return parts, origins


def _read_like(
    upload: Upload, earlier: list[Part], limits: UploadLimits | None
) -> IngestResult | None:
    """The file read with the mapping of the last (or the first) earlier file, when it
    has the same columns: no second detection for each monthly export of one system.
    None when it does not have the same columns (or does not fit that mapping): the
    file is then read on its own."""
    tried: set[str] = set()
    for leader in (earlier[-1:] + earlier[:1]) if earlier else []:
        read = leader.result.report.get("read") or {}
        signature = columns_signature(list(leader.result.table.columns))
        if (
            signature in tried
            or read.get("profit_ratio")
            or read.get("layout") != "table"
            or read.get("sheets")
        ):
            continue
        tried.add(signature)
        try:
            result = _read_upload(
                upload.data, upload.filename, None, limits, leader.result.mapping
            )
        except LimitExceeded:
            raise
        except (IngestError, ValueError):
            continue
        if columns_signature(list(result.table.columns)) == signature:
            return result
    return None


def _same_key(name: object) -> str:
    return " ".join(str(name).split()).lower()


def _translate(
    mapping: Mapping[str, str | None], columns: list[str]
) -> dict[str, str | None]:
    """A mapping of one table onto another with the same columns (names compared
    without regard to case or spacing)."""
    by_key = {_same_key(c): c for c in columns}
    return {
        role: (by_key.get(_same_key(column)) if column else None)
        for role, column in normalise_mapping(mapping).items()
    }


def _one_mapping(parts: list[Part], drop_duplicates: bool) -> list[Part]:
    """Files with the same columns read with one mapping: the first such file's."""
    leaders: dict[str, Part] = {}
    out = []
    for part in parts:
        signature = columns_signature(list(part.result.table.columns))
        leader = leaders.setdefault(signature, part)
        if leader is part:
            out.append(part)
            continue
        columns = [str(c) for c in part.result.table.columns]
        wanted = _translate(leader.result.mapping, columns)
        if normalise_mapping(part.result.mapping) == wanted:
            out.append(part)
            continue
        try:
            rebuilt = rebuild(
                part.result.table,
                wanted,
                read_info=part.result.report["read"],
                drop_duplicates=drop_duplicates,
            )
        except IngestError as error:
            raise IngestError(
                f"“{part.name}” has the same columns as “{leader.name}”, but the column "
                f"mapping of “{leader.name}” does not fit it: {error}"
            ) from error
        out.append(Part(part.name, rebuilt))
    return out


def _check_combined_size(parts: list[Part], limits: UploadLimits | None) -> None:
    """The combined dataset obeys the limits of one upload."""
    limits = limits or UploadLimits()
    rows = sum(len(p.result.table) for p in parts)
    cells = sum(p.result.table.size for p in parts)
    if rows > limits.max_rows:
        raise LimitExceeded(
            f"The files together hold {rows:,} rows, more than the {limits.max_rows:,} "
            "rows one dashboard can hold. Combine fewer files (for example one year)."
        )
    if cells > limits.max_cells:
        raise LimitExceeded(
            f"The files together hold {cells:,} cells, more than the "
            f"{limits.max_cells:,} one dashboard can hold. Combine fewer files, or "
            "remove unused columns."
        )


def _combined_meta(
    parts: list[Part], keep_overlaps: bool, drop_duplicates: bool
) -> tuple[IngestResult, dict[str, Any]]:
    """The combined result and the SessionMeta fields describing it."""
    result = combine(parts, keep_overlaps=keep_overlaps)
    check_amounts(result.frame)
    first = parts[0].name
    label = f"{first} + {len(parts) - 1} more file{'s' if len(parts) > 2 else ''}"
    fields = _meta_from_result(result, filename=label, source="upload")
    fields[SOURCES] = [
        {
            "name": p.name,
            "read": p.result.report["read"],
            "mapping": normalise_mapping(p.result.mapping),
        }
        for p in parts
    ]
    fields["keep_overlaps"] = bool(keep_overlaps)
    fields["drop_duplicates"] = bool(drop_duplicates)
    fields["sheets"] = []
    return result, fields


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
    parts, origins = _read_parts(store, uploads, _owner_browser(owner), limits, [])
    _check_combined_size(parts, limits)
    parts = _one_mapping(parts, drop_duplicates=False)
    result, fields = _combined_meta(parts, keep_overlaps, drop_duplicates=False)
    fields["source"] = source
    meta = SessionMeta(**fields, owner=dict(owner or {}), mapping_origin=origins[0])
    frames = {"frame": result.frame}
    for index, part in enumerate(parts):
        frames[_table_frame(index)] = part.result.table
    sid = store.create(meta, frames)
    logger.info("combined session created files=%s rows=%s", len(parts), meta.rows)
    # read back as stored; a session whose lifetime is shorter than the upload took
    # may be gone already: its id is still the answer (the dashboard says it expired)
    return store.get_meta(sid) or replace(meta, session_id=sid)


def _source_records(meta: SessionMeta) -> list[dict[str, Any]]:
    """What rebuilding each of a session's files needs (a one-file session too)."""
    if meta.sources:
        return list(meta.sources)
    return [
        {
            "name": meta.filename,
            "read": meta.report["read"],
            "mapping": meta.mapping,
        }
    ]


def _stored_parts(
    store: SessionStore,
    sid: str,
    meta: SessionMeta,
    *,
    drop_duplicates: bool,
    mapping: Mapping[str, str | None] | None = None,
) -> list[Part]:
    """A session's files rebuilt from their stored tables (with ``mapping`` instead
    of each file's own when given)."""
    parts = []
    for index, record in enumerate(_source_records(meta)):
        table = store.get_frame(sid, _table_frame(index))
        if table is None:
            raise KeyError(sid)
        chosen = (
            _translate(mapping, [str(c) for c in table.columns])
            if mapping is not None
            else record["mapping"]
        )
        try:
            result = rebuild(
                table, chosen, read_info=record["read"], drop_duplicates=drop_duplicates
            )
        except IngestError as error:
            raise IngestError(f"“{record['name']}”: {error}") from error
        parts.append(Part(record["name"], result))
    return parts


def _store_parts(
    store: SessionStore,
    sid: str,
    meta: SessionMeta,
    parts: list[Part],
    *,
    keep_overlaps: bool,
    drop_duplicates: bool,
    tables_changed: bool,
    keep_confidence: bool = False,
) -> SessionMeta:
    """Store a session's new set of files (one or several) as its next revision."""
    old_count = len(_source_records(meta))
    if len(parts) == 1:
        result = parts[0].result
        changes = _meta_from_result(result, filename=parts[0].name, source=meta.source)
        changes[SOURCES] = None
        changes["sheets"] = []
    else:
        result, changes = _combined_meta(parts, keep_overlaps, drop_duplicates)
        changes["source"] = meta.source
    if tables_changed:
        for index, part in enumerate(parts):
            store.put_frame(sid, _table_frame(index), part.result.table)
        for index in range(len(parts), old_count):
            store.put_frame(sid, _table_frame(index), pd.DataFrame())
        for index in range(len(meta.sheets)):
            store.put_frame(sid, _sheet_frame(index), pd.DataFrame())
    store.put_frame(sid, "frame", result.frame)
    if keep_confidence and meta.confidence:
        # the files already there keep the detection's confidence in their mapping
        changes["confidence"] = meta.confidence
    changes["keep_overlaps"] = bool(keep_overlaps)
    changes["drop_duplicates"] = bool(drop_duplicates)
    changes["revision"] = meta.revision + 1
    return store.update_meta(sid, changes)


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
    browser = _owner_browser(meta.owner)
    records = [] if replace else _source_records(meta)
    leaders = []
    for index, record in enumerate(records[:1] + records[-1:]):
        table = store.get_frame(
            sid, _table_frame(0 if index == 0 else len(records) - 1)
        )
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
    new_parts, origins = _read_parts(
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
                [] if replace else _stored_parts(store, sid, meta, drop_duplicates=drop)
            )
            parts = _one_mapping([*old, *new_parts], drop_duplicates=drop)
            _check_combined_size(parts, limits)
            updated = _store_parts(
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
    if len(_source_records(meta)) < 2:
        raise IngestError("This dashboard shows one file: there is nothing to overlap.")
    drop = meta.drop_duplicates
    parts = _stored_parts(store, sid, meta, drop_duplicates=drop)
    return _store_parts(
        store,
        sid,
        meta,
        parts,
        keep_overlaps=keep,
        drop_duplicates=drop,
        tables_changed=False,
        keep_confidence=True,
    )
