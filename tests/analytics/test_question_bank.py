"""A bank of chat questions over the real sample files, each checked against a figure
computed here independently with plain pandas.

Canonical frames are built directly from the raw files (not through ingestion). Every
case runs twice: without a model, and through a fake Ollama server that rephrases the
facts (every third reply carries a wrong number, which must be caught). Skipped when the
shared data folder is absent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.chat import ChatAnswer, answer
from analytics.schema import conform_canonical
from services.llm import LLMConfig, OllamaChat
from tests.fakes.ollama_server import (
    FakeOllama,
    Reply,
    rephrase_facts,
    wrong_number_reply,
)

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA_DIR.exists(), reason="real sample files (shared/data) are not available"
)


# --------------------------------------------------------------------------- frames


@functools.cache
def frame(name: str) -> pd.DataFrame:
    """The canonical frame of one sample file, built with plain pandas."""
    if name == "superstore":
        raw = pd.read_csv(DATA_DIR / "superstore_classic_cp1252.csv", encoding="cp1252")
        data = {
            "date": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
            "revenue": raw["Sales"],
            "cost": raw["Sales"] - raw["Profit"],
            "profit": raw["Profit"],
            "quantity": raw["Quantity"],
            "sku": raw["Product ID"],
            "category": raw["Category"],
            "customer": raw["Customer ID"],
        }
    elif name == "online_retail":
        raw = pd.read_csv(
            DATA_DIR / "online_retail_uci_sample.csv",
            dtype={"StockCode": "str", "InvoiceNo": "str"},
        )
        data = {
            "date": pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M"),
            "revenue": raw["Quantity"] * raw["UnitPrice"],
            "quantity": raw["Quantity"],
            "unit_price": raw["UnitPrice"],
            "sku": raw["StockCode"],
            "customer": raw["CustomerID"].astype("Int64").astype("str"),
        }
    elif name == "walmart":
        raw = pd.read_csv(DATA_DIR / "walmart_weekly_45stores.csv")
        data = {
            "date": pd.to_datetime(raw["Date"], format="%d/%m/%y"),
            "revenue": raw["Weekly_Sales"],
            "category": "Store " + raw["Store"].astype("str"),
        }
    elif name == "prophet":
        raw = pd.read_csv(DATA_DIR / "prophet_example_retail_sales.csv")
        data = {"date": pd.to_datetime(raw["ds"]), "revenue": raw["y"]}
    elif name == "financial":
        raw = pd.read_excel(DATA_DIR / "ms_financial_sample.xlsx", engine="openpyxl")
        data = {
            "date": raw["Date"],
            "revenue": raw[" Sales"],
            "cost": raw["COGS"],
            "profit": raw["Profit"],
            "quantity": raw["Units Sold"],
            "sku": raw["Product"].str.strip(),
            "category": raw["Segment"],
        }
    else:
        raise KeyError(name)
    out = conform_canonical(pd.DataFrame(data))
    if name == "superstore":
        out["order_id"] = raw["Order ID"].astype("str").to_numpy()
    return out


def between(df: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return df.loc[
        (df["date"] >= start) & (df["date"] < pd.Timestamp(end) + pd.Timedelta(days=1))
    ]


def total(column: str, start: str | None = None, end: str | None = None, **where: str):
    """Expected: sum of ``column`` over a date range and equality filters."""

    def compute(df: pd.DataFrame) -> float:
        rows = between(df, start, end) if start else df
        for key, value in where.items():
            rows = rows.loc[rows[key] == value]
        return float(rows[column].sum())

    return compute


def margin(start: str | None = None, end: str | None = None):
    def compute(df: pd.DataFrame) -> float:
        rows = between(df, start, end) if start else df
        return float(rows["profit"].sum() / rows["revenue"].sum())

    return compute


def count(start: str, end: str):
    return lambda df: float(len(between(df, start, end)))


def growth(start: str, end: str, start_before: str, end_before: str):
    def compute(df: pd.DataFrame) -> float:
        now = between(df, start, end)["revenue"].sum()
        then = between(df, start_before, end_before)["revenue"].sum()
        return float((now - then) / abs(then))

    return compute


def best_by(key: str, column: str, lowest: bool = False):
    """Expected: the largest (or smallest) per-``key`` sum of ``column``."""

    def compute(df: pd.DataFrame) -> float:
        sums = df.groupby(key)[column].sum()
        return float(sums.min() if lowest else sums.max())

    return compute


def key_of_best(df: pd.DataFrame, key: str, column: str, lowest: bool = False) -> str:
    sums = df.groupby(key)[column].sum()
    return str(sums.idxmin() if lowest else sums.idxmax())


def losers(df: pd.DataFrame) -> float:
    """SKUs whose profit adds up to a loss. Rounded to a millionth: on Superstore two
    SKUs' profits add up to -2e-15 in floating point (0 in decimal), which is no loss."""
    profit = df.groupby("sku")["profit"].sum().round(6)
    return float((profit < 0).sum())


