"""Ingestion: uploaded bytes → canonical transactions frame and quality report.

Modules, lowest first: ``budget`` (the wall-clock budget of one upload), ``parsing``
(text cells and dates in every export style; numbers: ``number_parsing``), ``read`` (file
type, encoding, dialect, sheets, header, table shaping; the stored-sheet codec), ``roles``
(which column is which role; ``profiles``, ``role_words``, ``ratios``), ``limits`` (size
guards on the bytes), ``sanity`` (non-finite amounts, impossible dates), ``result``
(:class:`IngestResult`), ``ledgers`` (payment and marketplace logs; their lines sorted:
``ledger_lines``), ``wide`` (one column per period, and period headers), ``pnl``
(profit-and-loss statements; their periods: ``pnl_periods``), ``pnl_workbook`` (workbook
templates of monthly sheets), ``orders`` (lines of one order), ``payment_columns`` (type,
status, refund and currency columns), ``duplicates`` (exact repeats), ``build`` (table and
mapping → frame and report), ``pipeline`` (:func:`ingest_bytes`, :func:`rebuild`),
``combine`` (several files as one dataset), ``mapping_assist`` (a model's mapping
proposal, validated). The pipeline's entry points are re-exported here; the other
modules' names are imported from their module (``analytics.ingest.read.read_grid``).

The re-exports are loaded on first use (module ``__getattr__``): importing a low-level
module such as ``analytics.ingest.parsing`` runs this file first, and an eager import of
the pipeline here would make ``analytics.dataset_model`` (which the pipeline uses, and
which reads numbers with ``parsing``) import itself half-way.
"""

from __future__ import annotations

from analytics.lazy import lazy_exports

#: Public name → the module that defines it.
_EXPORTS: dict[str, str] = {
    "FOOTER_REASON": "analytics.ingest.build",
    "TRANSFER_REASON": "analytics.ingest.payment_columns",
    "UNPAID_REASON": "analytics.ingest.payment_columns",
    "columns_signature": "analytics.ingest.pipeline",
    "decode_rows": "analytics.ingest.build",
    "encode_rows": "analytics.ingest.build",
    "ingest_bytes": "analytics.ingest.pipeline",
    "ingest_grid": "analytics.ingest.pipeline",
    "rebuild": "analytics.ingest.pipeline",
    "IngestResult": "analytics.ingest.result",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
