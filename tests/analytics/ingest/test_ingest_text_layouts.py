"""Plain-text reports in columns aligned with spaces or fixed widths (.txt, .dat, .tsv)."""

from __future__ import annotations

import pytest

from analytics.errors import UnsupportedFileType
from analytics.ingest import ingest_bytes
from tests.fixtures import shapes

CASES = shapes.text_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_text_layout_totals_dates_and_quantities(case):
    result = ingest_bytes(case.data, case.name)
    frame, lines = result.frame, case.lines
    assert len(frame) == len(lines)
    assert round(frame["revenue"].sum(), 2) == pytest.approx(
        round(float(lines["amount"].sum()), 2), abs=0.005
    )
    assert frame["quantity"].sum() == lines["quantity"].sum()
    assert result.report["date_range"] == [
        f"{lines['date'].min():%Y-%m-%d}",
        f"{lines['date'].max():%Y-%m-%d}",
    ]
    assert sum(e["count"] for e in result.report["set_aside"]) == case.set_aside_rows
    assert result.frame["profit"].isna().all()


@pytest.mark.parametrize("case", CASES[:1] + CASES[2:], ids=lambda c: c.name)
def test_zero_padded_ids_stay_text(case):
    result = ingest_bytes(case.data, case.name)
    customers = set(result.frame["customer"].dropna())
    assert customers == set(case.lines["customer"])
    assert all(len(c) == 5 and c.startswith("00") for c in customers)


def test_yyyymmdd_integers_are_dates_never_amounts():
    case = CASES[0]
    result = ingest_bytes(case.data, case.name)
    assert result.mapping["date"] == "date"
    assert result.mapping["revenue"] == "dollar_value"
    assert result.frame["revenue"].max() < 1000


def test_the_report_names_the_layout():
    aligned = ingest_bytes(CASES[0].data, CASES[0].name).report
    fixed = ingest_bytes(CASES[1].data, CASES[1].name).report
    assert aligned["read"]["delimiter"] == "whitespace"
    assert fixed["read"]["delimiter"] == "fixed-width"
    assert any("aligned with spaces" in a for a in aligned["assumptions"])
    assert any("fixed-width" in a for a in fixed["assumptions"])


def test_fixed_width_values_keep_their_inner_spaces():
    case = CASES[1]
    result = ingest_bytes(case.data, case.name)
    assert set(result.frame["customer"]) == set(case.lines["name"])


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table>", "sales.txt"),
        (b"\x00\x01\x02\x03" * 400, "sales.dat"),
    ],
)
def test_web_pages_and_binaries_named_as_text_are_refused(data, name):
    with pytest.raises(UnsupportedFileType):
        ingest_bytes(data, name)


def test_a_comma_csv_with_spaces_in_values_is_still_a_csv():
    rows = ["date,product name,amount"]
    rows += [f"2024-01-{d:02d},Blue  Widget {d},{d}.50" for d in range(1, 21)]
    result = ingest_bytes("\n".join(rows).encode(), "sales.txt")
    assert result.report["read"]["delimiter"] == ","
    assert result.frame["revenue"].sum() == pytest.approx(
        sum(d + 0.5 for d in range(1, 21))
    )


def test_a_title_line_above_a_csv_with_timestamps_stays_a_csv():
    rows = ["Sales report    March 2024", "date,sku,amount"]
    rows += [f"2024-03-{d:02d} 10:{d:02d},A{d % 3},{d}.25" for d in range(1, 21)]
    result = ingest_bytes("\n".join(rows).encode(), "report.txt")
    assert result.report["read"]["delimiter"] == ","
    assert result.frame["revenue"].sum() == pytest.approx(
        sum(d + 0.25 for d in range(1, 21))
    )
    assert len(result.frame) == 20


def test_headerless_aligned_text_finds_dates_and_amounts():
    case = CASES[0]
    body = b"\r\n".join(case.data.split(b"\r\n")[1:])
    result = ingest_bytes(body, "CDNOW_master.txt")
    assert len(result.frame) == len(case.lines)
    assert result.frame["revenue"].sum() == pytest.approx(case.lines["amount"].sum())
    assert result.report["date_range"] == [
        f"{case.lines['date'].min():%Y-%m-%d}",
        f"{case.lines['date'].max():%Y-%m-%d}",
    ]
