"""One table and its column mapping → the canonical frame and the quality report.

:func:`build_result` is the last step of :mod:`analytics.ingest.pipeline` (and the whole
of :func:`analytics.ingest.pipeline.rebuild`): parse the mapped columns, derive missing
values, set aside unusable rows by reason, count duplicates and negatives, write the report.
Source row numbers travel as runs (:func:`encode_rows`, :func:`decode_rows`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

import analytics.ingest.ledgers as ledgers
from analytics.dataset_model import extend_frame
from analytics.errors import IngestError
from analytics.ingest.duplicates import duplicate_rows
from analytics.ingest.ledger_lines import classify
from analytics.ingest.number_parsing import NumberParse, parse_numbers
from analytics.ingest.orders import inherit_order_dates, repeated_order_amount
from analytics.ingest.parsing import DateParse, clean_text, missing_mask, parse_dates
from analytics.ingest.payment_columns import (
    TRANSFER_REASON,
    UNPAID_REASON,
    currency_column,
    refund_column,
    transfer_rows,
    unpaid_rows,
)
from analytics.ingest.profiles import ColumnProfile
from analytics.ingest.ratios import profit_from_ratio
from analytics.ingest.result import IngestResult
from analytics.ingest.roles import NUMERIC_ROLES, TEXT_ROLES, role_label
from analytics.schema import (
    COST,
    DATE,
    PROFIT,
    QUANTITY,
    REVENUE,
    ROLES,
    SOURCE_ROW,
    UNIT_PRICE,
    conform_canonical,
)

_EXAMPLE_ROWS = 10

FOOTER_REASON = "note or footer below the data (no amount)"


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


def build_result(
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
    """The canonical frame and quality report of ``table`` read with ``mapping``.

    Parses the mapped columns, derives missing values, sets rows aside by reason, counts
    duplicates and negatives and writes the report (see :mod:`analytics.ingest.pipeline`).
    ``detected`` is true when the mapping was detected rather than chosen by the user.
    """
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
        inherited = inherit_order_dates(table, data[DATE], mapping)
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
        key = repeated_order_amount(table, mapping, data)
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
        else refund_column(table, mapping, read.get("decimal") or ".")
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
        transfers = transfer_rows(table, mapping) & ~totals
        unpaid = unpaid_rows(table, mapping, revenue) & ~totals & ~transfers
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
    duplicates = duplicate_rows(
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
    named = currency_column(table, mapping, keep)
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
    return classify(table, layout, decimal=read.get("decimal") or ".")


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
