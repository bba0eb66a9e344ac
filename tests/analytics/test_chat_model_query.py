"""The model's query path, through the fake Ollama server.

A scripted model answers the structured-output request (``format=`` the engine's JSON
schema for the dataset) with a good query, or with an invalid one (unknown column, wrong
type, a value the data does not hold, not JSON) or a partial one (a period left out).
Every invalid or partial query is caught and the parser answers; a good one is run by
the engine, whose figures are checked here with plain pandas. The model's wording is
checked too: a reply that swaps two entities' figures never reaches the user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest

from analytics.chat import answer
from services.llm import LLMConfig, OllamaChat
from tests.analytics.test_chat_bank import SA, SB, bank_cases, dataset, outcome
from tests.fakes.ollama_server import (
    FakeOllama,
    Reply,
    facts_in,
    rephrase_facts,
    system_prompt,
)

QUESTION = "What was the dough per province in 2024?"
GOOD = {
    "measures": ["revenue"],
    "group_by": ["Province"],
    "date_range": {"start": "2024-01-01", "end": "2024-12-31"},
}


def scripted(
    spec: Any, wording: Callable[[dict[str, Any]], str] = rephrase_facts
) -> Callable[[dict[str, Any]], str]:
    """A model that answers a query request with ``spec`` and rewords with ``wording``."""

    def respond(body: dict[str, Any]) -> str:
        if body.get("format"):
            return spec if isinstance(spec, str) else json.dumps(spec)
        return wording(body)

    return respond


def swapped_entities(body: dict[str, Any]) -> str:
    """A model that restates the facts but gives two entities (names quoted in the
    draft) each other's figures for the same measure; every figure is still a computed
    one. Raises LookupError when the facts name no two entities."""
    draft = system_prompt(body).split("<<<", 1)[-1]
    names = sorted(set(re.findall(r"`([^`\n]+)`", draft)), key=lambda n: (-len(n), n))
    facts = [f for f in facts_in(body) if isinstance(f.get("value"), (int, float))]
    named = []
    for fact in facts:
        name = next(
            (
                n
                for n in names
                if re.search(rf"(?<![\w-]){re.escape(n)},", fact["label"])
            ),
            None,
        )
        if name:
            named.append((fact, name, fact["label"].replace(name, "")))
    for index, (first, a, kind_a) in enumerate(named):
        for second, b, kind_b in named[index + 1 :]:
            if kind_a == kind_b and a != b and first["display"] != second["display"]:
                rest = [f for f in facts if f is not first and f is not second]
                return (
                    f"{a} brought {second['display']} and {b} brought "
                    f"{first['display']}.\n"
                    + "\n".join(
                        f"- {f['label']} comes to {f['display']}." for f in rest
                    )
                )
    raise LookupError("no two entities to swap")


@pytest.fixture(scope="module")
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


def ask(ollama: FakeOllama, responder: Callable, data: str = SB, question=QUESTION):
    ollama.default = Reply(responder=responder)
    llm = OllamaChat(LLMConfig(host=ollama.url, timeout=5.0, backoff_base=0.01))
    frame, model = dataset(data)
    return answer(frame, question, llm=llm, source_columns=model)


def test_the_parser_alone_refuses_the_question() -> None:
    frame, model = dataset(SB)
    result = answer(frame, QUESTION, source_columns=model)
    assert result.intent == "not_covered"
    assert "dough" in result.answer


def test_a_good_query_is_run_by_the_engine(ollama: FakeOllama) -> None:
    result = ask(ollama, scripted(GOOD))
    assert result.intent == "query"
    assert result.operations[0]["path"] == "model query"
    assert "Read as: revenue, by Province" in result.answer
    frame, _ = dataset(SB)
    rows = frame.loc[frame["date"].dt.year == 2024]
    expected = rows.groupby("Province", observed=True)["revenue"].sum()
    for province, value in expected.items():
        fact = next(f for f in result.facts if f"Province {province}," in f.label)
        assert fact.value == pytest.approx(value, abs=0.01)
    request = next(
        body
        for path, body in ollama.requests
        if path == "/api/chat" and body.get("format")
    )
    schema = request["format"]
    assert "Province" in schema["properties"]["group_by"]["items"]["enum"]
    assert "Region" not in schema["properties"]["group_by"]["items"]["enum"]


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ({"measures": ["revenue"], "group_by": ["Region"]}, "not valid"),
        ({"measures": "revenue", "limit": "five"}, "not valid"),
        (
            {
                "measures": ["revenue"],
                "filters": [{"column": "Province", "values": ["Atlantis"]}],
                "date_range": {"start": "2024-01-01", "end": "2024-12-31"},
            },
            "Atlantis",
        ),
        ({"measures": ["revenue"], "group_by": ["Province"]}, "left out the period"),
        ({"measures": ["revenue"], "date_range": GOOD["date_range"]}, "grouping"),
        ("the revenue per province, roughly 40k", "not JSON"),
        ({"measures": ["discount_rate"], "group_by": ["Province"]}, "not valid"),
    ],
    ids=[
        "unknown-column",
        "wrong-type",
        "hallucinated-value",
        "partial-period",
        "partial-grouping",
        "not-json",
        "unknown-measure",
    ],
)
def test_an_invalid_or_partial_query_falls_back_to_the_parser(
    ollama: FakeOllama, spec: Any, why: str
) -> None:
    result = ask(ollama, scripted(spec))
    assert result.operations[0]["path"] == "parser"
    assert result.intent == "not_covered"
    assert "The model's query was not used" in (result.note or "")
    assert why in (result.note or "")
    assert not [f for f in result.facts if isinstance(f.value, (int, float))]


def test_a_query_that_drops_a_named_value_is_refused(ollama: FakeOllama) -> None:
    """'Vancouver' is not in the data: a query without it answers a different question."""
    spec = {"measures": ["revenue"]}
    result = ask(ollama, scripted(spec), question="Revenue in Vancouver")
    assert result.intent == "not_covered"
    assert "vancouver" in result.answer.lower()


def test_swapped_figures_in_the_wording_never_reach_the_user(
    ollama: FakeOllama,
) -> None:
    result = ask(ollama, scripted(GOOD, swapped_entities))
    assert result.model == "none"
    assert "next to" in (result.note or "")
    assert "Read as:" in result.answer  # the computed answer is shown instead


@pytest.mark.parametrize("case", bank_cases())
def test_bank_questions_through_a_model_that_swaps_entities(
    ollama: FakeOllama, case: Any
) -> None:
    """The parser reads these questions; the model only words them, and a wording that
    swaps two entities' figures is replaced by the computed answer."""
    frame, model = dataset(case.data)

    def wording(body: dict[str, Any]) -> str:
        try:
            return swapped_entities(body)
        except LookupError:
            return rephrase_facts(body)

    ollama.default = Reply(responder=scripted({"measures": ["revenue"]}, wording))
    llm = OllamaChat(LLMConfig(host=ollama.url, timeout=5.0, backoff_base=0.01))
    result = answer(frame, case.question, llm=llm, source_columns=model)
    assert outcome(case, result) != "wrong"
    # A wording that swapped two entities' figures never got through.
    assert " brought " not in result.answer


