"""The grounded chat and the dashboard insights for a session: data, history, model choice.

Both work with or without a language model. The model is used only when the cached
Ollama probe (``services.probes.ollama_status``) finds the server and the configured
model; every figure still comes from ``analytics.chat`` / ``analytics.insights``, and a
reply whose figures do not check out is replaced by the computed answer.

Everything lives in the session store (history under ``"chat_history"``, insights per
data revision and filters), so any worker, thread or background job can serve a session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from analytics.chat import MAX_QUESTION_CHARS, NO_MODEL, answer
from analytics.formatting import current_locale
from analytics.insights import insights, phrase_with_llm
from analytics.schema import DATE
from config import Settings
from services.forecasts import ForecastParams, cached_forecast
from services.llm import LLMConfig, LLMUnavailable, OllamaChat, chat, stream_chat
from services.probes import ollama_status
from services.session_meta import SessionMeta
from services.store import SessionStore
from services.views import Filters, View, cached_sku_figures, load_view

logger = logging.getLogger(__name__)

HISTORY_KEY = "chat_history"
#: Turns kept in a session's chat history (older ones are dropped).
MAX_HISTORY_TURNS = 20
#: Longest time the insights card waits for the model to reword its texts, in seconds.
INSIGHTS_LLM_TIMEOUT = 30.0
#: How long insights written without the model (after a model failure) are reused
#: before the model is tried again, in seconds.
INSIGHTS_RETRY_SECONDS = 300.0
#: Shortest interval between two streamed-text updates, in seconds.
STREAM_UPDATE_SECONDS = 0.2
#: Keys of ``ask``'s answer that the API and the page show.
PUBLIC_KEYS = ("answer", "facts", "model", "based_on", "note")


@dataclass(frozen=True)
class StreamingChat:
    """A ``messages -> reply`` callable that reports the reply text while it streams.

    ``on_text`` receives the whole text so far (at most every ``STREAM_UPDATE_SECONDS``,
    and once at the end). The reply is only shown as the answer after the chat module's
    figure check, so ``on_text`` is for a "writing…" preview.
    """

    config: LLMConfig
    on_text: Callable[[str], None]

    @property
    def model_name(self) -> str:
        return self.config.model

    def structured(
        self, messages: Sequence[Mapping[str, str]], schema: Mapping[str, Any]
    ) -> str:
        """The model's query for a question, as JSON following ``schema`` (not streamed)."""
        return chat(self.config, messages, format=dict(schema))

    def __call__(self, messages: Sequence[Mapping[str, str]]) -> str:
        parts: list[str] = []
        last = 0.0
        for chunk in stream_chat(self.config, messages):
            parts.append(chunk)
            now = time.monotonic()
            if now - last >= STREAM_UPDATE_SECONDS:
                self.on_text("".join(parts))
                last = now
        text = "".join(parts).strip()
        if not text:
            raise LLMUnavailable("the model sent an empty reply")
        self.on_text(text)
        return text


def model_status(store: SessionStore, settings: Settings) -> tuple[bool, str | None]:
    """(True, None) when the model can be used, else (False, why not, in one phrase)."""
    status = ollama_status(store, settings.OLLAMA_HOST, settings.OLLAMA_MODEL)
    if not status.get("reachable"):
        return False, "the local AI model (Ollama) is not reachable"
    if not status.get("model_present"):
        return False, f"the model “{settings.OLLAMA_MODEL}” is not installed in Ollama"
    return True, None


def load_history(store: SessionStore, sid: str) -> list[dict[str, Any]]:
    """The session's chat turns, oldest first (empty for an unknown session)."""
    history = store.get_value(sid, HISTORY_KEY, [])
    return (
        [turn for turn in history if isinstance(turn, dict)]
        if isinstance(history, list)
        else []
    )


