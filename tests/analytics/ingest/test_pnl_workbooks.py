"""Office-suite profit-and-loss workbook templates read as one statement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ingest import ingest_bytes
from tests.fixtures import shapes

VARIANTS = {
    "formulas, year in title": {},
    "transposed": {"transposed": True},
    "saved values, year in sheet name": {"cached_totals": True, "year_at": "sheet"},
    "year in file name, summary off": {"year_at": "file", "summary_off_by": 100.0},
    "no year, transposed, saved values": {
        "year_at": None,
        "transposed": True,
        "cached_totals": True,
    },
    "another year and fill": {
        "year": 2021,
        "seed": 3,
        "income_months": 5,
        "expense_months": 5,
    },
}


def monthly(case: shapes.TemplateCase) -> pd.DataFrame:
    """Expected revenue, cost and profit per filled month, from the template's inputs."""
    income = {k: np.asarray(v) for k, v in case.income.items()}
    months = len(income["Sales"])
    revenue = (
        income["Sales"]
        - income["Returns"]
        - income["Discounts"]
        + income["Other income"]
    )
    expenses = np.zeros(months)
    for values in case.expenses.values():
        expenses[: len(values)] += np.asarray(values)[:months]
    cost = np.asarray(case.cogs) + expenses
    year = case.year or pd.Timestamp.now().year
    return pd.DataFrame(
        {
            "date": pd.date_range(f"{year}-01-01", periods=months, freq="MS"),
            "revenue": revenue,
            "cost": cost,
            "profit": revenue - cost,
        }
    )


@pytest.mark.parametrize("options", VARIANTS.values(), ids=list(VARIANTS))
def test_template_gives_monthly_revenue_cost_and_profit(options):
    case = shapes.pnl_template(**options)
    result = ingest_bytes(case.data, case.name)
    want = monthly(case)
    frame = result.frame.reset_index(drop=True)
    assert result.report["layout"] == "profit_and_loss"
    assert frame["date"].tolist() == want["date"].tolist()
    for column in ("revenue", "cost", "profit"):
        assert frame[column].to_numpy() == pytest.approx(
            want[column].to_numpy(), abs=0.005
        )
    margin = frame["profit"].sum() / frame["revenue"].sum()
    assert margin == pytest.approx(want["profit"].sum() / want["revenue"].sum())
    assert result.report["date_range"] == [
        f"{want['date'].min():%Y-%m-%d}",
        f"{want['date'].max():%Y-%m-%d}",
    ]
    assert result.report["set_aside"] == []


def test_months_without_a_year_are_stated_with_where_the_year_came_from():
    said = {
        where: " ".join(ingest_bytes(c.data, c.name).report["assumptions"])
        for where, c in (
            ("title", shapes.pnl_template(year_at="title")),
            ("sheet", shapes.pnl_template(year_at="sheet")),
            ("file", shapes.pnl_template(year_at="file")),
            (None, shapes.pnl_template(year_at=None)),
        )
    }
    assert "used 2023, found in the title" in said["title"]
    assert "used 2023, found in the sheet name 'Income 2023'" in said["sheet"]
    assert "found in the file name 'pnl_template_2023.xlsx'" in said["file"]
    assert f"used {pd.Timestamp.now().year}" in said[None]
    assert "current year is assumed" in said[None]


def test_combined_sheets_ytd_and_empty_months_are_stated():
    case = shapes.pnl_template()
    result = ingest_bytes(case.data, case.name)
    said = " ".join(result.report["assumptions"])
    assert "'Income' + 'Operation Expenses'" in said
    assert "expense-sheet lines are costs, never revenue" in said
    assert "months after Aug 2023 are empty" in said
    assert "Returns, Discounts" in said
    assert "YTD" in result.report["read"]["statement"]["ignored_columns"]
    assert len(result.frame) == len(case.income["Sales"])


