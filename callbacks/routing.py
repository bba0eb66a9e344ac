"""Page routing: the URL decides which page the shell shows."""

from __future__ import annotations

import re

from dash import Dash, Input, Output
from dash.development.base_component import Component

from callbacks.context import owns_session, settings, store
from components import ids
from components.dashboard import dashboard_page
from components.pages import not_found_page, session_expired_page, view_only_notice
from components.upload import upload_page

DASHBOARD_PATH = re.compile(r"^/dashboard/([^/]+)/?$")


def render_page(pathname: str | None) -> Component:
    """The page for ``pathname``: upload, a session's dashboard, expired, or not found."""
    path = pathname or "/"
    if path in ("/", ""):
        config = settings()
        return upload_page(
            config.MAX_CONTENT_LENGTH,
            config.MAX_UPLOAD_TOTAL_BYTES,
            config.MAX_UPLOAD_FILES,
        )
    match = DASHBOARD_PATH.match(path)
    if match:
        meta = store().get_meta(match.group(1))
        if meta is None:
            return session_expired_page(settings().SESSION_TIMEOUT_HOURS)
        page = dashboard_page(meta, meta.get("granularity", "month"))
        if not owns_session(meta):
            # after the stores and the header: a shared link is for viewing
            page.children.insert(3, view_only_notice())
        return page
    return not_found_page()


def register(app: Dash) -> None:
    app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"))(render_page)
