"""Dashboard speed: the overview and SKU-table callbacks on a 300,000-row upload, over HTTP.

Target: ≤ 300 ms median and p95 per callback call, measured at the client (response time
of ``POST /_dash-update-component``) with the app's own request timing from its log next
to it. The app runs under gunicorn (1 worker, 2 threads) as in production; the payloads are
built from ``GET /_dash-dependencies`` exactly as dash-renderer builds them, with the CSRF
cookie and header. Each filter / granularity variation is called 20 times in a row; the
first call of a variation is also shown on its own (it computes and caches the SKU scores
of a new filter set).

Run: ``.venv/bin/python benchmarks/bench_dashboard.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datagen import csv_bytes, transactions  # noqa: E402
from components import ids  # noqa: E402
from components.filters import filter_state  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
CALLS = 20
TARGET_MS = 300.0
CALLBACK_PATH = "/_dash-update-component"
APP_TIMING = re.compile(
    r"request_id=(?P<rid>\S+) msg=\"POST /_dash-update-component \d+ (?P<ms>[\d.]+)ms\""
)

#: What the page holds before the user touches anything (see components/dashboard.py).
INITIAL: dict[tuple[str, str], Any] = {
    (ids.FILTERS, "data"): filter_state(),
    (ids.GRANULARITY, "value"): "month",
    (ids.SKU_BARS_METRIC, "value"): "revenue",
    (ids.PARETO_METRIC, "value"): "revenue",
    (ids.SKU_TABLE, "page_current"): 0,
    (ids.SKU_TABLE, "sort_by"): [{"column_id": "rank", "direction": "asc"}],
}

#: name -> (values changed from INITIAL, the inputs that changed, callbacks it concerns)
VARIATIONS: dict[str, tuple[dict[tuple[str, str], Any], list[str], tuple[str, ...]]] = {
    "no filter": ({}, [], ("kpis", "overview", "sku table")),
    "category": (
        {(ids.FILTERS, "data"): filter_state(categories=["Electronics"])},
        [f"{ids.FILTERS}.data"],
        ("kpis", "overview", "sku table"),
    ),
    "date range": (
        {(ids.FILTERS, "data"): filter_state("2023-01-01", "2023-06-30")},
        [f"{ids.FILTERS}.data"],
        ("kpis", "overview", "sku table"),
    ),
    "SKU search": (
        {(ids.FILTERS, "data"): filter_state(sku="SKU-12")},
        [f"{ids.FILTERS}.data"],
        ("kpis", "overview", "sku table"),
    ),
    "granularity day": (
        {(ids.GRANULARITY, "value"): "day"},
        [f"{ids.GRANULARITY}.value"],
        ("overview",),
    ),
    "granularity week": (
        {(ids.GRANULARITY, "value"): "week"},
        [f"{ids.GRANULARITY}.value"],
        ("overview",),
    ),
    "granularity month": (
        {(ids.GRANULARITY, "value"): "month"},
        [f"{ids.GRANULARITY}.value"],
        ("overview",),
    ),
    "granularity quarter": (
        {(ids.GRANULARITY, "value"): "quarter"},
        [f"{ids.GRANULARITY}.value"],
        ("overview",),
    ),
    "table sorted by revenue, page 5": (
        {
            (ids.SKU_TABLE, "sort_by"): [{"column_id": "revenue", "direction": "desc"}],
            (ids.SKU_TABLE, "page_current"): 4,
        },
        [f"{ids.SKU_TABLE}.sort_by"],
        ("sku table",),
    ),
}


def start_server(cache_dir: str, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = 5900 + os.getpid() % 300
    env = {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "CACHE_DIR": cache_dir,
        "RATE_LIMIT": "100000",
        "CALLBACK_RATE_LIMIT": "100000",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
        "OLLAMA_HOST": "http://127.0.0.1:9",
    }
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(url + "/health", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server did not start; see {log_path}")


def split_outputs(output: str) -> list[dict[str, str]]:
    """``..a.b...c.d..`` (a multi-output callback id) -> [{id, property}, ...]."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        out.append({"id": component.split("@", 1)[0], "property": prop})
    return out


def find_callback(dependencies: list[dict], target: str) -> dict:
    for dependency in dependencies:
        if any(
            f"{o['id']}.{o['property']}" == target
            for o in split_outputs(dependency["output"])
        ):
            return dependency
    raise SystemExit(f"no callback updates {target}; has the layout changed?")


