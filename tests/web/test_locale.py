"""The reader's locale over HTTP: chosen from the page's setting (cookie), ``?locale=``,
``Accept-Language`` and ``DEFAULT_LOCALE``, applied to the report and the exports, and
never carried from one request to the next; the theme cookie reaches the page."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analytics.formatting import current_locale, format_money
from config import ConfigError, load_settings
from tests.conftest import module_client, new_session, transactions_frame

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return transactions_frame(rows=300, days=200)


@pytest.fixture(scope="module")
def sid(client, frame) -> str:
    return new_session(client, frame, "sales.csv")


def _revenue(frame: pd.DataFrame) -> float:
    return round(float(frame["Revenue"].sum()), 2)


def _report(client, sid: str, **kwargs) -> str:
    response = client.get(f"/api/report/{sid}.md", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_report_follows_the_browser_language(client, sid, frame):
    total = _revenue(frame)
    english = _report(client, sid)
    german = _report(client, sid, headers=GERMAN)
    assert format_money(total, "$") in english
    assert format_money(total, "$", locale="de-DE") in german
    assert format_money(total, "$") not in german
    # dates too: "Data: 3. Jan. 2023 to …"
    assert "Data: " in german and ". 2023" in german


def test_the_setting_beats_the_browser_and_the_link_beats_both(client, sid, frame):
    total = _revenue(frame)
    client.set_cookie("smbrc_locale", "fr-FR")
    try:
        french = _report(client, sid, headers=GERMAN)
        assert format_money(total, "$", locale="fr-FR") in french
        linked = _report(client, sid, headers=GERMAN, query_string={"locale": "en-GB"})
        assert format_money(total, "$", locale="en-GB") in linked
        assert format_money(total, "$", locale="fr-FR") not in linked
    finally:
        client.delete_cookie("smbrc_locale")


@pytest.mark.parametrize("bad", ["xx-YY", "<script>", "de_DE;drop", "a" * 200])
def test_unknown_locales_fall_back_without_an_error(client, sid, frame, bad):
    body = _report(client, sid, query_string={"locale": bad})
    assert format_money(_revenue(frame), "$") in body


def test_nothing_carries_over_to_the_next_request(client, sid, frame):
    _report(client, sid, headers=GERMAN)
    assert format_money(_revenue(frame), "$") in _report(client, sid)
    assert current_locale().tag == "en-US"


def test_csv_export_in_a_decimal_comma_locale(client, sid):
    english = client.get(f"/api/export/{sid}/data.csv")
    german = client.get(f"/api/export/{sid}/data.csv", headers=GERMAN)
    assert english.status_code == german.status_code == 200
    assert (
        german.get_data(as_text=True)
        .lstrip("\ufeff")
        .startswith(
            english.get_data(as_text=True)
            .lstrip("\ufeff")
            .split("\r\n")[0]
            .replace(",", ";")
        )
    )
    a = pd.read_csv(io.BytesIO(english.data), encoding="utf-8-sig")
    b = pd.read_csv(io.BytesIO(german.data), encoding="utf-8-sig", sep=";", decimal=",")
    pd.testing.assert_frame_equal(a, b)  # the same figures, written differently


def test_api_data_numbers_never_change_with_the_locale(client, sid):
    english = client.get(f"/api/data/{sid}?include=kpis").get_json()
    german = client.get(f"/api/data/{sid}?include=kpis", headers=GERMAN).get_json()
    assert english["kpis"] == german["kpis"]


def test_default_locale_setting(make_app, sales_csv):
    app = make_app(DEFAULT_LOCALE="de-DE")
    client = app.server.test_client()
    from tests.conftest import upload

    response = upload(client, sales_csv, "sales.csv")
    sid = response.get_json()["session_id"]
    body = client.get(f"/api/report/{sid}.md").get_data(as_text=True)
    english = client.get(
        f"/api/report/{sid}.md", headers={"Accept-Language": "en-US"}
    ).get_data(as_text=True)
    assert "\u00a0$" in body and "\u00a0$" not in english


@pytest.mark.parametrize("bad", ["klingon", "12", "en US"])
def test_a_bad_default_locale_is_refused_with_a_reason(bad):
    with pytest.raises(ConfigError, match="DEFAULT_LOCALE"):
        load_settings({"DEFAULT_LOCALE": bad}, environ={})


def test_page_carries_the_remembered_theme(client):
    client.set_cookie("smbrc_theme", "dark")
    try:
        page = client.get("/").get_data(as_text=True)
        assert '<html lang="en" data-bs-theme="dark">' in page
        layout = client.get("/_dash-layout").get_data(as_text=True)
        assert '"id": "theme-choice"' in layout or '"id":"theme-choice"' in layout
        assert "chart-themes" in layout
    finally:
        client.delete_cookie("smbrc_theme")
    client.set_cookie("smbrc_theme", '"><script>')
    try:
        page = client.get("/").get_data(as_text=True)
        assert "data-bs-theme" not in page.split("<head>")[0]
        assert '<script>"' not in page
    finally:
        client.delete_cookie("smbrc_theme")


@pytest.mark.parametrize(
    "header",
    [
        "de-DE," * 5000,
        ";q=abc, de;q=",
        "\u00e9\u00e9-\u00e9\u00e9",
        "*",
        "und, zz-ZZ, x-private",
    ],
)
def test_odd_accept_language_headers_are_harmless(client, sid, frame, header):
    response = client.get(f"/api/report/{sid}.md", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert format_money(_revenue(frame), "$") in response.get_data(as_text=True) or (
        format_money(_revenue(frame), "$", locale="de-DE")
        in response.get_data(as_text=True)
    )
