"""Locale formats on the real sample files: a German reader gets the same figures as the
data README, written the German way, in the report and in the downloads."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analytics.formatting import format_date, format_money
from tests.conftest import SHARED_DATA, module_client, upload
from tests.web.test_real_data_routes import ONLINE_RETAIL, README_FIGURES, SUPERSTORE

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="real sample files (shared/data) are not available"
)

GERMAN = {"Accept-Language": "de-DE"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def sessions(client) -> dict[str, str]:
    out = {}
    for name in (SUPERSTORE, ONLINE_RETAIL):
        response = upload(client, (SHARED_DATA / name).read_bytes(), name)
        assert response.status_code == 201, response.get_json()
        out[name] = response.get_json()["session_id"]
    return out


@pytest.mark.parametrize("name", [SUPERSTORE, ONLINE_RETAIL])
def test_german_report_has_the_readme_figures(client, sessions, name):
    figures = README_FIGURES[name]
    sid = sessions[name]
    body = client.get(f"/api/report/{sid}.md", headers=GERMAN).get_data(as_text=True)
    english = client.get(f"/api/report/{sid}.md").get_data(as_text=True)
    symbol = next(
        s for s in ("$", "£", "€") if format_money(figures["revenue"], s) in english
    )
    revenue = format_money(figures["revenue"], symbol, locale="de-DE")
    assert revenue in body, (revenue, body[:600])
    first, last = figures["dates"]
    span = (
        f"{format_date(first, locale='de-DE')} to {format_date(last, locale='de-DE')}"
    )
    assert span in body


@pytest.mark.parametrize("kind", ["skus", "data"])
def test_german_csv_holds_the_same_figures(client, sessions, kind):
    sid = sessions[SUPERSTORE]
    english = client.get(f"/api/export/{sid}/{kind}.csv")
    german = client.get(f"/api/export/{sid}/{kind}.csv", headers=GERMAN)
    assert english.status_code == german.status_code == 200
    a = pd.read_csv(io.BytesIO(english.data), encoding="utf-8-sig", dtype={"sku": str})
    b = pd.read_csv(
        io.BytesIO(german.data),
        encoding="utf-8-sig",
        sep=";",
        decimal=",",
        dtype={"sku": str},
    )
    pd.testing.assert_frame_equal(a, b)
    revenue = [c for c in b.columns if c.lower() == "revenue"][0]
    assert round(float(b[revenue].sum()), 2) == README_FIGURES[SUPERSTORE]["revenue"]
