"""GET /api/report/<id>.pdf|.md|.html: the dashboard's figures on paper and in an e-mail.

The PDF's text layer is read back with poppler's ``pdftotext`` and its size and page count
with ``pdfinfo``; figures are computed here with plain pandas.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analytics.formatting import format_date
from callbacks.report import report_links
from components.filters import filter_state
from tests.conftest import module_client, new_session, transactions_frame


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return transactions_frame(rows=600, days=400)


@pytest.fixture(scope="module")
def sid(client, frame) -> str:
    return new_session(client, frame, "shop <sales>.csv")


def pdf_text(body: bytes, tmp_path: Path, mode: str = "-layout") -> str:
    """The PDF's text: ``-layout`` keeps the page's columns, ``-raw`` the drawing order."""
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    return subprocess.run(
        ["pdftotext", mode, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pdf_info(body: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(body)
    out = subprocess.run(
        ["pdfinfo", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return dict(
        (key.strip(), value.strip())
        for key, value in (
            line.split(":", 1) for line in out.splitlines() if ":" in line
        )
    )


def money(value: float) -> str:
    return ("\u2212" if value < 0 else "") + f"${cents(value)}"


def cents(value: float) -> str:
    """1234.5 → "1,234.50" (the digits; the sign and currency are checked apart)."""
    return f"{abs(value):,.2f}"


def test_pdf_has_the_dashboard_figures(client, sid, frame, tmp_path):
    response = client.get(f"/api/report/{sid}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data, tmp_path)
    revenue = frame["Revenue"].sum()
    cost = frame["Cost"].sum()
    assert f"${cents(revenue)}" in text
    assert f"${cents(cost)}" in text
    assert f"${cents(revenue - cost)}" in text
    assert f"{(revenue - cost) / revenue:.1%}" in text
    assert f"{len(frame):,}" in text
    dates = pd.to_datetime(frame["Date"])
    assert f"Data: {format_date(dates.min())} to {format_date(dates.max())}" in text
    for heading in (
        "Revenue and profit",
        "Revenue by category",
        "Top SKUs by score",
        "Bottom SKUs by score",
        "Forecast",
        "Insights",
        "Data quality",
    ):
        assert heading in text
    # every category's revenue, to the cent
    for _, total in frame.groupby("Category")["Revenue"].sum().items():
        assert f"${cents(total)}" in text
    assert f"{len(frame):,} rows read, {len(frame):,} used." in text


def test_pdf_figures_match_api_data(client, sid, tmp_path):
    query = "start=2023-07-01&end=2023-12-31&category=Hardware,Software"
    data = client.get(f"/api/data/{sid}?{query}").get_json()
    body = client.get(f"/api/report/{sid}.pdf?{query}").data
    text = pdf_text(body, tmp_path)
    raw = " ".join(pdf_text(body, tmp_path, "-raw").split())
    kpis = data["kpis"]
    assert f"${cents(kpis['total_revenue'])}" in text
    assert f"${cents(kpis['total_profit'])}" in text
    assert "dates 2023-07-01 to 2023-12-31; category Hardware, Software" in text
    for row in data["breakdowns"]["by_category"]:
        assert f"${cents(row['revenue'])}" in text
    top = data["sku_scores"][:5]
    flat = " ".join(text.split())
    for row in top:
        assert f"{row['rank']} {row['sku']} {row['score']:.0f}" in flat
        assert f"${cents(row['revenue'])}" in text
    # compared with the period before: the change is a signed percentage with a word
    revenue = data["kpis"]["total_revenue"]
    previous = client.get(
        f"/api/data/{sid}?start=2023-01-01&end=2023-06-30&category=Hardware,Software"
    ).get_json()["kpis"]["total_revenue"]
    change = (revenue - previous) / abs(previous)
    word = "up" if change > 0 else "down"
    sign = "+" if change > 0 else "\u2212"
    assert f"Total revenue {money(revenue)} {word} {sign}{abs(change):.1%}" in raw
    assert "Changes on the cards: vs Jan 1, 2023 – Jun 30, 2023" in flat


def test_pages_and_paper_sizes(client, sid, tmp_path):
    a4 = pdf_info(client.get(f"/api/report/{sid}.pdf?paper=a4").data, tmp_path)
    letter = pdf_info(client.get(f"/api/report/{sid}.pdf?paper=letter").data, tmp_path)
    assert "595.28 x 841.89" in a4["Page size"]
    assert "612 x 792" in letter["Page size"]
    assert 1 <= int(a4["Pages"]) <= 2
    assert 1 <= int(letter["Pages"]) <= 2


def test_forecast_is_included_once_computed(client, frame, tmp_path):
    # a session of its own: /api/data on the shared one starts its forecast job
    sid = new_session(client, frame, "shop <sales>.csv")
    before = pdf_text(client.get(f"/api/report/{sid}.pdf").data, tmp_path)
    assert "Not computed yet" in before
    result = client.get(f"/api/forecast/{sid}").get_json()
    assert result["status"] == "ready"
    after = pdf_text(client.get(f"/api/report/{sid}.pdf").data, tmp_path)
    total = sum(p["yhat"] for p in result["points"])
    flat = " ".join(after.split())
    assert f"for the next {len(result['points'])}" in flat
    assert f"${cents(total)} in total" in flat
    assert "Backtest accuracy: MASE" in flat
    score = result["backtest"][result["model"]]
    assert f"MASE {score['mase']:.2f}" in flat


def test_markdown_and_html_briefs(client, sid, frame):
    response = client.get(f"/api/report/{sid}.md?category=Services")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    services = frame[frame["Category"] == "Services"]
    assert f"**Total revenue:** ${cents(services['Revenue'].sum())}" in body
    assert "Filters: category Services" in body
    assert "## Top SKUs by score" in body
    assert "\\<sales\\>" in body  # the file name's markup is escaped
    html = client.get(f"/api/report/{sid}.html?category=Services")
    assert html.mimetype == "text/html"
    assert html.headers["Cache-Control"] == "no-store"
    page = html.get_data(as_text=True)
    assert "shop &lt;sales&gt;.csv" in page and "<sales>" not in page
    assert f"${cents(services['Revenue'].sum())}" in page
    assert "<script" not in page


def test_bad_requests_get_messages(client, sid):
    paper = client.get(f"/api/report/{sid}.pdf?paper=a3")
    assert paper.status_code == 400
    assert "paper=a4 or paper=letter" in paper.get_json()["error"]
    dates = client.get(f"/api/report/{sid}.pdf?start=yesterday")
    assert dates.status_code == 400
    assert dates.get_json()["error"]
    unknown = client.get(f"/api/report/{'A' * 32}.pdf")
    assert unknown.status_code == 404
    assert "expired" in unknown.get_json()["error"]
    fmt = client.get(f"/api/report/{sid}.docx")
    assert fmt.status_code == 404
    assert ".pdf, .md or .html" in fmt.get_json()["error"]


def test_no_rows_still_gives_a_report(client, sid, tmp_path):
    response = client.get(f"/api/report/{sid}.pdf?sku=no-such-sku")
    assert response.status_code == 200
    assert "No rows match these filters" in pdf_text(response.data, tmp_path)


def test_report_links_follow_the_filters():
    pdf, letter, markdown, html = report_links(
        "abc",
        filter_state("2024-01-01", None, ["Tea", "Coffee"], " mug "),
        "week",
        True,
        "4",
    )
    assert pdf == (
        "/api/report/abc.pdf?start=2024-01-01&category=Coffee%2CTea&sku=mug"
        "&granularity=week&min_sales=4"
    )
    assert letter == pdf + "&paper=letter"
    assert markdown.startswith("/api/report/abc.md?start=2024-01-01")
    assert html.startswith("/api/report/abc.html?")
    assert report_links(None, None, None, None, None) == (
        "#",
        "#",
        "#",
        "#",
    )


def test_orders_cards_as_on_screen_when_the_file_has_order_ids(client, tmp_path):
    from analytics.demo import demo_shop

    shop = demo_shop()
    sid = new_session(client, shop, "orders.csv")
    body = client.get(f"/api/report/{sid}.pdf").data
    raw = " ".join(pdf_text(body, tmp_path, "-raw").split())
    assert f"Transactions (lines) {len(shop):,}" in raw
    assert "Orders " in raw and "Avg order value $" in raw
    assert f"Total revenue ${cents(shop['Revenue'].sum())}" in raw
