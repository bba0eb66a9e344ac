"""analytics.insights: executive summary and insights written from computed facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics.chat import unsupported_figures
from analytics.insights import (
    MAX_INSIGHTS,
    MIN_INSIGHTS,
    build_insight_messages,
    expected_revenue,
    insights,
    phrase_with_llm,
)
from analytics.schema import conform_canonical
from services.llm import LLMUnavailable

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"


def make_sales(seed: int = 11, rows: int = 4000, spike: bool = True) -> pd.DataFrame:
    """Three years of daily sales (2021-2023), 10 SKUs; SKU-10 sells below cost.

    With ``spike``, one order of 40,000 lands on 2023-06-15 (about four normal months).
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range("2021-01-01", "2023-12-31")
    dates = days[rng.integers(0, len(days), rows)]
    index = rng.integers(0, 10, rows)
    quantity = rng.integers(1, 5, rows).astype(float)
    revenue = np.round(quantity * (20 + 4 * index) * (1 + 0.1 * (dates.year - 2021)), 2)
    share = np.where(index == 9, 1.3, 0.55 + 0.02 * (dates.year - 2021))
    cost = np.round(revenue * share, 2)
    frame = pd.DataFrame(
        {
            "date": dates,
            "revenue": revenue,
            "cost": cost,
            "profit": revenue - cost,
            "quantity": quantity,
            "sku": np.array([f"SKU-{i:02d}" for i in range(1, 11)])[index],
            "category": np.array(["Tools", "Garden", "Paint"])[index % 3],
        }
    )
    if spike:
        one_off = {
            "date": pd.Timestamp("2023-06-15"),
            "revenue": 40000.0,
            "cost": 22000.0,
            "profit": 18000.0,
            "quantity": 1.0,
            "sku": "SKU-01",
            "category": "Tools",
        }
        frame = pd.concat([frame, pd.DataFrame([one_off])], ignore_index=True)
    return conform_canonical(frame)


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    return make_sales()


@pytest.fixture(scope="module")
def result(sales: pd.DataFrame) -> dict[str, Any]:
    return insights(sales)


def by_kind(result: dict[str, Any], kind: str) -> dict[str, Any]:
    matches = [item for item in result["insights"] if item["kind"] == kind]
    assert matches, f"no {kind} insight in {[i['kind'] for i in result['insights']]}"
    return matches[0]


def fact(item: dict[str, Any], prefix: str) -> Any:
    for entry in item["facts"]:
        if entry["label"].startswith(prefix):
            return entry["value"]
    raise AssertionError(f"no fact {prefix!r} in {[f['label'] for f in item['facts']]}")


def year(df: pd.DataFrame, value: int) -> pd.DataFrame:
    return df.loc[df["date"].dt.year == value]


# --------------------------------------------------------------------------- shape


def test_result_has_a_summary_and_three_to_five_insights(
    result: dict[str, Any],
) -> None:
    assert set(result) == {"summary", "insights"}
    assert MIN_INSIGHTS <= len(result["insights"]) <= MAX_INSIGHTS
    for item in result["insights"]:
        assert set(item) == {"title", "text", "kind", "facts"}
        assert item["title"] and item["text"] and item["facts"]
    json.dumps(result)


def test_every_figure_in_an_insight_is_one_of_its_facts(
    sales: pd.DataFrame, result: dict[str, Any]
) -> None:
    names = [*sales["sku"].unique(), *sales["category"].unique()]
    for item in result["insights"]:
        bad = unsupported_figures(
            item["text"], item["facts"], years=range(2020, 2025), names=names
        )
        assert bad == [], (item["kind"], bad)


def test_insights_do_not_modify_the_frame(sales: pd.DataFrame) -> None:
    before = sales.copy()
    insights(sales)
    pd.testing.assert_frame_equal(sales, before)


def test_summary_states_total_revenue(
    sales: pd.DataFrame, result: dict[str, Any]
) -> None:
    assert f"${sales['revenue'].sum():,.0f}" in result["summary"]


# --------------------------------------------------------------------------- content


def test_revenue_trend_compares_the_latest_year_with_the_one_before(
    sales: pd.DataFrame, result: dict[str, Any]
) -> None:
    item = by_kind(result, "revenue_trend")
    now, then = year(sales, 2023)["revenue"].sum(), year(sales, 2022)["revenue"].sum()
    assert fact(item, "Change in revenue, 2023 vs 2022") == pytest.approx(
        (now - then) / then, abs=1e-6
    )
    assert item["title"].startswith("Revenue up")


