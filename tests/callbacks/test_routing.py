"""The routing callback, called directly inside a request context."""

from __future__ import annotations

from analytics.formatting import format_money
from callbacks.routing import render_page
from components import ids
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


def test_dashboard_arrives_with_its_kpi_cards_under_the_address_filters(
    app, sales_csv, sales_frame
):
    sid = upload(app.server.test_client(), sales_csv).get_json()["session_id"]
    software = sales_frame[sales_frame["Category"] == "Software"]
    with app.server.test_request_context("/"):
        page = render_page(f"/dashboard/{sid}", "?category=Software")
        row = _text(page[ids.KPI_ROW])
        summary = page[ids.FILTER_SUMMARY].children
        csv_href = page[ids.DOWNLOAD_DATA_CSV].href
        revenue = format_money(round(float(software["Revenue"].sum()), 2), "$")
        everything = format_money(round(float(sales_frame["Revenue"].sum()), 2), "$")
    assert "kpi-total_revenue" in row and revenue in row and everything not in row
    assert "category Software" in summary
    assert csv_href.startswith(f"/api/export/{sid}/data.csv") and "Software" in csv_href


def test_an_expired_link_has_no_cards_to_fill(app):
    with app.server.test_request_context("/"):
        page = render_page("/dashboard/" + "Q" * 32)
    assert "kpi-total_revenue" not in _text(page)
