"""Cost of the dataset model at ingestion: column kinds plus the dimension and measure
columns kept in the canonical frame.

Ingests a 300,000-row Superstore-like CSV (18 columns, 8 dimensions) and the real
Superstore file when ``../shared/data`` is present. In the same runs it times the model
step (``extend_frame``) and the whole ingestion, so machine load affects both alike,
and prints the minimum of each and the ratio ingestion / ingestion without the model
(target: at most 1.10).

Run: ``.venv/bin/python benchmarks/bench_model.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import ingest  # noqa: E402
from analytics.dataset_model import extend_frame  # noqa: E402
from benchmarks.datagen import csv_bytes, orders  # noqa: E402

RUNS = 7
REAL = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "superstore_classic_cp1252.csv"
)


def measure(data: bytes, name: str) -> None:
    spent: list[float] = []

    def timed(*args, **kwargs):
        started = time.perf_counter()
        out = extend_frame(*args, **kwargs)
        spent.append(time.perf_counter() - started)
        return out

    ingest.extend_frame = timed
    pairs = []
    try:
        for _ in range(RUNS):
            spent.clear()
            started = time.perf_counter()
            ingest.ingest_bytes(data, name)
            total = time.perf_counter() - started
            pairs.append((total, sum(spent)))
    finally:
        ingest.extend_frame = extend_frame
    total, model = min(pairs)
    print(
        f"{name:32s} ingestion {total * 1000:8.1f} ms   model step {model * 1000:6.1f} ms"
        f"   ratio {total / (total - model):5.3f}"
    )


def main() -> None:
    measure(csv_bytes(orders(300_000)), "superstore-like 300k rows")
    if REAL.exists():
        measure(REAL.read_bytes(), REAL.name)


if __name__ == "__main__":
    main()
