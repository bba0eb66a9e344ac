"""Insights card and chat panel callbacks; the chat answers in a background job.

The chat job runs outside the request (a subprocess, or a Celery worker), so it gets the
session id, the question and the filters, opens its own store handle from the settings,
and reads the conversation from the store: the browser never sends the history.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, Patch, State, html
from dash.exceptions import PreventUpdate

from analytics.chat import MAX_QUESTION_CHARS
from analytics.metrics import FilterError
from callbacks.context import owns_session, triggered_id
from callbacks.context import settings as current_settings
from callbacks.context import store as current_store
from callbacks.filters import FILTERS_STATE, VIEW_INPUTS, filters_of
from components import ids
from components.assistant import (
    SUGGESTED_QUESTIONS,
    chat_messages,
    error_bubble,
    insights_content,
    question_bubble,
    welcome_message,
)
from config import Settings
from services.assistant import ask, dashboard_insights, load_history
from services.jobs import JobTarget, job_callback, job_failure
from services.store import store_from_settings
from web.ownership import NOT_OWNER_MESSAGE

EXPIRED = "This session has expired. Upload the file again to ask about it."
RETRY_SHOWN = ""
RETRY_HIDDEN = "d-none"
#: How often the page asks the background job for progress, in milliseconds.
POLL_MS = 500


def update_insights(
    session_id: str | None,
    filters: dict | None = None,
) -> list:
    """The insights card for the filtered rows."""
    try:
        result = dashboard_insights(
            current_store(), current_settings(), session_id or "", filters_of(filters)
        )
    except FilterError as error:
        return [dbc.Alert(str(error), color="warning", className="mb-0")]
    if result is None:
        return [html.Div(EXPIRED, className="text-muted")]
    return insights_content(result)


def refresh_insights(
    _forecast_info: object,
    session_id: str | None,
    filters: dict | None = None,
) -> list:
    """Once the forecast card has its forecast, add the outlook to unfiltered insights.

    A separate callback: the first insights must not wait for the forecast job.
    """
    if filters_of(filters).active:
        raise PreventUpdate  # filtered insights leave the all-data forecast out
    return update_insights(session_id, filters)


def show_history(session_id: str | None) -> list:
    """The conversation so far, from the store (so a reload keeps it)."""
    return chat_messages(load_history(current_store(), session_id or ""))


def question_for(trigger: object, typed: str | None) -> str | None:
    """The question to ask: a clicked suggestion's text, else what was typed."""
    if isinstance(trigger, dict) and trigger.get("type") == ids.CHAT_SUGGESTION:
        index = trigger.get("index")
        if isinstance(index, int) and 0 <= index < len(SUGGESTED_QUESTIONS):
            return SUGGESTED_QUESTIONS[index]
        return None
    text = (typed or "").strip()
    return text[:MAX_QUESTION_CHARS] or None


def submit_question(
    _send_clicks: int | None,
    _n_submit: int | None,
    chip_clicks: Sequence[int | None] | None,
    _retry_clicks: int | None = None,
    typed: str | None = None,
    pending: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str, Patch]:
    """Queue the question for the background job, clear the box, show the question now.

    Retry queues the last question again (after its job failed, timed out or was lost).
    """
    trigger = triggered_id()
    if isinstance(trigger, dict) and not any(chip_clicks or []):
        raise PreventUpdate  # suggestion chips (re)rendered, nobody clicked
    if trigger == ids.CHAT_RETRY:
        question = (pending or {}).get("question")
        if not isinstance(question, str) or not question.strip():
            raise PreventUpdate
    else:
        question = question_for(trigger, typed)
    if not question:
        raise PreventUpdate
    shown = Patch()
    shown.append(question_bubble(question))
    return {"question": question, "at": time.time()}, "", shown


def chat_job_ended(error: Exception) -> tuple[Patch, str]:
    """The chat's answer job failed, timed out or was lost: say so and offer Retry."""
    state, message = job_failure(error)
    title = {
        "timed_out": "The answer took too long.",
        "lost": "The answer was lost.",
    }.get(state, "The answer could not be written.")
    shown = Patch()
    shown.append(error_bubble(f"{title} {message}"))
    return shown, RETRY_SHOWN


