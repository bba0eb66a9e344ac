"""A chat answer under dashboard filters names those filters wherever it names its
scope: the rows it was given are the filtered ones, so "all your data" would be wrong."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analytics.chat import answer
from analytics.schema import conform_canonical
from tests.analytics.test_chat_bank import dataset

VIEW = "Channel Online"

QUESTIONS = (
    "What was revenue?",
    "What was revenue in 2024?",
    "Top 3 products by revenue",
    "Revenue by store",
    "Which store made the most revenue?",
    "How many orders?",
    "What is the average order value?",
    "Compare 2024 with 2023",
    "What was the profit margin?",
    "Give me an overview",
    "Revenue for store Airport",
)


@pytest.fixture(scope="module")
def online() -> tuple[pd.DataFrame, list]:
    frame, model = dataset("shop_a")
    return frame[frame["Channel"] == "Online"], model


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_answer_names_the_filters_in_view(online, question: str) -> None:
    frame, model = online
    result = answer(frame, question, source_columns=model, view=VIEW)
    assert "all your data" not in result.answer
    assert VIEW in result.answer, result.answer


def test_the_figure_and_the_words_are_those_of_the_filtered_rows(online) -> None:
    frame, model = online
    result = answer(frame, "What was revenue?", source_columns=model, view=VIEW)
    expected = round(float(frame["revenue"].sum()), 2)
    fact = next(f for f in result.facts if f.label.startswith("Revenue, "))
    assert fact.value == pytest.approx(expected, abs=0.01)
    assert fact.label.startswith(f"Revenue, your selection ({VIEW}; ")
    assert f"Revenue in your selection ({VIEW}; " in result.answer
    assert f"**{fact.display}**" in result.answer


def test_a_period_answer_names_the_filters_too(online) -> None:
    frame, model = online
    result = answer(frame, "What was revenue in 2024?", source_columns=model, view=VIEW)
    rows = frame[frame["date"].dt.year == 2024]
    fact = next(f for f in result.facts if f.label.startswith("Revenue, 2024"))
    assert fact.value == pytest.approx(float(rows["revenue"].sum()), abs=0.01)
    assert f"Revenue in 2024 ({VIEW}) was" in result.answer


def test_without_filters_the_whole_file_is_named(online) -> None:
    frame, model = dataset("shop_a")
    result = answer(frame, "What was revenue?", source_columns=model)
    assert "Revenue in all your data (2023-01-01 to 2024-12-31)" in result.answer
    assert "your selection" not in result.answer


def test_the_filters_line_survives_a_model_rewording(online) -> None:
    frame, model = online

    def llm(messages):  # a model that drops the scope words but keeps the figures
        draft = messages[0]["content"].split("<<<\n", 1)[1].rsplit("\n>>>", 1)[0]
        return re.sub(r",? (?:in )?your selection \([^)]*\)", "", draft)

    for question in ("What was revenue?", "Top 3 products by revenue"):
        result = answer(frame, question, source_columns=model, view=VIEW, llm=llm)
        assert result.model == "llm", result.note
        assert result.answer.startswith(f"_Within your filters: {VIEW}._"), (
            result.answer
        )


def test_filter_keywords_are_described_when_no_view_is_given() -> None:
    frame, model = dataset("shop_a")
    result = answer(
        frame,
        "What was revenue?",
        source_columns=model,
        filters={"categories": ["Bikes"], "start": "2024-01-01", "end": "2024-12-31"},
    )
    assert "your selection (dates 2024-01-01 to 2024-12-31; category Bikes; " in (
        result.answer
    )


def test_a_move_that_rounds_to_nothing_is_not_a_rise() -> None:
    """A move under half a cent between two periods is not "the biggest rise" (+$0.00)."""
    rows = []
    for year in (2023, 2024):
        for month in range(1, 13):
            for category, amount in (("Tools", 0.1), ("Paint", 100.0)):
                for _ in range(3):
                    rows.append(
                        {"date": pd.Timestamp(year, month, 1), "revenue": amount,
                         "sku": f"{category[0]}-1", "category": category}
                    )  # fmt: skip
    frame = conform_canonical(pd.DataFrame(rows))
    frame.loc[frame["date"].dt.year == 2024, "revenue"] += 0.0001  # $0.0036 a year
    result = answer(frame, "Compare 2024 with 2023")
    assert "biggest rise" not in result.answer
    assert "$0.00" not in result.answer
