"""Access to the per-app services from inside a callback (which runs in a request)."""

from __future__ import annotations

from config import Settings
from services.session_meta import SessionMeta
from services.store import SessionStore
from web.extensions import extensions


def store() -> SessionStore:
    return extensions().store


def settings() -> Settings:
    return extensions().settings


def triggered_id() -> object:
    """The id of the input that fired the current callback; None outside a callback call."""
    from dash import ctx
    from dash.exceptions import MissingCallbackContextException

    try:
        return ctx.triggered_id
    except MissingCallbackContextException:
        return None


def _callback_cookies_headers() -> tuple[dict, dict]:
    """The cookies and headers Dash's callback context carries (background jobs carry
    them too); empty outside a callback call."""
    from dash import ctx
    from dash.exceptions import MissingCallbackContextException

    try:
        return dict(ctx.cookies or {}), dict(ctx.headers or {})
    except MissingCallbackContextException:
        return {}, {}


def owns_session(meta: SessionMeta | None, secret_key: str | None = None) -> bool:
    """True when the request behind this callback may change the session ``meta``.

    Reads the owner cookie (or the ``X-Owner-Token`` header) from Dash's callback
    context, which background jobs carry too, or else from the Flask request. Jobs
    running outside the app pass ``secret_key``.
    """
    from flask import has_request_context, request

    from web.ownership import owner_matches

    cookies, headers = _callback_cookies_headers()
    if not cookies and not headers and has_request_context():
        cookies, headers = dict(request.cookies), dict(request.headers)
    return owner_matches(meta, cookies, headers, secret_key or settings().SECRET_KEY)


def reader_locale(default: str | None = None) -> str:
    """The reader's locale tag for work outside the request (a background job): read
    from the cookies and headers Dash's callback context carries, as the request's own
    locale is (``web.locale``)."""
    from web.locale import locale_from

    cookies, headers = _callback_cookies_headers()
    return locale_from(cookies, headers, default)
