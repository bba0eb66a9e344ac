"""The routing callback, called directly inside a request context."""

from __future__ import annotations

from callbacks.routing import render_page
from tests.conftest import upload


def _text(component) -> str:
    return str(component.to_plotly_json())


def test_root_is_upload_page(app):
    with app.server.test_request_context("/"):
        assert "upload-dropzone" in _text(render_page("/"))


def test_dashboard_of_live_session(app, sales_csv):
    client = app.server.test_client()
    sid = upload(client, sales_csv).get_json()["session_id"]
    with app.server.test_request_context("/"):
        page = _text(render_page(f"/dashboard/{sid}"))
    assert "kpi-row" in page and sid in page


def test_unknown_session_is_expired_page(app):
    with app.server.test_request_context("/"):
        assert "expired" in _text(render_page("/dashboard/" + "Q" * 32))


def test_other_paths_are_not_found(app):
    with app.server.test_request_context("/"):
        assert "Page not found" in _text(render_page("/nowhere"))
