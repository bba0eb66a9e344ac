"""GET /api/export/<id>/<kind>.<fmt>: the dashboard's downloads, opened as a spreadsheet would."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import openpyxl
import pandas as pd
import pytest
from werkzeug.http import parse_options_header

from tests.conftest import module_client, new_session, transactions_frame

EXPORTS = [("data", "csv"), ("data", "xlsx"), ("skus", "csv"), ("skus", "xlsx")]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEETS = {"data": "Data", "skus": "SKU ranking"}
FILTER_CASES = {
    "date range": {"start": "2023-03-15", "end": "2023-09-30"},
    "one category": {"category": "Software"},
    "two categories": {"category": "Hardware,Services"},
    "sku search": {"sku": "sku-01"},
    "everything": {
        "start": "2023-04-01",
        "end": "2024-03-31",
        "category": "Services",
        "sku": "0",
    },
}
#: Cells a spreadsheet would run as formulas, in the SKU and category columns.
INJECTED = pd.DataFrame(
    {
        "Date": ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06",
                 "2024-01-07", "2024-01-08"],
        "SKU": ["=SUM(A1:A9)", "+SKU-1", "-SKU-2", "@SKU-3", "SKU-4",
                '=HYPERLINK("http://example.com","open")', "SKU-4"],
        "Category": ["=1+1", "+Promo", "-Clearance", "@Import", "Plain", "Plain", "Plain"],
        "Revenue": [10.5, 20.0, 30.25, 40.0, 50.0, 60.0, -12.5],
        "Cost": [5.0, 10.0, 15.0, 20.0, 25.0, 30.0, -6.0],
    }
)  # fmt: skip
TRIGGERS = ("=", "+", "-", "@")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return transactions_frame()


@pytest.fixture(scope="module")
def sid(client, raw) -> str:
    return new_session(client, raw, "sales.csv")


@pytest.fixture(scope="module")
def injected_sid(client) -> str:
    return new_session(client, INJECTED, "injected.csv")


def export(client, sid: str, kind: str, fmt: str, **params: str):
    query = f"?{urlencode(params)}" if params else ""
    return client.get(f"/api/export/{sid}/{kind}.{fmt}{query}")


def read_csv(body: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype={"sku": "str"})


def read_sheet(body: bytes) -> tuple[str, list[str], list[tuple]]:
    """Title, header and data rows of the workbook's only sheet, as openpyxl reads them."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert len(book.worksheets) == 1
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return sheet.title, list(rows[0]), rows[1:]


def column(header: list[str], rows: list[tuple], name: str) -> list:
    return [row[header.index(name)] for row in rows]


def select(
    raw: pd.DataFrame, start=None, end=None, category=None, sku=None
) -> pd.DataFrame:
    """The raw rows a filter set keeps: inclusive dates, exact categories, SKU substring."""
    dates = pd.to_datetime(raw["Date"])
    keep = pd.Series(True, index=raw.index)
    if start:
        keep &= dates >= pd.Timestamp(start)
    if end:
        keep &= dates <= pd.Timestamp(end)
    if category:
        keep &= raw["Category"].isin(category.split(","))
    if sku:
        keep &= raw["SKU"].str.lower().str.contains(sku.lower(), regex=False)
    return raw.loc[keep]


# ---- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_export_is_an_attachment_named_after_the_upload(client, sid, kind, fmt):
    response = export(client, sid, kind, fmt)
    assert response.status_code == 200
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "attachment"
    stem = "cleaned" if kind == "data" else "sku-ranking"
    assert options["filename"] == f"sales-{stem}.{fmt}"


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_export_content_type(client, sid, kind, fmt):
    assert export(client, sid, kind, fmt).headers["Content-Type"] == CONTENT_TYPES[fmt]