def test_margin_movement_is_in_percentage_points(
    sales: pd.DataFrame, result: dict[str, Any]
) -> None:
    item = by_kind(result, "margin")
    now, then = year(sales, 2023), year(sales, 2022)
    change = (
        now["profit"].sum() / now["revenue"].sum()
        - then["profit"].sum() / then["revenue"].sum()
    ) * 100
    assert fact(item, "Change in profit margin, 2023 vs 2022") == pytest.approx(
        change, abs=1e-4
    )
    assert "pp" in item["text"]


def test_sku_insight_names_carriers_and_the_drag(
    sales: pd.DataFrame, result: dict[str, Any]
) -> None:
    item = by_kind(result, "skus")
    revenue = sales.groupby("sku")["revenue"].sum().sort_values(ascending=False)
    before = revenue.cumsum().shift(fill_value=0) / revenue.sum()
    assert fact(item, "SKUs carrying most revenue") == int((before < 0.8).sum())
    profit = sales.groupby("sku")["profit"].sum()
    assert fact(item, "Loss-making SKUs") == int((profit < 0).sum())
    assert "`SKU-10`" in item["text"]


def test_a_one_off_month_is_reported_as_an_anomaly(result: dict[str, Any]) -> None:
    item = by_kind(result, "anomaly")
    assert item["title"] == "Unusual revenue in June 2023"
    assert fact(item, "Robust z-score of revenue, June 2023") > 3.5


def test_no_anomaly_without_an_unusual_period() -> None:
    kinds = [item["kind"] for item in insights(make_sales(spike=False))["insights"]]
    assert "anomaly" not in kinds


def test_forecast_outlook_reports_total_and_accuracy(sales: pd.DataFrame) -> None:
    forecast = {
        "status": "ready",
        "model": "prophet",
        "freq_label": "monthly",
        "metric": "revenue",
        "points": [
            {"date": "2024-01-01", "yhat": 20000.0},
            {"date": "2024-02-01", "yhat": 21000.0},
            {"date": "2024-03-01", "yhat": 22000.0},
        ],
        "backtest": {"prophet": {"mape": 12.34, "coverage_80": 0.8}},
    }
    item = by_kind(insights(sales, forecast=forecast), "forecast")
    assert fact(item, "Forecast revenue") == pytest.approx(63000.0)
    assert fact(item, "Backtest error") == pytest.approx(0.1234)
    assert "12.3%" in item["text"]
    q1 = sales.loc[(sales["date"] >= "2023-01-01") & (sales["date"] <= "2023-03-01")]
    assert fact(item, "Actual revenue") == pytest.approx(q1["revenue"].sum(), abs=0.01)


def test_revenue_only_data_still_gets_three_insights() -> None:
    minimal = make_sales(spike=False)[["date", "revenue"]]
    result = insights(conform_canonical(minimal))
    assert len(result["insights"]) >= MIN_INSIGHTS
    assert {"revenue_trend", "seasonality"} <= {i["kind"] for i in result["insights"]}


def test_short_history_uses_recent_months() -> None:
    recent = make_sales(spike=False)
    recent = recent.loc[recent["date"] >= "2023-03-01"]
    item = by_kind(insights(recent), "revenue_trend")
    assert item["title"].startswith("Recent revenue")


def test_empty_data_has_no_insights(sales: pd.DataFrame) -> None:
    result = insights(sales.iloc[0:0])
    assert result == {"summary": "There is no data to summarise yet.", "insights": []}


# --------------------------------------------------------------------------- expectation


def test_expected_revenue_of_a_short_series_is_the_rolling_median() -> None:
    revenue = pd.Series([10.0, 12.0, 11.0, 50.0, 13.0, 10.0, 11.0])
    expected = expected_revenue(revenue, season=12)
    assert expected.iloc[3] == pytest.approx(12.0)  # median of 12, 11, 50, 13, 10


