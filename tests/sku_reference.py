"""The SKU performance score written from the README in plain Python, for tests.

No pandas and no numpy: sums, means and standard deviations are plain arithmetic and the
average ranks of tied values are worked out by hand, so agreement with
``analytics.metrics.skus`` is agreement between two independent implementations of the formula.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

WEIGHTS = {"frequency": 0.4, "price": 0.4, "consistency": 0.2}


def compared(value: float) -> int:
    """A mean or spread as the README compares them: to 6 decimal places."""
    return round(value * 1e6)


def average_ranks(values: list) -> list[float]:
    """1-based ranks in ascending order; tied values share the average of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        shared = (start + 1 + end + 1) / 2
        for position in range(start, end + 1):
            ranks[order[position]] = shared
        start = end + 1
    return ranks


def percentile_ranks(values: dict) -> dict[str, float]:
    """pr(x) = (average rank - 1) / (K - 1) over the given SKUs; 1.0 when K = 1."""
    skus = list(values)
    count = len(skus)
    if count == 1:
        return {skus[0]: 1.0}
    ranks = average_ranks([values[sku] for sku in skus])
    return {
        sku: (rank - 1) / (count - 1) for sku, rank in zip(skus, ranks, strict=True)
    }


def band(score: float) -> str:
    return "green" if score >= 70 else "amber" if score >= 40 else "red"


def reference_scores(pairs: Iterable[tuple[str, float]]) -> list[dict]:
    """Every SKU's score from ``(sku, revenue)`` rows, ranked (rank 1 first).

    Each result has ``sku, rank, score, band, frequency_score, price_score,
    consistency_score, transactions, avg_amount, revenue, few_sales``.
    """
    amounts: dict[str, list[float]] = {}
    for sku, amount in pairs:
        amounts.setdefault(sku, []).append(float(amount))
    n: dict[str, int] = {}
    mean: dict[str, float] = {}
    total: dict[str, float] = {}
    spread: dict[str, float] = {}
    for sku, values in amounts.items():
        s = 0.0
        for value in values:
            s += value
        m = s / len(values)
        if compared(m) == 0:
            m = 0.0
        n[sku], mean[sku], total[sku] = len(values), m, s
        if len(values) >= 2 and m != 0:
            variance = sum((value - m) ** 2 for value in values) / len(values)
            spread[sku] = math.sqrt(variance) / abs(m)
    f = percentile_ranks(n)
    p = percentile_ranks({sku: compared(m) for sku, m in mean.items()})
    pv = (
        percentile_ranks({sku: compared(v) for sku, v in spread.items()})
        if spread
        else {}
    )
    rows = []
    for sku in amounts:
        c = 1 - pv[sku] if sku in pv else 0.0
        score = 100 * (
            WEIGHTS["frequency"] * f[sku]
            + WEIGHTS["price"] * p[sku]
            + WEIGHTS["consistency"] * c
        )
        rows.append(
            {
                "sku": sku,
                "score": round(score, 6),
                "band": band(round(score, 6)),
                "frequency_score": f[sku],
                "price_score": p[sku],
                "consistency_score": c,
                "transactions": n[sku],
                "avg_amount": mean[sku],
                "revenue": total[sku],
                "few_sales": n[sku] < 3,
            }
        )
    rows.sort(key=lambda row: (-compared(row["score"]), -row["revenue"], row["sku"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def assert_same_ranking(got: list[dict], want: list[dict]) -> None:
    """Same SKUs in the same order, scores to 0.01 and each component to 1e-3."""
    assert [row["sku"] for row in got] == [row["sku"] for row in want]
    assert [row["rank"] for row in got] == [row["rank"] for row in want]
    for mine, theirs in zip(got, want, strict=True):
        sku = theirs["sku"]
        assert abs(mine["score"] - theirs["score"]) <= 0.01, sku
        for part in ("frequency_score", "price_score", "consistency_score"):
            assert abs(mine[part] - theirs[part]) <= 1e-3, (sku, part)
        assert mine["transactions"] == theirs["transactions"], sku
        assert mine["band"] == theirs["band"], sku
        assert bool(mine["few_sales"]) == theirs["few_sales"], sku
