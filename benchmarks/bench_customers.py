"""Customers view speed on 300,000 order lines (Superstore-like, generated, never
committed): 25,000 customers, 100,000 orders over four years.

Times ``analytics.customers.customer_view`` on the whole frame and under a date filter,
and the server time of ``GET /api/customers/<id>`` (Flask test client, the in-memory
customer cache cleared before each request so every request computes). Prints p50 and
p95 of 20 runs each (target: p95 of the request ≤ 300 ms).

Run: ``.venv/bin/python benchmarks/bench_customers.py``.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.customers import customer_view  # noqa: E402
from analytics.ingest import ingest_bytes  # noqa: E402
from analytics.metrics import filter_frame  # noqa: E402
from benchmarks.datagen import csv_bytes, orders  # noqa: E402

RUNS = 20


def report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(f"{name:<40} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def timed(fn) -> list[float]:
    out = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    data = csv_bytes(orders(300_000))
    frame = ingest_bytes(data, "orders.csv").frame
    print(f"{len(frame):,} rows, {frame['customer'].nunique():,} customers")
    report("customer_view (all rows)", timed(lambda: customer_view(frame)))
    year = filter_frame(frame, start="2023-01-01", end="2023-12-31")
    report("customer_view (one year)", timed(lambda: customer_view(year)))

    from app import create_app
    from services import views

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
        client.get(f"/api/customers/{sid}")  # warm the frame cache

        def request() -> None:
            views._CUSTOMER_VIEWS.clear()
            assert client.get(f"/api/customers/{sid}").status_code == 200

        report("GET /api/customers (server, uncached)", timed(request))


if __name__ == "__main__":
    main()
