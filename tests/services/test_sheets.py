"""Google Sheets links: URL checks before any request, export download, every error, gspread path."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from analytics.errors import IngestError
from services import sheets
from services.sheets import SheetError, fetch_sheet, parse_sheet_url
from web.errors import status_for

SHEET_ID = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
URL = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0"
EXPORT = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/export?format=csv&gid=0"
CSV = b"Date,Sales\n2024-01-01,10.50\n2024-01-02,20.00\n"


class FakeAdapter(BaseAdapter):
    """Answers requests from a table of URL -> (status, headers, body); records every request."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]):
        super().__init__()
        self.routes = routes
        self.calls: list[str] = []

    def send(self, request, **kwargs: Any) -> requests.Response:
        self.calls.append(request.url)
        if request.url not in self.routes:
            raise requests.ConnectionError(f"no route to {request.url}")
        status, headers, body = self.routes[request.url]
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response.raw = io.BytesIO(body)
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def session_for(
    routes: dict[str, tuple[int, dict[str, str], bytes]],
) -> tuple[requests.Session, FakeAdapter]:
    session = requests.Session()
    adapter = FakeAdapter(routes)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


@pytest.mark.parametrize(
    ("url", "gid"),
    [
        (f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit", None),
        (f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=123", "123"),
        (
            f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit?usp=sharing&gid=77",
            "77",
        ),
        (f"https://docs.google.com/spreadsheets/d/{SHEET_ID}", None),
        (
            f"  https://DOCS.google.com/spreadsheets/d/{SHEET_ID}/view?gid=5#gid=5  ",
            "5",
        ),
    ],
)
def test_accepted_links(url, gid):
    assert parse_sheet_url(url) == (SHEET_ID, gid)


@pytest.mark.parametrize(
    "url",
    [
        "",
        f"http://docs.google.com/spreadsheets/d/{SHEET_ID}/edit",
        f"https://evil.example.com/spreadsheets/d/{SHEET_ID}/edit",
        f"https://docs.google.com@evil.example.com/spreadsheets/d/{SHEET_ID}/edit",
        f"https://user:pass@docs.google.com/spreadsheets/d/{SHEET_ID}/edit",
        f"https://docs.google.com.evil.example.com/spreadsheets/d/{SHEET_ID}/edit",
        f"https://docs.google.com:8443/spreadsheets/d/{SHEET_ID}/edit",
        f"https://127.0.0.1/spreadsheets/d/{SHEET_ID}/edit",
        f"https://169.254.169.254/spreadsheets/d/{SHEET_ID}/edit",
        f"https://localhost/spreadsheets/d/{SHEET_ID}/edit",
        "https://docs.google.com/document/d/1abcdefghijklmnopqrstuvwxyz/edit",
        "https://docs.google.com/spreadsheets/d/short/edit",
        f"file:///etc/passwd#{SHEET_ID}",
        f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit\nHost: evil",
        f"javascript:alert(1)//docs.google.com/spreadsheets/d/{SHEET_ID}",
    ],
)
def test_refused_links_never_touch_the_network(url):
    session, adapter = session_for({})
    with pytest.raises(SheetError) as caught:
        fetch_sheet(url, session=session)
    assert adapter.calls == []
    assert status_for(caught.value) == 400
    assert isinstance(caught.value, IngestError)


def test_link_shared_sheet_is_downloaded_as_csv():
    session, adapter = session_for(
        {
            EXPORT: (
                200,
                {
                    "Content-Type": "text/csv",
                    "Content-Disposition": 'attachment; filename="Q1 Sales - Sheet1.csv"',
                },
                CSV,
            )
        }
    )
    data, name = fetch_sheet(URL, session=session)
    assert data == CSV
    assert name == "Q1 Sales - Sheet1.csv"
    assert adapter.calls == [EXPORT]


def test_google_redirect_to_content_host_is_followed():
    content = "https://doc-0k-3c-sheets.googleusercontent.com/export/abc?format=csv"
    session, adapter = session_for(
        {
            EXPORT: (307, {"Location": content}, b""),
            content: (200, {"Content-Type": "text/csv; charset=utf-8"}, CSV),
        }
    )
    data, name = fetch_sheet(URL, session=session)
    assert (data, name) == (CSV, f"{SHEET_ID}.csv")
    assert adapter.calls == [EXPORT, content]


def test_utf8_filename_from_content_disposition():
    headers = {
        "Content-Type": "text/csv",
        "Content-Disposition": "attachment; filename*=UTF-8''Ventes%20%C3%A9t%C3%A9.csv",
    }
    session, _ = session_for({EXPORT: (200, headers, CSV)})
    assert fetch_sheet(URL, session=session)[1] == "Ventes été.csv"


@pytest.mark.parametrize(
    ("location", "status"),
    [
        ("https://evil.example.com/steal", 502),
        ("http://doc-0k.googleusercontent.com/export", 502),
        ("https://docs.google.com@evil.example.com/x", 502),
        ("https://accounts.google.com/ServiceLogin?continue=x", 403),
    ],
)
def test_redirects_elsewhere_are_refused(location, status):
    session, adapter = session_for({EXPORT: (302, {"Location": location}, b"")})
    with pytest.raises(SheetError) as caught:
        fetch_sheet(URL, session=session)
    assert status_for(caught.value) == status
    assert adapter.calls == [EXPORT]


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected_status", "message"),
    [
        (
            401,
            {},
            b"",
            403,
            "This sheet is private. Share it as 'Anyone with the link can view'",
        ),
        (403, {}, b"", 403, "GOOGLE_SERVICE_ACCOUNT_FILE"),
        (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            b"<!DOCTYPE html><html>Sign in</html>",
            403,
            "This sheet is private",
        ),
        (404, {}, b"", 404, "was not found"),
        (429, {}, b"", 503, "Try again in a minute"),
        (500, {}, b"", 502, "answered with an error (500)"),
        (
            200,
            {"Content-Type": "application/pdf"},
            b"%PDF-1.4",
            415,
            "did not return spreadsheet data",
        ),
        (
            200,
            {"Content-Type": "application/octet-stream"},
            b"\x00\x01\x02" * 100,
            415,
            "did not return spreadsheet data",
        ),
        (
            200,
            {"Content-Type": "text/csv", "Content-Length": str(17 * 1024 * 1024)},
            b"a,b\n",
            413,
            "larger than 16 MB",
        ),
    ],
)
def test_answers_that_are_errors(status, headers, body, expected_status, message):
    session, _ = session_for({EXPORT: (status, headers, body)})
    with pytest.raises(SheetError) as caught:
        fetch_sheet(URL, session=session)
    assert status_for(caught.value) == expected_status
    assert message in str(caught.value)


def test_download_is_capped_without_content_length(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_BYTES", 1000)
    session, _ = session_for(
        {EXPORT: (200, {"Content-Type": "text/csv"}, b"a,b\n" + b"1,2\n" * 1000)}
    )
    with pytest.raises(SheetError, match="larger than 16 MB") as caught:
        fetch_sheet(URL, session=session)
    assert status_for(caught.value) == 413


def test_network_failure_and_timeout():
    session, _ = session_for({})
    with pytest.raises(SheetError, match="Could not reach Google Sheets") as caught:
        fetch_sheet(URL, session=session)
    assert status_for(caught.value) == 502

    class Slow:
        def get(self, *args: Any, **kwargs: Any):
            raise requests.Timeout("slow")

    with pytest.raises(SheetError, match="did not answer in time"):
        fetch_sheet(URL, session=Slow())


def test_too_many_redirects():
    loop = "https://docs.google.com/spreadsheets/d/x/loop"
    session, _ = session_for(
        {EXPORT: (302, {"Location": loop}, b""), loop: (302, {"Location": loop}, b"")}
    )
    with pytest.raises(SheetError, match="too many times"):
        fetch_sheet(URL, session=session)


def test_timeout_is_passed_to_requests():
    seen = {}

    class Recorder:
        def get(self, url: str, **kwargs: Any):
            seen.update(kwargs)
            raise requests.ConnectionError("offline")

    with pytest.raises(SheetError):
        fetch_sheet(URL, session=Recorder(), timeout=3.5)
    assert (
        seen["timeout"] == 3.5
        and seen["allow_redirects"] is False
        and seen["stream"] is True
    )


# ----------------------------------------------------------------------- service account


class FakeWorksheet:
    def __init__(self, rows):
        self.rows = rows

    def get_all_values(self):
        return self.rows


class FakeBook:
    title = "Private Sales"

    def __init__(self):
        self.sheet1 = FakeWorksheet([["Date", "Sales"], ["2024-01-01", "1,234.50"]])
        self.tabs = {42: FakeWorksheet([["Date", "Sales"], ["2024-02-01", "9"]])}

    def get_worksheet_by_id(self, gid: int):
        import gspread

        if gid not in self.tabs:
            raise gspread.exceptions.WorksheetNotFound(str(gid))
        return self.tabs[gid]


class FakeClient:
    def __init__(self, book=None, error: Exception | None = None):
        self.book = book or FakeBook()
        self.error = error
        self.opened: list[str] = []

    def open_by_key(self, key: str):
        self.opened.append(key)
        if self.error:
            raise self.error
        return self.book


@pytest.fixture
def private_session():
    return session_for({EXPORT: (403, {}, b"")})[0]


def use_client(monkeypatch, client: FakeClient, expect_file: str = "/secrets/sa.json"):
    import gspread

    def service_account(filename: str, **kwargs: Any):
        assert filename == expect_file
        return client

    monkeypatch.setattr(gspread, "service_account", service_account)


def test_private_sheet_read_with_service_account(monkeypatch, private_session):
    client = FakeClient()
    use_client(monkeypatch, client)
    data, name = fetch_sheet(
        f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit",
        session=session_for({sheets.export_url(SHEET_ID, None): (403, {}, b"")})[0],
        service_account_file="/secrets/sa.json",
    )
    assert data == b'Date,Sales\n2024-01-01,"1,234.50"\n'
    assert name == "Private Sales.csv"
    assert client.opened == [SHEET_ID]


def test_service_account_reads_the_linked_tab(monkeypatch):
    use_client(monkeypatch, FakeClient())
    url = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=42"
    session, _ = session_for({sheets.export_url(SHEET_ID, "42"): (401, {}, b"")})
    data, _ = fetch_sheet(url, session=session, service_account_file="/secrets/sa.json")
    assert data == b"Date,Sales\n2024-02-01,9\n"


def test_service_account_missing_tab(monkeypatch):
    use_client(monkeypatch, FakeClient())
    url = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=7"
    session, _ = session_for({sheets.export_url(SHEET_ID, "7"): (403, {}, b"")})
    with pytest.raises(SheetError, match="tab in this link was not found"):
        fetch_sheet(url, session=session, service_account_file="/secrets/sa.json")


def test_service_account_without_access(monkeypatch, private_session):
    import gspread

    use_client(
        monkeypatch, FakeClient(error=gspread.exceptions.SpreadsheetNotFound("nope"))
    )
    with pytest.raises(
        SheetError, match="Share the sheet with the service account"
    ) as caught:
        fetch_sheet(
            URL, session=private_session, service_account_file="/secrets/sa.json"
        )
    assert status_for(caught.value) == 403


def test_service_account_key_file_unreadable(monkeypatch, private_session):
    import gspread

    def broken(filename: str, **kwargs: Any):
        raise FileNotFoundError(filename)

    monkeypatch.setattr(gspread, "service_account", broken)
    with pytest.raises(SheetError, match="key file could not be read"):
        fetch_sheet(URL, session=private_session, service_account_file="/missing.json")


def test_service_account_api_error(monkeypatch, private_session):
    import gspread

    response = requests.Response()
    response.status_code = 500
    response._content = (
        b'{"error": {"code": 500, "message": "backend", "status": "INTERNAL"}}'
    )
    use_client(monkeypatch, FakeClient(error=gspread.exceptions.APIError(response)))
    with pytest.raises(SheetError, match="answered with an error") as caught:
        fetch_sheet(
            URL, session=private_session, service_account_file="/secrets/sa.json"
        )
    assert status_for(caught.value) == 502


def test_public_sheet_does_not_use_service_account(monkeypatch):
    import gspread

    def unexpected(*args: Any, **kwargs: Any):
        raise AssertionError("service account used for a public sheet")

    monkeypatch.setattr(gspread, "service_account", unexpected)
    session, _ = session_for({EXPORT: (200, {"Content-Type": "text/csv"}, CSV)})
    assert (
        fetch_sheet(URL, session=session, service_account_file="/secrets/sa.json")[0]
        == CSV
    )


def test_private_without_service_account_says_how_to_share(private_session):
    with pytest.raises(SheetError) as caught:
        fetch_sheet(URL, session=private_session)
    assert str(caught.value).startswith(
        "This sheet is private. Share it as 'Anyone with the link can view'"
    )


def test_downloaded_sheet_ingests():
    from analytics.ingest import ingest_bytes

    session, _ = session_for({EXPORT: (200, {"Content-Type": "text/csv"}, CSV)})
    data, name = fetch_sheet(URL, session=session)
    assert ingest_bytes(data, name).frame["revenue"].sum() == 30.5
