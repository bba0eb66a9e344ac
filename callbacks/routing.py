"""Page routing: the URL decides which page the shell shows."""

from __future__ import annotations

import re

from dash import Dash, Input, Output, State
from dash.development.base_component import Component

from callbacks.context import owns_session, settings, store
from callbacks.dashboard import update_kpis
from callbacks.filters import parse_search
from components import ids
from components.dashboard import DEFAULT_COMPARE, dashboard_page
from components.pages import not_found_page, session_expired_page, view_only_notice
from components.upload import upload_page
from services.views import breakdown_columns, cached_dataset, column_values

DASHBOARD_PATH = re.compile(r"^/dashboard/([^/]+)/?$")
#: The column a breakdown starts with: a dimension of the file (no role) first.
BY_FIRST = (None, "category", "customer", "sku", "order_id")


def render_page(pathname: str | None, search: str | None = None) -> Component:
    """The page for ``pathname``: upload, a session's dashboard, expired, or not found.

    A dashboard opens with the selection its address holds (``search``, see
    ``callbacks.dashboard.parse_search``); filters on columns the data lacks are
    left out.
    """
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
        dataset = cached_dataset(store(), match.group(1))
        choices = breakdown_columns(dataset) if dataset else []
        columns = [c.name for c in choices]
        state = parse_search(search)
        if state.get("by") not in columns:
            # the file's own dimensions first, then category, customer, SKU
            ranked = sorted(
                choices,
                key=lambda c: BY_FIRST.index(c.role) if c.role in BY_FIRST else 9,
            )
            state["by"] = ranked[0].name if ranked else None
        state["dimensions"] = {
            c: v for c, v in state["dimensions"].items() if c in columns
        }
        options = {c: column_values(dataset, c) for c in state["dimensions"]}
        page = dashboard_page(meta, meta.granularity, columns, state, options)
        fill_kpis(page, match.group(1), state, meta.granularity)
        if not owns_session(meta):
            # after the stores and the header: a shared link is for viewing
            page.children.insert(3, view_only_notice())
        return page
    return not_found_page()


def fill_kpis(page: Component, session_id: str, state: dict, granularity: str) -> None:
    """Put the KPI cards, filter summary, alert and data links in the page as it is
    built, so the headline figures arrive with the page (the KPI callback answers only
    later changes of the filters)."""
    cards, summary, alert, csv_href, xlsx_href = update_kpis(
        session_id,
        page[ids.FILTERS].data,
        state.get("compare") or DEFAULT_COMPARE,
        granularity,
    )
    page[ids.KPI_ROW].children = cards
    page[ids.FILTER_SUMMARY].children = summary
    page[ids.DASHBOARD_ALERTS].children = alert
    page[ids.DOWNLOAD_DATA_CSV].href = csv_href
    page[ids.DOWNLOAD_DATA_XLSX].href = xlsx_href


def register(app: Dash) -> None:
    app.callback(
        Output(ids.PAGE, "children"),
        Input(ids.URL, "pathname"),
        State(ids.URL, "search"),
    )(render_page)
