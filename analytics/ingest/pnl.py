"""Profit-and-loss statements (line items down the side) turned into canonical rows.

Accounting tools (Xero, QuickBooks, Sage, FreeAgent, Excel templates) export a "Profit
and Loss" report: a label column of line items grouped into sections, and either one
amount column or one column per period (months across the top, often with a Total).

Recognition: a label column in which at least two statement anchors appear (``Total
Income``, ``Gross Profit``, ``Net Profit``, ``Cost of Sales``, ``Total Expenses`` …), or
one anchor under a "Profit and Loss" / "Income Statement" title.

Mapping, per period column (a header that reads as a month/date/quarter/year; ``Total``
/ ``YTD`` columns are ignored when period columns exist, otherwise the single amount
column is one period dated from the title, e.g. "For the year ended 31 December 2024"):

* **revenue** = sum of the line items in income sections (``Income``, ``Revenue``,
  ``Sales``, ``Trading Income``, ``Other Income``);
* **cost** = sum of the line items in cost-of-sales sections (``Cost of Sales``, ``Cost of
  Goods Sold``, ``Direct Costs``) and expense sections (``Expenses``, ``Operating
  Expenses``, ``Overheads``, ``Administrative Expenses``, ``Tax``); line items after
  ``Gross Profit`` without a new section header count as expenses;
* **profit** = the ``Net Profit`` / ``Net Income`` / ``Net Loss`` line when present,
  otherwise revenue − cost.

Returns, discounts and allowances under income are taken off revenue. Months written
without a year (``JAN … DEC``) take the year of the title or sheet name (else the current
year, stated); months after the last one filled in are not periods. When every total
line reads 0 (formulas saved without results) totals are recomputed from the line items.
Workbook templates with an income sheet and an expense sheet (and a summary, used to
cross-check net income) are read as one statement by :func:`read_workbook_statement`.

Subtotal and total lines (``Total …``, ``Gross Profit``, ``Operating Profit``, ``Net
Profit`` …) are never added to revenue or cost; a section that only has its total line
(no line items) uses that total once. Expenses shown as negative numbers are turned
positive (checked against the net profit line when there is one). One canonical row per
period results (``source_row`` = the header row of the statement).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.errors import IngestError
from analytics.ingest.number_parsing import parse_numbers
from analytics.ingest.parsing import clean_text
from analytics.ingest.pnl_periods import title_period, undated_months
from analytics.ingest.result import IngestResult
from analytics.ingest.wide import period_of
from analytics.schema import COST, DATE, PROFIT, REVENUE, SOURCE_ROW, conform_canonical

MAX_ROWS = 2000
LABEL = "Line item"

INCOME_SECTION = re.compile(
    r"^(?:trading |operating |other |total operating |sales )?(?:income|revenue|revenues|sales|turnover)"
    r"(?: from \w+)?$|^income from .*|^other income.*|^(?:umsatzerlose|ertrage|ingresos)$"
)
_COST_SECTION = re.compile(
    r"^(?:less )?(?:cost of (?:sales|goods sold|revenue|goods)|cogs|direct costs?|cost of sales and services)$"
)
_EXPENSE_SECTION = re.compile(
    r"^(?:less )?(?:operating |administrative |general and administrative |other |overhead |"
    r"selling |finance |non operating )?(?:expenses|expenditure|overheads|costs)$|^(?:income )?tax(?:es)?$|"
    r"^(?:aufwendungen|gastos)$"
)
NET_PROFIT = re.compile(
    r"^(?:total )?net (?:profit|income|loss|earnings|profit loss|profit or loss|income loss|"
    r"operating profit|result)(?: after tax(?:es)?| for the (?:year|period))?$|^(?:profit|loss|profit loss) for the (?:year|period)$"
)
_SUBTOTAL = re.compile(
    r"^total\b|^(?:gross|operating|net operating|trading) (?:profit|loss|margin|income|profit loss)\b|"
    r"^ebitda?$|^ebit$|^(?:profit|loss|earnings) before\b|^net\b.*\b(?:profit|income|loss)\b|^subtotal\b"
)
_ANCHORS = re.compile(
    r"^(?:total (?:income|revenue|revenues|sales|trading income|operating income|cost of sales|"
    r"cost of goods sold|expenses|operating expenses|overheads|other income|direct costs)|gross profit|"
    r"gross margin|net profit|net income|net loss|operating profit|cost of sales|cost of goods sold|"
    r"operating expenses|net operating income)$"
)
_TITLE = re.compile(
    r"profit (?:and|&) loss|income statement|p ?& ?l\b|statement of (?:comprehensive )?income|profit loss"
)
TOTAL_COLUMN = re.compile(
    r"^(?:total|totals|ytd|year to date|amount|balance|sum|grand total|full year|fy)\b",
    re.I,
)

CONTRA = re.compile(
    r"^(?:less )?(?:sales )?(?:returns?|discounts?|allowances?|refunds?|rebates?)"
    r"(?: and (?:allowances|discounts|returns))?$"
)


@dataclass
class Statement:
    """A recognised statement: its table (label + period columns) and how to read it."""

    table: pd.DataFrame
    row_numbers: np.ndarray
    header_row: int | None
    decimal: str
    info: dict[str, Any] = field(default_factory=dict)


def norm_label(label: Any) -> str:
    """A line-item label lower-cased, ``&`` as "and", punctuation and spaces collapsed."""
    text = str(label).lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


def _labels(cells: pd.DataFrame, col: int) -> pd.Series:
    return clean_text(
        cells.iloc[:, col].astype("str").where(cells.iloc[:, col].notna())
    )


def read_statement(grid: Any) -> Statement | None:
    """Recognise a profit-and-loss layout in ``grid`` (a readers.Grid); None when it is not one."""
    cells = grid.cells
    if cells.empty or len(cells) > MAX_ROWS or cells.shape[1] < 2:
        return None
    label_col = None
    for col in range(min(3, cells.shape[1])):
        labels = _labels(cells, col)
        norms = labels.dropna().map(norm_label)
        anchors = int(norms.str.match(_ANCHORS).sum())
        if anchors >= 1:
            label_col = col
            break
    if label_col is None:
        return None
    labels = _labels(cells, label_col)
    norms = labels.map(norm_label, na_action="ignore")
    anchors = set(
        norms.dropna()[norms.dropna().str.match(_ANCHORS)].str.extract(r"^(\w+ ?\w*)")[
            0
        ]
    )
    title_text = " ".join(
        norm_label(v)
        for v in cells.iloc[:8].to_numpy().ravel()
        if v is not None and not (isinstance(v, float) and np.isnan(v))
    )
    if len(anchors) < 2 and not (anchors and _TITLE.search(title_text)):
        return None
    amounts = _amount_block(cells, label_col)
    if amounts is None:
        return None
    first_item, value_cols = amounts
    other_cols = [
        c for c in range(cells.shape[1]) if c != label_col and c not in value_cols
    ]
    if other_cols:
        body = cells.iloc[first_item:, other_cols]
        texty = body.notna().any(axis=1).mean()
        if texty > 0.2:
            return None
    header = _header_row(cells, label_col, value_cols, first_item)
    names, periods, totals = _period_columns(cells, header, value_cols, title_text)
    undated = undated_months(names, title_text, str(grid.read.get("sheet") or ""))
    notes: list[str] = []
    if undated is not None:
        periods, totals, notes = undated
    if not periods:
        return None
    if undated is None and len(periods) == 1:
        ((name, start),) = periods.items()
        if start and period_of(name) is None:
            notes.append(f"The statement's period starts {start}, read from its title.")
    body_rows = [
        i for i in range(first_item, len(cells))
        if labels.iloc[i] is not None and not pd.isna(labels.iloc[i])
    ]  # fmt: skip
    table = pd.DataFrame(
        {LABEL: labels.iloc[body_rows].astype("str").reset_index(drop=True)}
    )
    decimal = "."
    for col, name in zip(value_cols, names, strict=True):
        values = cells.iloc[body_rows, col].reset_index(drop=True)
        if values.dtype.kind not in "fiu":
            values = values.astype("str").where(values.notna())
        parsed = parse_numbers(values)
        if parsed.decimal == ",":
            decimal = ","
        table[name] = parsed.values.to_numpy()
    row_numbers = grid.row_numbers[body_rows]
    header_row = int(grid.row_numbers[header]) if header is not None else None
    if undated is not None:
        periods, ended = _drop_empty_months(table, periods)
        if ended:
            notes.append(ended)
    info = {
        "label": LABEL,
        "periods": periods,
        "ignored_columns": totals,
        "title": title_text[:200],
        "notes": notes,
    }
    return Statement(table, row_numbers, header_row, decimal, info)


def _drop_empty_months(
    table: pd.DataFrame, periods: dict[str, str]
) -> tuple[dict[str, str], str | None]:
    """Months after the last one with any line item filled in are not periods."""
    names = [n for n in periods if n in table.columns]
    labels = table[LABEL].astype("str")
    values = table[names].astype("float64")
    kinds = classify_lines(labels, values.notna().any(axis=1).to_numpy())
    items = values[kinds.isin(["income", "cost", "contra"]).to_numpy()]
    filled = [n for n in names if bool((items[n].fillna(0.0) != 0.0).any())]
    if not filled or filled[-1] == names[-1]:
        return periods, None
    keep = names[: names.index(filled[-1]) + 1]
    return (
        {n: periods[n] for n in keep},
        f"The months after {keep[-1]} are empty (not yet filled in), so the series "
        "ends there; they are not counted as zero months.",
    )


def _amount_block(cells: pd.DataFrame, label_col: int) -> tuple[int, list[int]] | None:
    """First row holding line-item amounts, and the columns that hold amounts."""
    numeric = {}
    for col in range(label_col + 1, cells.shape[1]):
        values = cells.iloc[:, col]
        if values.dtype.kind in "fiu":
            numeric[col] = values.notna().to_numpy()
        else:
            parsed = parse_numbers(values.astype("str").where(values.notna()))
            numeric[col] = parsed.values.notna().to_numpy()
    cols = [c for c, m in numeric.items() if m.sum() >= 2]
    if not cols:
        return None
    has_amount = np.zeros(len(cells), dtype=bool)
    for c in cols:
        has_amount |= numeric[c]
    labels = _labels(cells, label_col).notna().to_numpy()
    rows = np.flatnonzero(has_amount & labels)
    if rows.size == 0:
        return None
    first = int(rows[0])
    # a section header ("Income") right above the first amount belongs to the body
    while first > 0 and labels[first - 1] and not has_amount[first - 1]:
        above = norm_label(cells.iat[first - 1, label_col])
        if (
            INCOME_SECTION.match(above)
            or _COST_SECTION.match(above)
            or _EXPENSE_SECTION.match(above)
        ):
            first -= 1
        else:
            break
    return first, cols


def _header_row(
    cells: pd.DataFrame, label_col: int, value_cols: list[int], first: int
) -> int | None:
    for row in range(first - 1, -1, -1):
        values = [cells.iat[row, c] for c in value_cols]
        if (
            sum(
                v is not None and not (isinstance(v, float) and np.isnan(v))
                for v in values
            )
            >= 1
        ):
            return row
    return None


def _period_columns(
    cells: pd.DataFrame, header: int | None, value_cols: list[int], title: str
) -> tuple[list[str], dict[str, str], list[str]]:
    names: list[str] = []
    periods: dict[str, str] = {}
    totals: list[str] = []
    raw = [cells.iat[header, c] if header is not None else None for c in value_cols]
    for i, value in enumerate(raw):
        name = (
            " ".join(str(value).split())
            if value is not None and not pd.isna(value)
            else f"Amount {i + 1}"
        )
        if hasattr(value, "strftime"):
            name = value.strftime("%Y-%m-%d")
        if isinstance(value, float) and value.is_integer():
            name = str(int(value))
        while name in names or name == LABEL:
            name += " (2)"
        names.append(name)
        period = None if TOTAL_COLUMN.match(name) else period_of(value)
        if period is not None:
            periods[name] = period.strftime("%Y-%m-%d")
        else:
            totals.append(name)
    if not periods:
        if len(value_cols) != 1 and not totals:
            return names, {}, []
        # one amount column (or only total columns): one period dated from the title
        date = title_period(title)
        chosen = (
            names[0]
            if len(names) == 1
            else next((n for n in names if re.match(r"(?i)^total", n)), names[0])
        )
        periods = {chosen: date}
        totals = [n for n in names if n != chosen]
    return names, periods, totals


_NET_SALES = re.compile(r"^(?:total )?net (?:sales|revenue|revenues|turnover)$")


def classify_lines(labels: pd.Series, has_amount: np.ndarray) -> pd.Series:
    """Each line's kind: ``income``, ``contra`` (returns, discounts or allowances taken
    off income), ``cost``, ``net_profit``, ``subtotal``, ``header`` or ``other``."""
    kinds = []
    section: str | None = None
    for label, amount in zip(labels.map(norm_label), has_amount, strict=True):
        if NET_PROFIT.match(label):
            kinds.append("net_profit" if amount else "header")
            continue
        if not amount:
            if INCOME_SECTION.match(label):
                section = "income"
            elif _COST_SECTION.match(label) or _EXPENSE_SECTION.match(label):
                section = "cost"
            kinds.append("header")
            continue
        if _SUBTOTAL.match(label) or _NET_SALES.match(label):
            kinds.append("subtotal")
            if re.match(r"^(?:gross|operating|trading) (?:profit|loss|margin)", label):
                section = "cost"
            continue
        if _COST_SECTION.match(label):
            # a cost-of-sales line under income (templates: Sales, Returns, COGS)
            section = "cost"
            kinds.append("cost")
            continue
        if section in (None, "income") and CONTRA.match(label):
            kinds.append("contra")
            continue
        if section is None:
            if INCOME_SECTION.match(label) or re.search(
                r"\b(sales|revenue|income|turnover)\b", label
            ):
                kinds.append("income")
                continue
            if re.search(r"\b(cost|costs|expense|expenses|cogs|purchases)\b", label):
                kinds.append("cost")
                continue
            kinds.append("other")
            continue
        kinds.append(section)
    return pd.Series(kinds, index=labels.index, dtype="str")


def _cost_of_sales_lines(labels: pd.Series, kinds: pd.Series) -> np.ndarray:
    """Cost lines that sit in a cost-of-sales section (the rest are expenses)."""
    out = np.zeros(len(labels), dtype=bool)
    in_cogs = False
    for i, (label, kind) in enumerate(zip(labels.map(norm_label), kinds, strict=True)):
        if kind == "header":
            if _COST_SECTION.match(label):
                in_cogs = True
            elif _EXPENSE_SECTION.match(label) or INCOME_SECTION.match(label):
                in_cogs = False
        elif kind == "subtotal":
            if re.match(r"^(?:gross|operating|trading) (?:profit|loss|margin)", label):
                in_cogs = False
        elif kind == "cost":
            out[i] = in_cogs or bool(_COST_SECTION.match(label))
    return out


def _section_totals(
    labels: pd.Series, values: pd.DataFrame, kinds: pd.Series
) -> dict[str, pd.Series]:
    norms = labels.map(norm_label)
    out = {}
    for key, pattern in (
        (
            "income",
            r"^total (?:trading |operating |other )?(?:income|revenue|revenues|sales|turnover)$"
            r"|^(?:total )?net (?:sales|revenue|revenues|turnover)$",
        ),
        (
            "cost",
            r"^total (?:cost of (?:sales|goods sold|revenue)|direct costs|(?:operating |administrative )?expenses|overheads)$",
        ),
    ):
        mask = norms.str.match(pattern) & (kinds == "subtotal")
        if bool(mask.any()):
            out[key] = values[mask.to_numpy()].sum()
    return out


def rebuild_statement(table: pd.DataFrame, read: dict[str, Any]) -> IngestResult:
    """Canonical rows (one per period) and report for a statement table (see module docs)."""
    info = read.get("statement") or {}
    label_col = info.get("label", LABEL)
    periods: dict[str, str | None] = info.get("periods") or {}
    if label_col not in table.columns or not periods:
        raise IngestError(
            "This profit and loss statement has no amount columns the app can read."
        )
    labels = table[label_col].astype("str")
    value_names = [c for c in periods if c in table.columns]
    values = table[value_names].astype("float64")
    has_amount = values.notna().any(axis=1).to_numpy()
    kinds = classify_lines(labels, has_amount)
    revenue = values[(kinds == "income").to_numpy()].sum()
    contra = values[(kinds == "contra").to_numpy()].abs().sum()
    revenue = revenue - contra
    cost_lines = values[(kinds == "cost").to_numpy()]
    cost = cost_lines.sum()
    totals = _section_totals(labels, values, kinds)
    assumptions: list[str] = []
    if bool((kinds == "contra").any()):
        assumptions.append(
            "Revenue is net of "
            + ", ".join(labels[(kinds == "contra").to_numpy()].tolist())
            + " (taken off income, whatever their sign in the file)."
        )
    if not bool((kinds == "income").any()) and "income" in totals:
        revenue = totals["income"]
        assumptions.append(
            "The statement has no income line items; used its Total Income line."
        )
    if not bool((kinds == "cost").any()) and "cost" in totals:
        cost = totals["cost"]
        norms = labels.map(norm_label)
        subtotal = (kinds == "subtotal").to_numpy()
        gross = subtotal & norms.str.match(r"^gross (?:profit|margin)$").to_numpy()
        cogs_total = (
            subtotal
            & norms.str.match(
                r"^total (?:cost of (?:sales|goods sold|revenue)|direct costs)$"
            ).to_numpy()
        )
        if gross.any() and not cogs_total.any():
            # a summary: net sales, gross profit, total expenses → cost of sales is
            # net sales − gross profit
            cost = cost + (revenue - values[gross].sum())
            assumptions.append(
                "The statement has only totals; cost of sales is revenue − gross profit, "
                "added to the total expenses."
            )
    net_mask = (kinds == "net_profit").to_numpy()
    net = values[net_mask].iloc[-1] if net_mask.any() else None
    stated = values[((kinds == "subtotal") | (kinds == "net_profit")).to_numpy()]
    if (
        len(stated)
        and bool((stated.fillna(0.0) == 0.0).all().all())
        and float((revenue - cost).abs().max()) > 0.01
    ):
        # totals written as formulas and saved without their results (or never
        # recalculated) read 0: the line items are the statement
        net = None
        assumptions.append(
            "Every total line of the statement reads 0 (formulas saved without their "
            "results); revenue, costs and profit were recomputed from the line items."
        )
    negative_costs = bool(len(cost_lines)) and bool(
        (cost_lines.sum(axis=1) < 0).mean() > 0.5
    )
    if net is not None:
        flipped = ((revenue + cost) - net).abs().sum() < (
            (revenue - cost) - net
        ).abs().sum()
        negative_costs = bool(flipped)
    if negative_costs:
        cost = -cost
        assumptions.append(
            "Expenses are shown as negative numbers in the statement; used them as costs."
        )
    profit = net if net is not None else revenue - cost
    if net is not None and float(((revenue - cost) - net).abs().max()) > 0.01:
        assumptions.append(
            "Net profit in the statement differs from income minus costs (other items such "
            "as tax or interest); profit is the statement's net profit line."
        )
    dates = pd.Series([periods[c] for c in value_names], dtype="str")
    date_values = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce")
    header_row = read.get("header_row") or 1
    frame = conform_canonical(
        pd.DataFrame(
            {
                SOURCE_ROW: np.full(len(value_names), int(header_row), dtype="int64"),
                DATE: date_values.to_numpy(),
                REVENUE: revenue.to_numpy(dtype="float64"),
                COST: cost.to_numpy(dtype="float64"),
                PROFIT: pd.Series(profit).to_numpy(dtype="float64"),
            }
        )
    )
    income_names = labels[(kinds == "income").to_numpy()].tolist()
    cost_names = labels[(kinds == "cost").to_numpy()].tolist()
    subtotal_names = labels[(kinds == "subtotal").to_numpy()].tolist()
    assumptions.insert(
        0,
        f"Read a profit and loss statement with {len(value_names)} period(s): revenue is the "
        f"sum of {len(income_names)} income line(s), cost the sum of {len(cost_names)} cost "
        "and expense line(s), profit "
        + ("the net profit line" if net is not None else "revenue − cost")
        + (
            f"; subtotal lines ({', '.join(subtotal_names[:4])}) were not added again."
            if subtotal_names
            else "."
        ),
    )
    warnings = []
    check = info.get("net_income_check") or {}
    stated_profit = pd.Series(profit, index=value_names)
    off = {
        name: (net_stated, float(stated_profit[name]))
        for name, net_stated in check.items()
        if name in stated_profit.index
        and abs(net_stated - float(stated_profit[name])) > 0.01
    }
    if off:
        sample = "; ".join(
            f"{name}: summary {a:,.2f}, lines {b:,.2f}"
            for name, (a, b) in list(off.items())[:4]
        )
        warnings.append(
            f"The net income on '{info.get('summary_sheet')}' differs from income − costs "
            f"of the line items in {len(off)} month(s) ({sample}); the line items are used."
        )
    elif check:
        assumptions.append(
            f"Net income on '{info.get('summary_sheet')}' matches income − costs of the "
            "line items in every month it gives."
        )
    if frame[DATE].isna().all():
        warnings.append(
            "The statement does not say which period it covers, so it cannot be shown over time."
        )
    other = labels[(kinds == "other").to_numpy()].tolist()
    if other:
        warnings.append(
            "Some lines are outside any income or expense section and were not counted: "
            + ", ".join(other[:5])
            + "."
        )
    cogs = values[_cost_of_sales_lines(labels, kinds)].sum()
    figures = {
        "revenue": revenue,
        "cost_of_sales": cogs,
        "gross_profit": revenue - cogs,
        "operating_expenses": cost - cogs,
        "net_profit": pd.Series(profit, index=value_names),
    }
    report = {
        "read": dict(read),
        "rows_read": int(len(table)),
        "rows_used": int(len(table)),
        "set_aside": [],
        "roles": [],
        "assumptions": [
            *read.get("notes", []),
            *info.get("notes", []),
            *assumptions,
        ],
        "duplicates": {"count": 0, "rows": [], "dropped": False},
        "negatives": {
            "returns_or_cancellations": 0,
            "stock_adjustments": 0,
            "negative_revenue": int((frame[REVENUE] < 0).sum()),
            "negative_quantity": 0,
            "negative_profit": int((frame[PROFIT] < 0).sum()),
        },
        "currency": None,
        "date_range": None
        if frame[DATE].dropna().empty
        else [
            frame[DATE].min().strftime("%Y-%m-%d"),
            frame[DATE].max().strftime("%Y-%m-%d"),
        ],
        "layout": "profit_and_loss",
        "statement": {
            "income_lines": income_names,
            "cost_lines": cost_names,
            "subtotal_lines": subtotal_names,
            "periods": {k: v for k, v in periods.items() if k in value_names},
            "figures": {
                key: [round(float(v), 2) for v in series.to_numpy(dtype="float64")]
                for key, series in figures.items()
            },
        },
    }
    empty = {
        r: None
        for r in (
            "date",
            "revenue",
            "cost",
            "profit",
            "sku",
            "quantity",
            "unit_price",
            "category",
            "customer",
        )
    }
    return IngestResult(
        frame=frame,
        table=table,
        mapping=empty,
        confidence={},
        report=report,
        warnings=warnings,
    )
