"""Hostile uploads: time and peak extra memory of each, with the default limits.

Target: every hostile upload answered in ≤ 30 s with ≤ 512 MB of extra RSS in the worker
(a clear 4xx for the ones over a limit). Also the worst files the limits still let in:
200 columns of numbers and of datetimes (per-column profiling is the cost there), and
50,000 distinct SKUs through ``GET /api/data`` (one page of 1,000).

Run: ``.venv/bin/python benchmarks/bench_hostile.py`` (or ``make bench``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from tests.conftest import upload  # noqa: E402
from tests.hostile.conftest import measured  # noqa: E402
from tests.hostile.files import UPLOAD_CASES, Case, wide  # noqa: E402


def _wide_dates(columns: int = 200) -> bytes:
    rows = 16_000_000 // (columns * 17)
    stamps = pd.date_range("2000-01-01", periods=rows * columns, freq="min")
    grid = np.asarray(stamps.strftime("%Y-%m-%d %H:%M")).reshape(rows, columns)
    header = ",".join(f"c{i}" for i in range(columns))
    return (header + "\n" + "\n".join(",".join(r) for r in grid) + "\n").encode()


EXTRA = [
    Case("200-numeric-columns", lambda: wide(200, rows=1000), (201, 400)),
    Case("200-datetime-columns-16mb", _wide_dates, (201, 400)),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "CACHE_DIR": cache,
                "RATE_LIMIT": 100_000,
                "OLLAMA_HOST": "http://127.0.0.1:9",
                "LOG_LEVEL": "ERROR",
            }
        )
        client = app.server.test_client()
        worst_time = worst_memory = 0.0
        counts = {"4xx": 0, "5xx": 0, "201": 0}
        print(f"{'case':45} {'status':>6} {'seconds':>8} {'extra MB':>9}")
        for case in [*UPLOAD_CASES, *EXTRA]:
            data = case.build()
            with measured() as cost:
                response = upload(client, data, case.filename)
            del data
            status = response.status_code
            counts["5xx" if status >= 500 else "4xx" if status >= 400 else "201"] += 1
            worst_time = max(worst_time, cost.seconds)
            worst_memory = max(worst_memory, cost.extra_mb)
            print(
                f"{case.id[:45]:45} {status:>6} {cost.seconds:8.2f} {cost.extra_mb:9.0f}"
            )
            if case.id == "50k-distinct-skus" and status == 201:
                sid = response.get_json()["session_id"]
                with measured() as cost:
                    page = client.get(f"/api/data/{sid}")
                print(
                    f"{'  GET /api/data (50k SKUs)':45} {page.status_code:>6} "
                    f"{cost.seconds:8.2f} {cost.extra_mb:9.0f}  "
                    f"{len(page.data) / 2**20:.2f} MB body"
                )
        print(
            f"\n{sum(counts.values())} cases: {counts['4xx']} clear 4xx, "
            f"{counts['201']} accepted, {counts['5xx']} 5xx; worst {worst_time:.1f} s, "
            f"peak extra RSS {worst_memory:.0f} MB"
        )


if __name__ == "__main__":
    main()
