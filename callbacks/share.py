"""The Share dialog: create a read-only link with the current filters, list and revoke."""

from __future__ import annotations

import time

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from flask import request

from callbacks.context import store, triggered_id
from callbacks.filters import FILTERS_STATE, filters_of
from components import ids
from components.share import share_rows
from services.share import ShareError, create_share, list_shares, revoke_share
from web.ownership import is_owner


def update_share(
    _open: int | None,
    _create: int | None,
    _revoke: list,
    session_id: str | None,
    filters: dict | None,
    hours: str | None,
    exports: bool | None,
) -> tuple:
    """(modal open, result message, list of links) after opening, creating or revoking."""
    trigger = triggered_id()
    if not session_id or trigger is None:
        raise PreventUpdate
    if not is_owner(store().get_meta(session_id)):
        message = dbc.Alert(
            "Only the browser that uploaded this file can share this dashboard.",
            color="secondary",
        )
        return True, message, None
    result: object = None
    if trigger == ids.SHARE_CREATE:
        try:
            token, _share = create_share(
                store(),
                session_id,
                filters_of(filters),
                hours=float(hours) if hours else None,
                allow_exports=bool(exports),
            )
        except KeyError:
            result = dbc.Alert("This dashboard has expired.", color="secondary")
        except ShareError as error:
            result = dbc.Alert(str(error), color="warning")
        else:
            url = f"{request.host_url.rstrip('/')}/view/{token}"
            result = html.Div(
                [
                    dbc.Label("Read-only link (shown once)", html_for="share-url"),
                    dbc.Input(id="share-url", value=url, readonly=True),
                ]
            )
    elif isinstance(trigger, dict) and trigger.get("type") == ids.SHARE_REVOKE:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            raise PreventUpdate  # a button that appeared, not one that was clicked
        revoke_share(store(), session_id, str(trigger.get("id")))
        result = html.Div("Link revoked.", className="small")
    links = list_shares(store(), session_id)
    return True, result, share_rows(links, time.time())


def register(app: Dash) -> None:
    app.callback(
        Output(ids.SHARE_MODAL, "is_open"),
        Output(ids.SHARE_RESULT, "children"),
        Output(ids.SHARE_LIST, "children"),
        Input(ids.SHARE_OPEN, "n_clicks"),
        Input(ids.SHARE_CREATE, "n_clicks"),
        Input({"type": ids.SHARE_REVOKE, "id": ALL}, "n_clicks"),
        State(ids.SESSION_ID, "data"),
        FILTERS_STATE,
        State(ids.SHARE_HOURS, "value"),
        State(ids.SHARE_EXPORTS, "value"),
        prevent_initial_call=True,
    )(update_share)
