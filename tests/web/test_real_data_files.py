"""A real export split into several uploads (POST /upload with two files, then
POST /upload/<id> with the others) gives the README figures of the whole file through
GET /api/data; replacing the data brings the new file's figures. Skipped without
../shared/data."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, as_owner
from tests.web.test_upload_files import post_files

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="real sample files (shared/data) are not available"
)

SUPERSTORE = "superstore_classic_cp1252.csv"


def superstore_years() -> dict[str, bytes]:
    path = SHARED_DATA / SUPERSTORE
    if not path.exists():
        pytest.skip(f"{SUPERSTORE} not present")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
    year = table["Order Date"].str[-4:]
    out = {}
    for y in ("2014", "2015", "2016", "2017"):
        buffer = io.BytesIO()
        table[year == y].to_csv(buffer, index=False, encoding="cp1252")
        out[f"superstore-{y}.csv"] = buffer.getvalue()
    return out


def kpis(client, sid, **params) -> dict:
    response = client.get(
        f"/api/data/{sid}", query_string={"include": "kpis,breakdowns", **params}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_superstore_by_year_in_two_steps_gives_the_readme_figures(client):
    years = list(superstore_years().items())
    created = post_files(client, years[:2])
    assert created.status_code == 201, created.get_json()
    sid = created.get_json()["session_id"]
    added = post_files(client, years[2:], url=f"/upload/{sid}", headers=as_owner(sid))
    assert added.status_code == 200, added.get_json()
    body = added.get_json()
    assert body["rows"] == 9994
    assert [f["rows_used"] for f in body["files"]] == [1993, 2102, 2587, 3312]
    data = kpis(client, sid, group_by="Source file")
    assert data["kpis"]["total_revenue"] == 2_297_200.86
    assert data["kpis"]["total_profit"] == 286_397.02
    by_file = {
        r["Source file"]: r["revenue"] for r in data["breakdowns"]["by_dimension"]
    }
    assert by_file == {
        "superstore-2014.csv": 484_247.50,
        "superstore-2015.csv": 470_532.51,
        "superstore-2016.csv": 609_205.60,
        "superstore-2017.csv": 733_215.26,
    }
    only_2017 = kpis(client, sid, filter="Source file:superstore-2017.csv")
    assert only_2017["kpis"]["total_revenue"] == 733_215.26


def test_adding_the_same_year_again_changes_nothing(client):
    years = list(superstore_years().items())
    sid = post_files(client, years).get_json()["session_id"]
    again = post_files(
        client, [years[1]], url=f"/upload/{sid}", headers=as_owner(sid)
    ).get_json()
    assert again["files"][-1]["name"] == "superstore-2015.csv (2)"
    assert again["files"][-1]["overlap"] == 2102
    assert again["files"][-1]["rows_used"] == 0
    assert again["rows"] == 9994
    assert kpis(client, sid)["kpis"]["total_revenue"] == 2_297_200.86


def test_replace_data_with_one_year(client):
    years = list(superstore_years().items())
    sid = post_files(client, years[:2]).get_json()["session_id"]
    body = post_files(
        client, [years[3]], url=f"/upload/{sid}", headers=as_owner(sid), mode="replace"
    ).get_json()
    assert body["rows"] == 3312
    assert kpis(client, sid)["kpis"]["total_revenue"] == 733_215.26
