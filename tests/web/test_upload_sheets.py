"""POST /upload with a Google Sheets link, the network replaced at the HTTP layer."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import csrf_token

SHEET = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit#gid=42"


class FakeResponse:
    def __init__(
        self, status: int, body: bytes = b"", headers: dict | None = None
    ) -> None:
        self.status_code = status
        self._body = body
        self.headers = headers or {}

    def iter_content(self, size: int):
        for start in range(0, len(self._body), size):
            yield self._body[start : start + size]

    def close(self) -> None:
        pass


@pytest.fixture
def network(monkeypatch):
    calls: list[str] = []
    replies: list[FakeResponse] = []

    def fake_get(self, url, **kwargs):
        calls.append(url)
        return replies.pop(0)

    monkeypatch.setattr(requests.Session, "get", fake_get)
    return calls, replies


def post_link(client, link: str):
    return client.post(
        "/upload", data={"sheet_url": link}, headers={"X-CSRFToken": csrf_token(client)}
    )


def test_link_shared_sheet_becomes_a_session(client, network, sales_csv, sales_frame):
    calls, replies = network
    replies.append(
        FakeResponse(
            200,
            sales_csv,
            {
                "Content-Type": "text/csv",
                "Content-Disposition": 'attachment; filename="Shop - Sales.csv"',
            },
        )
    )
    response = post_link(client, SHEET)
    assert response.status_code == 201, response.get_json()
    assert calls == [
        "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/export?format=csv&gid=42"
    ]
    body = client.get(f"/api/data/{response.get_json()['session_id']}").get_json()
    assert body["source"]["type"] == "google_sheets"
    assert body["kpis"]["total_revenue"] == pytest.approx(
        sales_frame["Revenue"].sum(), abs=0.01
    )


@pytest.mark.parametrize(
    "link",
    [
        "http://docs.google.com/spreadsheets/d/abc/edit",
        "https://evil.example.com/spreadsheets/d/abc/edit",
        "https://docs.google.com@127.0.0.1/spreadsheets/d/abc",
        "https://127.0.0.1/spreadsheets/d/abc",
        "https://docs.google.com/document/d/abc/edit",
    ],
)
def test_other_addresses_are_refused_before_any_request(client, network, link):
    calls, _ = network
    response = post_link(client, link)
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]
    assert calls == []


def test_private_sheet_says_how_to_share_it(client, network):
    _, replies = network
    replies.append(
        FakeResponse(
            302,
            headers={"Location": "https://accounts.google.com/ServiceLogin?continue=x"},
        )
    )
    response = post_link(client, SHEET)
    assert response.status_code in (401, 403)
    assert "Anyone with the link" in response.get_json()["error"]


def test_missing_sheet_is_404(client, network):
    _, replies = network
    replies.append(FakeResponse(404))
    response = post_link(client, SHEET)
    assert response.status_code == 404
    assert "not found" in response.get_json()["error"]
