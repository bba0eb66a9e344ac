"""Workbook statements: a template of monthly income and expense sheets read as one
profit-and-loss statement (:func:`read_workbook_statement`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.ingest.number_parsing import parse_numbers
from analytics.ingest.pnl import (
    CONTRA,
    INCOME_SECTION,
    LABEL,
    MAX_ROWS,
    NET_PROFIT,
    TOTAL_COLUMN,
    Statement,
    classify_lines,
    norm_label,
)
from analytics.ingest.wide import YEAR_TEXT, month_of

# --------------------------------------------------------------- workbook statements

_INCOME_SHEET = re.compile(r"\b(income|revenue|revenues|sales|turnover)\b")
_EXPENSE_SHEET = re.compile(
    r"\b(expense|expenses|expenditure|costs|overheads?|operating|operation|operations)\b"
)
_SUMMARY_SHEET = re.compile(r"\b(summary|overview|profit|p and l|pnl|pl)\b")
#: Most statement sheets a workbook template has (summary, income, expenses, …).
_MAX_STATEMENT_SHEETS = 6


@dataclass
class _MonthSheet:
    """One sheet's line items by month (accounts down, months across)."""

    name: str
    labels: list[str]
    values: np.ndarray  # lines × 12 (NaN when empty)
    rows: np.ndarray  # source row (or column) number of each line
    years: set[int]
    ignored: list[str]
    title: str
    header_row: int
    transposed: bool


def _month_header(
    cells: pd.DataFrame,
) -> tuple[int, dict[int, tuple[int, int | None]]] | None:
    """The row holding at least three month headers, and column → (month, year)."""
    for row in range(min(len(cells), 40)):
        months = {}
        for col in range(cells.shape[1]):
            month = month_of(cells.iat[row, col])
            if month is not None:
                months[col] = month
        if len(months) >= 3 and len({m for m, _ in months.values()}) == len(months):
            return row, months
    return None


def _month_sheet(name: str, cells: pd.DataFrame) -> _MonthSheet | None:
    """Read a sheet with months across (or down: read transposed) and line items."""
    transposed = False
    top = cells.iloc[:6].to_numpy().ravel()
    title = " ".join(
        " ".join(str(v).split())
        for v in top
        if isinstance(v, str) and v.strip() and month_of(v) is None
    )
    found = _month_header(cells)
    if found is None and cells.shape[0] >= 3:
        flipped = cells.T.reset_index(drop=True)
        flipped.columns = range(flipped.shape[1])
        found = _month_header(flipped)
        if found is not None:
            cells, transposed = flipped, True
    if found is None:
        return None
    header, months = found
    first = min(months)
    label_col = None
    best = 0
    for col in range(first):
        below = cells.iloc[header + 1 :, col]
        texty = below.map(lambda v: isinstance(v, str) and bool(v.strip())).sum()
        if texty > best:
            label_col, best = col, int(texty)
    if label_col is None or best < 2:
        return None
    ignored = []
    for col in range(first, cells.shape[1]):
        value = cells.iat[header, col]
        if (
            col not in months
            and isinstance(value, str)
            and TOTAL_COLUMN.match(value.strip())
        ):
            ignored.append(" ".join(value.split()))
    labels: list[str] = []
    rows: list[int] = []
    block: list[np.ndarray] = []
    for row in range(header + 1, len(cells)):
        label = cells.iat[row, label_col]
        if not isinstance(label, str) or not label.strip():
            continue
        line = np.full(12, np.nan)
        for col, (month, _) in months.items():
            line[month - 1] = _cell_number(cells.iat[row, col])
        labels.append(" ".join(label.split()))
        rows.append(row + 1)
        block.append(line)
    if len(labels) < 2:
        return None
    years = {y for _, y in months.values() if y}
    header_row = header + 1
    if transposed:
        # lines are columns of the sheet: they all come from the row naming the accounts
        header_row = label_col + 1
        rows = [header_row] * len(rows)
    return _MonthSheet(
        name, labels, np.vstack(block), np.asarray(rows, dtype="int64"), years,
        ignored, title, header_row, transposed,
    )  # fmt: skip


