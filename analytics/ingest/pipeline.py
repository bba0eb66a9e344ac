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
(:func:`analytics.ingest.roles.profit_ratio`). A workbook template of income and expense sheets
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
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

import analytics.ingest.ledgers as ledgers
import analytics.ingest.pnl as pnl
import analytics.ingest.pnl_workbook as pnl_workbook
from analytics.dataset_model import extend_frame
from analytics.errors import IngestError
from analytics.ingest.budget import TimeBudgetExceeded, check_time
from analytics.ingest.grid import Grid
from analytics.ingest.parsing import (
    CURRENCY_CODES,
    DateParse,
    NumberParse,
    clean_text,
    decimal_votes,
    missing_mask,
    parse_dates,
    parse_numbers,
    spread_sample,
)
from analytics.ingest.read import cell_ranges, rank_sheets, read_grid, sheet_note
from analytics.ingest.result import IngestResult
from analytics.ingest.roles import (
    NUMERIC_ROLES,
    TEXT_ROLES,
    ColumnProfile,
    describe_non_sales,
    detect_roles,
    normalise_header,
    profile_table,
    profit_from_ratio,
    profit_ratio,
    role_label,
)
from analytics.ingest.shape import add_year_month_period, shape_table
from analytics.ingest.wide import unpivot_periods
from analytics.schema import (
    COST,
    CUSTOMER,
    DATE,
    ORDER,
    PROFIT,
    QUANTITY,
    REVENUE,
    ROLES,
    SKU,
    SOURCE_ROW,
    UNIT_PRICE,
    conform_canonical,
    normalise_mapping,
)

__all__ = [
    "IngestResult",
    "columns_signature",
    "ingest_bytes",
    "ingest_grid",
    "rebuild",
]

_EXAMPLE_ROWS = 10
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
    return _build(
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
    return _build(
        table,
        full,
        read_info,
        confidence={role: 1.0 for role, col in full.items() if col},
        assumptions=[],
        drop_duplicates=drop_duplicates,
        detected=False,
    )


# --------------------------------------------------------------------------- helpers


def encode_rows(rows: np.ndarray) -> list[list[int]]:
    """Source row numbers as ``[[first, count], ...]`` runs of consecutive rows."""
    rows = np.asarray(rows, dtype="int64")
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [rows.size]])
    return [[int(rows[s]), int(e - s)] for s, e in zip(starts, ends, strict=True)]


def decode_rows(runs: list[list[int]], n: int) -> np.ndarray:
    """Inverse of :func:`encode_rows`; falls back to ``1..n`` when runs do not fit."""
    if not runs or sum(c for _, c in runs) != n:
        return np.arange(1, n + 1, dtype="int64")
    return np.concatenate([np.arange(s, s + c, dtype="int64") for s, c in runs])


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


def _first_rows(rows: np.ndarray, mask: np.ndarray) -> list[int]:
    return [int(r) for r in rows[mask][:_EXAMPLE_ROWS]]


def _unlabelled_totals(revenue: pd.Series, candidates: np.ndarray) -> np.ndarray:
    """Trailing rows without a date whose amount equals the sum of the rows above."""
    out = np.zeros(len(revenue), dtype=bool)
    values = revenue.to_numpy()
    n = len(values)
    for pos in range(n - 1, max(n - 4, -1), -1):
        if not candidates[pos] or np.isnan(values[pos]):
            break
        above = values[:pos][~candidates[:pos] & ~np.isnan(values[:pos])]
        if above.size >= 2 and abs(above.sum() - values[pos]) <= max(
            0.01, 1e-9 * abs(values[pos])
        ):
            out[pos] = True
            continue
        others = out.copy()
        if others.any():
            break
    return out


