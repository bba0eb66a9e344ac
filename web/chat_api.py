"""JSON routes of the assistant: ``POST /api/chat/<id>`` and ``GET /api/insights/<id>``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, request
from flask_limiter import Limiter

from analytics.chat import MAX_QUESTION_CHARS
from analytics.metrics import FilterError
from services.assistant import PUBLIC_KEYS, ask, dashboard_insights
from services.views import Filters
from web.api_params import filters_from_query, session_not_found
from web.errors import json_error, not_json_object
from web.extensions import extensions
from web.ownership import NOT_OWNER_API_MESSAGE, is_owner

logger = logging.getLogger(__name__)


def filters_from_body(body: dict[str, Any]) -> Filters:
    """``filters`` of a chat request: ``start``, ``end``, ``category`` (list or
    comma-separated), ``sku`` (substring), as in ``GET /api/data``'s query."""
    raw = body.get("filters")
    if raw is None:
        return Filters()
    if not isinstance(raw, dict):
        raise FilterError(
            'filters must be an object such as {"start": "2024-01-01", "category": "Books"}.'
        )
    values = {key: raw.get(key) for key in ("start", "end", "category", "sku")}
    for key, value in values.items():
        allowed = (str, list) if key == "category" else (str,)
        if value is not None and not isinstance(value, allowed):
            raise FilterError(f"The filter {key!r} must be text.")
    categories = values["category"]
    if isinstance(categories, list) and not all(isinstance(c, str) for c in categories):
        raise FilterError("The filter 'category' must be text or a list of texts.")
    return Filters.from_inputs(
        values["start"], values["end"], categories, values["sku"]
    )


def create_chat_blueprint(limiter: Limiter, settings) -> Blueprint:
    """Build the assistant's blueprint for one app instance, rate-limited per client IP.

    Register it before the ``/api`` blueprint, whose catch-all answers unknown paths.
    """
    bp = Blueprint("chat_api", __name__, url_prefix="/api")
    limiter.limit(settings.rate_limit_string, scope="chat")(bp)

    @bp.post("/chat/<session_id>")
    def chat(session_id: str):
        body = request.get_json(silent=True)
        example = '{"message": "Top 5 products by profit"}'
        if refused := not_json_object(body, example):
            return refused
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            return json_error(
                'The "message" field is missing or empty; put your question in it.', 400
            )
        message = message.strip()
        if len(message) > MAX_QUESTION_CHARS:
            return json_error(
                f"The message is {len(message)} characters long; keep questions under "
                f"{MAX_QUESTION_CHARS} characters and ask one thing at a time.",
                400,
            )
        store = extensions().store
        meta = store.get_meta(session_id)
        if meta is None:
            return session_not_found()
        if not is_owner(meta):
            return json_error(NOT_OWNER_API_MESSAGE, 403)
        try:
            result = ask(
                store,
                settings,
                session_id,
                message,
                filters_from_body(body),
                timeout=settings.LLM_WEB_TIMEOUT,
            )
        except FilterError as error:
            return json_error(str(error), 400)
        if result is None:
            return session_not_found()
        return {key: result[key] for key in PUBLIC_KEYS}

    @bp.get("/insights/<session_id>")
    def insights(session_id: str):
        store = extensions().store
        try:
            result = dashboard_insights(
                store, settings, session_id, filters_from_query()
            )
        except FilterError as error:
            return json_error(str(error), 400)
        if result is None:
            return session_not_found()
        return result

    return bp
