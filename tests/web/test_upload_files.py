"""Several files, one dashboard: ``POST /upload`` with several ``file`` fields and
``POST /upload/<id>`` (add files, replace data), as an API client and a browser meet them,
refusals included (CSRF, size caps, non-owners, files that cannot be combined)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.conftest import OWNER_TOKENS, as_owner, csrf_token, transactions_frame
from web.extensions import extensions


def post_files(client, files, url="/upload", token=None, headers=None, **form):
    token = csrf_token(client) if token is None else token
    payload = {"file": [(io.BytesIO(data), name) for name, data in files], **form}
    response = client.post(
        url,
        data=payload,
        headers={"X-CSRFToken": token, **(headers or {})},
        content_type="multipart/form-data",
    )
    if url == "/upload" and response.status_code == 201:
        body = response.get_json()
        OWNER_TOKENS[body["session_id"]] = body["owner_token"]
    return response


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


@pytest.fixture
def year() -> pd.DataFrame:
    frame = transactions_frame(rows=600, start="2024-01-01", days=366)
    frame.insert(0, "Line", range(1, len(frame) + 1))
    return frame.sort_values("Date", kind="stable").reset_index(drop=True)


def months(frame: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    month = frame["Date"].str[:7]
    return frame[(month >= first) & (month <= last)]


def api_data(client, sid, **params):
    params.setdefault("include", "kpis,breakdowns")
    response = client.get(f"/api/data/{sid}", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_several_files_make_one_dashboard_with_the_totals_of_the_whole(client, year):
    q1, q2 = months(year, "2024-01", "2024-03"), months(year, "2024-04", "2024-06")
    h2 = months(year, "2024-07", "2024-12")
    response = post_files(
        client, [("q1.csv", csv(q1)), ("q2.csv", csv(q2)), ("h2.csv", csv(h2))]
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["rows"] == len(year)
    assert [f["name"] for f in body["files"]] == ["q1.csv", "q2.csv", "h2.csv"]
    assert [f["rows_used"] for f in body["files"]] == [len(q1), len(q2), len(h2)]
    data = api_data(client, body["session_id"])
    assert data["kpis"]["total_revenue"] == pytest.approx(
        round(year["Revenue"].sum(), 2), abs=0.005
    )


def test_source_file_is_a_dimension_of_the_api(client, year):
    q1, q2 = months(year, "2024-01", "2024-03"), months(year, "2024-04", "2024-06")
    sid = post_files(client, [("q1.csv", csv(q1)), ("q2.csv", csv(q2))]).get_json()[
        "session_id"
    ]
    data = api_data(client, sid, group_by="Source file")
    rows = {r["Source file"]: r["revenue"] for r in data["breakdowns"]["by_dimension"]}
    assert rows["q1.csv"] == pytest.approx(q1["Revenue"].sum(), abs=0.01)
    assert rows["q2.csv"] == pytest.approx(q2["Revenue"].sum(), abs=0.01)
    only = api_data(client, sid, filter="Source file:q2.csv")
    assert only["kpis"]["total_revenue"] == pytest.approx(q2["Revenue"].sum(), abs=0.01)


def test_overlapping_exports_are_not_double_counted(client, year):
    early, late = months(year, "2024-01", "2024-03"), months(year, "2024-03", "2024-05")
    march = int((year["Date"].str[:7] == "2024-03").sum())
    body = post_files(
        client, [("jan-mar.csv", csv(early)), ("mar-may.csv", csv(late))]
    ).get_json()
    assert body["rows"] == len(months(year, "2024-01", "2024-05"))
    assert [f["overlap"] for f in body["files"]] == [0, march]
    kept = post_files(
        client,
        [("jan-mar.csv", csv(early)), ("mar-may.csv", csv(late))],
        keep_overlaps="1",
    ).get_json()
    assert kept["rows"] == len(early) + len(late)


def test_add_files_to_a_dashboard(client, year):
    q1, q2 = months(year, "2024-01", "2024-03"), months(year, "2024-04", "2024-06")
    q3 = months(year, "2024-07", "2024-09")
    sid = post_files(client, [("q1.csv", csv(q1)), ("q2.csv", csv(q2))]).get_json()[
        "session_id"
    ]
    response = post_files(
        client, [("q3.csv", csv(q3))], url=f"/upload/{sid}", headers=as_owner(sid)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["session_id"] == sid
    assert body["rows"] == len(q1) + len(q2) + len(q3)
    assert [f["name"] for f in body["files"]] == ["q1.csv", "q2.csv", "q3.csv"]
    data = api_data(client, sid)
    total = q1["Revenue"].sum() + q2["Revenue"].sum() + q3["Revenue"].sum()
    assert data["kpis"]["total_revenue"] == pytest.approx(total, abs=0.01)


def test_add_a_file_to_a_one_file_dashboard(client, year):
    q1, q2 = months(year, "2024-01", "2024-03"), months(year, "2024-04", "2024-06")
    sid = post_files(client, [("q1.csv", csv(q1))]).get_json()["session_id"]
    body = post_files(
        client, [("q2.csv", csv(q2))], url=f"/upload/{sid}", headers=as_owner(sid)
    ).get_json()
    assert body["rows"] == len(q1) + len(q2)
    assert [f["name"] for f in body["files"]] == ["q1.csv", "q2.csv"]


def test_replace_data(client, year):
    q1, q2 = months(year, "2024-01", "2024-03"), months(year, "2024-04", "2024-06")
    sid = post_files(client, [("q1.csv", csv(q1)), ("q2.csv", csv(q2))]).get_json()[
        "session_id"
    ]
    h2 = months(year, "2024-07", "2024-12")
    body = post_files(
        client,
        [("h2.csv", csv(h2))],
        url=f"/upload/{sid}",
        headers=as_owner(sid),
        mode="replace",
    ).get_json()
    assert body["rows"] == len(h2)
    assert body["files"] == []
    assert api_data(client, sid)["kpis"]["total_revenue"] == pytest.approx(
        h2["Revenue"].sum(), abs=0.01
    )


def test_adding_is_refused_to_anyone_but_the_owner(client, make_app, year):
    q1, q2 = months(year, "2024-01", "2024-03"), months(year, "2024-04", "2024-06")
    sid = post_files(client, [("q1.csv", csv(q1))]).get_json()["session_id"]
    other = make_app().server.test_client()
    response = post_files(other, [("q2.csv", csv(q2))], url=f"/upload/{sid}")
    assert response.status_code == 403
    assert "Only the browser that uploaded these files" in response.get_json()["error"]
    assert api_data(client, sid)["kpis"]["total_revenue"] == pytest.approx(
        q1["Revenue"].sum(), abs=0.01
    )


def test_adding_needs_the_csrf_token(client, year):
    sid = post_files(client, [("q1.csv", csv(year))]).get_json()["session_id"]
    response = post_files(
        client,
        [("b.csv", csv(year))],
        url=f"/upload/{sid}",
        token="forged",
        headers=as_owner(sid),
    )
    assert response.status_code == 400
    assert "Security check" in response.get_json()["error"]


def test_adding_to_an_unknown_session_is_404_json(client, year):
    response = post_files(client, [("b.csv", csv(year))], url="/upload/nope")
    assert response.status_code == 404
    assert response.is_json


def test_unknown_mode_is_400(client, year):
    sid = post_files(client, [("a.csv", csv(year))]).get_json()["session_id"]
    response = post_files(
        client,
        [("b.csv", csv(year))],
        url=f"/upload/{sid}",
        headers=as_owner(sid),
        mode="merge",
    )
    assert response.status_code == 400
    assert "mode=add" in response.get_json()["error"]


def test_files_with_different_figures_are_refused_with_the_reason(client, year):
    no_cost = months(year, "2024-04", "2024-06").drop(columns=["Cost"])
    response = post_files(
        client,
        [("q1.csv", csv(months(year, "2024-01", "2024-03"))), ("q2.csv", csv(no_cost))],
    )
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert "“q1.csv” has cost or profit figures but “q2.csv” has none" in message


def test_a_refused_file_is_named(client, year):
    response = post_files(
        client, [("q1.csv", csv(year)), ("notes.csv", b"Name,Email\nA,a@b.c\n")]
    )
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("“notes.csv”:")


def test_a_file_over_the_per_file_cap_is_413_naming_it(make_app, year):
    client = make_app(
        MAX_CONTENT_LENGTH=20_000, MAX_UPLOAD_TOTAL_BYTES=100_000
    ).server.test_client()
    small = csv(months(year, "2024-01", "2024-01"))
    assert len(small) < 20_000 < len(csv(year))
    response = post_files(client, [("jan.csv", small), ("year.csv", csv(year))])
    assert response.status_code == 413
    assert "“year.csv”" in response.get_json()["error"]


def test_files_over_the_total_cap_are_413_naming_the_cap(make_app, year):
    client = make_app(
        MAX_CONTENT_LENGTH=5_000, MAX_UPLOAD_TOTAL_BYTES=8_000
    ).server.test_client()
    q = [csv(months(year, f"2024-0{m}", f"2024-0{m}")) for m in (1, 2, 3, 4)]
    assert all(len(b) < 5_000 for b in q) and sum(map(len, q)) > 8_000
    response = post_files(client, [(f"m{i}.csv", b) for i, b in enumerate(q)])
    assert response.status_code == 413
    message = response.get_json()["error"]
    assert "together are larger than the 7.8 KB limit" in message


def test_a_request_body_over_the_total_cap_is_413_naming_the_cap(make_app, year):
    client = make_app(
        MAX_CONTENT_LENGTH=100_000, MAX_UPLOAD_TOTAL_BYTES=100_000
    ).server.test_client()
    big = csv(pd.concat([year] * 4))
    response = post_files(client, [("a.csv", big), ("b.csv", big)])
    assert response.status_code == 413
    assert "together are larger than the 97.7 KB limit" in response.get_json()["error"]


def test_too_many_files_is_413(make_app, year):
    client = make_app(MAX_UPLOAD_FILES=2).server.test_client()
    response = post_files(client, [(f"{i}.csv", csv(year)) for i in range(3)])
    assert response.status_code == 413
    assert "at most 2" in response.get_json()["error"]


def test_the_quality_report_lists_every_file(client, year):
    q1, q3 = months(year, "2024-01", "2024-03"), months(year, "2024-05", "2024-07")
    sid = post_files(client, [("q1.csv", csv(q1)), ("q3.csv", csv(q3))]).get_json()[
        "session_id"
    ]
    from app import create_app  # noqa: F401  (the app is already built)

    meta = extensions(client.application).store.get_meta(sid)
    files = meta.report["files"]
    assert [f["date_start"][:7] for f in files] == ["2024-01", "2024-05"]
    assert any("No data for April 2024" in n for n in meta.report["span_notes"])


def test_adding_files_has_the_upload_rate_limit(make_app, year):
    client = make_app(RATE_LIMIT=2).server.test_client()
    token = csrf_token(client)
    sid = post_files(client, [("a.csv", csv(year))], token=token).get_json()[
        "session_id"
    ]
    statuses = [
        post_files(
            client, [(f"{i}.csv", csv(year))], url=f"/upload/{sid}", token=token
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]
    refused = post_files(
        client, [("x.csv", csv(year))], url=f"/upload/{sid}", token=token
    )
    assert refused.headers.get("Retry-After")
    assert "Too many requests" in refused.get_json()["error"]