def _build(
    table: pd.DataFrame,
    mapping: dict[str, str | None],
    read: dict[str, Any],
    *,
    confidence: dict[str, float],
    assumptions: list[str],
    drop_duplicates: bool,
    detected: bool,
    profiles: Sequence[ColumnProfile] | None = None,
) -> IngestResult:
    n = len(table)
    rows = decode_rows(read.get("row_numbers", []), n)
    read = dict(read)
    assumptions = list(assumptions)
    warnings: list[str] = []
    data: dict[str, Any] = {}
    parsed: dict[str, NumberParse] = {}

    date_parse: DateParse | None = None
    if mapping[DATE]:
        column = mapping[DATE]
        date_parse = parse_dates(table[column], order_hint=read.get("date_order"))
        present = 0 if detected else int((~missing_mask(table[column])).sum())
        if present and date_parse.valid < 0.5 * present:
            raise IngestError(
                f"The column '{column}' chosen for Date does not hold dates the app can read "
                f"(for example '{_example(table[column])}'). Choose another column for Date."
            )
        data[DATE] = date_parse.values
        inherited = _inherit_order_dates(table, data[DATE], mapping)
        if inherited is not None:
            data[DATE], key, count = inherited
            assumptions.append(
                f"{count} line(s) without a date took the date of their order ('{key}') "
                "from the line above."
            )
        if date_parse.order in ("DMY", "MDY", "YMD"):
            read["date_order"] = date_parse.order
        if date_parse.ambiguous:
            style = "day/month/year" if date_parse.order == "DMY" else "month/day/year"
            assumptions.append(
                f"Dates in '{column}' fit both day-first and month-first; read them as "
                f"{style}. Check the date range and correct it if that is wrong."
            )
        if date_parse.mixed:
            warnings.append(
                f"'{column}' mixes day-first and month-first dates; dates that only fit the "
                "other order could not be read."
            )
    for role in NUMERIC_ROLES:
        column = mapping[role]
        if not column:
            continue
        result = parse_numbers(table[column], decimal=read.get("decimal") or ".")
        present = result.valid + result.invalid
        if not detected and present and result.valid < 0.5 * present:
            raise IngestError(
                f"The column '{column}' chosen for {role_label(role)} does not hold numbers "
                f"(for example '{_example(table[column])}'). Choose another column for "
                f"{role_label(role)}."
            )
        parsed[role] = result
        data[role] = result.values
    for role in TEXT_ROLES:
        column = mapping[role]
        if column:
            data[role] = clean_text(table[column])
    ledger = _ledger(table, mapping, read)
    if ledger is not None:
        assumptions.extend(ledger.notes)
        _apply_ledger(ledger, data)
    elif detected and REVENUE in data and QUANTITY in data and UNIT_PRICE in data:
        key = _repeated_order_amount(table, mapping, data)
        if key is not None:
            assumptions.append(
                f"Revenue is {mapping[QUANTITY]} × {mapping[UNIT_PRICE]}: "
                f"'{mapping[REVENUE]}' repeats one amount on every line of an order "
                f"('{key}'), so it is the order's total; each line's own amount is used."
            )
            del data[REVENUE]
            mapping = {**mapping, REVENUE: None}

    index = table.index
    nan = pd.Series(np.nan, index=index)
    if REVENUE in data:
        revenue = data[REVENUE]
        amount = mapping[REVENUE]
    else:
        revenue = data[QUANTITY] * data[UNIT_PRICE]
        data[REVENUE] = revenue
        amount = f"{mapping[QUANTITY]} × {mapping[UNIT_PRICE]}"
        if not any(a.startswith("Revenue is ") for a in assumptions):
            assumptions.append(
                f"Revenue is {mapping[QUANTITY]} × {mapping[UNIT_PRICE]} (the file has no revenue column)."
            )
    refunds = (
        None
        if ledger is not None
        else _refund_column(table, mapping, read.get("decimal") or ".")
    )
    if refunds is not None:
        name, refunded = refunds
        revenue = revenue - refunded.abs().fillna(0.0)
        data[REVENUE] = revenue
        assumptions.append(
            f"Revenue is {amount} minus {name} (refunds taken off, so totals are net)."
        )
    cost = data.get(COST)
    profit = data.get(PROFIT)
    derived: set[str] = set()
    if cost is None and profit is not None:
        data[COST] = revenue - profit
        assumptions.append(
            f"Cost is revenue − {mapping[PROFIT]} (the file has no cost column)."
        )
    elif profit is None and cost is not None:
        data[PROFIT] = revenue - cost
        assumptions.append(
            f"Profit is revenue − {mapping[COST]} (the file has no profit column)."
        )
    elif profit is None and (spec := read.get("profit_ratio")):
        if spec["column"] in table.columns and spec["column"] not in mapping.values():
            ratio = parse_numbers(
                table[spec["column"]], decimal=read.get("decimal") or "."
            )
            data[COST], data[PROFIT], sentence = profit_from_ratio(
                ratio.values, revenue, spec
            )
            assumptions.append(sentence)
            derived.add(PROFIT)
    for role in NUMERIC_ROLES:
        data.setdefault(role, nan)

    money = parsed.get(REVENUE) or parsed.get(UNIT_PRICE)
    read["thousands"] = money.thousands if money is not None else read.get("thousands")
    if money is not None and money.decided:
        read["decimal"] = read.get("decimal") or money.decimal

    no_revenue = revenue.isna().to_numpy()
    set_aside: list[dict[str, Any]] = [
        dict(e) for e in read.get("layout_set_aside", [])
    ]
    totals = np.zeros(n, dtype=bool)
    bad_date = np.zeros(n, dtype=bool)
    if date_parse is not None:
        undated = data[DATE].isna().to_numpy()
        text_roles = [data[r] for r in TEXT_ROLES if r in data]
        blank_text = np.ones(n, dtype=bool)
        for values in text_roles:
            blank_text &= values.isna().to_numpy()
        totals = _unlabelled_totals(revenue, undated & blank_text & ~no_revenue)
        bad_date = undated & ~totals
    by_ledger = np.zeros(n, dtype=bool)
    ledger_reasons = []
    if ledger is not None:
        for reason, mask in ledger.reasons:
            ledger_reasons.append((reason, mask & ~totals))
            by_ledger |= mask
        transfers = unpaid = np.zeros(n, dtype=bool)
    else:
        transfers = _transfer_rows(table, mapping) & ~totals
        unpaid = _unpaid_rows(table, mapping, revenue) & ~totals & ~transfers
    other = ~totals & ~transfers & ~unpaid & ~by_ledger
    # rows without an amount after the last one with an amount: a footer or note
    with_amount = np.flatnonzero(~no_revenue)
    footer = np.zeros(n, dtype=bool)
    if with_amount.size:
        footer[with_amount[-1] + 1 :] = True
    footer &= no_revenue & other
    reasons = [
        ("total or subtotal row", totals),
        *ledger_reasons,
        (TRANSFER_REASON, transfers),
        (UNPAID_REASON, unpaid),
        (FOOTER_REASON, footer),
        ("no revenue amount (empty or unreadable)", no_revenue & other & ~footer),
        ("date missing or unreadable", bad_date & ~no_revenue & other),
    ]
    keep = np.ones(n, dtype=bool)
    for reason, mask in reasons:
        count = int(mask.sum())
        if count:
            set_aside.append(
                {"reason": reason, "count": count, "rows": _first_rows(rows, mask)}
            )
            keep &= ~mask

    encodings: dict[str, Any] = {}
    duplicates = _duplicates(
        table, keep if ledger is None else keep & (revenue != 0), encodings
    )
    dup_count = int(duplicates.sum())
    if dup_count and drop_duplicates:
        set_aside.append(
            {
                "reason": "duplicate row (dropped)",
                "count": dup_count,
                "rows": _first_rows(rows, duplicates),
            }
        )
        keep &= ~duplicates
        warnings.append(f"Dropped {dup_count} exact duplicate row(s).")
    elif dup_count:
        warnings.append(
            f"{dup_count} row(s) are exact duplicates of another row; they are kept "
            "(you can choose to drop them)."
        )

    full = pd.DataFrame({SOURCE_ROW: pd.Series(rows, index=index), **data}, index=index)
    frame = conform_canonical(full if keep.all() else full.loc[keep])
    frame, model = extend_frame(
        frame,
        table,
        mapping,
        keep,
        decimal=read.get("decimal") or ".",
        profiles=profiles,
        encodings=encodings,
    )
    joined = 0
    if ledger is not None:
        frame, joined = ledgers.join_lines(frame, _kept(ledger.group, keep))
        if joined:
            assumptions.append(
                f"Joined {joined} fee, tax and quantity row(s) to the sale line of their "
                "order (or, for charges without an order, into one line per day): "
                f"{len(frame)} lines."
            )

    negatives = _negatives(frame)
    currency = money.currency if money is not None else None
    named = _currency_column(table, mapping, keep)
    if named is not None:
        column, codes = named
        if len(codes) > 1:
            listed = ", ".join(codes[:6]) + (" …" if len(codes) > 6 else "")
            warnings.append(
                f"The amounts are in several currencies ({listed}, from the '{column}' "
                "column) and are added up as if they were one. Upload one file per "
                "currency, or convert the amounts first, for totals that mean something."
            )
        elif currency is None:
            assumptions.append(f"Amounts are in {codes[0]} (the '{column}' column).")
        currency = currency or codes[0]
    if ledger is not None:
        codes = ledgers.currencies(table, ledger)
        if len(codes) > 1 and named is None:
            warnings.append(
                f"The payments are in several currencies ({', '.join(codes[:6])}) and "
                "are added up as if they were one. Upload one file per currency, or "
                "convert the amounts first, for totals that mean something."
            )
        currency = currency or (codes[0] if codes else None)
    if negatives["returns_or_cancellations"]:
        assumptions.append(
            f"Kept {negatives['returns_or_cancellations']} return/cancellation line(s) as "
            "negative amounts, so totals are net."
        )
    if negatives["stock_adjustments"]:
        assumptions.append(
            f"{negatives['stock_adjustments']} line(s) have a negative quantity and no "
            "amount (stock adjustments or write-offs); they do not change revenue."
        )
    if date_parse is None:
        warnings.append(
            "No date column was found, so the data cannot be shown over time. Choose the "
            "date column if the file has one."
        )
    lost = sum(e["count"] for e in set_aside)
    if lost:
        parts = [f"{e['count']} {e['reason']}" for e in set_aside]
        warnings.insert(0, f"Set aside {lost} row(s): " + "; ".join(parts) + ".")
    if read.get("uncomputed"):
        cells = "; ".join(f"{c}: {r}" for c, r in read["uncomputed"].items())
        warnings.append(
            f"Some formulas were saved without their results ({cells}) and were read as "
            "empty. Open the file in Excel and save it again to include them."
        )
    if frame.empty:
        raise IngestError(
            "None of the rows could be used: "
            + "; ".join(f"{e['count']} {e['reason']}" for e in set_aside)
            + ". Check that the amount and date columns hold values, or choose other columns."
        )

    roles_report = [
        {
            "role": role,
            "column": mapping[role],
            "confidence": float(confidence.get(role, 1.0)),
        }
        for role in ROLES
        if mapping[role]
    ]
    if not mapping[REVENUE]:
        roles_report.append(
            {
                "role": REVENUE,
                "column": None,
                "confidence": 1.0,
                "derived": f"{mapping[QUANTITY]} × {mapping[UNIT_PRICE]}",
            }  # fmt: skip
        )
    if not mapping[PROFIT] and (spec := read.get("profit_ratio")) and PROFIT in derived:
        roles_report.append(
            {
                "role": PROFIT,
                "column": None,
                "confidence": 1.0,
                "derived": f"revenue × {spec['column']}"
                if spec["kind"] == "margin"
                else f"revenue − revenue / (1 + {spec['column']})",
            }
        )
    dup_rows = _first_rows(rows, duplicates)
    report = {
        "read": read,
        "rows_read": int(read.get("rows_read", n)),
        "rows_used": int(len(frame)),
        "joined": joined,
        "set_aside": set_aside,
        "roles": roles_report,
        "assumptions": [*read.get("notes", []), *assumptions],
        "duplicates": {
            "count": dup_count,
            "rows": dup_rows,
            "dropped": bool(drop_duplicates and dup_count),
        },
        "negatives": negatives,
        "currency": currency,
        "date_range": _date_range(frame),
        "layout": read.get("layout", "table"),
        "columns": model.to_list(),
    }
    return IngestResult(
        frame=frame,
        table=table,
        mapping=dict(mapping),
        confidence={k: float(v) for k, v in confidence.items() if mapping.get(k)},
        report=report,
        warnings=warnings,
    )


