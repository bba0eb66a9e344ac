"""The dashboard's "Share" dialog: make a read-only link, see and revoke the links made."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_bootstrap_components as dbc
from dash import html

from components import ids

EXPIRY_OPTIONS = [
    {"label": "1 day", "value": "24"},
    {"label": "7 days", "value": "168"},
    {"label": "Until this dashboard expires", "value": ""},
]


def share_button() -> dbc.Button:
    return dbc.Button("Share", id=ids.SHARE_OPEN, color="outline-secondary", size="sm")


def share_modal() -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Share a read-only view")),
            dbc.ModalBody(
                [
                    html.P(
                        "The link shows these figures with the filters set now; whoever "
                        "opens it can change the filters for themselves but cannot upload, "
                        "change the mapping or use the assistant. It never contains this "
                        "dashboard's address.",
                        className="small",
                    ),
                    dbc.Label("Link works for", html_for=ids.SHARE_HOURS),
                    dbc.Select(
                        id=ids.SHARE_HOURS,
                        options=EXPIRY_OPTIONS,
                        value="168",
                        className="mb-2",
                    ),
                    dbc.Checkbox(
                        id=ids.SHARE_EXPORTS,
                        label="Let them download the data rows (CSV)",
                        value=False,
                        className="mb-3",
                    ),
                    dbc.Button("Create link", id=ids.SHARE_CREATE, color="primary"),
                    html.Div(id=ids.SHARE_RESULT, className="mt-3", role="status"),
                    html.H3("Links made", className="h6 mt-4"),
                    html.Div(id=ids.SHARE_LIST),
                ]
            ),
        ],
        id=ids.SHARE_MODAL,
        is_open=False,
        size="lg",
    )


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def share_rows(links: list, now: float) -> object:
    """The session's links with their state in words and a revoke button for live ones."""
    if not links:
        return html.P("No links yet.", className="small text-muted")
    rows = []
    for link in sorted(links, key=lambda s: s.created_at, reverse=True):
        if link.revoked:
            state = "Revoked"
        elif now >= link.expires_at:
            state = "Expired"
        else:
            state = f"Live until {_when(link.expires_at)}"
        rows.append(
            html.Tr(
                [
                    html.Td(_when(link.created_at)),
                    html.Td(link.filters.describe()),
                    html.Td("with data rows" if link.allow_exports else "figures only"),
                    html.Td(state),
                    html.Td(
                        dbc.Button(
                            "Revoke",
                            id={"type": ids.SHARE_REVOKE, "id": link.id},
                            color="outline-danger",
                            size="sm",
                        )
                        if state.startswith("Live")
                        else ""
                    ),
                ]
            )
        )
    return dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th("Made"),
                        html.Th("Filters"),
                        html.Th("Includes"),
                        html.Th("State"),
                        html.Th(html.Span("Action", className="visually-hidden")),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        size="sm",
        className="small",
    )