def test_expected_revenue_of_a_long_series_is_last_year_times_growth() -> None:
    months = np.arange(36)
    seasonal = 100 + 50 * (months % 12 == 11)  # a December peak every year
    revenue = pd.Series(seasonal * 1.1 ** (months // 12), dtype="float64")
    expected = expected_revenue(revenue, season=12)
    assert expected.iloc[:24].isna().all()  # two years of history are needed
    assert expected.iloc[24:].to_numpy() == pytest.approx(revenue.iloc[24:].to_numpy())


# --------------------------------------------------------------------------- model phrasing


class JsonLLM:
    """Returns the insights reworded as JSON, optionally with one number changed."""

    model_name = "test-model"

    def __init__(self, corrupt: int | None = None) -> None:
        self.corrupt = corrupt
        self.calls = 0

    def __call__(self, messages: list[dict[str, str]]) -> str:
        self.calls += 1
        payload = json.loads(
            messages[1]["content"].split("```json\n")[1].split("\n```")[0]
        )
        texts = ["In short: " + item["text"] for item in payload["insights"]]
        if self.corrupt is not None:
            texts[self.corrupt] = "Revenue jumped by 987,654 this year."
        return json.dumps(
            {"summary": "Overall: " + payload["summary"], "insights": texts}
        )


def test_faithful_rewording_is_used(result: dict[str, Any]) -> None:
    phrased = phrase_with_llm(result, JsonLLM())
    assert phrased["model"] == "test-model"
    assert phrased["note"] is None
    assert phrased["summary"].startswith("Overall: ")
    assert all(item["text"].startswith("In short: ") for item in phrased["insights"])


def test_rewording_with_an_invented_figure_keeps_the_computed_text(
    result: dict[str, Any],
) -> None:
    phrased = phrase_with_llm(result, JsonLLM(corrupt=1))
    assert phrased["insights"][1]["text"] == result["insights"][1]["text"]
    assert phrased["insights"][0]["text"].startswith("In short: ")
    assert phrased["note"].startswith("1 text(s) written without the AI model")


def test_unavailable_model_keeps_every_text(result: dict[str, Any]) -> None:
    def down(messages: list[dict[str, str]]) -> str:
        raise LLMUnavailable("the model did not answer within 90 s")

    phrased = phrase_with_llm(result, down)
    assert phrased["model"] == "none"
    assert phrased["note"] == (
        "Written without the AI model: the model did not answer within 90 s."
    )
    assert phrased["summary"] == result["summary"]


def test_garbage_from_the_model_keeps_every_text(result: dict[str, Any]) -> None:
    phrased = phrase_with_llm(result, lambda messages: "I think things are fine!")
    assert phrased["model"] == "none"
    assert "not the expected JSON" in phrased["note"]
    assert [i["text"] for i in phrased["insights"]] == [
        i["text"] for i in result["insights"]
    ]


def test_without_a_model_nothing_changes(result: dict[str, Any]) -> None:
    phrased = phrase_with_llm(result, None)
    assert phrased["model"] == "none"
    assert phrased["note"] is None
    assert phrased["insights"] == result["insights"]


def test_insight_messages_carry_the_facts_as_data(result: dict[str, Any]) -> None:
    messages = build_insight_messages(result)
    assert "never instructions" in messages[0]["content"]
    payload = json.loads(messages[1]["content"].split("```json\n")[1].split("\n```")[0])
    assert payload["insights"][0]["facts"] == result["insights"][0]["facts"]


# --------------------------------------------------------------------------- real data


@pytest.mark.skipif(not DATA_DIR.exists(), reason="real sample files are not available")
def test_the_amazon_fee_month_of_the_online_retail_sample_is_unusual() -> None:
    raw = pd.read_csv(
        DATA_DIR / "online_retail_uci_sample.csv", dtype={"StockCode": "str"}
    )
    frame = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M"),
                "revenue": raw["Quantity"] * raw["UnitPrice"],
                "sku": raw["StockCode"],
            }
        )
    )
    item = by_kind(insights(frame), "anomaly")
    assert item["title"] == "Unusual revenue in November 2011"
    assert fact(item, "Revenue, November 2011") == pytest.approx(-3248.07, abs=0.01)


@pytest.mark.parametrize("spike", [True, False])
def test_insights_with_shared_sku_figures_are_unchanged(spike):
    from analytics.metrics import sku_figures

    sales = make_sales(spike=spike)
    sales.loc[sales.index[::50], "sku"] = None  # rows without a SKU are left out
    assert insights(sales, sku_figures=sku_figures(sales)) == insights(sales)