def _ledger(
    table: pd.DataFrame, mapping: Mapping[str, str | None], read: dict[str, Any]
) -> ledgers.Ledger | None:
    """The payment or marketplace log reading of ``table`` (see :mod:`analytics.ingest.ledgers`),
    when the file is one and its amount column is the one mapped to revenue."""
    if not mapping[REVENUE]:
        return None
    layout = ledgers.detect(table)
    if layout is None or layout.amount != mapping[REVENUE]:
        return None
    return ledgers.classify(table, layout, decimal=read.get("decimal") or ".")


def _apply_ledger(ledger: ledgers.Ledger, data: dict[str, Any]) -> None:
    """Revenue, cost and quantity of a log's lines from its ledger reading."""
    data[REVENUE] = ledger.revenue
    cost = ledger.cost
    if cost.notna().any():
        cost = cost.where(cost.notna() | ledger.revenue.isna(), 0.0)
    data[COST] = cost
    data[PROFIT] = ledger.revenue - cost
    if ledger.quantity is not None:
        data[QUANTITY] = ledger.quantity


def _kept(group: np.ndarray | None, keep: np.ndarray) -> np.ndarray | None:
    return None if group is None else group[keep]


def _example(series: pd.Series) -> str:
    values = clean_text(series).dropna()
    return str(values.iloc[0])[:40] if len(values) else ""


