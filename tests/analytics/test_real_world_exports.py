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
