"""Hostile uploads: each gets a clear answer within time and memory bounds, and never
touches anybody else's session."""

from __future__ import annotations

import unicodedata

import pytest

from tests.conftest import upload
from tests.hostile.conftest import assert_clear_error, measured
from tests.hostile.files import MANY_SKUS, TEXT_CASES, UPLOAD_CASES, Case


def _param(case: Case):
    marks = [pytest.mark.slow] if case.slow else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in UPLOAD_CASES])
def test_hostile_upload(case: Case, attacker, victim):
    data = case.build()
    with measured() as cost:
        response = upload(attacker, data, case.filename)
    del data
    body = response.get_json(silent=True)
    assert response.status_code in case.status, (response.status_code, body)
    if response.status_code >= 400:
        assert_clear_error(body, *case.says)
    else:
        said = " ".join(body["warnings"]).lower()
        for needle in case.says:
            assert needle.lower() in said, (needle, body["warnings"])
        if case.revenue is not None:
            kpis = attacker.get(f"/api/data/{body['session_id']}").get_json()["kpis"]
            assert kpis["total_revenue"] == pytest.approx(case.revenue(), abs=0.005)
    cost.within_bounds()
    victim.assert_unchanged(attacker)


@pytest.mark.parametrize(
    "case", [_param(c) for c in UPLOAD_CASES if "filename" in c.id]
)
def test_stored_filenames_are_plain_text(case: Case, attacker):
    body = upload(attacker, case.build(), case.filename).get_json()
    stored = attacker.get(f"/api/data/{body['session_id']}").get_json()["source"][
        "filename"
    ]
    assert 0 < len(stored) <= 200
    assert "/" not in stored and "\\" not in stored
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in stored), stored
    assert stored == unicodedata.normalize("NFC", stored)


@pytest.mark.parametrize("case", TEXT_CASES, ids=[c.id for c in TEXT_CASES])
def test_user_text_is_kept_verbatim_as_data(case: Case, attacker):
    """Odd names are data: stored and returned as sent (the page and charts escape them)."""
    body = upload(attacker, case.build()).get_json()
    data = attacker.get(f"/api/data/{body['session_id']}").get_json()
    if case.extra["column"] == "SKU" and case.extra["value"].strip():
        skus = {row["sku"] for row in data["sku_scores"]}
        assert case.extra["value"].strip() in skus


@pytest.mark.slow
def test_many_skus_are_paged(attacker):
    body = upload(attacker, MANY_SKUS.build()).get_json()
    sid = body["session_id"]
    with measured() as cost:
        first = attacker.get(f"/api/data/{sid}")
    cost.within_bounds()
    page = first.get_json()
    assert page["sku_scores_page"] == {"offset": 0, "limit": 1000, "total": 50_000}
    assert len(page["sku_scores"]) == 1000
    assert len(first.data) < 2 * 2**20
    biggest = attacker.get(f"/api/data/{sid}?limit=5000&offset=49000").get_json()
    assert len(biggest["sku_scores"]) == 1000
    assert [r["rank"] for r in biggest["sku_scores"]][:2] == [49_001, 49_002]
