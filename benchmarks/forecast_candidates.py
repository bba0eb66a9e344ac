"""Would other models help? Candidate variants on the real series, backtest and holdout.

For each headline real series of ``forecast_accuracy.py`` the last default horizon is
hidden, as there. On the rest, every variant below is backtested exactly as
``analytics.forecast.forecast`` backtests its candidates (same origins, refitted at each
cut-off, MASE against the in-sample seasonal-naive error), and then forecasts the hidden
periods; its holdout MAE is divided by the seasonal-naive one (naive under two seasons).

Variants: AutoETS, AutoTheta, AutoARIMA as the forecast fits them; DynamicOptimizedTheta;
MSTL decomposition with AutoTheta on the remainder; each of these on the log of the
series (multiplicative seasonality and growth; exp of the forecast); level-adjusted
seasonal naive; and pooled rules over them: mean / median ensembles, inverse-MASE
weighted, mean of the backtest's best 2 and 3.

Printed at the end, as geometric means of the holdout ratio over the four series:

* ``chosen by backtest``: the variant with the lowest backtest MASE on each series (the
  only fair choice: it sees no hidden value);
* ``hindsight oracle``: the variant with the lowest *holdout* ratio on each series, an
  upper bound on what this pool could reach with a perfect selection rule.

Run: ``.venv/bin/python benchmarks/forecast_candidates.py`` (about 2 minutes; AutoARIMA
on 287 months is most of it).
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import analytics.forecast.backtest as bt  # noqa: E402
import analytics.forecast.models as fm  # noqa: E402
from analytics.forecast import forecast  # noqa: E402
from analytics.forecast.common import MIN_HISTORY, MIN_SEASONS  # noqa: E402
from benchmarks.forecast_accuracy import HEADLINE, real_series  # noqa: E402

Forecaster = Callable[[np.ndarray, int, int], np.ndarray]


def _stats(name: str, log: bool = False) -> Forecaster:
    def run(y: np.ndarray, h: int, m: int) -> np.ndarray:
        from statsforecast.models import (
            MSTL,
            AutoARIMA,
            AutoETS,
            AutoTheta,
            DynamicOptimizedTheta,
        )

        if log and float(np.min(y)) <= 0:
            raise ValueError("the log needs positive values")
        z = np.log(y) if log else y
        if name == "ets":
            model = (
                AutoETS(season_length=m)
                if m <= 24
                else MSTL(season_length=m, trend_forecaster=AutoETS(model="ZZN"))
            )
        elif name == "theta":
            model = AutoTheta(season_length=m)
        elif name == "dotheta":
            model = DynamicOptimizedTheta(season_length=m)
        elif name == "arima":
            model = (
                AutoARIMA(season_length=m, approximation=True)
                if m <= 12
                else MSTL(
                    season_length=m, trend_forecaster=AutoARIMA(approximation=True)
                )
            )
        elif name == "mstl_theta":
            if m < 2:
                raise ValueError("MSTL needs a season")
            model = MSTL(season_length=m, trend_forecaster=AutoTheta())
        else:
            raise KeyError(name)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            model.fit(y=z[-360:])
            out = np.asarray(model.predict(h=h)["mean"], dtype="float64")[:h]
        return np.exp(out) if log else out

    return run


def _level_seasonal_naive(y: np.ndarray, h: int, m: int) -> np.ndarray:
    """Last season moved by the change of the mean of the last quarter-season against
    the same periods one season earlier."""
    if m < 2:
        raise ValueError("needs a season")
    w = max(1, m // 4)
    n = len(y)
    if n < m + w:
        raise ValueError("too short")
    shift = y[n - w :].mean() - y[n - m - w : n - m].mean()
    return y[n - m + np.arange(h) % m] + shift


VARIANTS: dict[str, Forecaster] = {
    name + suffix: _stats(name, log=bool(suffix))
    for suffix in ("", " (log)")
    for name in ("ets", "theta", "arima", "dotheta", "mstl_theta")
}
VARIANTS["level-adjusted seasonal naive"] = _level_seasonal_naive


def _mase(actual: np.ndarray, fc: np.ndarray, scales: list[float]) -> float:
    return float(np.mean(np.abs(actual - fc) / np.asarray(scales)[:, None]))


def evaluate(name: str, df, kwargs: dict) -> dict[str, tuple[float, float]]:
    """``{variant: (backtest MASE, holdout ratio)}`` for one series."""
    full = forecast(df, backtest=False, model="seasonal_naive", **kwargs)
    y = full.history.to_numpy(dtype="float64")
    h, m = full.horizon, full.frequency.season_length
    train, hold = y[:-h], y[-h:]
    n = len(train)
    seasonal = n >= MIN_SEASONS * m
    season = m if seasonal else 1
    min_train = (
        max(m + 2, min(MIN_SEASONS * m, n - 3))
        if seasonal
        else max(4, min(MIN_HISTORY, n - 3))
    )
    plan = bt.plan_backtest(n, h, min_train)
    actual = bt.origin_actuals(train, plan)
    scales = bt.origin_scales(train, plan, season)
    bench_mae = float(np.mean(np.abs(hold - fm.seasonal_naive(train, h, season).yhat)))
    runs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for variant, run in VARIANTS.items():
        try:
            past = np.vstack(
                [run(train[:o], plan.horizon, season) for o in plan.origins]
            )
            runs[variant] = (past, run(train, h, season))
        except Exception as exc:  # noqa: BLE001 - a variant that cannot fit is left out
            print(f"  {name}: {variant} left out ({exc})", file=sys.stderr)
    mases = {v: _mase(actual, past, scales) for v, (past, _) in runs.items()}
    base = [v for v in ("ets", "theta", "arima") if v in runs]
    every = list(runs)
    best = sorted(every, key=mases.get)
    weights = np.array([1 / mases[v] for v in every])
    pools: dict[str, tuple[list[str], Callable]] = {
        "mean(ets, theta, arima) [the forecast's ensemble]": (base, np.mean),
        "median(ets, theta, arima)": (base, np.median),
        "mean of all variants": (every, np.mean),
        "median of all variants": (every, np.median),
        "mean of backtest's best 2": (best[:2], np.mean),
        "mean of backtest's best 3": (best[:3], np.mean),
    }
    for pool, (members, agg) in pools.items():
        if len(members) >= 2:
            runs[pool] = tuple(
                agg(np.stack([runs[v][i] for v in members]), axis=0) for i in (0, 1)
            )
    runs["inverse-MASE weighted, all variants"] = tuple(
        np.tensordot(weights / weights.sum(), np.stack([runs[v][i] for v in every]), 1)
        for i in (0, 1)
    )
    return {
        v: (_mase(actual, past, scales), float(np.mean(np.abs(hold - f)) / bench_mae))
        for v, (past, f) in runs.items()
    }


def main() -> None:
    sets = real_series()
    chosen, oracle = {}, {}
    for name in HEADLINE:
        df, kwargs = sets[name]
        table = evaluate(name, df, kwargs)
        print(f"\n{name}\n| variant | backtest MASE | holdout ratio |\n|---|---|---|")
        for v, (mase, ratio) in sorted(table.items(), key=lambda kv: kv[1][0]):
            print(f"| {v} | {mase:.3f} | {ratio:.2f} |")
        pick = min(table, key=lambda v: table[v][0])
        chosen[name] = table[pick][1]
        oracle[name] = min(r for _, r in table.values())
        print(
            f"lowest backtest MASE: {pick} (holdout {chosen[name]:.2f}); "
            f"best holdout in hindsight {oracle[name]:.2f}"
        )

    def geo(values: dict[str, float]) -> float:
        return math.exp(float(np.mean(np.log(list(values.values())))))

    print(
        f"\ngeometric mean of the holdout ratio: chosen by backtest {geo(chosen):.2f}, "
        f"hindsight oracle {geo(oracle):.2f}"
    )


if __name__ == "__main__":
    main()
