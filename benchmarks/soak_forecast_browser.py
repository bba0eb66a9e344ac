"""Soak run of the forecast browser flows on a loaded machine (issue: jobs never hang).

Runs the forecast flow in a real headless Chromium against the dev server and against
gunicorn, ``--rounds`` times in each of ``--parallel`` pytest processes at once (so the
machine is loaded by the runs themselves), and prints passes, failures and durations.

    .venv/bin/python benchmarks/soak_forecast_browser.py --parallel 3 --rounds 10
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TESTS = (
    "tests/integration/test_forecast_flow.py::"
    "test_forecast_arrives_after_the_dashboard_and_follows_the_model_choice",
    "tests/integration/test_forecast_flow.py::test_forecast_arrives_on_gunicorn",
)


def _one_round(results: list[dict], lock: threading.Lock, select: str) -> None:
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS]
        + (["-k", select] if select else []),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    passed = int((re.search(r"(\d+) passed", summary) or [0, 0])[1])
    failed = int((re.search(r"(\d+) failed", summary) or [0, 0])[1])
    errors = int((re.search(r"(\d+) error", summary) or [0, 0])[1])
    with lock:
        if failed + errors:
            out = PROJECT / "benchmarks" / "out"
            out.mkdir(parents=True, exist_ok=True)
            (out / f"soak-failure-{len(results) + 1}.txt").write_text(run.stdout)
        results.append(
            {
                "seconds": time.monotonic() - started,
                "passed": passed,
                "failed": failed + errors,
                "failures": re.findall(r"^FAILED (\S+)", run.stdout, re.M),
            }
        )
        print(f"round: {summary}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "-k", dest="select", default="", help="only the tests matching (pytest -k)"
    )
    options = parser.parse_args()
    results: list[dict] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(options.rounds):
            _one_round(results, lock, options.select)

    threads = [threading.Thread(target=worker) for _ in range(options.parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    passed = sum(r["passed"] for r in results)
    failed = sum(r["failed"] for r in results)
    durations = [r["seconds"] for r in results]
    print(
        f"forecast browser soak: processes={options.parallel} rounds={len(results)} "
        f"runs={passed + failed} passed={passed} failed={failed} "
        f"round_p50_s={statistics.median(durations):.0f} round_max_s={max(durations):.0f}"
    )
    for result in results:
        for name in result["failures"]:
            print(f"  failed: {name} (output in benchmarks/out/soak-failure-*.txt)")


if __name__ == "__main__":
    main()
