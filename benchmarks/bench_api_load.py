"""``GET /health`` and ``GET /api/data`` under load: gunicorn with 2 workers.

Prints requests per second, p50/p95 latency and the server's CPU milliseconds per request
(user + system of the gunicorn processes: what a request costs the server, whatever the
load client sharing the machine costs). Goals (issue "Speed"): /health ≥ 1,500 req/s,
/api/data on a 10k-row session ≥ 300 req/s.

``--project DIR`` serves another checkout of the app (to compare two versions in one run,
alternating: ``--project /path/a --project /path/b``). ``--rounds N`` repeats each.

Run: ``.venv/bin/python benchmarks/bench_api_load.py`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datagen import csv_bytes, transactions  # noqa: E402
from benchmarks.load import load, worker_pids  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
SECONDS = 5.0


def start_server(project: Path, cache_dir: str) -> tuple[subprocess.Popen, str]:
    port = 6500 + os.getpid() % 300
    env = {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "CACHE_DIR": cache_dir,
        "RATE_LIMIT": "10000000",
        "CALLBACK_RATE_LIMIT": "10000000",
        "GUNICORN_WORKERS": "2",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "OLLAMA_HOST": "http://127.0.0.1:9",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(url + "/health", timeout=1)
            time.sleep(2.0)  # both workers booted
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


def upload(url: str, body: bytes) -> str:
    http = requests.Session()
    token = re.search(
        r'name="csrf-token" content="([^"]+)"', http.get(url + "/").text
    ).group(1)
    reply = http.post(
        url + "/upload",
        files={"file": ("bench-10k.csv", body, "text/csv")},
        headers={"X-CSRFToken": token},
        timeout=300,
    )
    if reply.status_code != 201:
        raise SystemExit(f"upload failed: {reply.status_code} {reply.text[:300]}")
    return reply.json()["session_id"]


def measure(project: Path) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as cache:
        process, url = start_server(project, cache)
        try:
            sid = upload(url, csv_bytes(transactions(rows=10_000)))
            pids = worker_pids(process.pid)
            api_url = f"{url}/api/data/{sid}"
            # the default forecast is started by the first request: wait until it is
            # ready, so every request answers the same document
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                body = requests.get(api_url, timeout=30).json()
                if (body.get("forecast") or {}).get("status") != "pending":
                    break
                time.sleep(1)
            return {
                "health": load(f"{url}/health", seconds=SECONDS, server_pids=pids),
                "api": load(
                    api_url,
                    {"Accept-Encoding": "gzip, br"},
                    seconds=SECONDS,
                    server_pids=pids,
                ),
            }
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", action="append", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    projects = args.project or [PROJECT]
    figures: dict[Path, list] = {p: [] for p in projects}
    for _ in range(args.rounds):
        for project in projects:
            figures[project].append(measure(project))
    print(
        f"gunicorn 2 workers; load: 2 processes × 4 persistent connections, {SECONDS:g} s"
    )
    for project, runs in figures.items():
        for name, goal in (("health", 1500), ("api", 300)):
            rps = statistics.median(r[name]["rps"] for r in runs)
            p95 = statistics.median(r[name]["p95"] for r in runs)
            cpu = statistics.median(r[name]["cpu_ms"] for r in runs)
            label = "/health" if name == "health" else "/api/data 10k"
            print(
                f"{str(project)[-28:]:>28} {label:<14} {rps:7.0f} req/s "
                f"(goal ≥ {goal}), p95 {p95:6.1f} ms, server CPU {cpu:5.2f} ms/request"
                f"{'' if len(runs) == 1 else f'  (median of {len(runs)})'}"
            )


if __name__ == "__main__":
    main()
