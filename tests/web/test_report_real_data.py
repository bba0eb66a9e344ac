"""The report of real sample files: its figures are those of GET /api/data and of the raw
file read with plain pandas, to the cent; page 1 renders (poppler) and is kept in
test-artifacts/ to look at. Skipped when the shared data folder is absent.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from analytics.formatting import format_date
from tests.conftest import SHARED_DATA, module_client, upload
from tests.web.test_real_data_routes import (
    FINANCIAL,
    ONLINE_RETAIL,
    READERS,
    README_FIGURES,
    SUPERSTORE,
)

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="real sample files (shared/data) are not available"
)

FILES = (SUPERSTORE, FINANCIAL, ONLINE_RETAIL)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def sessions(client) -> dict[str, str]:
    out = {}
    for name in FILES:
        response = upload(client, (SHARED_DATA / name).read_bytes(), name)
        assert response.status_code == 201, response.get_json()
        out[name] = response.get_json()["session_id"]
    return out


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def amount(value: float) -> str:
    """The digits of an amount to the cent, as the report writes them: "1,234.50"."""
    return f"{abs(value):,.2f}"


def has_amount(text: str, value: float) -> bool:
    """``text`` shows ``value`` to the cent, with a minus sign (before the currency)
    exactly when it is negative."""
    sign = "\u2212" if round(value, 2) < 0 else ""
    pattern = rf"(?<![\d.,\u2212]){sign}[^\d\s\u2212]{{0,4}}\s?{re.escape(amount(value))}(?![\d])"
    return re.search(pattern, text) is not None


def dark_share(pgm: bytes) -> float:
    """Share of pixels darker than light grey in a binary PGM (``pdftoppm -gray``)."""
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", pgm)
    assert match, "pdftoppm did not write a PGM image"
    pixels = pgm[match.end() :]
    assert len(pixels) == int(match.group(1)) * int(match.group(2))
    return sum(1 for p in pixels if p < 200) / len(pixels)


@pytest.mark.parametrize("name", FILES)
def test_report_figures_are_those_of_the_dashboard(
    client, sessions, name, tmp_path, artifacts_dir
):
    sid = sessions[name]
    data = client.get(f"/api/data/{sid}").get_json()
    response = client.get(f"/api/report/{sid}.pdf")
    assert response.status_code == 200
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text = run("pdftotext", "-layout", str(pdf), "-")

    raw = READERS[name](SHARED_DATA / name)
    kpis = data["kpis"]
    expected_totals = {
        c: float(raw[c].sum()) for c in ("revenue", "cost", "profit") if c in raw
    }
    if "cost" not in raw and "profit" in raw:  # the app says: cost is revenue − profit
        expected_totals["cost"] = float((raw["revenue"] - raw["profit"]).sum())
    for key, column in (
        ("total_revenue", "revenue"),
        ("total_cost", "cost"),
        ("total_profit", "profit"),
    ):
        if column not in expected_totals:
            assert kpis[key] is None
            continue
        assert kpis[key] == pytest.approx(expected_totals[column], abs=0.005)
        assert has_amount(text, kpis[key]), (key, kpis[key])
    assert kpis["total_revenue"] == pytest.approx(
        README_FIGURES[name]["revenue"], abs=0.005
    )
    assert f"{len(raw):,} rows read" in text
    first, last = raw["date"].min(), raw["date"].max()
    assert f"Data: {format_date(first)} to {format_date(last)}" in text
    for row in (data["breakdowns"]["by_category"] or [])[:8]:
        assert has_amount(text, row["revenue"]), row
        if row["profit"] is not None:
            assert has_amount(text, row["profit"]), row
    flat = " ".join(text.split())
    for row in data["sku_scores"][:5]:
        assert f"{row['rank']} {row['sku']} {row['score']:.0f}" in flat
        assert has_amount(text, row["revenue"]), row

    for paper, size in (("a4", "595.28 x 841.89"), ("letter", "612 x 792")):
        body = client.get(f"/api/report/{sid}.pdf?paper={paper}").data
        pdf.write_bytes(body)
        info = run("pdfinfo", str(pdf))
        assert size in info
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert 1 <= pages <= 2, (paper, pages)

    # page 1 as an image: kept to look at, and it is neither blank nor a black block
    stem = artifacts_dir / f"report-{Path(name).stem}"
    run(
        "pdftoppm",
        "-png",
        "-r",
        "80",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        str(pdf),
        str(stem),
    )
    assert stem.with_suffix(".png").stat().st_size > 10_000
    gray = subprocess.run(
        ["pdftoppm", "-gray", "-r", "30", "-f", "1", "-l", "1", str(pdf)],
        check=True,
        capture_output=True,
    ).stdout
    assert 0.01 < dark_share(gray) < 0.5


def test_superstore_year_filter(client, sessions, tmp_path):
    sid = sessions[SUPERSTORE]
    query = "start=2016-01-01&end=2016-12-31"
    data = client.get(f"/api/data/{sid}?{query}").get_json()
    raw = READERS[SUPERSTORE](SHARED_DATA / SUPERSTORE)
    in_2016 = raw[raw["date"].dt.year == 2016]
    assert data["kpis"]["total_revenue"] == pytest.approx(
        float(in_2016["revenue"].sum()), abs=0.005
    )
    pdf = tmp_path / "2016.pdf"
    pdf.write_bytes(client.get(f"/api/report/{sid}.pdf?{query}").data)
    text = run("pdftotext", "-raw", str(pdf), "-")
    flat = " ".join(text.split())
    assert has_amount(flat, README_FIGURES[SUPERSTORE]["year 2016"])
    assert has_amount(flat, float(in_2016["profit"].sum()))
    # 2016 against 2015, as the dashboard's cards compare
    change = (609_205.60 - 470_532.51) / 470_532.51
    assert f"Total revenue ${amount(609_205.60)} up +{change:.1%}" in flat
    assert "Changes on the cards: vs Jan 1, 2015 – Dec 31, 2015" in flat
    brief = client.get(f"/api/report/{sid}.md?{query}").get_data(as_text=True)
    assert f"**Total revenue:** ${amount(609_205.60)} (up +{change:.1%}" in brief
