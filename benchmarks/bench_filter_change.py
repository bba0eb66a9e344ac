"""One filter change on a 300,000-row upload, callback by callback, in process.

Every callback a change of the end date fires is posted to ``/_dash-update-component``
through Flask's test client, with the values the page holds (comparison on "previous
period", as the page opens), in two ways:

* one after another: each callback's own time (wall and this thread's CPU), and their sum;
* all at once from threads, as the browser posts them: the time until the last answers.

The view a change builds is shared by the callbacks of that change (``services.views``);
the figures say what each callback adds on top.

Run: ``.venv/bin/python benchmarks/bench_filter_change.py [--changes N] [--profile]``
(``--profile`` prints the top functions of one change, by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_dashboard import INITIAL, payload, split_outputs  # noqa: E402
from benchmarks.datagen import csv_bytes, transactions  # noqa: E402
from components import ids  # noqa: E402
from components.dashboard import DEFAULT_COMPARE  # noqa: E402
from components.filters import filter_state  # noqa: E402

#: What the page holds besides INITIAL (the comparison it opens with).
PAGE = {
    **INITIAL,
    (ids.COMPARE, "value"): DEFAULT_COMPARE,
    (ids.CHANGES_MEASURE, "value"): "revenue",
    (ids.SKU_HIDE_FEW, "value"): False,
    (ids.SKU_MIN_SALES, "value"): 3,
    (ids.BREAKDOWN_BY, "value"): "category",
}


def short_name(dependency: dict) -> str:
    first = split_outputs(dependency["output"])[0]
    return f"{first['id']}.{first['property']}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=12)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from app import create_app

    with tempfile.TemporaryDirectory() as workdir:
        app = create_app(
            {
                "SECRET_KEY": "bench-secret",
                "CACHE_DIR": str(Path(workdir) / "cache"),
                "RATE_LIMIT": 1_000_000,
                "CALLBACK_RATE_LIMIT": 1_000_000,
                "OLLAMA_HOST": "http://127.0.0.1:9",
                "REDIS_URL": "",
                "LOG_LEVEL": "WARNING",
            }
        )
        client = app.server.test_client()
        page = client.get("/").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        body = csv_bytes(transactions(rows=args.rows))
        reply = client.post(
            "/upload",
            data={"file": (io.BytesIO(body), "bench.csv")},
            headers={"X-CSRFToken": token},
            content_type="multipart/form-data",
        )
        assert reply.status_code == 201, reply.get_data(as_text=True)[:300]
        sid = reply.get_json()["session_id"]
        client.get(f"/dashboard/{sid}")
        cookie = client.get_cookie("_csrf_token")
        headers = {"X-CSRFToken": cookie.value}
        dependencies = client.get("/_dash-dependencies").get_json()
        fired = [
            d
            for d in dependencies
            if any(
                i["id"] == ids.FILTERS and i["property"] == "data" for i in d["inputs"]
            )
            and d.get("clientside_function") is None
        ]
        names = [short_name(d) for d in fired]
        base = {**PAGE, (ids.SESSION_ID, "data"): sid}

        def post(dependency: dict, values: dict) -> tuple[float, float]:
            request = payload(dependency, values, [f"{ids.FILTERS}.data"])
            started, cpu = time.perf_counter(), time.thread_time()
            answer = client.post(
                "/_dash-update-component", json=request, headers=headers
            )
            took = (time.perf_counter() - started) * 1000
            used = (time.thread_time() - cpu) * 1000
            if answer.status_code not in (200, 204):
                raise SystemExit(f"{short_name(dependency)}: {answer.status_code}")
            return took, used

        def change(n: int) -> dict:
            return {
                **base,
                (ids.FILTERS, "data"): filter_state(
                    "2022-01-01", f"2023-{1 + n % 12:02d}-{10 + n:02d}"
                ),
            }

        # warm-up: first draw of the whole data (imports, decoded frame, figure code)
        for d in fired:
            post(d, base)

        per: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
        sums, cpus = [], []
        for n in range(args.changes):
            values = change(n)
            total = cpu = 0.0
            for name, d in zip(names, fired, strict=True):
                took, used = post(d, values)
                per[name].append((took, used))
                total += took
                cpu += used
            sums.append(total)
            cpus.append(cpu)

        concurrent = []
        pool = ThreadPoolExecutor(len(fired))
        for n in range(args.changes, 2 * args.changes):
            values = change(n)
            started = time.perf_counter()
            list(pool.map(lambda d, v=values: post(d, v), fired))
            concurrent.append((time.perf_counter() - started) * 1000)
        pool.shutdown()

        if args.profile:
            profiler = cProfile.Profile()
            values = change(99)
            profiler.enable()
            for d in fired:
                post(d, values)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue())

    print(
        f"{args.rows:,} rows; {args.changes} end-date changes; {len(fired)} callbacks"
    )
    print(f"{'callback':<34} {'median ms':>10} {'p95 ms':>8} {'CPU med':>8}")
    for name in names:
        walls = [w for w, _ in per[name]]
        used = [c for _, c in per[name]]
        print(
            f"{name:<34} {statistics.median(walls):10.1f} "
            f"{np.percentile(walls, 95):8.1f} {statistics.median(used):8.1f}"
        )
    print(
        f"{'sum, one after another':<34} {statistics.median(sums):10.1f} "
        f"{np.percentile(sums, 95):8.1f} {statistics.median(cpus):8.1f}"
    )
    print(
        f"{'all at once (last answer)':<34} {statistics.median(concurrent):10.1f} "
        f"{np.percentile(concurrent, 95):8.1f}"
    )


if __name__ == "__main__":
    main()