def payload(
    dependency: dict, values: dict[tuple[str, str], Any], changed: list[str]
) -> dict[str, Any]:
    """The JSON body dash-renderer 4 posts: outputs, inputs/state with values, changed ids.

    Properties the page has not set are sent without a ``value``, as the renderer does.
    """

    def with_values(items: list[dict]) -> list[dict]:
        out = []
        for item in items:
            entry = {"id": item["id"], "property": item["property"]}
            if (item["id"], item["property"]) in values:
                entry["value"] = values[(item["id"], item["property"])]
            out.append(entry)
        return out

    outputs = split_outputs(dependency["output"])
    body: dict[str, Any] = {
        "output": dependency["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": with_values(dependency["inputs"]),
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
    }
    if dependency["state"]:  # the renderer leaves "state" out when there is none
        body["state"] = with_values(dependency["state"])
    return body


def app_timings(log_path: Path) -> dict[str, float]:
    """request id -> the app's own time for each callback request (from its log)."""
    text = log_path.read_text(errors="replace")
    return {match["rid"]: float(match["ms"]) for match in APP_TIMING.finditer(text)}


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main() -> None:
    frame = transactions()
    body = csv_bytes(frame)
    print(
        f"file: {len(frame):,} rows, {frame['sku'].nunique():,} SKUs, "
        f"{len(body) / 1e6:.1f} MB CSV; {CALLS} calls per variation"
    )
    results: list[tuple[str, str, list[float], list[float], int]] = []
    with tempfile.TemporaryDirectory() as workdir:
        log_path = Path(workdir) / "server.log"
        process, url = start_server(str(Path(workdir) / "cache"), log_path)
        try:
            http = requests.Session()
            page = http.get(url + "/").text
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            response = http.post(
                url + "/upload",
                files={"file": ("bench.csv", body, "text/csv")},
                headers={"X-CSRFToken": token},
                timeout=300,
            )
            if response.status_code != 201:
                raise SystemExit(
                    f"upload failed: {response.status_code} {response.text[:300]}"
                )
            sid = response.json()["session_id"]
            http.get(
                f"{url}/dashboard/{sid}"
            )  # sets the _csrf_token cookie the renderer echoes
            headers = {"X-CSRFToken": http.cookies["_csrf_token"]}
            dependencies = http.get(url + "/_dash-dependencies").json()
            callbacks = {
                "kpis": find_callback(dependencies, f"{ids.KPI_ROW}.children"),
                "overview": find_callback(
                    dependencies, f"{ids.TIMESERIES_GRAPH}.figure"
                ),
                "sku table": find_callback(dependencies, f"{ids.SKU_TABLE}.data"),
            }
            base = {**INITIAL, (ids.SESSION_ID, "data"): sid}
            for name, (changes, changed, concerns) in VARIATIONS.items():
                for callback in concerns:
                    request_body = payload(
                        callbacks[callback], {**base, **changes}, changed
                    )
                    client_ms, request_ids, size = [], [], 0
                    for _ in range(CALLS):
                        request_id = uuid.uuid4().hex[:16]
                        started = time.perf_counter()
                        reply = http.post(
                            url + CALLBACK_PATH,
                            json=request_body,
                            headers={**headers, "X-Request-ID": request_id},
                            timeout=120,
                        )
                        client_ms.append((time.perf_counter() - started) * 1000)
                        if reply.status_code != 200 or "response" not in reply.json():
                            raise SystemExit(
                                f"{callback} / {name}: {reply.status_code} {reply.text[:300]}"
                            )
                        request_ids.append(request_id)
                        size = len(reply.content)
                    time.sleep(0.1)  # let the log line reach the file
                    logged = app_timings(log_path)
                    server_ms = [logged[r] for r in request_ids if r in logged]
                    results.append((callback, name, client_ms, server_ms, size))
        finally:
            process.terminate()
            process.wait(timeout=30)

    print()
    header = (
        f"{'callback':<10} {'variation':<32} {'first':>7} {'median':>7} {'p95':>7} "
        f"{'app med':>8} {'app p95':>8} {'KB':>6}  target ≤ {TARGET_MS:.0f} ms"
    )
    print(header)
    print("-" * len(header))
    worst_median = worst_p95 = 0.0
    for callback, name, client_ms, server_ms, size in results:
        median, tail = statistics.median(client_ms), p95(client_ms)
        worst_median, worst_p95 = max(worst_median, median), max(worst_p95, tail)
        app_median = (
            f"{statistics.median(server_ms):8.0f}" if server_ms else f"{'-':>8}"
        )
        app_tail = f"{p95(server_ms):8.0f}" if server_ms else f"{'-':>8}"
        verdict = "ok" if median <= TARGET_MS and tail <= TARGET_MS else "SLOW"
        print(
            f"{callback:<10} {name:<32} {client_ms[0]:7.0f} {median:7.0f} {tail:7.0f} "
            f"{app_median} {app_tail} {size / 1024:6.0f}  {verdict}"
        )
    print()
    print(
        "times in ms; first = first call of the variation; median/p95 over "
        f"{CALLS} calls at the client; app = the app's own request timing from its log"
    )
    print(
        f"worst median {worst_median:.0f} ms, worst p95 {worst_p95:.0f} ms "
        f"(target ≤ {TARGET_MS:.0f} ms): "
        + ("met" if max(worst_median, worst_p95) <= TARGET_MS else "NOT met")
    )


if __name__ == "__main__":
    main()
