"""A change that rounds to zero at the shown precision is never worded as a change:
"Margin narrowed 0.0 pp" or "Revenue up 0.0%" would state a movement the figure beside
it denies. Such an insight says the figure held steady, or is left out."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from analytics.grounding.context import data_context
from analytics.insights import insights
from analytics.insights.timeline import seasonality_insight as _seasonality
from analytics.schema import conform_canonical

CHANGE_WORDS = re.compile(
    r"\b(grew|fell|widened|narrowed|up|down|above|below|added|lost|holds it back)\b"
)
ZERO = re.compile(r"(?<![\d.,])[+−-]?[$]?0(\.0+)?( pp|%)")


def flat_months(nudge: float = 0.0, margin_nudge: float = 0.0) -> pd.DataFrame:
    """Two full years of monthly rows, two categories with the same margin, every
    month alike except a nudge to the last month's revenue and cost."""
    months = pd.date_range("2022-01-01", "2023-12-01", freq="MS")
    rows = []
    for i, month in enumerate(months):
        for category, sku in (("Tools", "T-1"), ("Paint", "P-1")):
            revenue, cost = 1000.0, 600.0
            if i == len(months) - 1 and category == "Tools":
                revenue += nudge
                cost += margin_nudge + nudge * 0.6
            rows.append(
                {"date": month, "revenue": revenue, "cost": cost,
                 "profit": revenue - cost, "quantity": 1.0, "sku": sku,
                 "category": category}
            )  # fmt: skip
    return conform_canonical(pd.DataFrame(rows))


def kinds(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["kind"]: item for item in result["insights"]}


def assert_no_zero_change_worded(result: dict[str, Any]) -> None:
    texts = [result["summary"]] + [
        f"{item['title']} | {item['text']}" for item in result["insights"]
    ]
    for text in texts:
        for sentence in re.split(r"(?<=[.;|])\s+", text):
            if ZERO.search(sentence):
                assert not CHANGE_WORDS.search(sentence), sentence


@pytest.mark.parametrize(("nudge", "margin_nudge"), [(0.5, 0.0), (-0.5, 0.05), (0, 0)])
def test_a_change_that_rounds_to_zero_is_not_worded_as_a_change(
    nudge: float, margin_nudge: float
) -> None:
    df = flat_months(nudge, margin_nudge)
    result = insights(df)
    assert_no_zero_change_worded(result)
    found = kinds(result)
    now = df[df["date"].dt.year == 2023]
    then = df[df["date"].dt.year == 2022]
    change = now["revenue"].sum() / then["revenue"].sum() - 1
    assert abs(change) < 0.0005  # shown as 0.0%
    trend = found["revenue_trend"]
    assert trend["title"] == "Revenue steady in 2023"
    assert "held steady" in trend["text"]
    assert "level with 2022" in result["summary"]


def test_a_margin_that_moves_less_than_the_shown_precision_held_steady() -> None:
    df = flat_months(0.0, 0.05)  # 2023 margin 0.0002 pp below 2022's
    now = df[df["date"].dt.year == 2023]
    then = df[df["date"].dt.year == 2022]
    moved = (
        now["profit"].sum() / now["revenue"].sum()
        - then["profit"].sum() / then["revenue"].sum()
    ) * 100
    assert moved < 0 and round(moved, 1) == 0
    item = kinds(insights(df))["margin"]
    assert item["title"] == "Margin steady at 40.0%"
    assert "narrowed" not in item["text"] and "held steady at 40.0%" in item["text"]
    # the category with a margin equal as shown is not said to hold it back
    assert "holds it back" not in item["text"]


def test_flat_months_are_not_called_seasonal() -> None:
    df = flat_months()
    assert "seasonality" not in kinds(insights(df))
    assert _seasonality(df, data_context(df), "$") is None


def test_a_real_change_is_still_worded_as_one() -> None:
    df = flat_months(nudge=600.0, margin_nudge=300.0)
    found = kinds(insights(df))
    assert found["revenue_trend"]["title"].startswith("Revenue up")
    assert found["margin"]["title"].startswith("Margin narrowed")
