"""What makes the app quick to use, checked as a client meets it: compressed answers,
versioned files kept by the browser, ``?include=`` parts of /api/data, ETags and 304s."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from flask import request

from tests.conftest import upload
from web.compression import cache_key

SCRIPT_SRC = re.compile(r'<script src="([^"]+)"')


@pytest.fixture
def sid(client, sales_csv):
    return upload(client, sales_csv, "sales.csv").get_json()["session_id"]


def test_page_scripts_are_compressed_and_kept_for_a_year(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode()
    assert 'name="csrf-token"' in html
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "immutable" not in page.headers.get("Cache-Control", "")
    bundle = next(
        src for src in SCRIPT_SRC.findall(html) if "dash_core_components.v" in src
    )
    plain = client.get(bundle)
    packed = client.get(bundle, headers={"Accept-Encoding": "br, gzip"})
    assert packed.headers["Content-Encoding"] == "br"
    assert len(packed.data) < len(plain.data) / 3
    for response in (plain, packed):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == (
            "public, max-age=31536000, immutable"
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(bundle, headers={"Accept-Encoding": "br, gzip"})
    assert again.data == packed.data


def test_assets_without_a_version_are_not_kept_for_a_year(client):
    response = client.get("/assets/10_app.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_plotly_is_compressed_once_but_not_kept_for_a_year(app, client):
    # dcc asks for plotly.js by an unversioned URL: its compressed body (1.3 MB of
    # brotli, seconds of CPU under load) is kept per process, the URL is not immutable
    path = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    with app.server.test_request_context(path):
        assert cache_key(request) == path + "?"
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        assert cache_key(request) == ""
    with app.server.test_request_context("/dashboard/x"):
        assert cache_key(request) == ""
    response = client.get(path)
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_api_data_is_compressed_when_asked(client, sid):
    plain = client.get(f"/api/data/{sid}").get_json()
    packed = client.get(f"/api/data/{sid}", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == plain


def test_include_returns_only_the_parts_asked(client, sid, sales_frame):
    full = client.get(f"/api/data/{sid}").get_json()
    body = client.get(f"/api/data/{sid}?include=kpis,timeseries").get_json()
    assert "kpis" in body and "timeseries" in body
    assert not {"breakdowns", "sku_scores", "forecast"} & set(body)
    assert body["kpis"] == full["kpis"]
    assert body["kpis"]["total_revenue"] == round(
        float(sales_frame["Revenue"].sum()), 2
    )
    assert body["timeseries"] == full["timeseries"]
    assert body["source"] == full["source"]


def test_include_of_an_unknown_part_is_a_clear_400(client, sid):
    response = client.get(f"/api/data/{sid}?include=kpis,charts")
    assert response.status_code == 400
    assert "charts" in response.get_json()["error"]


def test_repeated_question_answers_the_same_under_filters(client, sid, sales_frame):
    url = f"/api/data/{sid}?category=Software&include=kpis,breakdowns"
    first = client.get(url).get_json()
    second = client.get(url).get_json()
    assert first == second
    software = sales_frame[sales_frame["Category"] == "Software"]
    assert first["kpis"]["total_revenue"] == round(float(software["Revenue"].sum()), 2)
    assert [row["category"] for row in first["breakdowns"]["by_category"]] == [
        "Software"
    ]


def test_unchanged_answer_is_a_304_with_its_etag(client, sid):
    url = f"/api/data/{sid}?include=kpis"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get(f"{url}&category=Software", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_bad_granularity_is_still_a_400_with_include(client, sid):
    response = client.get(f"/api/data/{sid}?include=kpis&granularity=fortnight")
    assert response.status_code == 400
    assert "fortnight" in response.get_json()["error"]