def test_summary_mismatch_is_reported_and_a_match_is_said():
    off = shapes.pnl_template(summary_off_by=100.0)
    warned = " ".join(ingest_bytes(off.data, off.name).warnings)
    assert "differs from income − costs" in warned and "Jan 2023" in warned
    same = shapes.pnl_template()
    result = ingest_bytes(same.data, same.name)
    assert not any("differs" in w for w in result.warnings)
    assert any("matches income − costs" in a for a in result.report["assumptions"])


def test_saved_values_formulas_and_transposed_read_the_same():
    frames = [
        ingest_bytes(c.data, c.name).frame.reset_index(drop=True)
        for c in (
            shapes.pnl_template(),
            shapes.pnl_template(cached_totals=True),
            shapes.pnl_template(transposed=True),
            shapes.pnl_template(transposed=True, cached_totals=True),
        )
    ]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)


def test_expense_sheet_alone_is_never_revenue():
    case = shapes.pnl_template()
    expense_total = sum(sum(v) for v in case.expenses.values())
    frame = ingest_bytes(case.data, case.name).frame
    assert frame["revenue"].sum() == pytest.approx(monthly(case)["revenue"].sum())
    assert frame["cost"].sum() >= expense_total


@pytest.mark.parametrize("title_year", [2024, None])
def test_single_sheet_with_undated_months_and_ytd(title_year):
    months = shapes.MONTHS
    sales, returns, cogs, rent = (
        [100.0, 200.0, 300.0],
        [10.0, 20.0, 30.0],
        [40.0, 50.0, 60.0],
        [5.0, 5.0, 5.0],
    )

    def line(label, values):
        return [label, *values, *([None] * (12 - len(values))), sum(values)]

    rows = [
        ["COMPANY NAME"],
        [f"Profit and Loss {title_year or 'YEAR'}"],
        [],
        ["", *months, "YTD"],
        ["Income"],
        line("Sales", sales),
        line("Returns", returns),
        line("COGS", cogs),
        ["Expenses"],
        line("Rent", rent),
        ["Total expenses", *rent, *([0] * 9), sum(rent)],
    ]
    result = ingest_bytes(shapes.xlsx_bytes({"P&L": rows}), "pl.xlsx")
    frame = result.frame
    year = title_year or pd.Timestamp.now().year
    revenue = [s - r for s, r in zip(sales, returns, strict=True)]
    cost = [c + r for c, r in zip(cogs, rent, strict=True)]
    assert frame["date"].dt.strftime("%Y-%m").tolist() == [
        f"{year}-01",
        f"{year}-02",
        f"{year}-03",
    ]
    assert frame["revenue"].tolist() == pytest.approx(revenue)
    assert frame["cost"].tolist() == pytest.approx(cost)
    assert frame["profit"].tolist() == pytest.approx(
        [a - b for a, b in zip(revenue, cost, strict=True)]
    )
    said = " ".join(result.report["assumptions"])
    assert f"used {year}" in said
    assert "YTD" in result.report["read"]["statement"]["ignored_columns"]


def _only(case: shapes.TemplateCase, keep: list[str]) -> bytes:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(case.data))
    for name in list(book.sheetnames):
        if name not in keep:
            book.remove(book[name])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_expense_sheet_alone_is_refused_not_read_as_sales():
    from analytics.errors import IngestError

    case = shapes.pnl_template(cached_totals=True)
    with pytest.raises(IngestError, match="expenses"):
        ingest_bytes(_only(case, ["Operation Expenses"]), "expenses.xlsx")


def test_summary_with_expenses_reads_the_summary_totals():
    case = shapes.pnl_template(cached_totals=True)
    want = monthly(case)
    result = ingest_bytes(_only(case, ["Summary", "Operation Expenses"]), "pl.xlsx")
    frame = result.frame
    assert frame["revenue"].sum() == pytest.approx(want["revenue"].sum(), abs=0.01)
    assert frame["cost"].sum() == pytest.approx(want["cost"].sum(), abs=0.01)
    assert frame["profit"].sum() == pytest.approx(want["profit"].sum(), abs=0.01)
    assert len(frame) == len(want)