def rows_of(sku: str):
    return lambda df: float((df["sku"] == sku).sum())


def next_quarter_forecast(df: pd.DataFrame) -> dict[str, Any]:
    """A forecast dict for the three months after the data: last year's months + 10 %."""
    end = df["date"].max()
    start = (end + pd.offsets.MonthBegin(1)).normalize()
    dates = pd.date_range(start, periods=6, freq="MS")
    points = []
    for date in dates:
        year_before = between(
            df,
            f"{date - pd.DateOffset(years=1):%Y-%m-%d}",
            f"{date - pd.DateOffset(years=1) + pd.offsets.MonthEnd(0):%Y-%m-%d}",
        )["revenue"].sum()
        value = round(float(year_before) * 1.1, 2)
        points.append(
            {
                "date": f"{date:%Y-%m-%d}",
                "yhat": value,
                "yhat_lower": value * 0.7,
                "yhat_upper": value * 1.3,
                "yhat_lower_80": value * 0.8,
                "yhat_upper_80": value * 1.2,
            }
        )
    return {
        "status": "ready",
        "model": "seasonal_naive",
        "freq_label": "monthly",
        "metric": "revenue",
        "points": points,
        "backtest": {"seasonal_naive": {"mape": 21.5, "coverage_80": 0.7}},
    }


def forecast_q1_2018(df: pd.DataFrame) -> float:
    points = pd.DataFrame(next_quarter_forecast(df)["points"])
    dates = pd.to_datetime(points["date"])
    return float(
        points.loc[(dates >= "2018-01-01") & (dates <= "2018-03-31"), "yhat"].sum()
    )


# --------------------------------------------------------------------------- the bank


@dataclass(frozen=True)
class Case:
    """One question, and the fact its answer must state.

    ``expected`` computes the figure from the canonical frame; ``label`` is the start of
    the fact's label; ``history`` holds earlier questions of the same conversation.
    """

    id: str
    data: str
    question: str
    expected: Callable[[pd.DataFrame], float] | None = None
    label: str | Callable[[pd.DataFrame], str] | None = None
    tol: float = 0.01
    intent: str | None = None
    history: tuple[str, ...] = ()
    contains: str | None = None
    forecast: Callable[[pd.DataFrame], dict[str, Any]] | None = None


SS, OR, WM, PR, FS = "superstore", "online_retail", "walmart", "prophet", "financial"

