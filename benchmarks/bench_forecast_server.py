"""First forecast after a fresh server start: does any user wait for library loading?

Starts the production server (gunicorn, ``gunicorn.conf.py``, one worker) on an empty
``CACHE_DIR``, uploads 3 years of daily transactions (the file ``bench_forecast.py``
forecasts) as soon as ``/health`` answers, and times:

1. **the dashboard's forecast**: ``GET /api/data/<sid>?include=forecast`` starts the
   default forecast as a background job (a process forked from the job runner's
   forkserver) and is polled until it is ready — from the upload's answer to the
   forecast, what a person waits on the dashboard;
2. **a second job** (the same file uploaded again, so a new session): the same wait
   once everything is up;
3. **``GET /api/forecast``** with a horizon not computed yet, computed in the web
   process's request thread.

Then it restarts the server on the same ``CACHE_DIR`` (numba's disk cache filled) and
times step 1 again. Target (issue #16): the first forecast ≤ 3 s after a fresh start.

``--project DIR`` runs another checkout's server (e.g. the main branch, for a before /
after comparison); the CSV is built here either way.

Run: ``.venv/bin/python benchmarks/bench_forecast_server.py [--project DIR]``
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_experience import upload  # noqa: E402
from benchmarks.bench_forecast import daily_transactions  # noqa: E402

TARGET_SECONDS = 3.0


def start(project: Path, cache_dir: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = 6500 + os.getpid() % 300
    env = {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "CACHE_DIR": cache_dir,
        "RATE_LIMIT": "1000000",
        "CALLBACK_RATE_LIMIT": "1000000",
        "GUNICORN_WORKERS": "1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "OLLAMA_HOST": "http://127.0.0.1:9",
    }
    env.pop("NUMBA_CACHE_DIR", None)
    env.pop("NIXTLA_NUMBA_CACHE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"],
        cwd=project,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    while time.perf_counter() - started < 120:
        try:
            requests.get(url + "/health", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def dashboard_forecast(url: str, body: bytes) -> tuple[float, float, str]:
    """Upload, then poll the default forecast: (upload seconds, wait seconds, model)."""
    tick = time.perf_counter()
    http, sid = upload(url, body, "bench-daily-3y.csv")
    uploaded = time.perf_counter() - tick
    tick = time.perf_counter()
    while time.perf_counter() - tick < 300:
        reply = http.get(f"{url}/api/data/{sid}?include=forecast", timeout=60)
        found = reply.json().get("forecast") or {}
        if found.get("status") not in (None, "pending"):
            return uploaded, time.perf_counter() - tick, str(found.get("model"))
        time.sleep(0.1)
    return uploaded, float("nan"), "timed out"


def api_forecast(url: str, body: bytes) -> float:
    http, sid = upload(url, body, "bench-daily-3y-api.csv")
    tick = time.perf_counter()
    http.get(f"{url}/api/forecast/{sid}?horizon=30", timeout=300).raise_for_status()
    return time.perf_counter() - tick


def main() -> None:
    project = ROOT
    if "--project" in sys.argv:
        project = Path(sys.argv[sys.argv.index("--project") + 1]).resolve()
    df = daily_transactions()
    body = df[["date", "revenue"]].to_csv(index=False).encode()
    print(f"server code: {project}; {len(df):,} lines of 3 years of days")
    print(f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="smbrc-bench-server-") as cache:
        log = Path(cache) / "server.log"
        for label in ("fresh server, empty cache", "restarted on the same cache"):
            tick = time.perf_counter()
            process, url = start(project, cache, log)
            booted = time.perf_counter() - tick
            try:
                up, wait, model = dashboard_forecast(url, body)
                verdict = "OK" if wait <= TARGET_SECONDS else "MISSED"
                print(
                    f"{label}: /health after {booted:.1f} s; upload {up:.1f} s; first "
                    f"forecast job ready {wait:.2f} s after the upload ({model}; "
                    f"target <= {TARGET_SECONDS:.0f} s: {verdict})"
                )
                if label.startswith("fresh"):
                    _, again, _ = dashboard_forecast(url, body)
                    print(f"  second forecast job, same server: {again:.2f} s")
                    print(
                        f"  /api/forecast in the web process: {api_forecast(url, body):.2f} s"
                    )
            finally:
                stop(process)
        files = sum(1 for _ in Path(cache, "numba").rglob("*.nbi"))
        print(f"numba cache index files under CACHE_DIR/numba: {files}")
        print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
