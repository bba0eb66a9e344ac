"""A dashboard of several files: the column mapping applies to every file, the choice to
keep rows repeated across files, and the files in the Data quality card; only the owner
may change anything."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from dash import no_update

from analytics.schema import ROLES
from callbacks.files import apply_overlaps
from callbacks.mapping import apply_mapping
from components.files import files_section
from components.quality import NONE_VALUE, quality_card
from tests.conftest import as_owner, transactions_frame
from tests.web.test_upload_files import post_files
from web.extensions import extensions


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


@pytest.fixture
def year() -> pd.DataFrame:
    frame = transactions_frame(rows=500, start="2024-01-01", days=180)
    return frame.sort_values("Date", kind="stable").reset_index(drop=True)


def span(frame: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    month = frame["Date"].str[:7]
    return frame[(month >= first) & (month <= last)]


@pytest.fixture
def overlapping(client, year) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    early, late = span(year, "2024-01", "2024-03"), span(year, "2024-03", "2024-06")
    body = post_files(client, [("early.csv", csv(early)), ("late.csv", csv(late))])
    assert body.status_code == 201, body.get_json()
    return body.get_json()["session_id"], early, late


def revenue(client, sid) -> float:
    body = client.get(f"/api/data/{sid}", query_string={"include": "kpis"}).get_json()
    return body["kpis"]["total_revenue"]


def test_a_mapping_applies_to_every_file(app, client, overlapping, year):
    sid, _early, _late = overlapping
    meta = extensions(app.server).store.get_meta(sid)
    mapping = {**meta.mapping, "revenue": "Unit Price", "cost": None}
    role_ids = [{"type": "mapping-role", "role": role} for role in ROLES]
    values = [mapping.get(role) or NONE_VALUE for role in ROLES]
    with app.server.test_request_context("/", headers=as_owner(sid)):
        status, href = apply_mapping(1, values, role_ids, None, sid)
    assert href == f"/dashboard/{sid}?v=1", status
    whole = span(year, "2024-01", "2024-06")
    assert revenue(client, sid) == pytest.approx(whole["Unit Price"].sum(), abs=0.01)


def test_a_mapping_cannot_apply_to_files_with_different_columns(app, client, year):
    a = span(year, "2024-01", "2024-02")
    b = span(year, "2024-03", "2024-04").rename(columns={"Revenue": "Amount"})
    sid = post_files(client, [("a.csv", csv(a)), ("b.csv", csv(b))]).get_json()[
        "session_id"
    ]
    meta = extensions(app.server).store.get_meta(sid)
    role_ids = [{"type": "mapping-role", "role": role} for role in ROLES]
    values = [meta.mapping.get(role) or NONE_VALUE for role in ROLES]
    with app.server.test_request_context("/", headers=as_owner(sid)):
        status, href = apply_mapping(1, values, role_ids, None, sid)
    assert href is no_update
    assert "different columns" in str(status.to_plotly_json())


def test_keeping_and_dropping_repeated_rows(app, client, overlapping):
    sid, early, late = overlapping
    once = revenue(client, sid)
    with app.server.test_request_context("/", headers=as_owner(sid)):
        status, href = apply_overlaps(1, ["keep"], sid)
    assert href == f"/dashboard/{sid}?v=1", status
    assert revenue(client, sid) == pytest.approx(
        early["Revenue"].sum() + late["Revenue"].sum(), abs=0.01
    )
    with app.server.test_request_context("/", headers=as_owner(sid)):
        apply_overlaps(1, [], sid)
    assert revenue(client, sid) == pytest.approx(once, abs=0.001)


def test_only_the_owner_may_keep_repeated_rows(app, client, overlapping):
    sid, _early, _late = overlapping
    with app.server.test_request_context("/"):
        status, href = apply_overlaps(1, ["keep"], sid)
    assert href is no_update
    assert "Only the browser that uploaded" in str(status.to_plotly_json())
    meta = extensions(app.server).store.get_meta(sid)
    assert meta.keep_overlaps is False


def test_the_quality_card_lists_the_files(app, overlapping):
    sid, early, late = overlapping
    meta = extensions(app.server).store.get_meta(sid)
    card = str(quality_card(meta).to_plotly_json())
    assert "Files (2)" in card and "early.csv" in card and "late.csv" in card
    march = int((early["Date"].str[:7] == "2024-03").sum())
    assert f"{march:,} row(s) are identical on every column" in card
    assert "overlap from 2024-03-01" in card
    assert files_section(replace(meta, report={**meta.report, "files": []})) is None