BANK: tuple[Case, ...] = (
    Case("ss-month", SS, "What was revenue in March 2016?",
         total("revenue", "2016-03-01", "2016-03-31"), "Revenue, March 2016", intent="total"),
    Case("ss-2014", SS, "What was revenue in 2014?",
         total("revenue", "2014-01-01", "2014-12-31"), "Revenue, 2014", intent="total"),
    Case("ss-sales-2017", SS, "Total sales in 2017",
         total("revenue", "2017-01-01", "2017-12-31"), "Revenue, 2017", intent="total"),
    Case("ss-profit-2016", SS, "How much profit did we make in 2016?",
         total("profit", "2016-01-01", "2016-12-31"), "Profit, 2016", intent="total"),
    Case("ss-margin-2015", SS, "What was the profit margin in 2015?",
         margin("2015-01-01", "2015-12-31"), "Profit margin, 2015", tol=1e-6),
    Case("ss-units-2015", SS, "How many units were sold in 2015?",
         total("quantity", "2015-01-01", "2015-12-31"), "Units sold, 2015"),
    Case("ss-transactions-q4", SS, "How many transactions were there in Q4 2017?",
         count("2017-10-01", "2017-12-31"), "Transactions, Q4 2017"),
    Case("ss-top-profit", SS, "Top 5 products by profit",
         best_by("sku", "profit"), lambda df: f"Profit of SKU {key_of_best(df, 'sku', 'profit')}",
         intent="ranking"),
    Case("ss-top-revenue", SS, "Top 3 products by revenue",
         total("revenue", sku="TEC-CO-10004722"), "Revenue of SKU TEC-CO-10004722",
         intent="ranking"),
    Case("ss-bottom-profit", SS, "Bottom 5 products by profit",
         best_by("sku", "profit", lowest=True),
         lambda df: f"Profit of SKU {key_of_best(df, 'sku', 'profit', lowest=True)}",
         intent="ranking"),
    Case("ss-compare-years", SS, "How does 2017 compare with 2016?",
         growth("2017-01-01", "2017-12-31", "2016-01-01", "2016-12-31"),
         "Change in revenue, 2017 vs 2016", tol=1e-6, intent="compare"),
    Case("ss-trend", SS, "What are the main revenue trends this year?",
         total("revenue", "2017-01-01", "2017-12-31"), "Revenue, 2017", intent="trend",
         contains="the latest year in your data"),
    Case("ss-underperforming", SS, "Which SKUs are underperforming and why?",
         losers, "Loss-making SKUs", intent="underperforming"),
    Case("ss-lose-money", SS, "How many products lose money?",
         losers, "Loss-making SKUs", intent="underperforming"),
    Case("ss-improve-margin", SS, "How can I improve my profit margin?",
         margin(), "Profit margin, 2014-01-03", tol=1e-6, intent="margin"),
    Case("ss-by-category", SS, "Revenue by category in 2016",
         total("revenue", "2016-01-01", "2016-12-31", category="Technology"),
         "Revenue of category Technology, 2016", intent="breakdown"),
    Case("ss-rank", SS, "Why is SKU FUR-TA-10004289 ranked low?",
         rows_of("FUR-TA-10004289"), "Transactions of SKU FUR-TA-10004289",
         intent="explain_rank"),
    Case("ss-category-year", SS, "What was revenue for Furniture in 2016?",
         total("revenue", "2016-01-01", "2016-12-31", category="Furniture"),
         "Revenue for category Furniture, 2016", intent="total"),
    Case("ss-follow-up-year", SS, "and in 2015?",
         total("revenue", "2015-01-01", "2015-12-31", category="Furniture"),
         "Revenue for category Furniture, 2015", intent="total",
         history=("What was revenue for Furniture in 2016?",)),
    Case("ss-follow-up-metric", SS, "What about profit?",
         total("profit", "2016-03-01", "2016-03-31"), "Profit, March 2016", intent="total",
         history=("What was revenue in March 2016?",)),
    Case("ss-top-customers", SS, "Top 3 customers by revenue",
         best_by("customer", "revenue"),
         lambda df: f"Revenue of customer {key_of_best(df, 'customer', 'revenue')}",
         intent="ranking"),
    Case("ss-forecast", SS, "What is the forecast for next quarter?",
         forecast_q1_2018, "Forecast revenue, next quarter (Q1 2018)", intent="forecast",
         forecast=next_quarter_forecast),
    Case("ss-last-quarter", SS, "What was revenue last quarter?",
         total("revenue", "2017-07-01", "2017-09-30"), "Revenue, Q3 2017", intent="total"),
    Case("ss-compare-quarters", SS, "Compare Q4 2017 with Q4 2016",
         total("revenue", "2016-10-01", "2016-12-31"), "Revenue, Q4 2016", intent="compare"),
    Case("ss-sku", SS, "Tell me about TEC-CO-10004722",
         total("profit", sku="TEC-CO-10004722"), "Profit of SKU TEC-CO-10004722",
         intent="sku"),
    Case("ss-last-3-months", SS, "Revenue in the last 3 months",
         total("revenue", "2017-10-01", "2017-12-31"), "Revenue, the last 3 months"),
    Case("ss-weather", SS, "What's the weather forecast for next week?",
         intent="out_of_scope", contains="doesn't show the weather"),
    Case("ss-best-month", SS, "Which month had the highest sales?",
         lambda df: float(df.groupby(df["date"].dt.to_period("M"))["revenue"].sum().max()),
         "Revenue, November 2017", intent="ranking"),
    Case("ss-customers", SS, "How many customers do I have?",
         lambda df: float(df["customer"].nunique()), "Distinct customers", intent="count"),
    Case("ss-compare-categories", SS, "Compare Furniture and Technology",
         total("revenue", category="Technology"), "Revenue of category Technology",
         intent="compare_entities"),
    Case("ss-aov", SS, "What's the average order value?",
         lambda df: float(df["revenue"].sum() / df["order_id"].nunique()),
         "Average order value", intent="total"),
    Case("ss-average-line", SS, "What's the average transaction value?",
         lambda df: float(df["revenue"].mean()), "Average transaction value",
         intent="total"),
    Case("fs-worst-quarter", FS, "worst quarter by profit",
         lambda df: float(df.groupby(df["date"].dt.to_period("Q"))["profit"].sum().min()),
         intent="ranking"),
    Case("or-negative-month", OR, "What was revenue in November 2011?",
         total("revenue", "2011-11-01", "2011-11-30"), "Revenue, November 2011"),
    Case("or-top-products", OR, "Top 5 products by revenue",
         total("revenue", sku="22423"), "Revenue of SKU 22423", intent="ranking"),
    Case("or-total", OR, "What was total revenue?",
         total("revenue"), "Revenue, all your data", intent="total"),
    Case("or-sku", OR, "Tell me about product 22423",
         total("revenue", sku="22423"), "Revenue of SKU 22423", intent="sku"),
    Case("or-2011", OR, "What was revenue in 2011?",
         total("revenue", "2011-01-01", "2011-12-31"), "Revenue, 2011"),
    Case("or-no-cost", OR, "How can I improve my profit margin?",
         intent="margin", contains="no cost or profit figures"),
    Case("wm-2011", WM, "What was revenue in 2011?",
         total("revenue", "2011-01-01", "2011-12-31"), "Revenue, 2011"),
    Case("wm-compare", WM, "How does 2012 compare with 2011?",
         total("revenue", "2012-01-01", "2012-12-31"), "Revenue, 2012", intent="compare",
         contains="covers only part of 2012"),
    Case("wm-top-stores", WM, "Top 3 categories by revenue",
         best_by("category", "revenue"),
         lambda df: f"Revenue of category {key_of_best(df, 'category', 'revenue')}",
         intent="ranking"),
    Case("pr-month", PR, "What was revenue in December 2015?",
         total("revenue", "2015-12-01", "2015-12-31"), "Revenue, December 2015"),
    Case("pr-year", PR, "What was revenue in 2015?",
         total("revenue", "2015-01-01", "2015-12-31"), "Revenue, 2015"),
    Case("pr-no-products", PR, "Which products are underperforming?",
         intent="underperforming", contains="no SKU or category column"),
    Case("fs-top-profit", FS, "Top 3 products by profit",
         total("profit", sku="Paseo"), "Profit of SKU Paseo", intent="ranking"),
    Case("fs-profit", FS, "What was profit?",
         total("profit"), "Profit, all your data", intent="total"),
    Case("fs-2014", FS, "What was revenue in 2014?",
         total("revenue", "2014-01-01", "2014-12-31"), "Revenue, 2014"),
    Case("fs-sku", FS, "Tell me about Paseo",
         total("revenue", sku="Paseo"), "Revenue of SKU Paseo", intent="sku"),
    Case("fs-compare", FS, "How does 2014 compare with 2013?",
         total("revenue", "2013-01-01", "2013-12-31"), "Revenue, 2013", intent="compare",
         contains="covers only part of 2013"),
)  # fmt: skip
IDS = [case.id for case in BANK]


