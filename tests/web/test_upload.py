"""POST /upload: success contract and every kind of rejection, as an API client meets them."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import csrf_token, upload


def test_upload_creates_a_session(client, sales_csv, sales_frame):
    response = upload(client, sales_csv, "shop export.csv")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {"session_id", "dashboard_url", "rows", "mapping", "warnings"}
    assert len(body["session_id"]) >= 22
    assert body["dashboard_url"] == f"/dashboard/{body['session_id']}"
    assert body["rows"] == len(sales_frame)
    assert body["mapping"]["revenue"] == "Revenue"
    assert body["mapping"]["date"] == "Date"
    assert body["mapping"]["sku"] == "SKU"
    assert body["mapping"]["cost"] == "Cost"


def test_upload_xlsx(client, sales_frame):
    buffer = io.BytesIO()
    sales_frame.to_excel(buffer, index=False)
    response = upload(client, buffer.getvalue(), "sales.xlsx")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["rows"] == len(sales_frame)


def test_upload_without_file_is_400_json(client):
    token = csrf_token(client)
    response = client.post("/upload", data={}, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert response.is_json
    assert "No file" in response.get_json()["error"]


@pytest.mark.parametrize(
    ("payload", "filename"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "chart.csv"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "chart.xlsx"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "invoice.xls"),
    ],
)
def test_not_a_spreadsheet_by_content_is_415(client, payload, filename):
    response = upload(client, payload, filename)
    assert response.status_code == 415
    assert response.is_json
    assert response.get_json()["error"]


def test_zip_that_is_not_a_workbook_is_rejected(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    response = upload(client, buffer.getvalue(), "data.xlsx")
    assert response.status_code in (400, 415)
    assert response.get_json()["error"]


def test_empty_file_is_400_with_advice(client):
    response = upload(client, b"", "empty.csv")
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_customer_list_is_400_with_advice(client):
    csv = b"Name,Email,City\nAda,ada@example.com,London\nGrace,grace@example.com,Arlington\n"
    response = upload(client, csv, "customers.csv")
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert "amount" in message.lower() or "revenue" in message.lower()


def test_file_over_the_limit_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=50_000)
    client = app.server.test_client()
    big = b"Date,Revenue\n" + b"2024-01-01,10.00\n" * 4000  # ~68 KB
    response = upload(client, big, "big.csv")
    assert response.status_code == 413
    assert response.is_json
    assert "limit" in response.get_json()["error"]


def test_file_just_under_the_limit_is_accepted(make_app):
    app = make_app(MAX_CONTENT_LENGTH=50_000)
    client = app.server.test_client()
    body = b"Date,Revenue\n" + b"2024-01-01,10.00\n" * 2900  # ~49 KB
    assert len(body) < 50_000
    response = upload(client, body, "ok.csv")
    assert response.status_code == 201


def test_far_larger_body_is_413_before_reading_it(make_app):
    app = make_app(MAX_CONTENT_LENGTH=50_000)
    client = app.server.test_client()
    response = upload(client, b"x" * 400_000, "huge.csv")
    assert response.status_code == 413
    assert response.is_json


def test_json_body_over_the_limit_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=50_000)
    client = app.server.test_client()
    token = csrf_token(client)
    response = client.post(
        "/_dash-update-component",
        data=b'{"output":"x","inputs":[],"pad":"' + b"y" * 300_000 + b'"}',
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_failed_upload_leaves_existing_sessions_intact(client, sales_csv):
    first = upload(client, sales_csv).get_json()
    upload(client, b"\x00\x01garbage" * 100, "bad.csv")
    data = client.get(f"/api/data/{first['session_id']}")
    assert data.status_code == 200
    assert data.get_json()["kpis"]["transactions"] == first["rows"]


def test_raw_bytes_are_not_written_to_disk(make_app, tmp_path, sales_csv):
    app = make_app()
    client = app.server.test_client()
    raw_line = sales_csv.splitlines()[1]  # a data line exactly as uploaded
    assert upload(client, sales_csv).status_code == 201
    stored = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert stored
    for path in stored:
        assert raw_line not in path.read_bytes(), f"raw upload text found in {path}"


def test_large_upload_is_not_spooled_to_a_temporary_file(client, monkeypatch):
    import tempfile

    from werkzeug import formparser

    def refuse(*args, **kwargs):
        raise AssertionError("the upload was written to a temporary file")

    for module in (tempfile, formparser):
        for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, refuse)
    rows = b"".join(
        f"2024-01-{1 + i % 28:02d},SKU-{i % 50},{i % 97}.25\n".encode()
        for i in range(60_000)
    )
    csv = (
        b"Date,SKU,Revenue\n" + rows
    )  # ~1.5 MB, over Werkzeug's 500 KB spooling threshold
    response = upload(client, csv, "big.csv")
    assert response.status_code == 201, response.get_json()


def test_an_upload_over_its_time_budget_is_a_clear_413(make_app, sales_csv):
    """A small file can still be slow to read (many columns of dates): the work stops at
    MAX_INGEST_SECONDS with a message, and other sessions are untouched."""
    client = make_app().server.test_client()
    first = upload(client, sales_csv)
    assert first.status_code == 201
    sid = first.get_json()["session_id"]
    before = client.get(f"/api/data/{sid}").get_json()["kpis"]

    slow = make_app(MAX_INGEST_SECONDS=1e-6).server.test_client()  # same store
    response = upload(slow, sales_csv)
    assert response.status_code == 413
    assert "seconds allowed for one upload" in response.get_json()["error"]

    assert client.get(f"/api/data/{sid}").get_json()["kpis"] == before
