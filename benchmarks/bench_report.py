"""Report speed: ``GET /api/report/<id>.pdf`` (and ``.md``) for a 300,000-row session.

Target: ≤ 3 s median per PDF. The app runs in-process (Flask test client, no network); the
session is uploaded once. Each variation is requested ``CALLS`` times: the first call of a
filter set also computes and caches its SKU scores and insights (shown on its own), the
others read them from the session's cache, as a second download does.

Run: ``.venv/bin/python benchmarks/bench_report.py`` (or ``make bench``).
"""

from __future__ import annotations

import io
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datagen import csv_bytes, transactions  # noqa: E402

ROWS = 300_000
CALLS = 7
TARGET_S = 3.0
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
VARIATIONS = {
    "A4, no filter": "",
    "Letter, no filter": "?paper=letter",
    "A4, category + dates": "?category=Electronics&start=2023-01-01&end=2023-12-31",
    "A4, daily chart": "?granularity=day",
}


def main() -> int:
    from app import create_app

    with tempfile.TemporaryDirectory() as cache:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "CACHE_DIR": cache,
                "RATE_LIMIT": 100_000,
                "REDIS_URL": "",
                "OLLAMA_HOST": "http://127.0.0.1:9",
                "LOG_LEVEL": "WARNING",
            }
        )
        client = app.server.test_client()
        token = CSRF_META.search(client.get("/").get_data(as_text=True)).group(1)
        data = csv_bytes(transactions(ROWS))
        started = time.perf_counter()
        response = client.post(
            "/upload",
            data={"file": (io.BytesIO(data), "bench.csv")},
            headers={"X-CSRFToken": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.get_json()
        sid = response.get_json()["session_id"]
        print(
            f"upload of {ROWS:,} rows ({len(data) / 2**20:.1f} MB): "
            f"{time.perf_counter() - started:.2f} s"
        )
        worst = 0.0
        for name, query in [*VARIATIONS.items(), ("Markdown brief", "md")]:
            url = (
                f"/api/report/{sid}.md"
                if query == "md"
                else f"/api/report/{sid}.pdf{query}"
            )
            times, size = [], 0
            for _ in range(CALLS):
                t0 = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, response.get_data(as_text=True)
                size = len(response.data)
            median = statistics.median(times)
            worst = max(worst, median)
            print(
                f"{name:<24} first {times[0]:5.2f} s · median {median:5.2f} s · "
                f"max {max(times):5.2f} s · {size / 1024:.0f} KB"
            )
        verdict = "OK" if worst <= TARGET_S else "OVER TARGET"
        print(f"slowest median {worst:.2f} s (target ≤ {TARGET_S:.0f} s): {verdict}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