def ask(case: Case, llm: Any = None) -> ChatAnswer:
    df = frame(case.data)
    history: list[dict[str, Any]] = []
    for earlier in case.history:
        history.append({"question": earlier, **answer(df, earlier).to_dict()})
    forecast = case.forecast(df) if case.forecast else None
    return answer(df, case.question, history=history, forecast=forecast, llm=llm)


def check(case: Case, result: ChatAnswer) -> None:
    """The answer states the expected figure, as a fact and in its text."""
    df = frame(case.data)
    if case.intent:
        assert result.intent == case.intent
    if case.contains:
        assert case.contains in result.answer
    if case.expected is None:
        return
    expected = case.expected(df)
    label = case.label(df) if callable(case.label) else case.label
    matches = [
        fact
        for fact in result.facts
        if isinstance(fact.value, (int, float))
        and (label is None or fact.label.startswith(label))
        and abs(fact.value - expected) <= case.tol
    ]
    assert matches, f"{case.id}: no fact {label!r} = {expected}; facts: " + "; ".join(
        f"{f.label}={f.value}" for f in result.facts
    )
    assert any(fact.display in result.answer for fact in matches)


def test_the_bank_has_at_least_thirty_questions() -> None:
    assert len(BANK) >= 30


@pytest.mark.parametrize("case", BANK, ids=IDS)
def test_question_without_a_model(case: Case) -> None:
    result = ask(case)
    assert result.model == "none"
    check(case, result)