def test_the_engine_figures_match_pandas_for_a_filter_and_a_measure(
    ollama: FakeOllama,
) -> None:
    spec = {
        "measures": ["orders", "aov"],
        "filters": [{"column": "Channel", "values": ["online"]}],
        "date_range": {"start": "2023-01-01", "end": "2023-12-31"},
    }
    result = ask(
        ollama, scripted(spec), data=SA, question="Online dough per order in 2023?"
    )
    frame, _ = dataset(SA)
    rows = frame.loc[(frame["Channel"] == "Online") & (frame["date"].dt.year == 2023)]
    positive = rows.groupby("order_id")["revenue"].sum()
    assert result.intent == "query", result.note
    orders = next(f for f in result.facts if f.label.startswith("Orders"))
    assert orders.value == pytest.approx(float((positive > 0).sum()))
    value = next(f for f in result.facts if f.label.startswith("Average order value"))
    assert value.value == pytest.approx(rows["revenue"].sum() / orders.value, abs=0.01)


def test_no_model_means_no_query_request(ollama: FakeOllama) -> None:
    frame, model = dataset(SB)
    result = answer(frame, "Which province had the most revenue?", source_columns=model)
    assert result.operations[0]["path"] == "parser"
    assert isinstance(frame, pd.DataFrame)
