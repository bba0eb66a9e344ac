"""analytics.ingest.combine: generated monthly exports (overlapping, gapped, other column
orders, a renamed column) combined into one dataset; refusals with their reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.dataset_model import model_of
from analytics.errors import IngestError
from analytics.ingest import ingest_bytes
from analytics.ingest.combine import (
    OVERLAP_REASON,
    SOURCE_FILE,
    Part,
    combine,
    overlap_rows,
)


def export(start: str, end: str, seed: int = 1) -> pd.DataFrame:
    """A shop's daily lines between two dates (inclusive), with a line id, as
    exported: the same lines whatever range they are exported in."""
    days = pd.date_range("2024-01-01", "2024-12-31", freq="D")
    rng = np.random.default_rng(seed)
    n = len(days) * 3
    frame = pd.DataFrame(
        {
            "Line": np.arange(1, n + 1),
            "Date": np.repeat(days.strftime("%Y-%m-%d"), 3),
            "SKU": rng.choice(["A-1", "B-2", "C-3", "D-4"], n),
            "Region": rng.choice(["North", "South"], n),
            "Qty": rng.integers(1, 5, n),
            "Sales": np.round(rng.uniform(5, 120, n), 2),
            "Cost": np.round(rng.uniform(1, 60, n), 2),
        }
    )
    return frame[(frame["Date"] >= start) & (frame["Date"] <= end)]


def part(name: str, frame: pd.DataFrame) -> Part:
    return Part(name, ingest_bytes(frame.to_csv(index=False).encode(), name))


def total(frame: pd.DataFrame, column: str = "Sales") -> float:
    return round(float(frame[column].sum()), 2)


def test_monthly_files_add_up_to_the_whole_to_the_cent():
    whole = export("2024-01-01", "2024-06-30")
    parts = [
        part(f"2024-{m:02d}.csv", export(f"2024-{m:02d}-01", f"2024-{m:02d}-31"))
        for m in range(1, 7)
    ]
    result = combine(parts)
    assert len(result.frame) == len(whole)
    assert round(result.frame["revenue"].sum(), 2) == total(whole)
    assert round(result.frame["cost"].sum(), 2) == total(whole, "Cost")
    assert result.report["overlaps"]["count"] == 0
    assert result.report["span_notes"] == []


def test_overlapping_exports_are_counted_once_with_exact_counts_per_file():
    early = export("2024-01-01", "2024-03-31")
    late = export("2024-03-01", "2024-05-31")
    middle = export("2024-02-15", "2024-04-15")
    result = combine(
        [part("jan-mar.csv", early), part("mar-may.csv", late), part("mid.csv", middle)]
    )
    whole = export("2024-01-01", "2024-05-31")
    assert len(result.frame) == len(whole)
    assert round(result.frame["revenue"].sum(), 2) == total(whole)
    files = result.report["files"]
    march = len(export("2024-03-01", "2024-03-31"))
    assert [f["overlap"] for f in files] == [0, march, len(middle)]
    assert [f["rows_used"] for f in files] == [len(early), len(late) - march, 0]
    assert files[1]["set_aside_reasons"] == [{"reason": OVERLAP_REASON, "count": march}]
    assert result.report["set_aside"] == [
        {"reason": OVERLAP_REASON, "count": march + len(middle)}
    ]
    assert any(
        "overlap from 2024-03-01 to 2024-03-31" in n
        for n in result.report["span_notes"]
    )


def test_repeats_can_be_kept():
    early, late = export("2024-01-01", "2024-03-31"), export("2024-03-01", "2024-05-31")
    result = combine([part("a.csv", early), part("b.csv", late)], keep_overlaps=True)
    assert len(result.frame) == len(early) + len(late)
    assert result.report["overlaps"] == {
        "count": len(export("2024-03-01", "2024-03-31")),
        "dropped": False,
    }
    assert any("counted twice" in w for w in result.warnings)


def test_identical_lines_within_one_export_are_not_repeats():
    """Two identical sales in one file are two sales; an overlapping file holding them
    twice too adds nothing, holding them three times adds one."""
    line = {"Date": "2024-01-05", "SKU": "A-1", "Qty": 1, "Sales": 9.5, "Cost": 4.0}
    other = {"Date": "2024-01-06", "SKU": "B-2", "Qty": 2, "Sales": 20.0, "Cost": 8.0}
    first = pd.DataFrame([line, line, other])
    second = pd.DataFrame([line, line, line, other])
    result = combine([part("a.csv", first), part("b.csv", second)])
    assert [f["overlap"] for f in result.report["files"]] == [0, 3]
    assert len(result.frame) == 4
    assert round(result.frame["revenue"].sum(), 2) == 9.5 * 3 + 20.0


def test_files_with_columns_in_another_order_are_still_compared():
    early, late = export("2024-01-01", "2024-03-31"), export("2024-03-01", "2024-05-31")
    reordered = late[list(reversed(late.columns))].rename(columns={"Sales": " sales"})
    result = combine([part("a.csv", early), part("b.csv", reordered)])
    assert result.report["files"][1]["overlap"] == len(
        export("2024-03-01", "2024-03-31")
    )
    assert round(result.frame["revenue"].sum(), 2) == total(
        export("2024-01-01", "2024-05-31")
    )


def test_a_file_with_a_renamed_column_is_mapped_on_its_own_to_the_same_roles():
    early, late = export("2024-01-01", "2024-02-29"), export("2024-03-01", "2024-04-30")
    renamed = late.rename(columns={"Sales": "Amount", "Qty": "Units"})
    result = combine([part("a.csv", early), part("b.csv", renamed)])
    assert round(result.frame["revenue"].sum(), 2) == total(early) + total(late)
    assert result.frame["quantity"].sum() == early["Qty"].sum() + late["Qty"].sum()
    by_file = result.frame.groupby(SOURCE_FILE, observed=True)["revenue"].sum().round(2)
    assert by_file.to_dict() == {"a.csv": total(early), "b.csv": total(late)}


def test_source_file_is_a_dimension_of_the_model():
    result = combine(
        [
            part("a.csv", export("2024-01-01", "2024-01-31")),
            part("b.csv", export("2024-02-01", "2024-02-29")),
        ]
    )
    assert isinstance(result.frame[SOURCE_FILE].dtype, pd.CategoricalDtype)
    model = model_of(result.frame, result.report["columns"])
    names = [c.name for c in model.dimensions]
    assert SOURCE_FILE in names and "Region" in names
    region = result.frame["Region"]
    assert isinstance(region.dtype, pd.CategoricalDtype)
    assert set(region.cat.categories) == {"North", "South"}


def test_gaps_between_files_are_said():
    result = combine(
        [
            part("q1.csv", export("2024-01-01", "2024-03-31")),
            part("may.csv", export("2024-05-01", "2024-05-31")),
        ]
    )
    assert any("No data for April 2024" in n for n in result.report["span_notes"])


def test_rows_read_add_up():
    messy = export("2024-02-01", "2024-02-29").astype({"Sales": "object"})
    messy.iloc[3, messy.columns.get_loc("Sales")] = ""
    result = combine(
        [part("a.csv", export("2024-01-01", "2024-01-31")), part("b.csv", messy)]
    )
    report = result.report
    assert report["rows_read"] == report["rows_used"] + report["joined"] + sum(
        e["count"] for e in report["set_aside"]
    )
    files = report["files"]
    assert files[1]["set_aside"] == 1
    assert sum(f["rows_used"] for f in files) == report["rows_used"]


@pytest.mark.parametrize(
    ("drop", "words"),
    [
        (["Cost"], "has cost or profit figures but “b.csv” has none"),
        (["Qty"], "has quantities but “b.csv” has none"),
        (["Date"], "has dates but “b.csv” has none"),
    ],
)
def test_files_with_other_figures_are_refused_with_the_reason(drop, words):
    a = export("2024-01-01", "2024-01-31")
    b = export("2024-02-01", "2024-02-29").drop(columns=drop)
    with pytest.raises(IngestError) as error:
        combine([part("a.csv", a), part("b.csv", b)])
    assert words in str(error.value)


def test_files_in_other_currencies_are_refused():
    a = export("2024-01-01", "2024-01-31").assign(Currency="EUR")
    b = export("2024-02-01", "2024-02-29").assign(Currency="USD")
    with pytest.raises(IngestError, match="different currencies"):
        combine([part("a.csv", a), part("b.csv", b)])


def test_overlap_rows_names_source_rows():
    early, late = export("2024-01-01", "2024-01-10"), export("2024-01-09", "2024-01-20")
    repeats = overlap_rows([part("a.csv", early), part("b.csv", late)])
    # source rows are 1-based with the header as row 1: the first 6 data rows of b
    assert repeats[0].tolist() == []
    assert repeats[1].tolist() == [2, 3, 4, 5, 6, 7]


def stores() -> tuple[pd.DataFrame, pd.DataFrame, object]:
    north, south = (
        export("2024-01-01", "2024-03-31"),
        export("2024-04-01", "2024-06-30"),
    )
    result = combine([part("north-store.csv", north), part("south-store.csv", south)])
    return north, south, result


def test_the_query_engine_groups_and_filters_by_source_file():
    from analytics.query.engine import run
    from analytics.query.spec import QuerySpec

    north, south, result = stores()
    model = model_of(result.frame, result.report["columns"])
    rows = run(
        result.frame,
        QuerySpec(measures=("revenue",), group_by=(SOURCE_FILE,)),
        model,
    ).rows
    assert rows == [
        {SOURCE_FILE: "north-store.csv", "revenue": total(north)},
        {SOURCE_FILE: "south-store.csv", "revenue": total(south)},
    ]


@pytest.mark.parametrize(
    "question", ["Revenue by source file", "What was the revenue per file?"]
)
def test_the_chat_answers_per_file(question):
    from analytics.chat.answer import answer

    north, south, result = stores()
    reply = answer(result.frame, question, source_columns=result.report["columns"])
    assert reply.intent == "breakdown"
    assert "north-store.csv" in reply.answer and "south-store.csv" in reply.answer
    values = [
        round(float(f.value), 2)
        for f in reply.facts
        if isinstance(f.value, int | float)
    ]
    assert total(north) in values and total(south) in values


def test_the_chat_answers_for_one_file():
    from analytics.chat.answer import answer

    _north, south, result = stores()
    reply = answer(
        result.frame,
        "What was the revenue of south-store.csv?",
        source_columns=result.report["columns"],
    )
    assert f"{total(south):,.2f}" in reply.answer


def test_overlapping_spans_without_identical_rows_are_warned_about():
    """Two exports of the same dates whose rows differ (another format, another
    system): nothing is dropped, and the user is told the dates may count twice."""
    early = export("2024-01-01", "2024-03-31")
    late = export("2024-03-01", "2024-05-31").assign(Line=lambda f: f["Line"] + 10_000)
    result = combine([part("shop.csv", early), part("other.csv", late)])
    assert len(result.frame) == len(early) + len(late)
    assert any(
        w.startswith("“shop.csv” and “other.csv” cover the same dates")
        and "counted twice" in w
        for w in result.warnings
    )
    assert any("no row of one is identical" in n for n in result.report["span_notes"])
