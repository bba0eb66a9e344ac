"""Query engine speed on 300,000 order lines (Superstore-like, generated, never committed).

Ingests the generated CSV once, then times typical questions: a filtered group-by
(revenue, profit, margin, orders by region for one country), orders / AOV / repeat
customers in total, a month-of-year breakdown with a year-ago comparison, a ratio
column by sub-category, two SKUs month by month. Prints p50 and p95 of 30 runs each
and the first run, and the median CPU time of this process (on a shared machine the
wall time also counts the time other processes held the cores). Target: p95 of the
filtered group-by ≤ 100 ms.

Run: ``.venv/bin/python benchmarks/bench_query.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.dataset_model import DatasetModel  # noqa: E402
from analytics.ingest import ingest_bytes  # noqa: E402
from analytics.query import run, spec_from_json  # noqa: E402
from benchmarks.datagen import csv_bytes, orders  # noqa: E402

RUNS = 30
QUESTIONS = {
    "filtered group-by": {
        "measures": ["revenue", "profit", "margin", "orders"],
        "group_by": ["Region"],
        "filters": [{"column": "Country/Region", "values": ["united states"]}],
    },
    "orders, AOV, repeat customers": {
        "measures": ["orders", "aov", "customers", "repeat_customers"],
    },
    "month of year vs a year ago": {
        "measures": ["revenue"],
        "group_by": ["month_of_year"],
        "date_range": {"start": "2023-01-01", "end": "2023-12-31"},
        "compare": "year_ago",
    },
    "ratio column by sub-category": {
        "measures": ["Discount", "revenue", "share"],
        "group_by": ["Sub-Category"],
        "filters": [{"column": "Segment", "values": ["Consumer", "Corporate"]}],
    },
    "two SKUs by month": {
        "measures": ["revenue", "orders"],
        "group_by": ["month"],
        "filters": [{"column": "sku", "values": ["P-12", "P-7"]}],
    },
    "top 10 SKUs in one state": {
        "measures": ["revenue", "quantity"],
        "group_by": ["sku"],
        "filters": [{"column": "State/Province", "values": ["State 3"]}],
        "limit": 10,
    },
}


def main() -> None:
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    result = ingest_bytes(csv_bytes(orders(300_000)), "orders.csv")
    frame = result.frame
    model = DatasetModel.from_list(result.report["columns"])
    print(f"{len(frame):,} rows, {frame.shape[1]} columns")
    for name, question in QUESTIONS.items():
        spec = spec_from_json(question)
        started = time.perf_counter()
        run(frame, spec, model)  # the first run reads each id and value once
        first = (time.perf_counter() - started) * 1000
        times, cpu = [], []
        for _ in range(RUNS):
            started, started_cpu = time.perf_counter(), time.process_time()
            run(frame, spec, model)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"{name:32s} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms"
            f"   first {first:7.1f} ms   cpu p50 {statistics.median(cpu):6.1f} ms"
        )


if __name__ == "__main__":
    main()
