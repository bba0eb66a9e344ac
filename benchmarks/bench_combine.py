"""Several files, one dashboard: 12 monthly files of 25,000 rows each against one
300,000-row upload of the same rows, through the service that stores a session
(reading, mapping, combining with the overlap check, storing the frames).

Target (issue "Several exports in one dashboard"): combining takes at most 1.3× the
single upload. Also prints the time of the overlap check alone and of adding a 13th
month to the combined session (every stored file is rebuilt from its table), and 12
files that each repeat half of the next one's rows. Medians of
3 runs; files are generated in memory.

Run: ``.venv/bin/python benchmarks/bench_combine.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.ingest import ingest_bytes  # noqa: E402
from analytics.ingest.combine import Part, overlap_rows  # noqa: E402
from benchmarks.datagen import csv_bytes, transactions  # noqa: E402
from services.datasets import (  # noqa: E402
    Upload,
    add_files,
    create_combined_session,
    create_session,
)
from services.store import DiskcacheSessionStore  # noqa: E402

RUNS = 3
ROWS = 300_000
MONTHS = 12


#: CPU seconds of the last median_time call (the machine may be shared: wall time
#: moves with the load, CPU time much less).
CPU: list[float] = [0.0]


def median_time(fn: Callable[[], object], runs: int = RUNS) -> float:
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    CPU[0] = statistics.median(cpu)
    return statistics.median(times)


def monthly(frame: pd.DataFrame) -> list[tuple[str, bytes]]:
    """The rows in 12 files of equal size, by date (as monthly exports are)."""
    ordered = frame.sort_values("date", kind="stable").reset_index(drop=True)
    size = len(ordered) // MONTHS
    return [
        (f"month-{i + 1:02d}.csv", csv_bytes(ordered.iloc[i * size : (i + 1) * size]))
        for i in range(MONTHS)
    ]


def overlapping(frame: pd.DataFrame) -> list[tuple[str, bytes]]:
    """12 files, each also holding the first half of the next one's rows (exported
    twice): 50 % more rows sent, the same rows in the end."""
    ordered = frame.sort_values("date", kind="stable").reset_index(drop=True)
    size = len(ordered) // MONTHS
    return [
        (
            f"month-{i + 1:02d}.csv",
            csv_bytes(
                ordered.iloc[i * size : min((i + 1) * size + size // 2, len(ordered))]
            ),
        )
        for i in range(MONTHS)
    ]


def main() -> None:
    frame = transactions(ROWS)
    whole = csv_bytes(frame.sort_values("date", kind="stable"))
    files = monthly(frame)
    extra = csv_bytes(transactions(ROWS // MONTHS, seed=9))
    with tempfile.TemporaryDirectory() as directory:
        store = DiskcacheSessionStore(directory, 3600)
        single = median_time(lambda: create_session(store, whole, "year.csv"))
        single_cpu = CPU[0]
        uploads = [Upload(data, name) for name, data in files]
        combined = median_time(lambda: create_combined_session(store, uploads))
        combined_cpu = CPU[0]
        sid = create_combined_session(store, uploads).session_id
        doubled = [Upload(data, name) for name, data in overlapping(frame)]
        with_repeats = median_time(lambda: create_combined_session(store, doubled))
        rows = create_combined_session(store, doubled).rows
        adding = median_time(
            lambda: add_files(store, sid, [Upload(extra, "month-13.csv")]), runs=1
        )
    parts = [Part(name, ingest_bytes(data, name)) for name, data in files]
    check = median_time(lambda: overlap_rows(parts))
    print(
        f"one {ROWS:,}-row upload:           {single:6.2f} s (CPU {single_cpu:.2f} s)"
    )
    print(
        f"{MONTHS} files of {ROWS // MONTHS:,} rows combined:  {combined:6.2f} s "
        f"(CPU {combined_cpu:.2f} s)"
    )
    print(
        f"ratio combined / single:         {combined / single:6.2f} wall, "
        f"{combined_cpu / single_cpu:.2f} CPU (target <= 1.30)"
    )
    print(f"overlap check alone:             {check:6.2f} s")
    print(
        f"12 files overlapping by half:    {with_repeats:6.2f} s "
        f"({rows:,} rows kept of {ROWS:,})"
    )
    print(f"add a 13th month (12 rebuilt):   {adding:6.2f} s")


if __name__ == "__main__":
    main()