def _codes(
    column: pd.Series, keep_encoding: dict | None = None
) -> tuple[np.ndarray, int]:
    """Integer codes of a column's values (missing values get a code too), and how many.

    A text column's Arrow dictionary encoding is put in ``keep_encoding`` under its name
    (the dataset model reuses it for the column's values).
    """
    if column.dtype == "str":
        encoded = pc.dictionary_encode(column.array.__arrow_array__()).combine_chunks()
        if keep_encoding is not None:
            keep_encoding[column.name] = encoded
        size = len(encoded.dictionary) + 1
        codes = encoded.indices.fill_null(size - 1).to_numpy(zero_copy_only=False)
        return np.asarray(codes, dtype="int64"), size
    codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
    size = len(uniques) + 1
    return np.where(codes < 0, size - 1, codes).astype("int64"), size


def _duplicates(
    table: pd.DataFrame, keep: np.ndarray, encodings: dict | None = None
) -> np.ndarray:
    """Rows (among those kept) that repeat an earlier kept row exactly.

    Every column is turned once into 64-bit numbers that are equal exactly when the
    values are (text by its Arrow dictionary code, numbers and dates by their bits), and
    these are mixed into one hash per row. Rows whose hash is unique cannot repeat another
    row; only the rest (usually none, or the true repeats) are compared exactly, on the
    same 64-bit numbers (:func:`_exact_repeats`). A hash collision only adds a row to that
    exact check, so the answer is the exact one.
    """
    out = np.zeros(len(table), dtype=bool)
    if table.empty or table.shape[1] == 0:
        return out
    rows = np.flatnonzero(keep)
    key = np.full(len(rows), 0x9E3779B97F4A7C15, dtype="uint64")
    columns = []
    for name in table.columns:
        check_time()
        bits = _row_bits(table[name], encodings)[rows]
        columns.append(bits)
        with np.errstate(over="ignore"):
            key = _mix(key ^ bits)
    shared = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
    if not len(shared):
        return out
    repeats = _exact_repeats([bits[shared] for bits in columns])
    out[rows[shared[repeats]]] = True
    return out


