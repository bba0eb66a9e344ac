"""Ingestion: uploaded bytes → canonical transactions frame and quality report.

Modules, lowest first: ``budget`` (the wall-clock budget of one upload), ``parsing``
(numbers and dates in every export style), ``read`` (file type, encoding, dialect, sheets,
header, table shaping; the stored-sheet codec), ``roles`` (which column is which role),
``limits`` (size guards on the bytes), ``sanity`` (non-finite amounts, impossible dates),
``result`` (:class:`IngestResult`), ``ledgers`` (payment and marketplace logs), ``pnl``
(profit-and-loss statements), ``pipeline`` (:func:`ingest_bytes`, :func:`rebuild`),
``combine`` (several files as one dataset), ``mapping_assist`` (a model's mapping
proposal, validated). The pipeline's entry points are re-exported here; the other
modules' names are imported from their module (``analytics.ingest.read.read_grid``).
"""

from analytics.ingest.pipeline import (
    FOOTER_REASON,
    TRANSFER_REASON,
    UNPAID_REASON,
    columns_signature,
    decode_rows,
    encode_rows,
    ingest_bytes,
    ingest_grid,
    rebuild,
)
from analytics.ingest.result import IngestResult

__all__ = [
    "FOOTER_REASON",
    "TRANSFER_REASON",
    "UNPAID_REASON",
    "IngestResult",
    "columns_signature",
    "decode_rows",
    "encode_rows",
    "ingest_bytes",
    "ingest_grid",
    "rebuild",
]
