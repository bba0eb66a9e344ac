"""Grounded chat about a canonical frame: question → operations → facts → answer.

Every figure an answer states is computed here, by the analytics modules, before any
language model is involved:

1. :func:`parse_question` turns the question into an :class:`Intent` with a
   deterministic parser (keywords, periods such as "March 2016", "this year",
   "last quarter", "2017 vs 2016", top/bottom N, "by profit", SKU ids and categories
   that occur in the data). Follow-ups ("and in 2015?") reuse the previous intent.
2. The intent runs as analytics operations (totals, growth, rankings, margin drivers,
   SKU score explanations, forecast values, period comparisons) that produce
   :class:`Fact` objects and a templated markdown answer.
3. With a model (``llm``: a callable ``messages -> text``), the model may rephrase the
   answer from the facts, which it receives as JSON data. Every number in its reply is
   then checked against the facts (:func:`unsupported_figures`); a reply with a figure
   that is not among them is replaced by the templated answer, and the note says so.

Text from the user's file (SKU names, categories) is quoted data in both the prompt and
the answer, never instructions. See ``docs/chat.md``.

Modules: :mod:`~analytics.chat.parser` (question -> :class:`Intent`, with
:mod:`~analytics.chat.vocabulary` and :mod:`~analytics.chat.when`),
:mod:`~analytics.chat.ops` (one module per family of operations, one table),
:mod:`~analytics.chat.wording` (the model's prompt and the checks on its reply),
:mod:`~analytics.chat.answer` (the entry point). Facts, periods and the figure check
live in :mod:`analytics.grounding`.
"""

from analytics.chat.answer import answer
from analytics.chat.common import (
    AOV,
    DEFAULT_TOP_N,
    DIMENSION_LABELS,
    EXAMPLE_QUESTIONS,
    EXPLAINED_SKUS,
    FACTS_HEADER,
    FALLING_SHARE,
    HISTORY_TURNS,
    MAX_QUESTION_CHARS,
    MAX_TOP_N,
    METRIC_LABELS,
    PERIOD_DIMENSIONS,
    ChatAnswer,
    ChatError,
    Intent,
)
from analytics.chat.parser import parse_question
from analytics.chat.wording import build_llm_messages
from analytics.grounding import (
    LLM,
    MAX_NAME_CHARS,
    MAX_REPLY_CHARS,
    NO_MODEL,
    RELATIVE_SLACK,
    DataContext,
    Fact,
    FactSheet,
    Period,
    data_context,
    month_period,
    quarter_period,
    quote,
    range_period,
    unsupported_figures,
    year_period,
)

__all__ = [
    "AOV",
    "ChatAnswer",
    "ChatError",
    "DEFAULT_TOP_N",
    "DIMENSION_LABELS",
    "DataContext",
    "EXAMPLE_QUESTIONS",
    "EXPLAINED_SKUS",
    "FACTS_HEADER",
    "FALLING_SHARE",
    "Fact",
    "FactSheet",
    "HISTORY_TURNS",
    "Intent",
    "LLM",
    "MAX_NAME_CHARS",
    "MAX_QUESTION_CHARS",
    "MAX_REPLY_CHARS",
    "MAX_TOP_N",
    "METRIC_LABELS",
    "NO_MODEL",
    "PERIOD_DIMENSIONS",
    "Period",
    "RELATIVE_SLACK",
    "answer",
    "build_llm_messages",
    "data_context",
    "month_period",
    "parse_question",
    "quarter_period",
    "quote",
    "range_period",
    "unsupported_figures",
    "year_period",
]
