"""Speed a person feels: page weight, upload-to-revenue, filter changes, API and /health load.

One run prints every figure next to its goal:

* browser (headless Debian Chromium, cold cache, 5 runs, medians): bytes transferred for the
  dashboard page (Resource Timing ``transferSize``), and from choosing the real 10k-row
  Superstore file to the revenue card showing a figure, and to all six charts drawn;
* one filter change on a 300,000-row upload: every callback it fires posted at once, as the
  browser does, and the time until the last answers (p95 over 20 different filters);
* ``GET /api/data`` on the 10k-row session and ``GET /health`` under load: 8 persistent
  connections from 2 client processes (``benchmarks/load.py``) against gunicorn with 2 workers
  (requests per second, p95 latency and the server's CPU per request).

Run: ``.venv/bin/python benchmarks/bench_experience.py`` (or ``make bench``). Needs chromium
and chromedriver (``make browser``); without ``../shared/data`` the browser rows use a
generated 10k-row file instead. ``--browser`` measures only the browser rows;
``--project DIR`` (repeatable) serves another checkout's code instead of this one, each in
turn, so two versions are measured in one run under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_dashboard import (  # noqa: E402
    INITIAL,
    find_callback,
    payload,
)
from benchmarks.datagen import csv_bytes, transactions  # noqa: E402
from benchmarks.load import load as lean_load  # noqa: E402
from benchmarks.load import worker_pids  # noqa: E402
from components import ids  # noqa: E402
from components.filters import filter_state  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
REAL_FILE = PROJECT.parent / "shared" / "data" / "superstore_classic_cp1252.csv"
BROWSER_RUNS = 5
FILTER_CHANGES = 20
LOAD_SECONDS = 5.0
LOAD_THREADS = 8
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
)
GRAPHS = (
    ids.TIMESERIES_GRAPH,
    ids.MARGIN_GRAPH,
    ids.CATEGORY_GRAPH,
    ids.SKU_BARS_GRAPH,
    ids.PARETO_GRAPH,
    ids.SEASONALITY_GRAPH,
)


#: Ports of the servers this run started (each server gets its own).
_STARTED: list[int] = []


def start_server(
    cache_dir: str, log_path: Path, workers: int = 2, project: Path = PROJECT
) -> tuple[subprocess.Popen, str]:
    port = 6200 + os.getpid() % 300 + 300 * len(_STARTED)
    _STARTED.append(port)
    env = {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "CACHE_DIR": cache_dir,
        "RATE_LIMIT": "1000000",
        "CALLBACK_RATE_LIMIT": "1000000",
        "GUNICORN_WORKERS": str(workers),
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "OLLAMA_HOST": "http://127.0.0.1:9",
    }
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            requests.get(url + "/health", timeout=1)
            time.sleep(1.0)  # let the second worker finish booting too
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server did not start; see {log_path}")


def upload(url: str, body: bytes, filename: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(url + "/").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    reply = http.post(
        url + "/upload",
        files={"file": (filename, body, "text/csv")},
        headers={"X-CSRFToken": token},
        timeout=300,
    )
    if reply.status_code != 201:
        raise SystemExit(f"upload failed: {reply.status_code} {reply.text[:300]}")
    return http, reply.json()["session_id"]


# -- browser ---------------------------------------------------------------------------------


def browser_runs(
    url: str, path: Path, runs: int = BROWSER_RUNS
) -> dict[str, list[float]]:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException as ScriptTimeoutError
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1366,900")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "chromedriver"),
        options=options,
    )
    out: dict[str, list[float]] = {
        "revenue": [],
        "charts": [],
        "bytes": [],
        "warm": [],
        "encodings": [],
    }
    try:
        for _ in range(runs):
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            driver.get(url + "/")
            # on a loaded machine the renderer may not answer one poll in time: poll again
            wait = WebDriverWait(
                driver,
                60,
                poll_frequency=0.02,
                ignored_exceptions=(ScriptTimeoutError,),
            )
            file_input = wait.until(
                ec.presence_of_element_located((By.ID, "upload-file-input"))
            )
            started = time.perf_counter()
            file_input.send_keys(str(path))
            wait.until(
                lambda d: d.execute_script(
                    "const v = document.querySelector('#kpi-total_revenue .kpi-value');"
                    "return v && /[0-9]/.test(v.textContent);"
                )
            )
            out["revenue"].append(time.perf_counter() - started)
            wait.until(charts_drawn)
            out["charts"].append(time.perf_counter() - started)
            # the dashboard page on its own, cold cache: everything it transfers
            dashboard = driver.current_url
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            driver.get("about:blank")
            driver.get(dashboard)
            wait.until(charts_drawn)
            time.sleep(0.3)
            out["bytes"].append(transferred(driver))
            out["encodings"] = encodings(driver, url)
            # and again with a warm cache (a returning visitor)
            driver.get("about:blank")
            driver.get(dashboard)
            wait.until(charts_drawn)
            time.sleep(0.3)
            out["warm"].append(transferred(driver))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return out


def charts_drawn(driver) -> bool:
    selector = ", ".join(f"#{g} .main-svg" for g in GRAPHS)
    return bool(
        driver.execute_script(
            f"return document.querySelectorAll({selector!r}).length >= {len(GRAPHS)}"
        )
    )


def encodings(driver, url: str) -> list[str]:
    """``Content-Encoding`` of each script the page loaded (from Chrome's network log)."""
    found = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.responseReceived":
            continue
        response = message["params"]["response"]
        # the server's scripts only (not the browser's own new-tab page)
        if response.get("mimeType", "").endswith("javascript") and response[
            "url"
        ].startswith(url):
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            name = response["url"].rsplit("/", 1)[-1].split("?")[0][:24]
            found.append(f"{name}={headers.get('content-encoding', 'none')}")
    return found


def transferred(driver) -> float:
    """Bytes the page transferred over the network (navigation + every resource)."""
    return float(
        driver.execute_script(
            "return performance.getEntriesByType('navigation')"
            ".concat(performance.getEntriesByType('resource'))"
            ".reduce((sum, e) => sum + (e.transferSize || 0), 0);"
        )
    )


# -- filter changes --------------------------------------------------------------------------


def filter_changes(url: str, http: requests.Session, sid: str) -> list[float]:
    """Wall time of each filter change: every callback it fires, posted concurrently."""
    http.get(f"{url}/dashboard/{sid}")
    headers = {"X-CSRFToken": http.cookies["_csrf_token"]}
    dependencies = http.get(url + "/_dash-dependencies").json()
    fired = [
        dep
        for dep in dependencies
        if any(
            i["id"] == ids.FILTERS and i["property"] == "data" for i in dep["inputs"]
        )
        and dep.get("clientside_function") is None
    ]
    if not fired:
        fired = [find_callback(dependencies, f"{ids.KPI_ROW}.children")]
    base = {**INITIAL, (ids.SESSION_ID, "data"): sid}
    times = []
    pool = ThreadPoolExecutor(len(fired))
    for n in range(FILTER_CHANGES):
        values = {
            **base,
            (ids.FILTERS, "data"): filter_state(
                "2022-01-01", f"2023-{1 + n % 12:02d}-{10 + n:02d}"
            ),
        }
        bodies = [payload(d, values, [f"{ids.FILTERS}.data"]) for d in fired]
        started = time.perf_counter()
        replies = list(
            pool.map(
                lambda b: http.post(
                    url + "/_dash-update-component",
                    json=b,
                    headers=headers,
                    timeout=120,
                ),
                bodies,
            )
        )
        times.append((time.perf_counter() - started) * 1000)
        for reply in replies:
            if reply.status_code not in (200, 204):
                raise SystemExit(
                    f"callback failed: {reply.status_code} {reply.text[:200]}"
                )
    pool.shutdown()
    return times


# -- load ------------------------------------------------------------------------------------


def load(
    url: str, headers: dict[str, str] | None = None, pids: list[int] | None = None
) -> tuple[float, float, float]:
    """(requests per second, p95 ms, server CPU ms per request) for LOAD_SECONDS, with
    the lean client of ``benchmarks/load.py`` (2 processes × 4 persistent connections:
    the first client here, 8 threads of ``requests`` in one process, measured itself)."""
    requests.get(url, headers=headers or {}, timeout=30)  # warm
    got = lean_load(url, headers, seconds=LOAD_SECONDS, server_pids=pids)
    return got["rps"], got["p95"], got["cpu_ms"]


# -- report ----------------------------------------------------------------------------------


def browser_only(projects: list[Path]) -> None:
    """The browser rows only, for each checkout in ``projects``: one server each, their
    runs taken in turn (run 1 of each, then run 2 …) so a change of load on the machine
    weighs on all of them alike."""
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        path = REAL_FILE
        if not path.exists():
            path = work / "generated-10k.csv"
            path.write_bytes(csv_bytes(transactions(rows=10_000)))
        print(f"file: {path.name}; browser: {BROWSER_RUNS} runs each, in turn, medians")
        servers = []
        results: list[dict[str, list[float]]] = []
        try:
            for n, project in enumerate(projects):
                servers.append(
                    start_server(
                        str(work / f"cache{n}"),
                        work / f"server{n}.log",
                        project=project,
                    )
                )
                results.append({})
            for _ in range(BROWSER_RUNS):
                for n, ((_, url), got) in enumerate(zip(servers, results, strict=True)):
                    try:
                        measured = browser_runs(url, path, runs=1)
                    except Exception:
                        log = (work / f"server{n}.log").read_text(errors="replace")
                        print(f"{projects[n]} failed; its server's log ends:")
                        print(log[-3000:])
                        raise
                    for key, values in measured.items():
                        if key == "encodings":
                            got[key] = values
                        else:
                            got.setdefault(key, []).extend(values)
        finally:
            for process, _ in servers:
                process.terminate()
                process.wait(timeout=30)
        for project, got in zip(projects, results, strict=True):
            revenue = statistics.median(got["revenue"])
            charts = statistics.median(got["charts"])
            mb = statistics.median(got["bytes"]) / 1e6
            warm = statistics.median(got["warm"]) / 1e3
            print(
                f"{project}: revenue {revenue:.2f} s (goal ≤ 2), six charts "
                f"{charts:.2f} s (goal ≤ 3), cold {mb:.2f} MB, warm {warm:.0f} kB"
            )
            print(
                "  revenue runs (s): "
                + ", ".join(f"{v:.2f}" for v in got["revenue"])
                + "; charts runs (s): "
                + ", ".join(f"{v:.2f}" for v in got["charts"])
            )
            print("  script encodings: " + " ".join(got["encodings"][:6]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--browser", action="store_true", help="browser rows only")
    parser.add_argument(
        "--project", action="append", type=Path, help="checkout to serve (repeatable)"
    )
    args = parser.parse_args()
    if args.browser or args.project:
        browser_only([p.resolve() for p in args.project or [PROJECT]])
        return
    rows: list[tuple[str, str, str, bool]] = []
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        if REAL_FILE.exists():
            path = REAL_FILE
        else:
            path = work / "generated-10k.csv"
            path.write_bytes(csv_bytes(transactions(rows=10_000)))
        process, url = start_server(str(work / "cache"), work / "server.log")
        try:
            browser = browser_runs(url, path)
            _, sid = upload(url, path.read_bytes(), path.name)
            pids = worker_pids(process.pid)
            api_rps, api_p95, api_cpu = load(
                f"{url}/api/data/{sid}", {"Accept-Encoding": "gzip, br"}, pids
            )
            health_rps, health_p95, health_cpu = load(f"{url}/health", None, pids)
            big = transactions()
            http, big_sid = upload(url, csv_bytes(big), "bench-300k.csv")
            changes = filter_changes(url, http, big_sid)
        finally:
            process.terminate()
            process.wait(timeout=30)

    mb = statistics.median(browser["bytes"]) / 1e6
    warm_kb = statistics.median(browser["warm"]) / 1e3
    revenue = statistics.median(browser["revenue"])
    charts = statistics.median(browser["charts"])
    change_p95 = float(np.percentile(changes, 95))
    rows = [
        ("dashboard page transfer (cold)", f"{mb:.2f} MB", "≤ 2 MB", mb <= 2),
        ("dashboard page transfer (warm)", f"{warm_kb:.0f} kB", "-", True),
        ("file chosen → revenue visible", f"{revenue:.2f} s", "≤ 2 s", revenue <= 2),
        ("file chosen → all six charts", f"{charts:.2f} s", "≤ 3 s", charts <= 3),
        (
            "filter change, 300k rows, p95",
            f"{change_p95:.0f} ms",
            "≤ 150 ms",
            change_p95 <= 150,
        ),
        (
            f"/api/data 10k rows, {LOAD_THREADS} clients",
            f"{api_rps:.0f} req/s (p95 {api_p95:.0f} ms, {api_cpu:.2f} ms CPU)",
            "≥ 300 req/s",
            api_rps >= 300,
        ),
        (
            f"/health, {LOAD_THREADS} clients",
            f"{health_rps:.0f} req/s (p95 {health_p95:.0f} ms, {health_cpu:.2f} ms CPU)",
            "≥ 1500 req/s",
            health_rps >= 1500,
        ),
    ]
    print(
        f"file: {path.name}; browser: {BROWSER_RUNS} runs, medians; gunicorn 2 workers; "
        f"filter changes: {FILTER_CHANGES} on {len(big):,} rows"
    )
    print(f"{'figure':<34} {'measured':>28}  {'goal':<13} ")
    print("-" * 84)
    for name, value, goal, ok in rows:
        print(f"{name:<34} {value:>28}  {goal:<13} {'ok' if ok else 'MISSED'}")
    print(
        "revenue runs (s): "
        + ", ".join(f"{v:.2f}" for v in browser["revenue"])
        + "; filter change median "
        + f"{statistics.median(changes):.0f} ms"
    )
    print("script encodings (last cold load): " + " ".join(browser["encodings"][:6]))


if __name__ == "__main__":
    main()