def _row_bits(column: pd.Series, encodings: dict | None) -> np.ndarray:
    """One uint64 per row, equal for rows whose values :func:`_codes` calls equal."""
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else "O"
    if kind == "f" or isinstance(column.dtype, pd.Float64Dtype):
        values = column.to_numpy(dtype="float64", na_value=np.nan) + 0.0  # -0.0 is 0.0
        values[np.isnan(values)] = np.nan  # one NaN
        return values.view("uint64")
    if kind in "iub":
        return column.to_numpy().astype("int64").view("uint64")
    if kind in "mM":
        return column.to_numpy().view("int64").view("uint64")
    return _codes(column, encodings)[0].view("uint64")


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _exact_repeats(columns: list[np.ndarray]) -> np.ndarray:
    """Positions that repeat an earlier position exactly, over equal-length uint64
    columns (:func:`_row_bits` of some rows, in row order).

    Each column is factorised to small codes, combined into one exact row key, which is
    compressed (dropping positions already unique) whenever it could overflow.
    """
    positions = np.arange(len(columns[0]))
    key = np.zeros(len(positions), dtype="int64")
    bound = 1
    for bits in columns:
        codes, uniques = pd.factorize(bits[positions])
        size = len(uniques)
        if bound * size >= 2**62:
            # compress the key, and drop positions that are already unique
            key, kept = pd.factorize(key)
            shared = pd.Series(key).duplicated(keep=False).to_numpy()
            if not shared.any():
                return positions[:0]
            positions, key = positions[shared], key[shared].astype("int64")
            codes = codes[shared]
            bound = len(kept)
        key = key * size + codes
        bound *= size
    return positions[pd.Series(key).duplicated().to_numpy()]