def test_download_name_cannot_break_out_of_the_header(client, raw):
    sid = new_session(client, raw.head(30), 'q3 "final"; report.csv')
    header = export(client, sid, "data", "csv").headers["Content-Disposition"]
    _, options = parse_options_header(header)
    name = options["filename"]
    assert name.endswith("-cleaned.csv")
    assert not set('";/\\') & set(name)
    assert header.count('"') == 2


# ---- contents ---------------------------------------------------------------------------------


def test_data_csv_holds_every_row_and_the_revenue(client, sid, raw):
    frame = read_csv(export(client, sid, "data", "csv").data)
    assert len(frame) == len(raw)
    assert {"date", "revenue", "cost", "profit", "sku", "category"} <= set(
        frame.columns
    )
    assert "source_row" not in frame.columns
    assert frame["revenue"].sum() == pytest.approx(raw["Revenue"].sum(), abs=0.01)
    assert sorted(frame["date"]) == sorted(raw["Date"])  # ISO dates, no times of day


def test_data_xlsx_holds_every_row_with_numbers_and_dates_as_cells(client, sid, raw):
    title, header, rows = read_sheet(export(client, sid, "data", "xlsx").data)
    assert title == SHEETS["data"]
    assert len(rows) == len(raw)
    revenue = column(header, rows, "revenue")
    assert all(isinstance(value, (int, float)) for value in revenue)
    assert sum(revenue) == pytest.approx(raw["Revenue"].sum(), abs=0.01)
    dates = column(header, rows, "date")
    assert all(hasattr(value, "year") for value in dates)
    assert sorted(d.strftime("%Y-%m-%d") for d in dates) == sorted(raw["Date"])


def test_skus_csv_ranks_every_sku(client, sid, raw):
    frame = read_csv(export(client, sid, "skus", "csv").data)
    assert len(frame) == raw["SKU"].nunique()
    assert frame["rank"].tolist() == list(range(1, len(frame) + 1))
    assert set(frame["sku"]) == set(raw["SKU"])
    assert frame["revenue"].sum() == pytest.approx(raw["Revenue"].sum(), abs=0.01)


def test_skus_xlsx_ranks_every_sku_with_numeric_cells(client, sid, raw):
    title, header, rows = read_sheet(export(client, sid, "skus", "xlsx").data)
    assert title == SHEETS["skus"]
    assert len(rows) == raw["SKU"].nunique()
    for name in ("rank", "score", "revenue", "transactions"):
        assert all(isinstance(v, (int, float)) for v in column(header, rows, name)), (
            name
        )
    assert sum(column(header, rows, "revenue")) == pytest.approx(
        raw["Revenue"].sum(), abs=0.01
    )


def test_exports_agree_with_the_api(client, sid):
    body = client.get(f"/api/data/{sid}?category=Hardware").get_json()
    frame = read_csv(export(client, sid, "skus", "csv", category="Hardware").data)
    assert frame["sku"].tolist() == [row["sku"] for row in body["sku_scores"]]
    assert frame["score"].tolist() == pytest.approx(
        [row["score"] for row in body["sku_scores"]]
    )


# ---- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("params", FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_data_csv_honours_the_filters(client, sid, raw, params):
    frame = read_csv(export(client, sid, "data", "csv", **params).data)
    rows = select(raw, **params)
    assert len(frame) == len(rows) > 0
    assert frame["revenue"].sum() == pytest.approx(rows["Revenue"].sum(), abs=0.01)
    assert sorted(frame["sku"].unique()) == sorted(rows["SKU"].unique())


