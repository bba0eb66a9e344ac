"""Forecasts per store / SKU (``analytics.forecast.forecast_by``): time and accuracy.

* Walmart, 45 stores × 143 weeks: one batch of 45 series (wall and CPU time), the same
  fits one group at a time for comparison, and a holdout — the last 13 weeks of every store
  hidden, forecast from the rest, MAE against seasonal naive's per store (geometric mean,
  and how many stores beat the benchmark).
* Superstore by SKU (1,862 products, monthly): the largest 20 and 200.
* Generated: 300,000 order lines of 5,000 SKUs over 3 years, the largest 200.

Run: ``.venv/bin/python benchmarks/bench_forecast_batch.py``
"""

from __future__ import annotations

import math
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.forecast import forecast_by  # noqa: E402
from analytics.forecast import models as fm  # noqa: E402
from analytics.schema import conform_canonical  # noqa: E402

DATA_DIR = ROOT.parent / "shared" / "data"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def timed(label: str, func):
    wall, cpu = time.perf_counter(), _cpu()
    out = func()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    return out, wall


def walmart() -> None:
    raw = pd.read_csv(DATA_DIR / "walmart_weekly_45stores.csv")
    df = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(raw["Date"], format="%d/%m/%y"),
                "revenue": raw["Weekly_Sales"],
            }
        )
    )
    df["Store"] = raw["Store"].astype(str).to_numpy()
    result, batch = timed(
        "Walmart by store, 45 weekly series, one batch",
        lambda: forecast_by(df, "Store", limit=45),
    )
    classes = fm.load_statsforecast()
    wide = df.pivot_table(
        index="date", columns="Store", values="revenue", aggfunc="sum"
    )

    def one_by_one() -> None:
        for store in wide.columns:
            y = wide[store].to_numpy()
            for name in ("auto_ets", "auto_theta"):
                fm.stats_forecasts(classes, name, y, 52, (len(y),), 13, 260)

    _, loop = timed("  the same fits one store at a time", one_by_one)
    print(f"  batch / loop: {batch / loop:.2f}")

    # holdout: last 13 weeks hidden
    cut = wide.index[-13]
    train = df.loc[df["date"] < cut]
    hidden = forecast_by(train, "Store", limit=45).groups.set_index("group")
    ratios = []
    for store in wide.columns:
        actual = wide[store].to_numpy()[-13:]
        past = wide[store].to_numpy()[:-13]
        bench = past[len(past) - 52 : len(past) - 52 + 13]
        points = hidden.loc[store, "points"]
        fc = np.array([p["yhat"] for p in points])
        ratios.append(np.mean(np.abs(actual - fc)) / np.mean(np.abs(actual - bench)))
    geo = math.exp(float(np.mean(np.log(ratios))))
    better = sum(r < 1 for r in ratios)
    print(
        f"  holdout (last 13 weeks), MAE / seasonal naive's per store: geometric mean "
        f"{geo:.2f}, median {np.median(ratios):.2f}, {better} of 45 stores below 1, "
        f"worst {max(ratios):.2f}"
    )
    del result


def superstore() -> None:
    raw = pd.read_csv(DATA_DIR / "superstore_classic_cp1252.csv", encoding="cp1252")
    df = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
                "revenue": raw["Sales"],
                "sku": raw["Product ID"],
            }
        )
    )
    for limit in (20, 200):
        result, _ = timed(
            f"Superstore by SKU, largest {limit} of 1,862 (monthly)",
            lambda limit=limit: forecast_by(df, "sku", limit=limit),
        )
        print(f"  share of revenue not forecast: {result.left_out_share:.0%}")


def generated() -> None:
    rng = np.random.default_rng(3)
    n = 300_000
    days = pd.date_range("2022-01-01", periods=3 * 365, freq="D")
    sku = rng.zipf(1.3, n) % 5_000
    df = conform_canonical(
        pd.DataFrame(
            {
                "date": days[rng.integers(0, len(days), n)],
                "revenue": rng.gamma(2, 30, n).round(2),
                "sku": [f"SKU-{i:05d}" for i in sku],
            }
        )
    )
    timed(
        "generated: 300,000 lines, 5,000 SKUs, 3 years -> largest 200 (monthly)",
        lambda: forecast_by(df, "sku", limit=200, freq="monthly"),
    )


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    fm.warm_up()  # imports, as the app does at start
    if DATA_DIR.exists():
        walmart()
        superstore()
    generated()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