def _based_on(view: View, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    rows = view.rows
    dates = rows[DATE].dropna()
    period = (
        f"{dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}"
        if len(dates)
        else "all rows"
    )
    out: dict[str, Any] = {"period": period, "rows": int(len(rows))}
    out.update(extra or {})
    out["filters"] = view.filters.as_dict()
    return out


def source_columns(
    meta: SessionMeta,
) -> list[dict[str, Any]] | dict[str, str | None]:
    """The uploaded table's columns for the chat: the dataset model stored with the
    ingest report (kind, unit, role, frame field of each column), or for data stored
    without one, its headers each with the role it is mapped to (or None)."""
    model = meta.report.get("columns")
    if isinstance(model, list) and model:
        return [dict(c) for c in model if isinstance(c, Mapping)]
    roles = {str(column): role for role, column in meta.mapping.items() if column}
    return {str(column): roles.get(str(column)) for column in meta.columns}


def _default_forecast(store: SessionStore, sid: str, filters: Filters) -> dict | None:
    """The dashboard's cached default forecast; only for unfiltered data (it covers all rows)."""
    if filters.active:
        return None
    return cached_forecast(store, sid, ForecastParams())


def ask(
    store: SessionStore,
    settings: Settings,
    sid: str,
    question: str,
    filters: Filters,
    *,
    on_text: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> dict[str, Any] | None:
    """Answer ``question`` about session ``sid`` under ``filters`` and record the turn.

    Parameters
    ----------
    question:
        The user's question (``analytics.chat.MAX_QUESTION_CHARS`` at most; longer ones get
        a message asking for a shorter question).
    filters:
        The dashboard's filters; the answer covers the rows they keep.
    on_text:
        Called with the model's reply so far while it streams (only when a model is used).
    timeout:
        Longest wait for the model in seconds, when shorter than ``OLLAMA_TIMEOUT`` (a web
        request passes ``LLM_WEB_TIMEOUT``, so a slow model never holds a web thread long;
        past it the answer is the computed one).

    Returns
    -------
    ``{"answer", "facts", "model", "operations", "based_on", "note"}`` (see
    ``analytics.chat.ChatAnswer.to_dict``; ``based_on.filters`` are the dashboard's filters,
    ``note`` says when the model was not used), or None when the session is unknown or
    expired. Raises ``analytics.metrics.FilterError`` for unusable filters.
    """
    view = load_view(store, sid, filters)
    if view is None:
        return None
    history = load_history(store, sid)
    usable, why_not = model_status(store, settings)
    llm: Callable[[list[dict[str, str]]], str] | None = None
    if usable:
        config = LLMConfig.from_settings(settings)
        if timeout is not None:
            config = replace(config, timeout=min(config.timeout, timeout))
        llm = (
            StreamingChat(config, on_text)
            if on_text is not None
            else OllamaChat(config)
        )
    result = answer(
        view.rows,
        question,
        history=history,
        forecast=_default_forecast(store, sid, filters),
        llm=llm,
        currency=view.dataset.meta.currency_symbol,
        source_columns=source_columns(view.dataset.meta),
        view=filters.describe() if filters.active else None,
    ).to_dict()
    result["based_on"] = _based_on(view, result.get("based_on"))
    if llm is None and not result.get("note"):
        result["note"] = f"Answered without the AI model: {why_not}."
    turn = {
        "question": question[:MAX_QUESTION_CHARS],
        **{key: result[key] for key in PUBLIC_KEYS},
        "asked_at": time.time(),
    }
    try:
        store.append_value(sid, HISTORY_KEY, turn, keep=MAX_HISTORY_TURNS)
    except KeyError:  # the session expired while the question was answered
        return None
    logger.info(
        "chat answered intent=%s model=%s facts=%s",
        result["operations"][0].get("intent") if result["operations"] else "-",
        result["model"],
        len(result["facts"]),
    )
    return result


def dashboard_insights(
    store: SessionStore, settings: Settings, sid: str, filters: Filters
) -> dict[str, Any] | None:
    """The executive summary and 3-5 insights for the rows ``filters`` keep.

    Cached in the session per data revision, filters, forecast availability and model, so
    the model (when there is one) rewords a given set of insights once.

    Returns
    -------
    ``{"summary", "insights": [{"title", "text", "kind", "facts"}], "model", "note",
    "based_on": {"period", "rows", "filters"}}``, or None when the session is unknown or
    expired. Raises ``analytics.metrics.FilterError`` for unusable filters.
    """
    view = load_view(store, sid, filters)
    if view is None:
        return None
    meta = view.dataset.meta
    forecast = _default_forecast(store, sid, filters)
    usable, why_not = model_status(store, settings)
    model = settings.OLLAMA_MODEL if usable else NO_MODEL
    key = (
        # per locale too: the texts carry figures written in the reader's locale
        f"insights:{meta.revision}:{current_locale().tag}:"
        f"{filters.key()}:{'forecast' if forecast else 'no-forecast'}:{model}"
    )
    cached = store.get_value(sid, key)
    if isinstance(cached, dict) and time.time() < cached.get("retry_at", float("inf")):
        return cached["result"]
    computed = insights(
        view.rows,
        forecast=forecast,
        currency=meta.currency_symbol,
        sku_figures=cached_sku_figures(view),
    )
    llm = None
    if usable:
        config = LLMConfig.from_settings(settings)
        llm = OllamaChat(
            replace(
                config,
                timeout=min(
                    config.timeout, INSIGHTS_LLM_TIMEOUT, settings.LLM_WEB_TIMEOUT
                ),
            )
        )
    result = phrase_with_llm(computed, llm)
    if llm is None:
        result["note"] = f"Written without the AI model: {why_not}."
    result["based_on"] = _based_on(view)
    entry: dict[str, Any] = {"result": result}
    if llm is not None and result["model"] == NO_MODEL:
        entry["retry_at"] = time.time() + INSIGHTS_RETRY_SECONDS
    try:
        store.set_value(sid, key, entry)
    except KeyError:
        return None
    return result
