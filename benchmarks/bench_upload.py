"""Upload speed and memory: POST /upload of a ~13 MB, 300,000-row CSV vs a bare pandas parse.

Target (issue "Foundation"): upload ≤ 4× the bare ``pd.read_csv(engine="pyarrow")`` and the
server process's peak RSS during uploads under 400 MB. Prints medians of 5 runs.

Run: ``.venv/bin/python benchmarks/bench_upload.py`` (or ``make bench``).
"""

from __future__ import annotations

import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datagen import csv_bytes, messy_csv_bytes, transactions  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
RUNS = 5


def median_time(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class PeakRSS(threading.Thread):
    """Samples a process's resident memory every 20 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)


def start_server(
    cache_dir: str, project: Path = PROJECT
) -> tuple[subprocess.Popen, str]:
    port = 5600 + os.getpid() % 300
    env = {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "CACHE_DIR": cache_dir,
        "RATE_LIMIT": "100000",
        # the messy variant (decimal commas, currency) is ~18 MB, over the default 16 MB
        "MAX_CONTENT_LENGTH": str(32 * 1024 * 1024),
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
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
    for _ in range(300):
        try:
            requests.get(url + "/health", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


def worker_pid(master: subprocess.Popen) -> int:
    children = psutil.Process(master.pid).children()
    return children[0].pid if children else master.pid


def measure(project: Path, clean: bytes, messy: bytes) -> dict[str, float]:
    """Median upload times and the worker's RSS, on a fresh server serving ``project``."""
    with tempfile.TemporaryDirectory() as cache_dir:
        process, url = start_server(cache_dir, project)
        try:
            http = requests.Session()
            token = re.search(
                r'name="csrf-token" content="([^"]+)"', http.get(url + "/").text
            ).group(1)
            rss = PeakRSS(worker_pid(process))
            baseline = psutil.Process(rss.process.pid).memory_info().rss
            rss.start()

            def post(data: bytes, name: str) -> None:
                response = http.post(
                    url + "/upload",
                    files={"file": (name, data, "text/csv")},
                    headers={"X-CSRFToken": token},
                    timeout=120,
                )
                if response.status_code != 201:
                    raise SystemExit(
                        f"upload failed: {response.status_code} {response.text[:300]}"
                    )

            post(clean, "warmup.csv")
            upload_clean = median_time(lambda: post(clean, "bench.csv"))
            upload_messy = median_time(lambda: post(messy, "bench-messy.csv"))
            rss.stop.set()
            rss.join()
            idle = psutil.Process(rss.process.pid).memory_info().rss
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {
        "clean": upload_clean,
        "messy": upload_messy,
        "rss_start": baseline,
        "rss_peak": rss.peak,
        "rss_after": idle,
    }


def main() -> None:
    """``--project DIR`` (repeatable) measures other checkouts in the same run, in turn,
    each against a bare parse timed right before it."""
    projects = [Path(a) for a in sys.argv[1:] if a != "--project"] or [PROJECT]
    frame = transactions()
    clean = csv_bytes(frame)
    messy = messy_csv_bytes(frame)
    print(
        f"file: {len(frame):,} rows, clean {len(clean) / 1e6:.1f} MB, messy {len(messy) / 1e6:.1f} MB"
    )
    for project in projects:
        bare = median_time(lambda: pd.read_csv(io.BytesIO(clean), engine="pyarrow"))
        got = measure(project, clean, messy)
        print(f"-- {project}")
        print(
            f"bare pd.read_csv(engine='pyarrow'): {bare * 1000:.0f} ms (median of {RUNS})"
        )
        print(
            f"POST /upload clean: {got['clean'] * 1000:.0f} ms (median of {RUNS}); "
            f"ratio to bare parse: {got['clean'] / bare:.2f}x (goal ≤ 2.5x)"
        )
        print(
            f"POST /upload messy: {got['messy'] * 1000:.0f} ms (median of {RUNS}); "
            f"ratio to clean upload: {got['messy'] / got['clean']:.2f}x (target ≤ 2x)"
        )
        print(
            f"server worker RSS: at start {got['rss_start'] / 2**20:.0f} MiB, peak "
            f"{got['rss_peak'] / 2**20:.0f} MiB (goal < 300 MB), after 11 uploads "
            f"{got['rss_after'] / 2**20:.0f} MiB (goal ≤ 250 MiB)"
        )


if __name__ == "__main__":
    main()
