"""Column filters and the breakdown on 300,000 order lines (Superstore-like, generated,
never committed).

Times, called directly in a request context as Dash calls them: the KPI callback with a
column filter (Region: West), the breakdown callback (by Segment, by City: 500 values,
by Customer ID: 25,000 values) under that filter, the value search of a column filter
(City, typing "12") and the page itself opened from an address holding the selection.
Prints p50 and p95 of 10 runs each (target: p95 ≤ 300 ms per callback).

Run: ``.venv/bin/python benchmarks/bench_dimensions.py``.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datagen import csv_bytes, orders  # noqa: E402

RUNS = 10
WEST = {"Region": ["West"]}


def report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(f"{name:<52} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def timed(fn) -> list[float]:
    out = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    from app import create_app
    from callbacks.dashboard import update_breakdown, update_kpis
    from callbacks.filters import search_column_values
    from callbacks.routing import render_page
    from components import ids
    from components.filters import filter_state

    data = csv_bytes(orders(300_000))
    with tempfile.TemporaryDirectory() as cache:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "CACHE_DIR": cache,
                "RATE_LIMIT": 100_000,
                "REDIS_URL": "",
                "LOG_LEVEL": "WARNING",
                "MAX_CONTENT_LENGTH": 200 * 1024 * 1024,
            }
        )
        client = app.server.test_client()
        page = client.get("/").get_data(as_text=True)
        token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        response = client.post(
            "/upload",
            data={"file": (io.BytesIO(data), "orders.csv")},
            headers={"X-CSRFToken": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.get_json()
        sid = response.get_json()["session_id"]
        with app.server.test_request_context("/"):
            update_kpis(sid, filter_state(dimensions=WEST))  # warm caches
            report(
                "KPI cards, Region: West",
                timed(lambda: update_kpis(sid, filter_state(dimensions=WEST))),
            )
            for by in ("Segment", "City", "Customer ID"):
                report(
                    f"breakdown by {by}, Region: West",
                    timed(
                        lambda by=by: update_breakdown(
                            sid, filter_state(dimensions=WEST), by
                        )
                    ),
                )
            column = {"type": ids.DIM_VALUES, "column": "City"}
            report(
                "value search (City, '12')",
                timed(lambda: search_column_values("12", [], sid, column)),
            )
            address = "?filter=Region:West&filter=Segment:Consumer&by=City"
            report(
                "page opened from an address with a selection",
                timed(lambda: render_page(f"/dashboard/{sid}", address)),
            )


if __name__ == "__main__":
    main()
