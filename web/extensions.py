"""The per-app services (settings, session store, jobs...): one typed record on the Flask app.

``app.create_app`` builds it once and puts it on the server (:func:`install`); request
handlers, callbacks and the Celery worker read it with :func:`extensions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from dash import Dash

    from config import Settings
    from services.housekeeping import Housekeeper
    from services.store import SessionStore

#: Where the record is kept in ``Flask.extensions``.
KEY = "smbrc"


@dataclass
class Extensions:
    """What one app instance was built with; set once by the factory."""

    settings: Settings
    store: SessionStore
    #: Dash's background-callback manager (``services.jobs.JobManager`` without
    #: ``REDIS_URL``, Dash's ``CeleryManager`` with it).
    jobs: Any = None
    #: The Celery app (``REDIS_URL`` set), for ``worker.py``.
    celery: Any = None
    #: Where local jobs keep their files (no ``REDIS_URL``), checked by ``/health``.
    jobs_dir: str | None = None
    #: The Dash app served by this server.
    dash: Dash | None = None
    #: The session sweep's timer.
    housekeeper: Housekeeper | None = None


def install(server: Flask, record: Extensions) -> Extensions:
    """Put ``record`` on ``server`` (once, by the factory)."""
    server.extensions[KEY] = record
    return record


def extensions(app: Flask | None = None) -> Extensions:
    """The record of ``app`` (default: the app of the current request)."""
    return (current_app if app is None else app).extensions[KEY]
