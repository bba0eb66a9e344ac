"""Several files, one dashboard: count or set aside rows repeated across files.

(Adding files and replacing the data are plain ``POST /upload/<id>`` requests sent by
``assets/files.js``; they never travel through a callback.)
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from analytics.errors import IngestError
from callbacks.context import owns_session, store
from components import ids
from services.datasets import set_keep_overlaps
from web.ownership import NOT_OWNER_MESSAGE


def apply_overlaps(
    n_clicks: int | None, keep: list[str] | None, session_id: str | None
) -> tuple[object, object]:
    """Rebuild the session keeping (or setting aside) rows repeated across files; a
    status alert, and the dashboard URL to reload when it worked (only the owner may)."""
    if not n_clicks:
        raise PreventUpdate
    meta = store().get_meta(session_id or "")
    if meta is None:
        return dbc.Alert(
            "This session has expired. Upload the files again.", color="secondary"
        ), no_update
    if not owns_session(meta):
        return dbc.Alert(
            NOT_OWNER_MESSAGE, color="warning", className="small mb-0"
        ), no_update
    try:
        meta = set_keep_overlaps(store(), meta.session_id, bool(keep))
    except KeyError:
        return dbc.Alert(
            "This session has expired. Upload the files again.", color="secondary"
        ), no_update
    except IngestError as error:
        return dbc.Alert(str(error), color="danger", className="small mb-0"), no_update
    done = "Repeated rows are counted." if keep else "Repeated rows are set aside."
    return (
        dbc.Alert(
            f"{done} Reloading the dashboard…", color="success", className="small mb-0"
        ),
        f"/dashboard/{meta.session_id}?v={meta.revision}",
    )


def register(app: Dash) -> None:
    app.callback(
        Output(ids.FILES_OVERLAPS_STATUS, "children"),
        Output(ids.FILES_RELOAD, "href"),
        Input(ids.FILES_OVERLAPS_APPLY, "n_clicks"),
        State(ids.FILES_KEEP_OVERLAPS, "value"),
        State(ids.SESSION_ID, "data"),
        prevent_initial_call=True,
    )(apply_overlaps)