#: Headers of a column naming the order a line belongs to (lines of one order in a row).
_ORDER_KEY = re.compile(
    r"^(?:name|order|order (?:id|no|number|name|ref|reference)|invoice|invoice "
    r"(?:id|no|number)|receipt (?:id|no|number)|transaction (?:id|no)|document "
    r"(?:no|number)|belegnr|beleg nr|belegnummer|bestellnummer|bestellung|"
    r"numero de commande|n commande|commande|pedido|numero pedido)$"
)


def _order_key(table: pd.DataFrame, mapping: Mapping[str, str | None]) -> str | None:
    """The column naming the order each line belongs to (see ``_ORDER_KEY``)."""
    mapped = mapping.get(ORDER)
    if mapped and mapped in table.columns and table[mapped].dtype == "str":
        return mapped
    others = {column for role, column in mapping.items() if role != ORDER}
    for name in table.columns:
        if (
            table[name].dtype == "str"
            and name not in others
            and _ORDER_KEY.match(normalise_header(name))
        ):
            return name
    return None


def _repeated_order_amount(
    table: pd.DataFrame, mapping: Mapping[str, str | None], data: dict[str, Any]
) -> str | None:
    """The order column when the revenue column repeats an order total on each line.

    Invoice exports with one row per line (Xero, many carts) repeat invoice fields on
    every line; summing such a ``Total`` counts an order once per line. Detected when,
    between consecutive lines of one order, the amount stays the same while quantity ×
    unit price changes.
    """
    key_name = _order_key(table, mapping)
    if key_name is None:
        return None
    key = clean_text(table[key_name]).to_numpy(dtype=object)
    if len(key) < 4:
        return None
    same_order = np.zeros(len(key), dtype=bool)
    same_order[1:] = (key[1:] == key[:-1]) & pd.notna(key[1:])
    if same_order.sum() < 3:
        return None
    revenue = data[REVENUE].to_numpy()
    line = (data[QUANTITY] * data[UNIT_PRICE]).to_numpy()
    pairs = np.flatnonzero(same_order)
    repeated = revenue[pairs] == revenue[pairs - 1]
    differs = line[pairs] != line[pairs - 1]
    if repeated.mean() >= 0.9 and differs.mean() >= 0.3:
        return str(key_name)
    return None


def _inherit_order_dates(
    table: pd.DataFrame, dates: pd.Series, mapping: Mapping[str, str | None]
) -> tuple[pd.Series, str, int] | None:
    """Dates for the extra lines of an order that carry the date on its first line only.

    Shop exports with one row per line item often leave order fields (the date among
    them) empty on the order's other lines; a line without a date takes the date of the
    line above when both name the same order in an order-number column.
    """
    undated = dates.isna().to_numpy()
    if not undated.any() or undated.all():
        return None
    name = _order_key(table, mapping)
    if name is None:
        return None
    key = clean_text(table[name])
    if key.isna().mean() > 0.05:
        return None
    run = (key != key.shift()).cumsum()
    filled = dates.groupby(run.to_numpy()).ffill()
    gained = int((filled.notna() & dates.isna()).sum())
    if gained:
        return filled.astype("datetime64[ns]"), str(name), gained
    return None


TRANSFER_REASON = "payout or bank transfer (money moved, not a sale)"
#: Headers of the column that says what kind of line it is (payment exports).
_TYPE_HEADER = re.compile(
    r"^(?:type|transaction type|event type|reporting category|activity type|"
    r"balance type|kind|typ|transaktionstyp|buchungsart|type de transaction|tipo)$"
)
#: Line kinds that move money between the account and the bank (RE2, whole value).
_TRANSFER_KIND = (
    r"(?i)^\s*(?:payouts?|transfers?|bank transfers?|general withdrawal|withdrawals?|"
    r"withdrawal to bank|transfer to bank(?: account)?|bank deposit to pp account|"
    r"general currency conversion|currency conversion|payout_failure|payout_cancel|"
    r"auszahlung|überweisung|ueberweisung|virement|retrait|versement)\s*$"
)


