"""The chat entry point: question -> intent -> operations -> facts -> answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analytics.chat.common import (
    EXAMPLE_QUESTIONS,
    MAX_QUESTION_CHARS,
    ChatAnswer,
    Intent,
)
from analytics.chat.dataset import chat_dataset
from analytics.chat.ops import OPERATIONS, TEMPLATE_ONLY, op_forecast
from analytics.chat.parser import (
    normalise_question,
    parse_intent,
)
from analytics.chat.query_path import (
    SpecRejected,
    dataset_model,
    op_query,
    spec_for_intent,
    spec_from_model,
    spec_omissions,
)
from analytics.chat.wording import model_name, with_model
from analytics.grounding.context import DataContext, data_context
from analytics.grounding.facts import (
    LLM,
    Fact,
    FactSheet,
)
from analytics.metrics.filters import filter_frame
from analytics.query import QueryError


def answer(
    df: pd.DataFrame,
    question: str,
    *,
    history: Sequence[Mapping[str, Any]] = (),
    filters: Mapping[str, Any] | None = None,
    forecast: Any = None,
    llm: LLM | None = None,
    currency: str | None = "$",
    source_columns: Mapping[str, str | None]
    | Sequence[Mapping[str, Any]]
    | None = None,
    view: str | None = None,
) -> ChatAnswer:
    """Answer a question about a canonical frame, from figures computed on it.

    Parameters
    ----------
    df:
        Canonical frame (``analytics.schema``); not modified.
    question:
        The user's question (at most ``MAX_QUESTION_CHARS`` characters).
    history:
        Previous turns, oldest first, as ``{"question", "answer", "facts"}`` dicts;
        follow-ups ("and in 2015?") reuse the last question's intent.
    filters:
        Keyword arguments of ``analytics.metrics.filter_frame`` (``start``, ``end``,
        ``categories``, ``sku_query``, ``skus``) applied before answering.
    forecast:
        A ``ForecastResult`` or its ``to_dict()`` for forecast questions; without it a
        forecast is computed (monthly when there are two years of history).
    llm:
        Optional ``messages -> text`` callable (``services.llm.OllamaChat``); any
        exception it raises, or a reply with a figure not among the facts, falls back to
        the templated answer with a note.
    currency:
        Symbol or code used to show money.
    source_columns:
        The uploaded file's columns: the dataset model's list (``report["columns"]``,
        with each column's kind, unit, role and frame field) or a mapping of headers to
        roles (None when not mapped). With them the chat knows the file's own column
        names, and says so when a question names a column it cannot use. With a model
        that has ``structured(messages, schema)``, query-like questions go through the
        model's query and the engine (see :mod:`analytics.chat.query_path`).
    view:
        The filters ``df`` was already narrowed to by the caller, in words (the
        dashboard's, e.g. ``"Region West"``). The answer names them wherever it names
        its scope, so figures under filters never read as the whole file's. Without
        it, ``filters`` (when given) are described instead.

    Returns
    -------
    :class:`ChatAnswer`. Raises ``FilterError`` (a ``ValueError``) for unusable filters.
    """
    text = normalise_question(question or "")
    if not text:
        return ChatAnswer(
            answer="Ask a question about your data, for example: “"
            + EXAMPLE_QUESTIONS[0]
            + "”",
            intent="help",
            based_on={"period": None, "filters": dict(filters or {}), "rows": 0},
        )
    if len(text) > MAX_QUESTION_CHARS:
        return ChatAnswer(
            answer=(
                f"Please keep questions under {MAX_QUESTION_CHARS} characters (yours has "
                f"{len(text)}). Ask one thing at a time, for example: “"
                + EXAMPLE_QUESTIONS[1]
                + "”"
            ),
            intent="too_long",
            based_on={"period": None, "filters": dict(filters or {}), "rows": 0},
        )
    frame = filter_frame(df, **dict(filters)) if filters else df
    ctx = data_context(frame, view or describe_filters(filters))
    sheet = FactSheet(currency)
    path, path_note = "parser", None
    if ctx.rows == 0:
        sheet.add(
            "There are no rows in the current selection; widen the filters and ask again."
        )
        intent = Intent(kind="empty")
    else:
        dataset = chat_dataset(frame, source_columns)
        intent = parsed = parse_intent(text, ctx, history, dataset)
        if intent.gaps and intent.kind not in TEMPLATE_ONLY:
            intent = replace(intent, kind="not_covered", asked=intent.kind)
        if (
            getattr(llm, "structured", None) is not None
            and intent.kind == "not_covered"
        ):
            # The parser answers what it fully reads; the model's query is tried for
            # the questions it cannot (and must then cover everything they name).
            columns = source_columns if _is_model_list(source_columns) else None
            query_model = dataset_model(frame, columns)
            try:
                spec = spec_from_model(llm, text, frame, ctx, query_model)
                missing = spec_omissions(spec, parsed, query_model, ctx)
                if missing:
                    raise SpecRejected(
                        "the model's query left out " + ", ".join(missing)
                    )
                path = "model query"
            except SpecRejected as exc:
                path_note = (
                    f"The model's query was not used ({exc}); answered by the "
                    "built-in parser."
                )
        if path == "model query":
            op_query(sheet, frame, ctx, spec, query_model)
            intent = replace(intent, kind="query")
        elif intent.kind == "measure_query":
            columns = source_columns if _is_model_list(source_columns) else None
            query_model = dataset_model(frame, columns)
            try:
                op_query(
                    sheet,
                    frame,
                    ctx,
                    spec_for_intent(intent, query_model),
                    query_model,
                    reading="",
                )
                path = "parser query"
            except QueryError as exc:
                sheet.add(
                    "I can't answer that as asked, and I won't answer a different "
                    f"question instead: {exc}"
                )
        elif intent.kind == "forecast":
            given = forecast.to_dict() if hasattr(forecast, "to_dict") else forecast
            op_forecast(sheet, frame, ctx, intent, given)
        else:
            OPERATIONS[intent.kind](sheet, frame, ctx, intent)
        if intent.notes and intent.kind not in ("trend",):
            note_line = "_" + " ".join(intent.notes) + "_"
            sheet.lines[:0] = [note_line, ""]
            sheet.caveats.insert(0, note_line)
    if ctx.view and not any(ctx.view in line for line in sheet.lines):
        # Every answer under filters says so, even one whose wording names no scope.
        view_line = f"_Within your filters: {ctx.view}._"
        sheet.lines[:0] = [view_line, ""]
        sheet.caveats.insert(0, view_line)
    draft = "\n".join(sheet.lines).strip()
    facts = tuple(sheet.facts)
    based_on = {
        "period": sheet.period or ctx.span(),
        "filters": _jsonable(filters or {}),
        "rows": int(sheet.rows if sheet.rows is not None else ctx.rows),
    }
    operations = (
        {
            "op": "parse",
            "intent": intent.kind,
            "follow_up": intent.follow_up,
            "path": path,
        },
        *sheet.operations,
    )
    result = ChatAnswer(
        answer=draft,
        facts=facts,
        operations=tuple(operations),
        based_on=based_on,
        intent=intent.kind,
        note=path_note,
    )
    numeric = any(isinstance(f.value, (int, float)) for f in facts)
    if llm is None or intent.kind in TEMPLATE_ONLY or not numeric:
        # Nothing for a model to rephrase: the computed answer is the whole answer.
        return result
    years = _allowed_years(ctx, intent)
    names = _names_in(frame, ctx, facts)
    reply, note = with_model(text, draft, facts, history, llm, years=years, names=names)
    if reply is None:
        return replace(result, note=" ".join(n for n in (path_note, note) if n))
    if sheet.caveats:
        # Caveats about what the figures cover are kept whatever the model wrote.
        reply = reply + "\n\n" + "\n".join(sheet.caveats)
    if ctx.view and ctx.view not in reply:
        # nor may a rewording drop the filters the figures are under
        reply = f"_Within your filters: {ctx.view}._\n\n" + reply
    return replace(result, answer=reply, model=model_name(llm))


def describe_filters(filters: Mapping[str, Any] | None) -> str:
    """``analytics.metrics.filter_frame`` keyword arguments in words ("" for none)."""
    if not filters:
        return ""
    parts = []
    start, end = filters.get("start"), filters.get("end")
    if start or end:
        parts.append(f"dates {_day(start) or 'start'} to {_day(end) or 'end'}")
    for key, label in (("categories", "category"), ("skus", "SKU")):
        chosen = filters.get(key)
        chosen = [chosen] if isinstance(chosen, str) else list(chosen or [])
        if chosen:
            parts.append(f"{label} " + ", ".join(str(c) for c in chosen))
    query = str(filters.get("sku_query") or "").strip()
    if query:
        parts.append(f"SKU contains “{query}”")
    return "; ".join(parts)


def _day(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def _is_model_list(columns: Any) -> bool:
    """True for the dataset model's column list (``report["columns"]``)."""
    return isinstance(columns, (list, tuple)) and all(
        isinstance(c, Mapping) for c in columns
    )


def _allowed_years(ctx: DataContext, intent: Intent) -> list[int]:
    if not ctx.has_dates:
        return []
    years = set(range(ctx.first.year - 1, ctx.covered_to.year + 2))
    for period in intent.periods:
        years |= {period.start.year, period.end.year}
    if intent.horizon:
        unit, count = intent.horizon
        extra = (
            count
            if unit == "year"
            else count // 4 + 1
            if unit == "quarter"
            else count // 12 + 1
        )
        years |= set(range(ctx.covered_to.year, ctx.covered_to.year + extra + 2))
    return sorted(years)


def _names_in(
    frame: pd.DataFrame, ctx: DataContext, facts: Sequence[Fact]
) -> list[str]:
    """Names whose digits are not figures: the data's SKUs/categories named in the facts."""
    labels = " ".join(f.label for f in facts).lower()
    names = [str(c) for c in ctx.categories]
    if len(ctx.skus):
        lowered = ctx.skus.str.lower()
        mask = np.fromiter(
            (s in labels for s in lowered), dtype=bool, count=len(lowered)
        )
        names.extend(str(s) for s in ctx.skus[mask])
    return names


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (pd.Timestamp,)):
        return value.strftime("%Y-%m-%d")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
