"""Turn an uploaded CSV/XLSX/XLS (bytes, in memory) into the canonical transactions frame.

Pipeline: :func:`analytics.ingest.read.read_grid` (type by content, encoding, delimiter,
sheet) → profit-and-loss statements go to :mod:`analytics.ingest.pnl` → otherwise
:func:`analytics.ingest.shape.shape_table` (header row, blank rows/columns, index column,
duplicate names, total rows) → :mod:`analytics.ingest.roles` (which column is which role) →
:func:`rebuild` (parse the mapped columns with :mod:`analytics.ingest.parsing`, derive missing
values, set aside unusable rows, count duplicates and negatives, write the report).

Derived values: revenue = quantity × unit price when no revenue column is mapped;
revenue net of a refunded-amount column filled on every line (payment exports);
profit = revenue − cost and cost = revenue − profit when only one of them is known;
with neither, profit = revenue × margin per line from a margin (or markup) rate column
(:func:`analytics.ingest.ratios.profit_ratio`). A workbook template of income and expense sheets
is one statement (:func:`analytics.ingest.pnl_workbook.read_workbook_statement`).
Returns, cancellations and negative quantities stay in as negative amounts (net
figures) and are counted in ``report["negatives"]``; lines with a negative quantity and
a zero amount are counted apart as stock adjustments.

Rows set aside (never silently dropped; listed in ``report["set_aside"]`` with their
1-based source row numbers): total/subtotal rows, payouts and bank transfers in payment
exports (a Type column saying ``payout``, ``General Withdrawal``, ``Transfer`` …),
positive lines whose Status column says the payment failed or the order was cancelled
(``failed``, ``declined``, ``voided``, ``cancelled`` …), notes or footers below the
data, rows without a usable revenue, rows
whose date is missing or unreadable (when the file has a date column), and exact
duplicate rows when ``drop_duplicates=True``. ``rows_read == rows_used + joined + sum
of the set-aside counts`` always holds (``joined`` is non-zero only for payment and
marketplace logs, see below).

Payment-provider and marketplace logs (PayPal, Stripe, Adyen, Amazon settlement files,
Etsy statements …) are recognised by :mod:`analytics.ingest.ledgers`: revenue is completed
customer payments (gross, net of refunds), fees are cost, and transfers, conversions,
holds, test-mode and summary rows are set aside by reason; fee and quantity rows of one
order are joined to its sale line (``report["joined"]`` counts them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

import analytics.ingest.ledgers as ledgers
import analytics.ingest.pnl as pnl
import analytics.ingest.pnl_workbook as pnl_workbook
from analytics.errors import IngestError
from analytics.ingest.budget import TimeBudgetExceeded
from analytics.ingest.build import build_result, encode_rows
from analytics.ingest.grid import Grid
from analytics.ingest.number_parsing import decimal_votes
from analytics.ingest.parsing import spread_sample
from analytics.ingest.profiles import profile_table
from analytics.ingest.ratios import profit_ratio
from analytics.ingest.read import cell_ranges, rank_sheets, read_grid, sheet_note
from analytics.ingest.result import IngestResult
from analytics.ingest.roles import describe_non_sales, detect_roles, role_label
from analytics.ingest.shape import add_year_month_period, shape_table
from analytics.ingest.wide import unpivot_periods
from analytics.schema import (
    DATE,
    QUANTITY,
    REVENUE,
    SKU,
    UNIT_PRICE,
    normalise_mapping,
)

__all__ = [
    "IngestResult",
    "columns_signature",
    "ingest_bytes",
    "ingest_grid",
    "rebuild",
]

_UNCOMPUTED_CRITICAL_SHARE = 0.5


def columns_signature(columns: Sequence[str]) -> str:
    """Stable hash of a set of column names (order, case and spacing do not matter)."""
    names = sorted({" ".join(str(c).split()).lower() for c in columns})
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()[:24]


def ingest_bytes(
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    drop_duplicates: bool = False,
) -> IngestResult:
    """Read a CSV/XLSX/XLS file from memory into an :class:`IngestResult`.

    Parameters
    ----------
    data, filename:
        The file's bytes and its name (the name is only used in messages; the type is
        judged by content).
    sheet:
        Workbook sheet to read; by default the sheet holding the most data.
    mapping:
        Role → column to use instead of detection (validated: the columns must exist
        and hold values of the right type).
    drop_duplicates:
        Drop exact duplicate rows (they are always counted in the report).

    Raises
    ------
    IngestError
        for unusable content, :class:`UnsupportedFileType` when the bytes are not
        CSV/XLSX/XLS. Messages say what is wrong and what to do.
    """
    grid = read_grid(data, filename, sheet=sheet)
    if not grid.workbook:
        return ingest_grid(grid, mapping=mapping, drop_duplicates=drop_duplicates)
    statement = pnl_workbook.read_workbook_statement(grid.workbook, filename)
    if statement is not None and mapping is None:
        result = _from_statement(statement, replace(grid, notes=[]))
        result.sheets = grid.workbook
        return result
    return _ingest_workbook(grid, mapping=mapping, drop_duplicates=drop_duplicates)


def ingest_grid(
    grid: Grid,
    *,
    mapping: Mapping[str, str | None] | None = None,
    drop_duplicates: bool = False,
) -> IngestResult:
    """Ingest one sheet (or CSV file) already read by :func:`analytics.ingest.read.read_grid`.

    Used directly to read another sheet of a workbook stored at upload; the result's
    ``sheets`` stays empty (the caller already holds the workbook).
    """
    statement = pnl.read_statement(grid)
    if statement is not None:
        return _from_statement(statement, grid)
    shaped = shape_table(grid)
    table = shaped.table
    journal = ledgers.journal_message(grid.cells.iloc[0].tolist(), table)
    if journal is not None:
        raise IngestError(journal)
    decimal = _file_decimal(table, grid.read.get("delimiter"))
    rows_read = shaped.rows_read
    wide = unpivot_periods(table, shaped.row_numbers, decimal=decimal)
    if wide is not None:
        table, row_numbers, wide_notes = wide
        shaped.row_numbers = row_numbers
        shaped.notes.extend(wide_notes)
        rows_read = len(table) + sum(e["count"] for e in shaped.set_aside)
    dated = add_year_month_period(table) if wide is None else None
    if dated is not None:
        table, note = dated
        shaped.notes.append(note)
    read = {
        **grid.read,
        "decimal": decimal,
        "thousands": None,
        "date_order": "DMY" if decimal == "," else None,
        "header_row": shaped.header_row,
        "header_rows": shaped.header_rows,
        "layout": "table",
        "rows_read": rows_read,
        "row_numbers": encode_rows(shaped.row_numbers),
        "layout_set_aside": shaped.set_aside,
        "notes": [*grid.notes, *shaped.notes],
        "uncomputed": {
            c: cell_ranges(cells) for c, cells in shaped.uncomputed_by_column.items()
        },
    }
    if mapping is not None:
        return rebuild(table, mapping, read_info=read, drop_duplicates=drop_duplicates)
    profiles = profile_table(table, decimal=decimal)
    detection = detect_roles(profiles)
    layout = ledgers.detect(table)
    if layout is not None:
        detection.mapping.update(ledgers.role_overrides(layout))
        if detection.mapping[SKU] in (layout.type, layout.description):
            detection.mapping[SKU] = None
        detection.assumptions = [
            a for a in detection.assumptions if " as revenue" not in a
        ]
    read["profit_ratio"] = profit_ratio(profiles, detection.mapping)
    _check_uncomputed(shaped.uncomputed_by_column, rows_read, detection.mapping)
    if detection.mapping[REVENUE] is None and not (
        detection.mapping[QUANTITY] and detection.mapping[UNIT_PRICE]
    ):
        raise _no_amount_error(profiles, detection.mapping)
    return build_result(
        table,
        detection.mapping,
        read,
        confidence=detection.confidence,
        assumptions=detection.assumptions,
        drop_duplicates=drop_duplicates,
        detected=True,
        profiles=profiles,
    )


def _ingest_workbook(
    grid: Grid,
    *,
    mapping: Mapping[str, str | None] | None,
    drop_duplicates: bool,
) -> IngestResult:
    """Ingest the sheet chosen by :func:`read_grid`, or the next-best sheet that works.

    The sheet holding the most data is usually the transactions, but a big summary or
    lookup sheet can outweigh them; when the chosen sheet has no usable amounts, the
    other sheets are tried in order and the report says which one was read and why.
    """
    workbook = grid.workbook
    names = list(workbook)
    try:
        result = ingest_grid(grid, mapping=mapping, drop_duplicates=drop_duplicates)
    except TimeBudgetExceeded:
        raise
    except IngestError:
        if mapping is not None:
            raise
        chosen = grid.read["sheet"]
        for name in rank_sheets(workbook):
            if name == chosen:
                continue
            try:
                result = ingest_grid(workbook[name], drop_duplicates=drop_duplicates)
            except TimeBudgetExceeded:
                raise
            except IngestError:
                continue
            note = sheet_note(
                name,
                names,
                f"the sheet '{chosen}' holds more cells but no sales amounts",
            )
            result.report.setdefault("assumptions", []).insert(0, note)
            result.report["read"].setdefault("notes", []).insert(0, note)
            break
        else:
            raise
    result.sheets = workbook
    return result


def rebuild(
    table: pd.DataFrame,
    mapping: Mapping[str, str | None],
    *,
    read_info: dict[str, Any],
    drop_duplicates: bool = False,
) -> IngestResult:
    """Recompute the frame and report of a stored ``table`` for a (user-corrected) mapping.

    ``read_info`` is ``result.report["read"]`` of the first ingestion. Raises
    :class:`IngestError` naming the column and role when the mapping does not fit.
    """
    if read_info.get("layout") == "profit_and_loss":
        return pnl.rebuild_statement(table, read_info)
    full = normalise_mapping(mapping)
    for role, column in full.items():
        if column is not None and column not in table.columns:
            raise IngestError(
                f"The column '{column}' chosen for {role_label(role)} is not in the file. "
                "Choose one of: " + ", ".join(map(str, table.columns)) + "."
            )
    if full[REVENUE] is None and not (full[QUANTITY] and full[UNIT_PRICE]):
        raise IngestError(
            "Choose a column for Revenue (or both Quantity and Unit price) so amounts can "
            "be calculated."
        )
    return build_result(
        table,
        full,
        read_info,
        confidence={role: 1.0 for role, col in full.items() if col},
        assumptions=[],
        drop_duplicates=drop_duplicates,
        detected=False,
    )


# --------------------------------------------------------------------------- helpers


def _file_decimal(table: pd.DataFrame, delimiter: str | None) -> str:
    dot = comma = 0
    for name in table.columns:
        col = table[name]
        if col.dtype == "str":
            d, c = decimal_votes(spread_sample(col, 2000))
            dot += d
            comma += c
    if comma > dot:
        return ","
    if dot > comma:
        return "."
    return "," if delimiter == ";" else "."


def _check_uncomputed(
    uncomputed: dict[str, list[tuple[int, int]]],
    rows_read: int,
    mapping: dict[str, str | None],
) -> None:
    """Refuse a workbook whose amounts are formulas saved without their results.

    Mostly-uncomputed columns are fatal when they were chosen for a role or when no amount
    can be found without them; otherwise they are reported as a warning.
    """
    mapped = {c for c in mapping.values() if c}
    no_amount = mapping[REVENUE] is None and not (
        mapping[QUANTITY] and mapping[UNIT_PRICE]
    )
    found: list[tuple[int, int]] = []
    for column, cells in uncomputed.items():
        if len(cells) >= _UNCOMPUTED_CRITICAL_SHARE * max(rows_read, 1) and (
            column in mapped or no_amount
        ):
            found.extend(cells)
    if found:
        raise IngestError(
            f"This XLSX was saved without computed values (cells {cell_ranges(found)}); "
            "open it in Excel and save it again, then upload the saved file."
        )


def _no_amount_error(profiles: list, mapping: dict[str, str | None]) -> IngestError:
    what = describe_non_sales(profiles)
    if mapping[DATE] is None:
        return IngestError(
            f"No column looks like a date or an amount; {what}. Upload a sales or "
            "transactions export with at least an amount column."
        )
    return IngestError(
        f"No column looks like an amount (revenue, sales, or quantity and unit price); "
        f"{what}. Upload a sales or transactions export with an amount column, or choose "
        "the revenue column yourself."
    )


def _from_statement(statement: pnl.Statement, grid: Grid) -> IngestResult:
    read = {
        **grid.read,
        "decimal": statement.decimal,
        "thousands": None,
        "date_order": None,
        "header_row": statement.header_row,
        "header_rows": [statement.header_row] if statement.header_row else [],
        "layout": "profit_and_loss",
        "rows_read": len(statement.table),
        "row_numbers": encode_rows(statement.row_numbers),
        "layout_set_aside": [],
        "notes": list(grid.notes),
        "uncomputed": {},
        "statement": statement.info,
    }
    return pnl.rebuild_statement(statement.table, read)
