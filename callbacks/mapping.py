"""Mapping review: apply a corrected column mapping, or read another sheet, and rebuild
the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from analytics.errors import IngestError
from analytics.schema import CATEGORY
from callbacks.context import owns_session, store
from callbacks.filters import parse_search, state_search
from components import ids
from components.filters import filter_state
from components.quality import NONE_VALUE
from services.datasets import forget_mapping, remap_session, switch_sheet
from services.views import cached_dataset, column_values
from web.ownership import NOT_OWNER_MESSAGE


def kept_selection(search: str | None, session_id: str) -> list[tuple[str, str]]:
    """The dashboard selection in ``search`` that still holds on the rebuilt data, as
    query parameters (without ``v``).

    Dates, the SKU search, the breakdown column and the comparison are kept as they are
    (the page drops a breakdown or filter column the data no longer has); category and
    column-filter values the rebuilt data lacks are left out, so a remapped column never
    leaves the dashboard filtered to nothing.
    """
    current = [
        (k, v)
        for k, v in parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
        if k != "v"
    ]
    state = parse_search(search)
    dataset = cached_dataset(store(), session_id)
    if dataset is None:
        return []
    categories = state.get("categories") or []
    if categories:
        known = (
            set(dataset.frame[CATEGORY].dropna().astype("str"))
            if CATEGORY in dataset.frame
            else set()
        )
        categories = [c for c in categories if c in known]
    dimensions = {}
    for column, values in state["dimensions"].items():
        known = set(column_values(dataset, column))
        chosen = [v for v in values if v in known]
        if chosen:
            dimensions[column] = chosen
    rebuilt = state_search(
        filter_state(
            state.get("start"),
            state.get("end"),
            categories,
            state.get("sku"),
            dimensions,
        ),
        state.get("by"),
        urlencode(current),
        state.get("compare"),
    )
    return parse_qsl(rebuilt.lstrip("?"), keep_blank_values=True)


def _rebuild(
    session_id: str | None,
    rebuild: Callable[[], dict],
    done: str,
    search: str | None = None,
) -> tuple[object, object]:
    """Run a session rebuild; a status alert, and the dashboard URL to reload (or
    ``no_update``: the reload Location is left alone, since setting its ``href`` to None
    would send the page back to the address it was opened at, losing the selection the
    address holds).

    The reload keeps the selection the address held (``search``: filters, breakdown,
    comparison; see :func:`kept_selection`) and sets ``v`` to the new revision.

    Only the session's owner may rebuild it; anyone else gets a message and nothing
    changes.
    """
    meta = store().get_meta(session_id or "")
    if meta is not None and not owns_session(meta):
        return dbc.Alert(
            NOT_OWNER_MESSAGE, color="warning", className="small mb-0"
        ), no_update
    try:
        meta = rebuild()
    except KeyError:
        return dbc.Alert(
            "This session has expired. Upload the file again.", color="secondary"
        ), no_update
    except IngestError as error:
        return dbc.Alert(str(error), color="danger", className="small mb-0"), no_update
    sid = meta.session_id
    params = [("v", str(meta.revision)), *kept_selection(search, sid)]
    return (
        dbc.Alert(
            f"{done} Reloading the dashboard…", color="success", className="small mb-0"
        ),
        f"/dashboard/{sid}?{urlencode(params)}",
    )


def apply_mapping(
    n_clicks: int | None,
    values: list[str | None],
    value_ids: list[dict],
    drop: list[str] | None,
    session_id: str | None,
    search: str | None = None,
) -> tuple[object, object]:
    """Rebuild the session with the chosen mapping; reload the page (keeping the
    selection its address holds, ``search``) when it worked."""
    if not n_clicks:
        raise PreventUpdate
    mapping = {
        item["role"]: (None if value in (None, NONE_VALUE) else value)
        for item, value in zip(value_ids, values, strict=True)
    }
    return _rebuild(
        session_id,
        lambda: remap_session(
            store(), session_id or "", mapping, drop_duplicates=bool(drop)
        ),
        "Mapping applied.",
        search,
    )


def read_sheet(
    n_clicks: int | None, sheet: str | None, session_id: str | None
) -> tuple[object, object]:
    """Rebuild the session from another sheet of its workbook; reload when it worked."""
    if not n_clicks or not sheet:
        raise PreventUpdate
    return _rebuild(
        session_id,
        lambda: switch_sheet(store(), session_id or "", sheet),
        f"Reading the sheet '{sheet}'.",
    )


def undo_remembered(
    n_clicks: int | None, session_id: str | None, search: str | None = None
) -> tuple[object, object]:
    """Go back to the detected mapping and forget the remembered one (the reload keeps
    the selection, as after applying a mapping)."""
    if not n_clicks:
        raise PreventUpdate
    return _rebuild(
        session_id,
        lambda: forget_mapping(store(), session_id or ""),
        "Back to the detected mapping; the remembered one is forgotten.",
        search,
    )


def register(app: Dash) -> None:
    app.callback(
        Output(ids.MAPPING_STATUS, "children"),
        Output(ids.RELOAD, "href"),
        Input(ids.MAPPING_APPLY, "n_clicks"),
        State({"type": ids.MAPPING_ROLE, "role": ALL}, "value"),
        State({"type": ids.MAPPING_ROLE, "role": ALL}, "id"),
        State(ids.MAPPING_DROP_DUPLICATES, "value"),
        State(ids.SESSION_ID, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(apply_mapping)
    app.callback(
        Output(ids.SHEET_STATUS, "children"),
        Output(ids.SHEET_RELOAD, "href"),
        Input(ids.SHEET_APPLY, "n_clicks"),
        State(ids.SHEET_SELECT, "value"),
        State(ids.SESSION_ID, "data"),
        prevent_initial_call=True,
    )(read_sheet)
    app.callback(
        Output(ids.MAPPING_STATUS, "children", allow_duplicate=True),
        Output(ids.RELOAD, "href", allow_duplicate=True),
        Input(ids.MAPPING_UNDO, "n_clicks"),
        State(ids.SESSION_ID, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(undo_remembered)
