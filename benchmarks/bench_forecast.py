"""Forecast timing: 3 years of daily transactions → backtested forecast (target ≤ 3 s).

Prints the median of 5 runs of ``analytics.forecast.forecast`` with its stage breakdown
(aggregation, backtest per model, final fit + predict), a Prophet fit/predict/sampling
split on the same series, and — when shared/data is present — the backtest table of the
real sample series used in docs/forecasting.md.

Run: ``.venv/bin/python benchmarks/bench_forecast.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics import forecast_models as fm  # noqa: E402
from analytics.forecast import _import_prophet, aggregate_series, forecast  # noqa: E402
from analytics.schema import conform_canonical  # noqa: E402

RUNS = 5
TARGET_SECONDS = 3.0
DATA_DIR = ROOT.parent / "shared" / "data"


def daily_transactions(
    years: int = 3, per_day: int = 20, seed: int = 0
) -> pd.DataFrame:
    """Canonical frame: ``per_day`` order lines a day with trend, weekly and yearly cycles."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2021-01-01", periods=365 * years, freq="D")
    t = np.arange(len(days))
    level = (
        1_000
        + 0.4 * t
        + 150 * np.sin(2 * np.pi * t / 365.25)
        + 120 * (days.day_of_week >= 5)
    )
    dates = np.repeat(days.to_numpy(), per_day)
    revenue = np.repeat(level / per_day, per_day) * rng.lognormal(0, 0.3, len(dates))
    return conform_canonical(pd.DataFrame({"date": dates, "revenue": revenue.round(2)}))


def bench_forecast() -> None:
    df = daily_transactions()
    _import_prophet()  # the one-off ~1.7 s import is not part of a request
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = forecast(df)
        runs.append((time.perf_counter() - start, result))
    totals = [r[0] for r in runs]
    median = statistics.median(totals)
    result = runs[0][1]
    print(f"series: {len(df):,} transaction lines -> {len(result.history)} days")
    print(f"model chosen: {result.model} (horizon {result.horizon} days)")
    print(
        f"forecast() with backtest: median {median:.2f} s over {RUNS} runs "
        f"(min {min(totals):.2f}, max {max(totals):.2f}); target <= {TARGET_SECONDS:.1f} s: "
        f"{'OK' if median <= TARGET_SECONDS else 'MISSED'}"
    )
    stages = sorted({k for _, r in runs for k in r.timings})
    for stage in stages:
        values = [r.timings.get(stage, 0.0) for _, r in runs]
        print(f"  {stage:<32} median {statistics.median(values):.3f} s")
    origins = next(iter(result.backtest.values())).n_origins if result.backtest else 0
    print(f"  backtest origins per model: {origins}")


def bench_prophet_split() -> None:
    _, series = aggregate_series(daily_transactions())
    prophet_cls = _import_prophet()
    dates = pd.DatetimeIndex(series.index)
    future = pd.date_range(dates[-1], periods=91, freq="D")[1:]
    fits, predicts, samples = [], [], []
    for _ in range(RUNS):
        model = prophet_cls(
            uncertainty_samples=0, **fm.prophet_settings(dates, "daily")
        )
        import cmdstanpy

        start = time.perf_counter()
        with cmdstanpy.disable_logging():
            model.fit(pd.DataFrame({"ds": dates, "y": series.to_numpy()}))
        fitted = time.perf_counter()
        model.predict(pd.DataFrame({"ds": future}))
        predicted = time.perf_counter()
        model.uncertainty_samples = 200
        model.predictive_samples(pd.DataFrame({"ds": future}))
        sampled = time.perf_counter()
        fits.append(fitted - start)
        predicts.append(predicted - fitted)
        samples.append(sampled - predicted)
    print(
        "Prophet on the full series (median of 5): "
        f"fit {statistics.median(fits):.3f} s, predict {statistics.median(predicts):.3f} s, "
        f"200 predictive samples {statistics.median(samples):.3f} s"
    )


def real_series() -> dict[str, tuple[pd.DataFrame, dict]]:
    retail = pd.read_csv(DATA_DIR / "prophet_example_retail_sales.csv")
    walmart = pd.read_csv(DATA_DIR / "walmart_weekly_45stores.csv")
    store = pd.read_csv(DATA_DIR / "superstore_classic_cp1252.csv", encoding="cp1252")
    online = pd.read_csv(DATA_DIR / "online_retail_uci_sample.csv")

    def frame(dates: pd.Series, revenue: pd.Series) -> pd.DataFrame:
        return conform_canonical(pd.DataFrame({"date": dates, "revenue": revenue}))

    return {
        "Prophet retail sales (monthly)": (
            frame(pd.to_datetime(retail["ds"]), retail["y"]),
            {},
        ),
        "Walmart 45 stores (weekly)": (
            frame(
                pd.to_datetime(walmart["Date"], format="%d/%m/%y"),
                walmart["Weekly_Sales"],
            ),
            {},
        ),
        "Superstore (monthly)": (
            frame(
                pd.to_datetime(store["Order Date"], format="%m/%d/%Y"), store["Sales"]
            ),
            {"freq": "monthly"},
        ),
        "Online Retail (monthly)": (
            frame(
                pd.to_datetime(online["InvoiceDate"], format="%m/%d/%Y %H:%M"),
                online["Quantity"] * online["UnitPrice"],
            ),
            {"freq": "monthly"},
        ),
    }


def real_data_table() -> None:
    if not DATA_DIR.exists():
        print("shared/data not present: real-data table skipped")
        return
    print()
    print(
        "| series | periods | model | MASE | MAPE % | sMAPE % | 80 % cov. | 95 % cov. | chosen |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (df, kwargs) in real_series().items():
        start = time.perf_counter()
        result = forecast(df, **kwargs)
        seconds = time.perf_counter() - start
        for model, score in result.backtest.items():
            mape = "–" if score.mape is None else f"{score.mape:.1f}"
            print(
                f"| {name} | {len(result.history)} | {model} | {score.mase:.3f} | {mape} | "
                f"{score.smape:.1f} | {score.coverage_80:.2f} | {score.coverage_95:.2f} | "
                f"{'**yes**' if model == result.model else ''} |"
            )
        origins = next(iter(result.backtest.values())).n_origins
        print(f"<!-- {name}: {origins} origins, {seconds:.2f} s -->")


if __name__ == "__main__":
    bench_forecast()
    bench_prophet_split()
    real_data_table()
