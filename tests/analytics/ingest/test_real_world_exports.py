"""Exports as small businesses bring them (shops, payments, bookkeeping, spreadsheets).

Each generated file (``tests/fixtures/exports.py``) must give what a user expects to
see: the revenue total, the date range, the columns used for each role, and the rows set
aside with their reason.
"""

from __future__ import annotations

import json

import pytest

from analytics.ingest import ingest_bytes
from tests.fixtures import exports
from tests.fixtures.messy import write_csv

EXPORTS = exports.all_exports()
_RESULTS: dict[str, object] = {}


def ingest(export: exports.Export):
    if export.name not in _RESULTS:
        _RESULTS[export.name] = ingest_bytes(export.data, export.filename)
    return _RESULTS[export.name]


def test_there_is_a_case_for_each_kind_of_export():
    assert len({e.name for e in EXPORTS}) == len(EXPORTS) >= 15


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_revenue_total(export):
    result = ingest(export)
    assert round(float(result.frame["revenue"].sum()), 2) == export.revenue


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_date_range(export):
    assert ingest(export).report["date_range"] == export.date_range


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_mapped_columns(export):
    result = ingest(export)
    assert {k: v for k, v in result.mapping.items() if v} == export.mapping


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_rows_used_and_set_aside(export):
    result = ingest(export)
    report = result.report
    assert len(result.frame) == export.rows_used
    assert {e["reason"]: e["count"] for e in report["set_aside"]} == export.set_aside
    assert report["rows_read"] == report["rows_used"] + sum(
        e["count"] for e in report["set_aside"]
    )
    json.dumps(report)


@pytest.mark.parametrize(
    "export", [e for e in EXPORTS if e.cost is not None], ids=lambda e: e.name
)
def test_cost_and_profit(export):
    frame = ingest(export).frame
    assert round(float(frame["cost"].sum()), 2) == export.cost
    assert round(float(frame["profit"].sum()), 2) == export.profit


@pytest.mark.parametrize("export", [e for e in EXPORTS if e.says], ids=lambda e: e.name)
def test_report_says_what_it_chose(export):
    assumptions = ingest(export).report["assumptions"]
    for phrase in export.says:
        assert any(phrase in a for a in assumptions), (phrase, assumptions)


@pytest.mark.parametrize("export", [e for e in EXPORTS if e.read], ids=lambda e: e.name)
def test_how_the_file_was_read(export):
    read = ingest(export).report["read"]
    for key, value in export.read.items():
        assert read[key] == value


@pytest.mark.parametrize(
    "export", [e for e in EXPORTS if e.dates], ids=lambda e: e.name
)
def test_every_date(export):
    frame = ingest(export).frame.sort_values("source_row")
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == export.dates


def test_shopify_lines_keep_their_products():
    export = exports.shopify_orders()
    frame = ingest(export).frame
    assert frame["sku"].notna().all()
    assert frame["customer"].notna().all()


def test_paypal_refunds_and_fees_are_net():
    result = ingest(exports.paypal_activity_eu())
    assert result.report["negatives"]["returns_or_cancellations"] == 4
    assert result.report["read"]["date_order"] == "DMY"


# --------------------------------------------------------------------------- variants