def test_published_figures_are_reproduced() -> None:
    """Two figures from the sample files' README, through the whole chat path."""
    superstore = answer(frame(SS), "What was revenue in 2016?")
    assert "$609,205.60" in superstore.answer
    retail = answer(frame(OR), "What was revenue in November 2011?")
    assert "−$3,248.07" in retail.answer


# --------------------------------------------------------------------------- with a model


@pytest.fixture(scope="module")
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.mark.parametrize(("index", "case"), list(enumerate(BANK)), ids=IDS)
def test_question_through_the_fake_model(
    ollama: FakeOllama, index: int, case: Case
) -> None:
    wrong = index % 3 == 2
    ollama.default = Reply(responder=wrong_number_reply if wrong else rephrase_facts)
    llm = OllamaChat(LLMConfig(host=ollama.url, timeout=5.0, backoff_base=0.01))
    before = ollama.calls("/api/chat")
    result = ask(case, llm=llm)
    asked = ollama.calls("/api/chat") - before
    if asked == 0:
        # Questions outside the data, and answers without figures, stay templated.
        numeric = [f for f in result.facts if isinstance(f.value, (int, float))]
        assert result.intent in {"out_of_scope", "help", "unknown_sku"} or not numeric
        assert result.model == "none"
    elif wrong:
        assert result.model == "none"
        assert "not among the computed figures" in result.note
    else:
        assert result.model == "llama3", result.note
        assert result.answer.startswith("Here is what your data shows")
    check(case, result)
