"""A session's metadata, typed: what the store keeps next to a session's frames.

The store keeps it as a JSON object (:meth:`SessionMeta.to_dict`); :meth:`SessionMeta.from_dict`
reads any stored record back, from older versions too: a missing key gets its default and a
key this version does not know is kept (``extra``) and written back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

#: Where a session's mapping came from when nothing says so: detected from the file.
DETECTED: dict[str, Any] = {"source": "detected"}


@dataclass(frozen=True)
class SessionMeta:
    """Everything known about a session besides its frames and values.

    ``session_id``, ``created_at`` and ``expires_at`` are set by the store when the
    session is created; ``revision`` goes up each time its data is rebuilt.
    """

    session_id: str = ""
    created_at: float = 0.0
    expires_at: float = 0.0
    #: The file's name (several files: "first.csv + 2 more files").
    filename: str = ""
    #: "upload" or "demo".
    source: str = "upload"
    #: Rows in the canonical frame, and rows read from the file(s).
    rows: int = 0
    rows_read: int = 0
    #: The source table's columns, and the role → column mapping used on them.
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str | None] = field(default_factory=dict)
    #: The detection's confidence in each role's column.
    confidence: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: The ingestion's quality report (``IngestResult.report``).
    report: dict[str, Any] = field(default_factory=dict)
    drop_duplicates: bool = False
    #: Several files: count the rows repeating rows of an earlier file.
    keep_overlaps: bool = False
    #: "day", "week" or "month": the dashboard's default period.
    granularity: str = "month"
    #: The currency the file's amounts are in, when it says.
    currency: str | None = None
    #: The first and last dates ("YYYY-MM-DD"), None without dates.
    date_start: str | None = None
    date_end: str | None = None
    #: Category filter options.
    categories: list[str] = field(default_factory=list)
    #: Digests of who may change the session (``browser``, ``token``: see web.ownership).
    owner: dict[str, str | None] = field(default_factory=dict)
    #: Where the mapping came from: detected, remembered (with ``confirmed_at`` and
    #: ``detected``) or confirmed.
    mapping_origin: dict[str, Any] = field(default_factory=lambda: dict(DETECTED))
    #: The workbook's sheets (records of ``analytics.ingest.grid_codec.sheet_record``).
    sheets: list[dict[str, Any]] = field(default_factory=list)
    #: Several files: per file, what rebuilding it needs (name, read, mapping).
    sources: list[dict[str, Any]] | None = None
    revision: int = 0
    #: Stored keys this version does not know, written back as they were.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def currency_symbol(self) -> str:
        """The currency figures are written in: the file's, else "$"."""
        return self.currency or "$"

    @property
    def has_customers(self) -> bool:
        """True when a column holds the customer."""
        return bool(self.mapping.get("customer"))

    def to_dict(self) -> dict[str, Any]:
        """The stored form: a JSON-serialisable dict (unknown keys kept)."""
        out = dict(self.extra)
        for name in FIELD_NAMES:
            out[name] = getattr(self, name)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionMeta:
        """A stored record read back; missing keys defaulted, unknown keys kept."""
        known = {k: v for k, v in data.items() if k in FIELD_NAMES}
        extra = {k: v for k, v in data.items() if k not in FIELD_NAMES}
        if "revision" in known:
            known["revision"] = int(known["revision"] or 0)
        if "rows_read" not in known and "rows" in known:
            known["rows_read"] = known["rows"]
        for name in _NOT_NONE:
            if known.get(name, 0) is None:
                del known[name]
        return cls(**known, extra=extra)

    def with_changes(self, changes: Mapping[str, Any]) -> SessionMeta:
        """A copy with ``changes`` (stored keys) applied; ValueError on an unknown key."""
        check_keys(changes)
        return SessionMeta.from_dict({**self.to_dict(), **changes})


def check_keys(changes: Mapping[str, Any]) -> None:
    """ValueError when ``changes`` names a key that is not a field of SessionMeta."""
    unknown = sorted(set(changes) - set(FIELD_NAMES))
    if unknown:
        raise ValueError(f"not session metadata: {', '.join(unknown)}")


#: The stored keys, in the order they are written.
FIELD_NAMES: tuple[str, ...] = tuple(
    f.name for f in fields(SessionMeta) if f.name != "extra"
)
#: Fields an older record may hold as null where this version wants a value.
_NOT_NONE = ("columns", "mapping", "confidence", "warnings", "report", "categories")
_NOT_NONE += ("owner", "mapping_origin", "sheets", "filename")