#: Headers of a column holding the part of each line's amount that was refunded.
_REFUND_HEADER = re.compile(
    r"^(?:(?:converted )?amount refunded|refunded amount|refund amount|refunded|"
    r"refunds?|refunded total|total refunded|refund total|total refunds|erstattet|"
    r"erstatteter betrag|erstattungsbetrag|montant rembours[ée]|rembours[ée]|"
    r"reembolsado|importe reembolsado)"
    # a currency code or "incl. tax" after the name: "Refund Amount (GBP)"
    r"(?: [a-z]{3}| incl tax| inc tax| including tax)?$"
)


def _refund_column(
    table: pd.DataFrame, mapping: Mapping[str, str | None], decimal: str
) -> tuple[str, pd.Series] | None:
    """A column of refunded amounts next to the revenue column (payment exports such as
    Stripe's: "Amount" and "Amount Refunded" on every line), parsed as numbers.

    Only when it is filled on (nearly) every line the revenue is: an order-level refund
    written on an order's first line only cannot be put against the right lines.
    """
    mapped = {c for c in mapping.values() if c}
    amount = mapping[REVENUE] or mapping[QUANTITY]
    if amount is None:
        return None
    revenue_name = normalise_header(mapping[REVENUE] or "")
    revenue_filled = (~missing_mask(table[amount])).sum()
    candidates = [
        name
        for name in table.columns
        if name not in mapped and _REFUND_HEADER.match(normalise_header(name))
    ]
    # "Converted Amount" goes with "Converted Amount Refunded", "Amount" with "Amount
    # Refunded": the same name (and so the same currency) first.
    candidates.sort(
        key=lambda name: (
            not normalise_header(name).startswith(revenue_name),
            normalise_header(name).startswith("converted")
            != revenue_name.startswith("converted"),
        )
    )
    key_name = _order_key(table, mapping) if candidates else None
    run = None
    if key_name is not None:
        key = clean_text(table[key_name])
        run = (key != key.shift()).cumsum().to_numpy()
    for name in candidates:
        parsed = parse_numbers(table[name], decimal=decimal)
        values = parsed.values
        if run is not None:
            # an order's refund on its first line only, or repeated on each of its
            # lines: taken once per order
            first = np.r_[True, run[1:] != run[:-1]]
            orders = int(first.sum())
            repeated = values.groupby(run).nunique(dropna=False).max() == 1
            if int(values[first].notna().sum()) >= 0.9 * orders and (
                values[~first].isna().all() or repeated
            ):
                return str(name), values.where(first)
        if parsed.valid == 0 or parsed.valid < 0.9 * revenue_filled:
            continue
        return str(name), values
    return None


#: Headers of a column naming each line's currency.
_CURRENCY_HEADER = re.compile(
    r"^(?:currency|currency code|curr|ccy|währung|waehrung|devise|monnaie|moneda|valuta)$"
)


def _currency_column(
    table: pd.DataFrame, mapping: Mapping[str, str | None], keep: np.ndarray
) -> tuple[str, list[str]] | None:
    """A column naming each line's currency, and the ISO codes in it (most used first)."""
    mapped = {c for c in mapping.values() if c}
    for name in table.columns:
        column = table[name]
        if column.dtype != "str" or name in mapped:
            continue
        if not _CURRENCY_HEADER.match(normalise_header(name)):
            continue
        codes = column[keep].str.strip().str.upper().value_counts()
        known = [c for c in codes.index if c in CURRENCY_CODES]
        if known and codes[known].sum() >= 0.9 * codes.sum():
            return str(name), [("CNY" if c == "RMB" else c) for c in known]
    return None


