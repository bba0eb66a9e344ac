"""Dashboard analytics speed: one filter change on a 300,000-row canonical frame.

What a filter callback computes, step by step: ``filter_frame`` (history with the
non-date filters, then the date range), ``kpi_cards``, ``timeseries``, ``margin_series``,
category ``breakdown``, ``top_bottom_skus``, ``abc_pareto``, ``seasonality``,
``sku_scores`` and ``monthly_sku_scores``. Prints the median and p95 of 20 runs per step
and for the whole pass. The dashboard's budget is ≤ 300 ms per filter callback including
reading the session from the store, so the pure part should stay well under that.

Run: ``.venv/bin/python benchmarks/bench_metrics.py`` (or ``make bench``).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.metrics import (  # noqa: E402  # noqa: E402
    abc_pareto,
    breakdown,
    filter_frame,  # noqa: E402
    kpi_cards,
    margin_series,
    monthly_sku_scores,
    seasonality,
    sku_scores,
    timeseries,
    top_bottom_skus,
)
from analytics.schema import conform_canonical  # noqa: E402
from benchmarks.datagen import transactions  # noqa: E402

ROWS = 300_000
RUNS = 20
BUDGET_MS = 300
START, END = "2023-01-01", "2024-06-30"
CATEGORIES = ["Apparel", "Electronics", "Home", "Garden", "Toys", "Food"]


def canonical_frame(rows: int = ROWS) -> pd.DataFrame:
    raw = transactions(rows)
    return conform_canonical(
        raw.assign(
            date=pd.to_datetime(raw["date"], format="%Y-%m-%d"),
            profit=raw["revenue"] - raw["cost"],
        )
    )


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main() -> None:
    data = canonical_frame()
    print(
        f"frame: {len(data):,} rows, {data['sku'].nunique():,} SKUs, "
        f"{data['date'].min():%Y-%m-%d}..{data['date'].max():%Y-%m-%d}; "
        f"filter {START}..{END}, {len(CATEGORIES)} of 8 categories"
    )
    state: dict[str, object] = {}

    def narrow() -> None:
        history = filter_frame(data, categories=CATEGORIES)
        state["history"] = history
        state["rows"] = filter_frame(history, start=START, end=END)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("filter_frame ×2", narrow),
        (
            "kpi_cards",
            lambda: kpi_cards(state["history"], state["rows"], start=START, end=END),
        ),
        ("timeseries", lambda: timeseries(state["rows"], "month")),
        ("margin_series", lambda: margin_series(state["rows"], "month")),
        ("breakdown(category)", lambda: breakdown(state["rows"], by="category")),
        ("top_bottom_skus", lambda: top_bottom_skus(state["rows"], 10, "revenue")),
        ("abc_pareto", lambda: abc_pareto(state["rows"], "revenue")),
        ("seasonality", lambda: seasonality(state["rows"])),
        ("sku_scores", lambda: sku_scores(state["rows"])),
        ("monthly_sku_scores", lambda: monthly_sku_scores(state["rows"])),
    ]
    timings: dict[str, list[float]] = {name: [] for name, _ in steps}
    totals: list[float] = []
    for run in range(RUNS + 1):
        pass_started = time.perf_counter()
        for name, step in steps:
            started = time.perf_counter()
            step()
            if run:  # run 0 warms up
                timings[name].append((time.perf_counter() - started) * 1000)
        if run:
            totals.append((time.perf_counter() - pass_started) * 1000)

    print(f"rows in view: {len(state['rows']):,}; median / p95 of {RUNS} runs (ms)")
    for name, values in timings.items():
        print(f"  {name:<22} {statistics.median(values):7.1f} {p95(values):7.1f}")
    median_total, p95_total = statistics.median(totals), p95(totals)
    print(f"  {'whole pass':<22} {median_total:7.1f} {p95_total:7.1f}")
    print(
        f"whole pass p95 {p95_total:.0f} ms = {p95_total / BUDGET_MS:.0%} of the "
        f"{BUDGET_MS} ms callback budget (which also covers reading the session)"
    )


if __name__ == "__main__":
    main()
