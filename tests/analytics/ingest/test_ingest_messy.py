"""ingest_bytes on generated messy exports: exact totals, date range and mapping per case."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes, rebuild
from tests.fixtures import messy

CASES = [
    *messy.encoding_cases(),
    *messy.dialect_cases(),
    *messy.number_cases(),
    messy.missing_markers_case()[0],
    *messy.date_cases(),
    *messy.month_label_cases(),
    messy.week_ending_case(),
    messy.serial_date_case(),
    messy.ambiguous_dates_case(),
    messy.title_rows_case(),
    messy.totals_case()[0],
    messy.unlabelled_total_case(),
    messy.multi_sheet_case(),
    messy.xlsx_title_and_merged_case(),
    messy.xlsx_formula_cases()[0],
    messy.xls_case(),
    messy.wide_months_case(),
    messy.wide_years_xlsx_case(),
]


_RESULTS: dict[str, object] = {}


def ingest(case: messy.Case):
    """Ingest a case once per test session (results are not modified by the tests)."""
    if case.name not in _RESULTS:
        _RESULTS[case.name] = ingest_bytes(case.data, case.filename, **case.kwargs)
    return _RESULTS[case.name]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_totals_date_range_and_mapping(case):
    result = ingest(case)
    assert round(result.frame["revenue"].sum(), 2) == case.revenue
    assert len(result.frame) == case.rows
    assert result.frame["date"].min().strftime("%Y-%m-%d") == case.date_min
    assert result.frame["date"].max().strftime("%Y-%m-%d") == case.date_max
    assert {k: v for k, v in result.mapping.items() if v} == {
        k: v for k, v in case.mapping.items() if v
    }
    for key, value in case.read.items():
        assert result.report["read"][key] == value


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.mapping.get("cost")], ids=lambda c: c.name
)
def test_case_cost_total(case):
    assert round(ingest(case).frame["cost"].sum(), 2) == case.cost


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rows_read_are_used_or_set_aside(case):
    report = ingest(case).report
    assert report["rows_read"] == report["rows_used"] + sum(
        e["count"] for e in report["set_aside"]
    )
    json.dumps(report)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_table_columns_are_parquet_friendly(case):
    table = ingest(case).table
    assert all(isinstance(c, str) for c in table.columns)
    assert all(str(t) == "str" or t.kind in "fM" for t in table.dtypes)


def test_identifiers_keep_leading_zeros():
    case = messy.encoding_cases()[0]
    skus = ingest(case).frame["sku"]
    assert skus.str.startswith("00").all()


def test_non_ascii_text_survives_each_encoding():
    for case in messy.encoding_cases():
        assert "Café" in set(ingest(case).frame["category"])


def test_missing_amounts_are_set_aside_with_row_numbers():
    case, blanks = messy.missing_markers_case()
    result = ingest(case)
    entry = next(
        e for e in result.report["set_aside"] if e["reason"].startswith("no revenue")
    )
    assert entry["count"] == blanks
    assert entry["rows"][:3] == [5, 13, 21]
    assert result.warnings[0].startswith(f"Set aside {blanks} row(s)")


def test_total_rows_are_excluded_and_reported():
    case, totals = messy.totals_case()
    result = ingest(case)
    entry = next(
        e for e in result.report["set_aside"] if e["reason"] == "total or subtotal row"
    )
    assert entry["count"] == totals
    assert result.report["rows_read"] == case.rows + totals
    assert "Subtotal" not in set(result.table.iloc[:, 0])


def test_unlabelled_trailing_total_is_set_aside():
    result = ingest(messy.unlabelled_total_case())
    assert result.report["set_aside"] == [
        {
            "reason": "total or subtotal row",
            "count": 1,
            "rows": [result.report["rows_read"] + 1],
        }
    ]


def test_header_found_below_title_rows():
    result = ingest(messy.title_rows_case())
    assert result.frame["source_row"].iloc[0] == 5
    assert any("above the header" in s for s in result.report["assumptions"])


def test_index_column_is_dropped():
    case = next(c for c in messy.dialect_cases() if c.name == "unnamed_index_column")
    result = ingest(case)
    assert list(result.table.columns) == [
        "Date",
        "SKU",
        "Category",
        "Quantity",
        "Unit Price",
        "Revenue",
        "Cost",
    ]


def test_blank_rows_and_columns_are_dropped_but_rows_keep_source_numbers():
    case = next(c for c in messy.dialect_cases() if c.name == "blank_rows_and_columns")
    result = ingest(case)
    assert "" not in result.table.columns and len(result.table.columns) == 7
    rows = result.frame["source_row"].tolist()
    assert rows[:6] == [2, 3, 4, 5, 7, 8]


def test_whitespace_and_duplicate_headers():
    padded = next(c for c in messy.dialect_cases() if c.name == "whitespace_headers")
    assert "Revenue" in ingest(padded).table.columns
    dup = next(c for c in messy.dialect_cases() if c.name == "duplicate_headers")
    assert list(ingest(dup).table.columns)[-2:] == ["Cost", "Revenue (2)"]


def test_decimal_comma_file_is_reported():
    case = next(c for c in messy.number_cases() if c.name == "numbers_eu")
    read = ingest(case).report["read"]
    assert (read["delimiter"], read["decimal"], read["thousands"]) == (";", ",", ".")


def test_currency_is_reported():
    case = next(c for c in messy.number_cases() if c.name == "numbers_euro_suffix")
    assert ingest(case).report["currency"] == "EUR"


def test_returns_stay_negative_and_are_counted():
    case = next(c for c in messy.number_cases() if c.name == "negatives_dollar_parens")
    result = ingest(case)
    negatives = result.report["negatives"]
    assert negatives["returns_or_cancellations"] == 8
    assert negatives["negative_quantity"] == 8
    assert (result.frame["revenue"] < 0).sum() == 8
    assert any("negative amounts" in s for s in result.report["assumptions"])


def test_ambiguous_dates_are_reported():
    result = ingest(messy.ambiguous_dates_case())
    assert result.report["read"]["date_order"] == "DMY"
    assert any(
        "fit both day-first and month-first" in s for s in result.report["assumptions"]
    )


def test_mixed_date_conventions_are_never_combined():
    rows = [
        ["Date", "Sales"],
        ["13/01/2024", "10.00"],
        ["01/14/2024", "20.00"],
        ["02/01/2024", "5.00"],
        ["25/01/2024", "1.00"],
    ]
    result = ingest_bytes(messy.write_csv(rows), "mixed.csv")
    assert result.frame["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-13",
        "2024-01-02",
        "2024-01-25",
    ]
    entry = next(
        e
        for e in result.report["set_aside"]
        if e["reason"] == "date missing or unreadable"
    )
    assert entry["rows"] == [3]
    assert any("mixes day-first and month-first" in w for w in result.warnings)


def test_rows_with_unreadable_dates_are_set_aside():
    rows = [
        ["Date", "Sales"],
        ["2024-01-02", "10.00"],
        ["soon", "20.00"],
        ["", "5.00"],
        ["2024-01-03", "1.00"],
    ]
    result = ingest_bytes(messy.write_csv(rows), "dates.csv")
    assert result.frame["revenue"].sum() == 11.0
    assert result.report["set_aside"] == [
        {"reason": "date missing or unreadable", "count": 2, "rows": [3, 4]}
    ]


def test_without_date_column_rows_are_kept_and_user_warned():
    rows = [["Product", "Sales"], ["A", "10.00"], ["B", "20.50"]]
    result = ingest_bytes(messy.write_csv(rows), "nodate.csv")
    assert result.frame["revenue"].sum() == 30.5
    assert result.frame["date"].isna().all()
    assert any("No date column" in w for w in result.warnings)


def test_several_stores_per_week_are_all_kept():
    case = messy.week_ending_case()
    result = ingest(case)
    assert len(result.frame) == 60
    assert result.frame["date"].nunique() == 20
    assert "Store" not in result.mapping.values()


def test_multi_sheet_workbook_lists_sheets_and_switches():
    case = messy.multi_sheet_case()
    summary = ingest_bytes(case.data, case.filename, sheet="Summary")
    assert summary.report["read"]["sheet"] == "Summary"
    assert summary.frame["revenue"].sum() == 3.0
    assert any("also has" in s for s in ingest(case).report["assumptions"])


def test_unknown_sheet_names_the_sheets():
    case = messy.multi_sheet_case()
    with pytest.raises(
        ValueError, match="no sheet called 'Nope'.*Notes, Transactions, Summary"
    ):
        ingest_bytes(case.data, case.filename, sheet="Nope")


def test_merged_category_cells_are_filled():
    result = ingest(messy.xlsx_title_and_merged_case())
    assert result.frame["category"].notna().all()
    assert result.frame.groupby("category")["revenue"].size().sum() == len(result.frame)


def test_formula_cells_without_values_are_reported():
    case, _ = messy.xlsx_formula_cases()
    result = ingest(case)
    assert result.report["read"]["uncomputed"] == {"Check": "H2:H49"}
    assert any("H2:H49" in w for w in result.warnings)


def test_amounts_saved_as_formulas_without_values_are_an_error():
    _, data = messy.xlsx_formula_cases()
    with pytest.raises(
        ValueError,
        match=r"saved without computed values \(cells D2:D49\); open it in Excel and save it again",
    ):
        ingest_bytes(data, "sales.xlsx")


def test_duplicates_counted_and_optionally_dropped():
    frame = messy.base_frame(seed=90)
    rows = messy.sales_rows(frame)
    rows = rows + [rows[3], rows[10], rows[3]]
    data = messy.write_csv(rows)
    kept = ingest_bytes(data, "dups.csv")
    assert kept.report["duplicates"] == {
        "count": 3,
        "rows": [50, 51, 52],
        "dropped": False,
    }
    assert round(kept.frame["revenue"].sum(), 2) == round(
        messy.total(frame["revenue_cents"])
        + 2 * frame["revenue_cents"].iloc[2] / 100
        + frame["revenue_cents"].iloc[9] / 100,
        2,
    )
    dropped = ingest_bytes(data, "dups.csv", drop_duplicates=True)
    assert round(dropped.frame["revenue"].sum(), 2) == messy.total(
        frame["revenue_cents"]
    )
    assert dropped.report["duplicates"]["dropped"] is True
    assert {
        "reason": "duplicate row (dropped)",
        "count": 3,
        "rows": [50, 51, 52],
    } in dropped.report["set_aside"]


def test_xls_reads_like_xlsx():
    case = messy.xls_case()
    from_xls = ingest(case)
    from_xlsx = ingest_bytes(
        messy.xlsx_from_sheets({"Sales": messy.excel_rows(messy.base_frame(seed=71))}),
        "s.xlsx",
    )
    pd.testing.assert_frame_equal(from_xls.frame, from_xlsx.frame)


def test_wide_table_becomes_one_row_per_line_and_period():
    result = ingest(messy.wide_months_case())
    assert list(result.table.columns) == ["Product", "Category", "Period", "Amount"]
    assert any("one column per period" in s for s in result.report["assumptions"])
    assert any(
        "Ignored the total column(s): Total" in s for s in result.report["assumptions"]
    )
    assert result.report["set_aside"] == [
        {"reason": "total or subtotal row", "count": 1, "rows": [9]}
    ]


def test_excel_sep_line_is_skipped():
    data = b"sep=;\r\nDate;Sales\r\n01.02.2024;1.234,50\r\n02.02.2024;10,00\r\n"
    result = ingest_bytes(data, "excel.csv")
    assert result.frame["revenue"].tolist() == [1234.5, 10.0]
    assert result.report["read"]["header_row"] == 2


def test_shop_export_timestamps_with_zones_and_codes():
    rows = [
        ["Created at", "Lineitem sku", "Total", "Currency"],
        ["2024-01-05 10:23:45 -0500", "TEE-1", "USD25.00", "USD"],
        ["2024-01-06 08:00:00 -0500", "MUG-2", "12.50USD", "USD"],
        ["Jan 7, 2024 9:15:00 AM PST", "TEE-1", "USD 7.25", "USD"],
    ]
    result = ingest_bytes(messy.write_csv(rows), "orders_export.csv")
    assert result.mapping["date"] == "Created at"
    assert result.frame["revenue"].sum() == 44.75
    assert result.frame["date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2024-01-05 10:23",
        "2024-01-06 08:00",
        "2024-01-07 09:15",
    ]
    assert result.report["currency"] == "USD"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rebuild_from_stored_table_reproduces_the_frame(case):
    import io

    result = ingest(case)
    buffer = io.BytesIO()
    result.table.to_parquet(buffer, index=False)
    stored = pd.read_parquet(io.BytesIO(buffer.getvalue()))
    read_info = json.loads(json.dumps(result.report["read"]))
    again = rebuild(stored, result.mapping, read_info=read_info)
    pd.testing.assert_frame_equal(again.frame, result.frame)
    assert again.report["set_aside"] == result.report["set_aside"]


def test_grouped_report_with_subtotals_and_repeated_headers():
    rows = [["Sales by Customer Detail"], ["Date", "Customer", "Amount"]]
    expected = 0
    for k, customer in enumerate(["Acme", "Bobs", "Cleo", "Dana", "Eve"]):
        rows.append([customer, "", ""])
        amounts = [1000 * (k + 1) + i * 25 for i in range(3)]
        for i, cents in enumerate(amounts):
            rows.append([f"2024-0{k + 1}-1{i}", customer, f"{cents / 100:.2f}"])
        rows.append([f"Total for {customer}", "", f"{sum(amounts) / 100:.2f}"])
        expected += sum(amounts)
        if k == 2:
            rows.append(["Date", "Customer", "Amount"])
    rows.append(["TOTAL", "", f"{expected / 100:.2f}"])
    result = ingest_bytes(messy.write_csv(rows), "report.csv")
    assert round(result.frame["revenue"].sum(), 2) == expected / 100
    reasons = {e["reason"]: e["count"] for e in result.report["set_aside"]}
    assert reasons == {
        "repeated header row": 1,
        "total or subtotal row": 6,
        "no revenue amount (empty or unreadable)": 5,
    }
    assert result.report["rows_read"] == result.report["rows_used"] + sum(
        reasons.values()
    )


def test_uncomputed_formula_cells_are_named_by_their_sheet_position():
    rows = [["Sales export"], [], [None, "Date", "SKU", "Qty", "Price", "Line value"]]
    for i in range(10):
        r = len(rows) + 1
        rows.append([None, f"2024-01-{i + 1:02d}", f"A{i}", 2, 3.5, f"=D{r}*E{r}"])
    result = ingest_bytes(messy.xlsx_from_sheets({"Sheet1": rows}), "export.xlsx")
    assert result.frame["revenue"].sum() == 70.0
    assert result.report["read"]["uncomputed"] == {"Line value": "F4:F13"}
    assert any("F4:F13" in w for w in result.warnings)


def test_year_and_month_columns_date_the_rows():
    rows = [
        ["Year", "Month", "Region", "Sales"],
        ["2023", "Jan", "N", "10"],
        ["2023", "February", "S", "5.50"],
        ["2024", "3", "N", "1"],
    ]
    result = ingest_bytes(messy.write_csv(rows), "monthly.csv")
    assert result.mapping["date"] == "Period"
    assert result.frame["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-01-01",
        "2023-02-01",
        "2024-03-01",
    ]
    assert any(
        "dated each row by 'Year' and 'Month'" in s
        for s in result.report["assumptions"]
    )


def test_bank_statement_balance_is_not_revenue():
    rows = [["Date", "Description", "Money In", "Money Out", "Balance"]]
    balance = 1000.0
    for day in range(1, 11):
        money_in, money_out = day * 10.0, day * 3.0
        balance += money_in - money_out
        rows.append(
            [
                f"2024-02-{day:02d}",
                f"Payment {day}",
                f"{money_in:.2f}",
                f"{money_out:.2f}",
                f"{balance:.2f}",
            ]
        )
    result = ingest_bytes(messy.write_csv(rows), "statement.csv")
    assert (result.mapping["revenue"], result.mapping["cost"]) == (
        "Money In",
        "Money Out",
    )
    assert result.frame["revenue"].sum() == 550.0