FOOTER_REASON = "note or footer below the data (no amount)"
UNPAID_REASON = "failed, declined or cancelled payment (no money came in)"
#: Headers of the column that says whether a payment or order went through.
_STATUS_HEADER = re.compile(
    # "Status", "Financial Status", "Order Payment Status (Shop)", "Bestellstatus" …,
    # but not the status of shipping, fulfilment or a line item
    r"^(?!.*(?:fulfil|ship|deliver|versand|liefer|livraison|envio|line|item|artikel|"
    r"position|stock|lager|inventory|customer|kunde|billing|address))"
    r"(?:(?:[a-z]+ ){0,2}(?:status|state)|[a-z]*status|statut(?: [a-z ]+)?|"
    r"estado(?: [a-z ]+)?)(?: [a-z]+){0,2}$"
)
#: Headers of a column holding when an order was cancelled (Shopify's "Cancelled at").
_CANCELLED_AT = re.compile(
    r"^(?:cancell?ed at|cancell?ed date|date cancell?ed|storniert am)$"
)
#: Statuses of payments that did not go through (RE2, whole value).
_UNPAID_STATUS = (
    r"(?i)^\s*(?:failed|failure|declined|denied|rejected|blocked|void|voided|expired|"
    r"cancell?ed|abandoned|incomplete|requires_payment_method|payment failed|"
    r"fehlgeschlagen|abgelehnt|storniert|abgebrochen|échoué|echoue|refusé|refuse|"
    r"annulé|annule|fallido|rechazado|cancelado)\s*$"
)


def _transfer_rows(
    table: pd.DataFrame, mapping: Mapping[str, str | None]
) -> np.ndarray:
    """Lines of a payment export that move money to or from the bank (payouts,
    withdrawals, transfers), named as such in a Type column: not sales."""
    return _rows_saying(table, mapping, _TYPE_HEADER, _TRANSFER_KIND)


def _unpaid_rows(
    table: pd.DataFrame, mapping: Mapping[str, str | None], revenue: pd.Series
) -> np.ndarray:
    """Positive lines whose Status column says the payment failed or the order was
    cancelled before it was paid: no money came in. Negative lines with such a status
    are kept (they undo an earlier sale, so totals stay net)."""
    failed = _rows_saying(table, mapping, _STATUS_HEADER, _UNPAID_STATUS)
    for name in table.columns:
        if _CANCELLED_AT.match(normalise_header(name)):
            failed |= (~missing_mask(table[name])).to_numpy()
    key_name = _order_key(table, mapping)
    if key_name is not None and failed.any():
        # the status is often written on an order's first line only
        key = clean_text(table[key_name])
        run = (key != key.shift()).cumsum().to_numpy()
        failed = pd.Series(failed).groupby(run).transform("any").to_numpy()
    return failed & (revenue > 0).to_numpy()


def _rows_saying(
    table: pd.DataFrame,
    mapping: Mapping[str, str | None],
    header: re.Pattern[str],
    values: str,
) -> np.ndarray:
    """Rows whose value in a text column with a ``header``-matching name fits ``values``."""
    out = np.zeros(len(table), dtype=bool)
    for name in table.columns:
        column = table[name]
        if column.dtype != "str" or not header.match(normalise_header(name)):
            continue
        if name in (mapping[SKU], mapping[CUSTOMER]):
            continue
        hit = pc.match_substring_regex(column.array.__arrow_array__(), values)
        out |= np.asarray(
            pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool
        )
    return out


def _negatives(frame: pd.DataFrame) -> dict[str, int]:
    """Counts of negative lines.

    ``returns_or_cancellations``: lines with negative revenue, or a negative quantity with
    a non-zero amount; ``stock_adjustments``: a negative quantity with a zero amount (they
    move stock, not money).
    """
    revenue = frame[REVENUE]
    quantity = frame[QUANTITY]
    neg_rev = revenue < 0
    neg_qty = quantity < 0
    return {
        "returns_or_cancellations": int((neg_rev | (neg_qty & (revenue != 0))).sum()),
        "stock_adjustments": int((neg_qty & (revenue == 0)).sum()),
        "negative_revenue": int(neg_rev.sum()),
        "negative_quantity": int(neg_qty.sum()),
        "negative_profit": int((frame[PROFIT] < 0).sum()),
    }


def _date_range(frame: pd.DataFrame) -> list[str] | None:
    dates = frame[DATE].dropna()
    if dates.empty:
        return None
    return [dates.min().strftime("%Y-%m-%d"), dates.max().strftime("%Y-%m-%d")]


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
