"""One uploaded file read into an ingestion result (limits checked first, within the
upload's time budget, plain messages for unreadable files), the mapping its owner
confirmed earlier applied, and the session metadata describing a result."""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analytics.errors import IngestError, UnsupportedFileType
from analytics.ingest import IngestResult, columns_signature, ingest_bytes, rebuild
from analytics.ingest.budget import TimeBudgetExceeded, time_budget
from analytics.ingest.limits import (
    LimitExceeded,
    UploadLimits,
    check_amounts,
    check_upload,
)
from analytics.ingest.read import read_grid
from analytics.ingest.sanity import non_finite_amounts, out_of_range_dates
from analytics.ingest.shape import shape_table
from analytics.metrics import choose_granularity
from analytics.schema import CATEGORY, DATE, ORDER, normalise_mapping
from services.session_meta import DETECTED
from services.store import SessionStore

logger = logging.getLogger(__name__)

#: Refusals whose message already says what to do (a file type, a size or a time limit);
#: any other ingestion error may get a plainer explanation from :func:`_explain_unusable`.
_SAYS_WHAT_TO_DO = (UnsupportedFileType, LimitExceeded, TimeBudgetExceeded)


#: How long a confirmed mapping is remembered for its owner's next uploads.
REMEMBER_MAPPING_SECONDS = 90 * 24 * 3600


def mapping_key(owner_browser: str, columns: list[str]) -> str:
    """Where a person's confirmed mapping for files with these columns is kept.

    Keyed by the owner's browser digest: a mapping is never applied for anyone else.
    """
    return f"mapping:{owner_browser}:{columns_signature(columns)}"


def owner_browser(owner: Mapping[str, Any] | None) -> str | None:
    """The browser digest of a session's owner (``SessionMeta.owner``), or None."""
    return (owner or {}).get("browser")


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its bytes (in memory only) and its clean name."""

    data: bytes
    filename: str


def read_upload(
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


def sheet_frame(index: int) -> str:
    """Where the cells of a workbook's ``index``-th sheet are kept."""
    return f"sheet:{index}"


def apply_remembered(
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
        mapping_key(owner_browser, list(result.table.columns))
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


#: Category filter options kept in the session's metadata (more would not fit a dropdown).
MAX_CATEGORY_OPTIONS = 500


def meta_fields(result: IngestResult, *, filename: str, source: str) -> dict[str, Any]:
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
