"""Switching the sheet of an uploaded workbook from the dashboard."""

from __future__ import annotations

import pytest
from dash import no_update

from analytics.errors import IngestError
from callbacks.mapping import read_sheet
from components.quality import quality_card
from services.datasets import create_session, load_dataset, remap_session, switch_sheet
from services.store import DiskcacheSessionStore
from tests.conftest import as_owner, upload
from tests.fixtures import messy


@pytest.fixture
def store(tmp_path):
    return DiskcacheSessionStore(str(tmp_path / "store"), 600)


@pytest.fixture
def workbook():
    frame = messy.base_frame(rows=40, seed=61)
    summary = [["Category", "Revenue"], ["Tools", 1.0], ["Garden", 2.0]]
    notes = [["Exported from ShopSystem"], ["Generated 2024-07-01"]]
    data = messy.xlsx_from_sheets(
        {"Notes": notes, "Transactions": messy.excel_rows(frame), "Summary": summary}
    )
    return data, frame["revenue_cents"].sum() / 100


def _revenue(store, sid) -> float:
    return float(load_dataset(store, sid).frame["revenue"].sum())


def test_upload_keeps_the_sheets_and_lists_them(store, workbook):
    data, total = workbook
    meta = create_session(store, data, "book.xlsx")
    assert [s["name"] for s in meta.sheets] == ["Notes", "Transactions", "Summary"]
    assert [s["rows"] for s in meta.sheets] == [2, 41, 3]
    assert meta.report["read"]["sheet"] == "Transactions"
    assert _revenue(store, meta.session_id) == pytest.approx(total)


def test_switching_reads_the_other_sheet_and_back(store, workbook):
    data, total = workbook
    sid = create_session(store, data, "book.xlsx").session_id
    meta = switch_sheet(store, sid, "Summary")
    assert meta.revision == 1
    assert meta.report["read"]["sheet"] == "Summary"
    assert meta.mapping["revenue"] == "Revenue"
    assert meta.mapping["category"] == "Category"
    assert meta.rows == 2
    assert _revenue(store, sid) == pytest.approx(3.0)
    assert (
        "Read the sheet 'Summary' (chosen on the dashboard); the workbook also has "
        "'Notes', 'Transactions'." in meta.report["assumptions"]
    )
    assert [s["name"] for s in meta.sheets] == ["Notes", "Transactions", "Summary"]
    back = switch_sheet(store, sid, "Transactions")
    assert back.revision == 2
    assert back.date_start == "2024-01-03"
    assert _revenue(store, sid) == pytest.approx(total)


def test_a_sheet_without_sales_is_refused_and_nothing_changes(store, workbook):
    data, total = workbook
    sid = create_session(store, data, "book.xlsx").session_id
    before = store.get_meta(sid)
    with pytest.raises(IngestError) as error:
        switch_sheet(store, sid, "Notes")
    message = str(error.value)
    assert message.startswith("The sheet 'Notes' cannot be used:")
    assert "still shows the sheet 'Transactions'" in message
    assert store.get_meta(sid) == before
    assert _revenue(store, sid) == pytest.approx(total)


def test_unknown_sheet_and_expired_session(store, workbook):
    data, _ = workbook
    sid = create_session(store, data, "book.xlsx").session_id
    with pytest.raises(
        IngestError, match="no sheet called 'Nope'.*Notes, Transactions"
    ):
        switch_sheet(store, sid, "Nope")
    with pytest.raises(KeyError):
        switch_sheet(store, "no-such-session", "Summary")
    store.delete(sid)
    with pytest.raises(KeyError):
        switch_sheet(store, sid, "Summary")


def test_a_csv_session_has_no_sheets_to_switch(store):
    sid = create_session(store, b"Date,Sales\n2024-01-01,5\n", "a.csv").session_id
    assert store.get_meta(sid).sheets == []
    with pytest.raises(IngestError, match="no sheet called 'Sheet1'"):
        switch_sheet(store, sid, "Sheet1")


def test_a_mapping_confirmed_for_a_sheet_applies_when_switching_to_it(store, workbook):
    data, _ = workbook
    owner = {"browser": "browser-digest"}
    sid = create_session(store, data, "book.xlsx", owner=owner).session_id
    switch_sheet(store, sid, "Summary")
    remap_session(store, sid, {"revenue": "Revenue", "category": None})
    again = switch_sheet(
        store,
        create_session(store, data, "b.xlsx", owner=owner).session_id,
        "Summary",
    )
    assert again.mapping["category"] is None
    assert "Applied the column mapping you confirmed earlier" in again.warnings[0]


def test_quality_card_offers_the_sheets_only_for_workbooks(store, workbook):
    data, _ = workbook
    meta = create_session(store, data, "book.xlsx")
    text = str(quality_card(meta).to_plotly_json())
    assert "sheet-select" in text
    assert "Transactions (41 rows with data)" in text
    assert "sheet “Transactions” of 3" in text
    csv_meta = create_session(store, b"Date,Sales\n2024-01-01,5\n", "a.csv")
    assert "sheet-select" not in str(quality_card(csv_meta).to_plotly_json())


def test_read_sheet_callback_reloads_or_explains(app, client, workbook):
    data, _ = workbook
    created = upload(client, data, "book.xlsx").get_json()
    sid = created["session_id"]
    with app.server.test_request_context("/", headers=as_owner(sid)):
        status, href = read_sheet(1, "Notes", sid)
    assert href is no_update
    assert "cannot be used" in str(status.to_plotly_json())
    with app.server.test_request_context("/", headers=as_owner(sid)):
        status, href = read_sheet(1, "Summary", sid)
    assert href == f"/dashboard/{sid}?v=1"
    body = client.get(f"/api/data/{sid}").get_json()
    assert body["kpis"]["total_revenue"] == pytest.approx(3.0)
    with app.server.test_request_context("/", headers=as_owner(sid)):
        status, href = read_sheet(1, "Summary", "expired-id")
    assert href is no_update and "expired" in str(status.to_plotly_json())
