"""A lean HTTP load client and the server's CPU cost per request.

The first load client (8 threads of ``requests`` in one process) spent more CPU per
request than the server did and held the GIL for all 8 clients, so on a 2-core machine it
measured itself. This one keeps 8 persistent ``http.client`` connections in 2 processes
(4 threads each), reads whole answers, and also reports the server's CPU time per request
(user + system of the gunicorn workers, from ``psutil``), which says what the server
costs independently of the client sharing its cores.

Run directly against a running server: ``.venv/bin/python benchmarks/load.py URL``.
"""

from __future__ import annotations

import http.client
import multiprocessing
import sys
import threading
import time
from urllib.parse import urlsplit

import numpy as np
import psutil

PROCESSES = 2
THREADS = 4


def _client(url: str, headers: dict, seconds: float, out: list, errors: list) -> None:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    stop_at = time.perf_counter() + seconds
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            reply = connection.getresponse()
            reply.read()
        except (OSError, http.client.HTTPException) as error:
            errors.append(type(error).__name__)
            connection.close()
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=30
            )
            continue
        out.append((time.perf_counter() - started) * 1000)
        if reply.status != 200:
            errors.append(reply.status)
    connection.close()


def _process(url: str, headers: dict, seconds: float, queue) -> None:
    latencies: list[float] = []
    errors: list = []
    threads = [
        threading.Thread(
            target=_client, args=(url, headers, seconds, latencies, errors)
        )
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, errors))


def server_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by the processes ``pids``."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn master and its workers (not the job runners they start)."""
    master = psutil.Process(master_pid)
    return [master_pid, *(p.pid for p in master.children())]


def load(
    url: str,
    headers: dict | None = None,
    seconds: float = 5.0,
    server_pids: list[int] | None = None,
) -> dict[str, float]:
    """Requests per second, p50/p95 latency (ms) and server CPU ms per request."""
    headers = dict(headers or {})
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    before = server_cpu(server_pids or [])
    started = time.perf_counter()
    processes = [
        context.Process(target=_process, args=(url, headers, seconds, queue))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    cpu = server_cpu(server_pids or []) - before
    latencies = [x for lat, _ in results for x in lat]
    errors = [e for _, err in results for e in err]
    if errors:
        raise SystemExit(f"{url}: {len(errors)} failed requests, e.g. {errors[0]}")
    count = len(latencies)
    # the clients start after their process does: count the time they ran
    return {
        "rps": count / min(elapsed, seconds + 0.05) if count else 0.0,
        "p50": float(np.percentile(latencies, 50)) if count else 0.0,
        "p95": float(np.percentile(latencies, 95)) if count else 0.0,
        "cpu_ms": cpu * 1000 / count if count and server_pids else float("nan"),
        "requests": count,
    }


if __name__ == "__main__":
    print(load(sys.argv[1]))
