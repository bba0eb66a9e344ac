"""The files of a session, one or several: each file's table kept (``table``,
``table:1`` ...), read with one mapping when they share their columns, rebuilt from the
stored tables and combined (``analytics.ingest.combine``) into the session's next
revision."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analytics.errors import IngestError
from analytics.ingest import IngestResult, columns_signature, rebuild
from analytics.ingest.combine import Part, combine
from analytics.ingest.limits import LimitExceeded, UploadLimits, check_amounts
from analytics.schema import normalise_mapping
from services.session_meta import DETECTED, SessionMeta
from services.store import SessionStore
from services.uploads import (
    Upload,
    apply_remembered,
    meta_fields,
    read_upload,
    sheet_frame,
)

logger = logging.getLogger(__name__)

#: Combined meta keeps, per file, what rebuilding it needs (``SessionMeta.sources``).
SOURCES = "sources"


def table_frame(index: int) -> str:
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


def read_parts(
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
            result = read_upload(upload.data, upload.filename, None, limits)
        except IngestError as error:
            raise type(error)(f"“{upload.filename}”: {error}") from error
        result, origin = apply_remembered(store, result, browser)
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
            result = read_upload(
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


def translate(
    mapping: Mapping[str, str | None], columns: list[str]
) -> dict[str, str | None]:
    """A mapping of one table onto another with the same columns (names compared
    without regard to case or spacing)."""
    by_key = {_same_key(c): c for c in columns}
    return {
        role: (by_key.get(_same_key(column)) if column else None)
        for role, column in normalise_mapping(mapping).items()
    }


def one_mapping(parts: list[Part], drop_duplicates: bool) -> list[Part]:
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
        wanted = translate(leader.result.mapping, columns)
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


def check_combined_size(parts: list[Part], limits: UploadLimits | None) -> None:
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


def combined_fields(
    parts: list[Part], keep_overlaps: bool, drop_duplicates: bool
) -> tuple[IngestResult, dict[str, Any]]:
    """The combined result and the SessionMeta fields describing it."""
    result = combine(parts, keep_overlaps=keep_overlaps)
    check_amounts(result.frame)
    first = parts[0].name
    label = f"{first} + {len(parts) - 1} more file{'s' if len(parts) > 2 else ''}"
    fields = meta_fields(result, filename=label, source="upload")
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


def source_records(meta: SessionMeta) -> list[dict[str, Any]]:
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


def stored_parts(
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
    for index, record in enumerate(source_records(meta)):
        table = store.get_frame(sid, table_frame(index))
        if table is None:
            raise KeyError(sid)
        chosen = (
            translate(mapping, [str(c) for c in table.columns])
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


def store_parts(
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
    old_count = len(source_records(meta))
    if len(parts) == 1:
        result = parts[0].result
        changes = meta_fields(result, filename=parts[0].name, source=meta.source)
        changes[SOURCES] = None
        changes["sheets"] = []
    else:
        result, changes = combined_fields(parts, keep_overlaps, drop_duplicates)
        changes["source"] = meta.source
    if tables_changed:
        for index, part in enumerate(parts):
            store.put_frame(sid, table_frame(index), part.result.table)
        for index in range(len(parts), old_count):
            store.put_frame(sid, table_frame(index), pd.DataFrame())
        for index in range(len(meta.sheets)):
            store.put_frame(sid, sheet_frame(index), pd.DataFrame())
    store.put_frame(sid, "frame", result.frame)
    if keep_confidence and meta.confidence:
        # the files already there keep the detection's confidence in their mapping
        changes["confidence"] = meta.confidence
    changes["keep_overlaps"] = bool(keep_overlaps)
    changes["drop_duplicates"] = bool(drop_duplicates)
    changes["revision"] = meta.revision + 1
    return store.update_meta(sid, changes)


def file_columns(
    store: SessionStore, sid: str, meta: SessionMeta
) -> list[dict[str, Any]]:
    """The columns of each of a session's stored tables; KeyError when one is gone."""
    out = []
    for index, _record in enumerate(source_records(meta)):
        table = store.get_frame(sid, table_frame(index))
        if table is None:
            raise KeyError(sid)
        out.append({"columns": [str(c) for c in table.columns]})
    return out
