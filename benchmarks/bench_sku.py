"""SKU performance score speed: ``sku_scores`` on up to 1,000,000 rows × 50,000 SKUs.

Target: ≤ 0.5 s at 1,000,000 rows × 50,000 SKUs, growing linearly with the rows. Prints the
median of 5 runs at 250k, 500k and 1M rows, the time per row and the ratio to the
smallest size (linear growth doubles the time when the rows double), plus
``monthly_sku_scores`` at the same sizes for reference.

Run: ``.venv/bin/python benchmarks/bench_sku.py`` (or ``make bench``).
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

from analytics.metrics import monthly_sku_scores, sku_scores  # noqa: E402
from analytics.schema import conform_canonical  # noqa: E402

RUNS = 5
SKUS = 50_000
SIZES = (250_000, 500_000, 1_000_000)
TARGET_SECONDS = 0.5


def canonical_rows(rows: int, skus: int = SKUS, seed: int = 11) -> pd.DataFrame:
    """A canonical frame: popular and rare SKUs, list prices × quantities, 3 years of days."""
    rng = np.random.default_rng(seed)
    popularity = rng.lognormal(0.0, 1.0, skus)
    sku_ids = rng.choice(skus, rows, p=popularity / popularity.sum())
    sku_ids[:skus] = np.arange(skus)  # every SKU sells at least once
    price = np.round(rng.lognormal(3.0, 1.0, skus), 2)
    quantity = rng.integers(1, 8, rows)
    revenue = np.round(price[sku_ids] * quantity, 2)
    refunds = rng.random(rows) < 0.01
    revenue[refunds] *= -1
    days = rng.integers(0, 3 * 365, rows)
    return conform_canonical(
        pd.DataFrame(
            {
                "date": np.datetime64("2022-01-01", "ns")
                + days.astype("timedelta64[D]"),
                "revenue": revenue,
                "cost": np.round(revenue * 0.6, 2),
                "profit": np.round(revenue * 0.4, 2),
                "quantity": quantity.astype("float64"),
                "sku": pd.Series(np.char.add("SKU-", sku_ids.astype(str)), dtype="str"),
            }
        )
    )


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm-up: imports, allocator
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    frames = {rows: canonical_rows(rows) for rows in SIZES}
    print(f"sku_scores / monthly_sku_scores, {SKUS:,} SKUs, median of {RUNS} runs")
    print(
        f"{'rows':>10} {'skus':>7} {'sku_scores':>11} {'ns/row':>7} {'ratio':>6} {'monthly':>9}"
    )
    base = None
    for rows, frame in frames.items():
        seconds = median_seconds(lambda frame=frame: sku_scores(frame))
        monthly = median_seconds(lambda frame=frame: monthly_sku_scores(frame))
        base = base or seconds
        print(
            f"{rows:>10,} {frame['sku'].nunique():>7,} {seconds * 1000:>8.0f} ms "
            f"{seconds / rows * 1e9:>7.0f} {seconds / base:>5.2f}x {monthly * 1000:>6.0f} ms"
        )
    rows_ratio = SIZES[-1] / SIZES[0]
    print(
        f"rows grew {rows_ratio:.0f}x; linear growth means a time ratio near {rows_ratio:.0f}x "
        "(less when fixed per-SKU work dominates)"
    )
    verdict = "meets" if seconds <= TARGET_SECONDS else "MISSES"
    print(
        f"1,000,000 rows × {SKUS:,} SKUs: {seconds:.3f} s — {verdict} the ≤ {TARGET_SECONDS:g} s target"
    )


if __name__ == "__main__":
    main()
