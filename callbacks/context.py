"""Access to the per-app services from inside a callback (which runs in a request)."""

from __future__ import annotations

from flask import current_app

from config import Settings
from services.store import SessionStore


def store() -> SessionStore:
    return current_app.extensions["smbrc.store"]


def settings() -> Settings:
    return current_app.extensions["smbrc.settings"]


def triggered_id() -> object:
    """The id of the input that fired the current callback; None outside a callback call."""
    from dash import ctx
    from dash.exceptions import MissingCallbackContextException

    try:
        return ctx.triggered_id
    except MissingCallbackContextException:
        return None
