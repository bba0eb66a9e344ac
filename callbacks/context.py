"""Access to the per-app services from inside a callback (which runs in a request)."""

from __future__ import annotations

from flask import current_app

from config import Settings
from services.store import SessionStore


def store() -> SessionStore:
    return current_app.extensions["smbrc.store"]


def settings() -> Settings:
    return current_app.extensions["smbrc.settings"]