def run_chat(
    settings: Settings,
    set_progress: Callable[[tuple[str, str]], None],
    pending: dict[str, Any] | None,
    session_id: str | None,
    filters: dict | None = None,
) -> list:
    """Answer the pending question and return the whole conversation, newest last."""
    question = (pending or {}).get("question")
    if not isinstance(question, str) or not question.strip():
        raise PreventUpdate
    sid = session_id or ""
    store = store_from_settings(settings)
    set_progress(("Working out the figures…", ""))

    def streaming(text: str) -> None:
        set_progress(
            (
                f"{settings.OLLAMA_MODEL} is writing. Every figure is checked against your "
                "data before the answer is shown.",
                text,
            )
        )

    meta = store.get_meta(sid)
    if meta is not None and not owns_session(meta, settings.SECRET_KEY):
        return [
            *chat_messages(load_history(store, sid)),
            question_bubble(question),
            error_bubble(NOT_OWNER_MESSAGE),
        ]
    try:
        result = ask(
            store, settings, sid, question, filters_of(filters), on_text=streaming
        )
    except FilterError as error:
        return [
            *chat_messages(load_history(store, sid)),
            question_bubble(question),
            error_bubble(str(error)),
        ]
    if result is None:
        return [welcome_message(), question_bubble(question), error_bubble(EXPIRED)]
    return chat_messages(load_history(store, sid))


def chat_job_target(
    settings: Settings,
    set_progress: Callable[[tuple[str, str]], None],
    pending: dict[str, Any] | None,
    session_id: str | None,
    filters: dict | None = None,
) -> tuple[list, str]:
    """The job body the runner calls: the conversation, and Retry hidden."""
    messages = run_chat(settings, set_progress, pending, session_id, filters)
    return messages, RETRY_HIDDEN


def register(app: Dash, settings: Settings) -> None:
    app.callback(Output(ids.INSIGHTS_BODY, "children"), *VIEW_INPUTS)(update_insights)
    app.callback(
        Output(ids.INSIGHTS_BODY, "children", allow_duplicate=True),
        Input(ids.FORECAST_INFO, "children"),
        State(ids.SESSION_ID, "data"),
        FILTERS_STATE,
        prevent_initial_call=True,
    )(refresh_insights)
    app.callback(
        Output(ids.CHAT_MESSAGES, "children", allow_duplicate=True),
        Input(ids.SESSION_ID, "data"),
        prevent_initial_call="initial_duplicate",
    )(show_history)
    app.callback(
        Output(ids.CHAT_PENDING, "data"),
        Output(ids.CHAT_INPUT, "value"),
        Output(ids.CHAT_MESSAGES, "children", allow_duplicate=True),
        Input(ids.CHAT_SEND, "n_clicks"),
        Input(ids.CHAT_INPUT, "n_submit"),
        Input({"type": ids.CHAT_SUGGESTION, "index": ALL}, "n_clicks"),
        Input(ids.CHAT_RETRY, "n_clicks"),
        State(ids.CHAT_INPUT, "value"),
        State(ids.CHAT_PENDING, "data"),
        prevent_initial_call=True,
    )(submit_question)

    def chat_job(set_progress, pending, session_id, filters):
        return chat_job_target(settings, set_progress, pending, session_id, filters)

    job_callback(chat_job, JobTarget.of(chat_job_target, settings))
    app.callback(
        Output(ids.CHAT_MESSAGES, "children"),
        Output(ids.CHAT_RETRY, "className"),
        Input(ids.CHAT_PENDING, "data"),
        State(ids.SESSION_ID, "data"),
        FILTERS_STATE,
        background=True,
        on_error=chat_job_ended,
        interval=POLL_MS,
        prevent_initial_call=True,
        progress=[
            Output(ids.CHAT_STATUS, "children"),
            Output(ids.CHAT_STREAM, "children"),
        ],
        running=[
            (Output(ids.CHAT_SEND, "disabled"), True, False),
            (Output(ids.CHAT_INPUT, "disabled"), True, False),
            (
                Output(ids.CHAT_SEND_SPINNER, "className"),
                "spinner-border spinner-border-sm me-1",
                "spinner-border spinner-border-sm me-1 d-none",
            ),
            (Output(ids.CHAT_CANCEL, "className"), "", "d-none"),
            (Output(ids.CHAT_STREAM_BOX, "className"), "px-1 mb-2", "d-none"),
        ],
        cancel=[Input(ids.CHAT_CANCEL, "n_clicks")],
    )(chat_job)
