"""Rate columns, P&L workbook templates and aligned text through POST /upload and GET /api/data."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import module_client, upload
from tests.fixtures import shapes


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


def kpis_of(client, data: bytes, name: str) -> dict:
    response = upload(client, data, name)
    assert response.status_code == 201, response.get_json()
    sid = response.get_json()["session_id"]
    body = client.get(f"/api/data/{sid}")
    assert body.status_code == 200
    return body.get_json()["kpis"]


def test_margin_column_gives_profit_not_a_sum_of_ratios(client):
    case = shapes.rate_cases()[0]
    lines = case.lines
    profit = float((lines["revenue"] * lines["ratio"]).sum())
    kpis = kpis_of(client, case.data, case.name)
    assert kpis["total_revenue"] == pytest.approx(lines["revenue"].sum(), abs=0.005)
    assert kpis["total_profit"] == pytest.approx(profit, abs=0.005)
    assert kpis["profit_margin"] == pytest.approx(
        profit / lines["revenue"].sum(), abs=1e-4
    )


def test_template_workbook_reads_as_one_statement(client):
    case = shapes.pnl_template(transposed=True)
    income = {k: np.asarray(v) for k, v in case.income.items()}
    revenue = float(
        (
            income["Sales"]
            - income["Returns"]
            - income["Discounts"]
            + income["Other income"]
        ).sum()
    )
    cost = float(sum(case.cogs) + sum(sum(v) for v in case.expenses.values()))
    kpis = kpis_of(client, case.data, case.name)
    assert kpis["total_revenue"] == pytest.approx(revenue, abs=0.005)
    assert kpis["total_cost"] == pytest.approx(cost, abs=0.005)
    assert kpis["total_profit"] == pytest.approx(revenue - cost, abs=0.005)
    assert (kpis["date_start"], kpis["date_end"]) == ("2023-01-01", "2023-08-01")


@pytest.mark.parametrize("case", shapes.text_cases(), ids=lambda c: c.name)
def test_text_reports_upload(client, case):
    kpis = kpis_of(client, case.data, case.name)
    assert kpis["total_revenue"] == pytest.approx(case.lines["amount"].sum(), abs=0.005)
    assert kpis["transactions"] == len(case.lines)
    assert kpis["date_start"] == f"{case.lines['date'].min():%Y-%m-%d}"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><head><title>x</title></head><body>1 2 3</body></html>", "report.txt"),
        (bytes(range(256)) * 16, "report.dat"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "report.tsv"),
    ],
)
def test_text_names_with_other_content_are_415(client, data, name):
    response = upload(client, data, name)
    assert response.status_code == 415
    assert response.get_json()["error"]