@pytest.mark.parametrize(
    ("header", "rows", "revenue_column", "revenue", "says", "delimiter"),
    [
        (["Invoice Date", "Customer", "Net (ex VAT)", "VAT", "Total (inc VAT)"],
         [["01/03/2024", "A", "100.00", "20.00", "120.00"],
          ["17/03/2024", "B", "50.00", "10.00", "60.00"]],
         "Net (ex VAT)", 150.0, "rather than 'Total (inc VAT)' (without tax", ","),
        (["Date", "Total incl. VAT", "VAT amount"],
         [["01/03/2024", "120.00", "20.00"], ["17/03/2024", "60.00", "10.00"]],
         "Total incl. VAT", 180.0, None, ","),
        (["Date", "Amount excl. tax", "Tax"],
         [["01/03/2024", "100.00", "20.00"], ["17/03/2024", "50.00", "10.00"]],
         "Amount excl. tax", 150.0, None, ","),
        (["Date", "Client", "Chiffre d'affaires HT", "TVA", "Chiffre d'affaires TTC"],
         [["01/03/2024", "A", "100,00", "20,00", "120,00"],
          ["17/03/2024", "B", "50,00", "10,00", "60,00"]],
         "Chiffre d'affaires HT", 150.0, None, ";"),
        (["Datum", "Bruttoumsatz", "Nettoumsatz", "MwSt"],
         [["01.03.2024", "119,00", "100,00", "19,00"],
          ["17.03.2024", "59,50", "50,00", "9,50"]],
         "Nettoumsatz", 150.0, "rather than 'Bruttoumsatz'", ";"),
        (["Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "Konto", "Belegdatum",
          "Umsatzsteuer"],
         [["100,00", "H", "8400", "01.03.2024", "19,00"],
          ["50,00", "H", "8400", "17.03.2024", "9,50"]],
         "Umsatz (ohne Soll/Haben-Kz)", 150.0, None, ";"),
    ],
)  # fmt: skip
def test_tax_and_language_qualifiers_in_amount_headers(
    header, rows, revenue_column, revenue, says, delimiter
):
    result = ingest_bytes(write_csv([header, *rows], delimiter=delimiter), "x.csv")
    assert result.mapping["revenue"] == revenue_column
    assert round(float(result.frame["revenue"].sum()), 2) == revenue
    assert result.report["date_range"] == ["2024-03-01", "2024-03-17"]
    if says:
        assert any(says in a for a in result.report["assumptions"])


@pytest.mark.parametrize(
    "dates",
    [
        ["Friday, March 1, 2024", "Sunday, March 17, 2024"],
        ["Fri, 01 Mar 2024 10:15:22 +0000", "Sun, 17 Mar 2024 23:15:22 -0500"],
        ["2024-03-01T10:15:22+01:00", "2024-03-17T23:15:22-05:00"],
        ["2024-03-01T10:15:22.123Z", "2024-03-17T23:15:22.456Z"],
        ["2024-03-01 10:15:22 +0100", "2024-03-17 23:15:22 +0100"],
        ["Mar 1, 2024 10:15:22 AM PST", "Mar 17, 2024 11:15:22 PM PDT"],
        ["01.03.2024 10:15:22 UTC", "17.03.2024 23:15:22 UTC"],
    ],
)
def test_timestamps_with_weekdays_and_time_zones_keep_their_local_day(dates):
    data = write_csv(
        [["Order Date", "Net Sales"], [dates[0], "10.00"], [dates[1], "12.50"]]
    )
    result = ingest_bytes(data, "x.csv")
    assert result.mapping["date"] == "Order Date"
    assert result.report["date_range"] == ["2024-03-01", "2024-03-17"]
    assert result.frame["revenue"].sum() == 22.5


def test_iso_dates_next_to_day_first_text_in_a_csv():
    rows = [["Date", "Sales"], ["2024-03-01", "10"], ["15/03/2024", "12.5"],
            ["03/04/2024", "1"], ["2024-04-20", "2"]]  # fmt: skip
    result = ingest_bytes(write_csv(rows), "x.csv")
    dates = result.frame.sort_values("source_row")["date"].dt.strftime("%Y-%m-%d")
    assert dates.tolist() == ["2024-03-01", "2024-03-15", "2024-04-03", "2024-04-20"]
    assert result.report["set_aside"] == []


def test_excel_escaped_text_cells_keep_leading_zeros():
    data = (
        b'Date,SKU,Amount\n2024-03-01,="00123",="12.50"\n'
        b'2024-03-17,="00456",="10.00"\n2024-03-18,="00123",="1.25"\n'
    )
    result = ingest_bytes(data, "x.csv")
    assert {k: v for k, v in result.mapping.items() if v} == {
        "date": "Date",
        "revenue": "Amount",
        "sku": "SKU",
    }
    assert result.frame["revenue"].sum() == 23.75
    assert result.frame["sku"].tolist() == ["00123", "00456", "00123"]


def test_line_without_date_does_not_borrow_from_another_order():
    data = (
        b"Order No,Date,Qty,Unit Price\n1001,2024-03-01,1,10.00\n1001,,2,5.00\n"
        b"1002,,1,12.50\n1003,2024-03-17,1,1.00\n"
    )
    result = ingest_bytes(data, "x.csv")
    assert result.frame["revenue"].sum() == 21.0
    assert {e["reason"]: e["rows"] for e in result.report["set_aside"]} == {
        "date missing or unreadable": [4]
    }