def _cell_number(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    parsed = parse_numbers(pd.Series([str(value)], dtype="str"))
    return float(parsed.values.iloc[0])


def _sheet_kind(sheet: _MonthSheet) -> str | None:
    name = norm_label(sheet.name)
    if _SUMMARY_SHEET.search(name) and not _INCOME_SHEET.search(name):
        return "summary"
    if _INCOME_SHEET.search(name) and not _EXPENSE_SHEET.search(name):
        return "income"
    if _EXPENSE_SHEET.search(name):
        return "expense"
    labels = [norm_label(label) for label in sheet.labels]
    if any(NET_PROFIT.match(label) for label in labels):
        return "summary"
    income = sum(bool(INCOME_SECTION.match(lb) or CONTRA.match(lb)) for lb in labels)
    return "income" if income >= 2 else None


def _statement_year(
    sheets: list[_MonthSheet], names: list[str], filename: str
) -> tuple[int, str]:
    """The year of month headers that have none: from a title, a sheet name or the file
    name, else the current year; with the sentence saying where it came from."""
    for sheet in sheets:
        if sheet.years:
            return max(sheet.years), f"the month headers of '{sheet.name}'"
    for sheet in sheets:
        found = YEAR_TEXT.search(sheet.title)
        if found:
            return int(found.group(1)), f"the title of '{sheet.name}'"
    for name in names:
        found = YEAR_TEXT.search(name)
        if found:
            return int(found.group(1)), f"the sheet name '{name}'"
    found = YEAR_TEXT.search(filename or "")
    if found:
        return int(found.group(1)), f"the file name '{filename}'"
    year = pd.Timestamp.now().year
    return year, "no title, sheet name or file name, so the current year is assumed"


def read_workbook_statement(
    workbook: dict[str, Any], filename: str = ""
) -> Statement | None:
    """A profit-and-loss workbook template (a summary sheet, an income sheet and an
    expenses sheet, months across as ``JAN … DEC`` without a year) as one statement.

    Income-sheet lines give revenue (returns, discounts and allowances taken off), cost
    of sales lines and the expense sheet give costs; the summary sheet is only used to
    cross-check net income. ``YTD``/``Total``/``FY`` columns are never periods; months
    after the last month with any line item are not periods. None when the workbook is
    not such a template (fewer than an income and an expense or summary sheet).
    """
    names = list(workbook)
    if not 2 <= len(names) <= 3 * _MAX_STATEMENT_SHEETS:
        return None
    sheets = []
    for name in names:
        grid = workbook[name]
        if grid.cells.empty or len(grid.cells) > MAX_ROWS:
            continue
        sheet = _month_sheet(name, grid.cells)
        if sheet is not None:
            sheets.append(sheet)
    kinds = {s.name: _sheet_kind(s) for s in sheets}
    income = [s for s in sheets if kinds[s.name] == "income"]
    expense = [s for s in sheets if kinds[s.name] == "expense"]
    summary = [s for s in sheets if kinds[s.name] == "summary"]
    if not income or not (expense or summary) or len(sheets) > _MAX_STATEMENT_SHEETS:
        return None
    parts = [*income, *expense]
    year, source = _statement_year(sheets, names, filename)
    labels: list[str] = []
    blocks: list[np.ndarray] = []
    rows: list[int] = []
    for sheet, header in [(s, "Income") for s in income] + [
        (s, "Expenses") for s in expense
    ]:
        labels.append(header)
        blocks.append(np.full(12, np.nan))
        rows.append(sheet.header_row)
        labels.extend(sheet.labels)
        blocks.append(sheet.values)
        rows.extend(sheet.rows.tolist())
    values = np.vstack([b.reshape(-1, 12) for b in blocks])
    kinds_of_lines = classify_lines(
        pd.Series(labels, dtype="str"), ~np.isnan(values).all(axis=1)
    )
    items = kinds_of_lines.isin(["income", "cost", "contra"]).to_numpy()
    filled = np.flatnonzero((np.nan_to_num(values[items]) != 0).any(axis=0))
    if filled.size == 0:
        return None
    last = int(filled[-1])
    month_names = [
        pd.Timestamp(year, m + 1, 1).strftime("%b %Y") for m in range(last + 1)
    ]
    table = pd.DataFrame({LABEL: pd.Series(labels, dtype="str")})
    for m, column in enumerate(month_names):
        table[column] = values[:, m]
    periods = {
        column: pd.Timestamp(year, m + 1, 1).strftime("%Y-%m-%d")
        for m, column in enumerate(month_names)
    }
    ignored = sorted({c for s in parts for c in s.ignored})
    check: dict[str, float] = {}
    if summary:
        s = summary[0]
        for label, line in zip(s.labels, s.values, strict=True):
            if NET_PROFIT.match(norm_label(label)):
                check = {
                    month_names[m]: float(line[m])
                    for m in range(last + 1)
                    if not np.isnan(line[m])
                }
    undated = not any(s.years for s in sheets)
    notes = [
        "Read the workbook as one profit and loss statement: "
        + " + ".join(f"'{s.name}'" for s in parts)
        + (f" (net income checked against '{summary[0].name}')" if summary else "")
        + "; expense-sheet lines are costs, never revenue.",
    ]
    if undated:
        notes.append(f"The months have no year; used {year}, found in {source}.")
    if last < 11:
        notes.append(
            f"The months after {month_names[-1]} are empty (not yet filled in), so the "
            "series ends there; they are not counted as zero months."
        )
    if any(s.transposed for s in parts):
        notes.append("Months run down the rows; read the statement transposed.")
    info = {
        "label": LABEL,
        "periods": periods,
        "ignored_columns": ignored,
        "title": " ".join(s.title for s in sheets)[:200],
        "sheets": [s.name for s in parts],
        "summary_sheet": summary[0].name if summary else None,
        "net_income_check": check,
        "notes": notes,
    }
    return Statement(
        table, np.asarray(rows, dtype="int64"), parts[0].header_row, ".", info
    )
