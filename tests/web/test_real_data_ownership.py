"""The real Superstore export: one visitor's remapping never reaches the next person."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.schema import ROLES
from callbacks.mapping import apply_mapping
from components.quality import NONE_VALUE
from tests.conftest import SHARED_DATA, upload
from web.ownership import OWNER_COOKIE

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="real sample files (shared/data) are not available"
)

SUPERSTORE = SHARED_DATA / "superstore_classic_cp1252.csv"
#: Total sales of the file, from shared/data/README.md.
README_TOTAL = 2_297_200.86


def test_a_visitors_postal_code_mapping_does_not_reach_the_next_upload(app):
    data = SUPERSTORE.read_bytes()
    frame = pd.read_csv(SUPERSTORE, encoding="cp1252")
    assert round(float(frame["Sales"].sum()), 2) == README_TOTAL
    visitor, next_person = app.server.test_client(), app.server.test_client()

    created = upload(visitor, data, SUPERSTORE.name).get_json()
    mapping = {**created["mapping"], "revenue": "Postal Code"}
    role_ids = [{"type": "mapping-role", "role": role} for role in ROLES]
    values = [mapping.get(role) or NONE_VALUE for role in ROLES]
    cookie = visitor.get_cookie(OWNER_COOKIE).value
    with app.server.test_request_context(
        "/", headers={"Cookie": f"{OWNER_COOKIE}={cookie}"}
    ):
        _status, href = apply_mapping(1, values, role_ids, None, created["session_id"])
    assert href is not None
    remapped = visitor.get(f"/api/data/{created['session_id']}").get_json()["kpis"]
    assert remapped["total_revenue"] == round(float(frame["Postal Code"].sum()), 2)

    theirs = upload(next_person, data, SUPERSTORE.name).get_json()
    kpis = next_person.get(f"/api/data/{theirs['session_id']}").get_json()["kpis"]
    assert theirs["mapping"]["revenue"] == "Sales"
    assert kpis["total_revenue"] == README_TOTAL
