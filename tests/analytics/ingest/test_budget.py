"""The time budget of one upload, and the ISO fast path of date parsing (same answers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ingest import ingest_bytes, parsing
from analytics.ingest.budget import TimeBudgetExceeded, check_time, time_budget
from web.errors import status_for


def _wide_dates(columns: int = 40, rows: int = 50) -> bytes:
    stamps = pd.date_range("2020-01-01", periods=rows * columns, freq="min")
    grid = np.asarray(stamps.strftime("%Y-%m-%d %H:%M")).reshape(rows, columns)
    header = ",".join(f"c{i}" for i in range(columns))
    return (header + "\n" + "\n".join(",".join(r) for r in grid) + "\n").encode()


def test_a_spent_budget_stops_ingestion_with_a_clear_413():
    with time_budget(1e-9), pytest.raises(TimeBudgetExceeded) as caught:
        ingest_bytes(_wide_dates(), "wide.csv")
    assert status_for(caught.value) == 413
    message = str(caught.value)
    assert "took longer than" in message and "seconds allowed" in message
    assert "remove the columns you do not need" in message


def test_without_a_budget_nothing_is_stopped():
    check_time()  # no budget set: never raises
    with time_budget(None):
        check_time()
    with time_budget(0):
        check_time()


def test_a_nested_budget_keeps_the_earlier_deadline():
    with time_budget(1e-9):
        with time_budget(3600), pytest.raises(TimeBudgetExceeded):
            check_time()
    with time_budget(3600):
        check_time()


ISO_COLUMNS = [
    ["2024-01-15", "2024-02-30", "1800-01-01", "", "N/A", "2024-12-31"],
    ["2024-01-15 10:00", "2024-01-15 25:00", "2024-01-16 00:00", None],
    ["2024-01-15 10:00:00", "2024-03-01 23:59:59", "-"],
    ["2024-01-15T10:00:00", "2099-12-31T23:59:59", "2101-01-01T00:00:00"],
    ["1800-01-01", "1850-06-01", "1899-12-31"],
    ["2024-13-45", "2024-01-01"],
    [f"2023-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)],
]


@pytest.mark.parametrize("values", ISO_COLUMNS)
def test_iso_fast_path_answers_like_the_general_search(values, monkeypatch):
    series = pd.Series(values, dtype="str")
    fast = parsing.parse_dates(series)
    monkeypatch.setattr(parsing, "iso_format", lambda distinct: None)
    general = parsing.parse_dates(series)
    pd.testing.assert_series_equal(fast.values, general.values)
    assert (fast.format, fast.order, fast.ambiguous, fast.mixed) == (
        general.format,
        general.order,
        general.ambiguous,
        general.mixed,
    )
    assert (fast.valid, fast.invalid) == (general.valid, general.invalid)


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-15", "15/01/2024"],  # two shapes: the general search decides
        ["2024-01-15 10:00 UTC", "2024-01-16 10:00 UTC"],  # a zone to strip
        ["2024-1-5", "2024-01-06"],
    ],
)
def test_values_of_other_shapes_take_the_general_search(values):
    distinct = parsing.text_dictionary(pd.Series(values, dtype="str"))[1]
    assert parsing.iso_format(distinct) is None
