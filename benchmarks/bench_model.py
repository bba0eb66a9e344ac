"""Cost of the dataset model at ingestion: column kinds plus the dimension and measure
columns kept in the canonical frame.

Ingests a 300,000-row Superstore-like CSV (18 columns, 8 dimensions) and the real
Superstore file when ``../shared/data`` is present, with and without the model step
(replaced by a no-op), and prints the medians and their ratio (target: at most 1.10).

Run: ``.venv/bin/python benchmarks/bench_model.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import ingest  # noqa: E402
from analytics.dataset_model import DatasetModel, extend_frame  # noqa: E402
from benchmarks.datagen import csv_bytes, orders  # noqa: E402

RUNS = 5
REAL = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "superstore_classic_cp1252.csv"
)


def _no_model(frame, table, mapping, keep, **options):
    return frame, DatasetModel(())


def median(data: bytes, name: str) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        ingest.ingest_bytes(data, name)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def compare(data: bytes, name: str) -> None:
    ingest.extend_frame = _no_model
    without = median(data, name)
    ingest.extend_frame = extend_frame
    with_model = median(data, name)
    print(
        f"{name:40s} without model {without * 1000:8.1f} ms   with {with_model * 1000:8.1f} ms"
        f"   ratio {with_model / without:5.3f}"
    )


def main() -> None:
    compare(csv_bytes(orders(300_000)), "superstore-like 300k rows")
    if REAL.exists():
        compare(REAL.read_bytes(), REAL.name)


if __name__ == "__main__":
    main()