@pytest.mark.parametrize("params", FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_data_xlsx_honours_the_filters(client, sid, raw, params):
    _, header, body_rows = read_sheet(
        export(client, sid, "data", "xlsx", **params).data
    )
    rows = select(raw, **params)
    assert len(body_rows) == len(rows)
    assert sum(column(header, body_rows, "revenue")) == pytest.approx(
        rows["Revenue"].sum(), abs=0.01
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("params", FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_skus_export_honours_the_filters(client, sid, raw, params, fmt):
    rows = select(raw, **params)
    want = rows.groupby("SKU")["Revenue"].sum()
    body = export(client, sid, "skus", fmt, **params).data
    if fmt == "csv":
        frame = read_csv(body)
        got = dict(zip(frame["sku"], frame["revenue"], strict=True))
    else:
        _, header, body_rows = read_sheet(body)
        got = dict(
            zip(
                column(header, body_rows, "sku"),
                column(header, body_rows, "revenue"),
                strict=True,
            )
        )
    assert got == pytest.approx(want.to_dict(), abs=0.01)


@pytest.mark.parametrize("kind", ["data", "skus"])
def test_csv_that_matches_nothing_still_has_its_header(client, sid, kind):
    response = export(client, sid, kind, "csv", category="No such category")
    assert response.status_code == 200
    frame = read_csv(response.data)
    assert len(frame) == 0
    assert {"revenue", "sku"} <= set(frame.columns)


@pytest.mark.parametrize("kind", ["data", "skus"])
def test_xlsx_that_matches_nothing_still_has_its_header(client, sid, kind):
    _, header, rows = read_sheet(
        export(client, sid, kind, "xlsx", category="Nothing").data
    )
    assert rows == []
    assert {"revenue", "sku"} <= set(header)


def test_bad_filter_is_400_json(client, sid):
    response = export(client, sid, "data", "csv", start="2024-05-01", end="2024-01-01")
    assert response.status_code == 400
    assert response.is_json
    assert "after" in response.get_json()["error"]


# ---- formula injection -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sku", "category"])
def test_csv_cells_that_would_run_as_formulas_start_with_an_apostrophe(
    client, injected_sid, name
):
    frame = read_csv(export(client, injected_sid, "data", "csv").data)
    original = INJECTED[name.capitalize() if name == "category" else "SKU"]
    assert frame[name].tolist() == [
        "'" + value if value.startswith(TRIGGERS) else value for value in original
    ]


def test_xlsx_cells_that_would_run_as_formulas_are_text_with_an_apostrophe(
    client, injected_sid
):
    _, header, rows = read_sheet(export(client, injected_sid, "data", "xlsx").data)
    for name, source in (("sku", "SKU"), ("category", "Category")):
        cells = column(header, rows, name)
        assert cells == [
            "'" + value if value.startswith(TRIGGERS) else value
            for value in INJECTED[source]
        ]


def test_sku_ranking_export_neutralises_sku_names(client, injected_sid):
    frame = read_csv(export(client, injected_sid, "skus", "csv").data)
    risky = [sku for sku in frame["sku"] if not sku.startswith("SKU-4")]
    assert len(risky) == 5
    assert all(sku.startswith("'") and sku[1:].startswith(TRIGGERS) for sku in risky)
    _, header, rows = read_sheet(export(client, injected_sid, "skus", "xlsx").data)
    assert sorted(column(header, rows, "sku")) == sorted(frame["sku"])


def test_negative_amounts_stay_numbers(client, injected_sid):
    frame = read_csv(export(client, injected_sid, "data", "csv").data)
    assert frame["revenue"].tolist() == INJECTED["Revenue"].tolist()
    _, header, rows = read_sheet(export(client, injected_sid, "data", "xlsx").data)
    assert column(header, rows, "revenue") == INJECTED["Revenue"].tolist()
    assert column(header, rows, "cost") == INJECTED["Cost"].tolist()


# ---- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["data.json", "skus.pdf", "rows.csv", "summary.xlsx"])
def test_unknown_kind_or_format_is_404_json(client, sid, name):
    response = client.get(f"/api/export/{sid}/{name}")
    assert response.status_code == 404
    assert response.is_json
    assert "data.csv" in response.get_json()["error"]


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_unknown_session_is_404_json(client, kind, fmt):
    response = client.get(f"/api/export/{'A' * 32}/{kind}.{fmt}")
    assert response.status_code == 404
    assert response.is_json
    assert "expired" in response.get_json()["error"]
