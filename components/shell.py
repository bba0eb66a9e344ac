"""The page frame: navigation bar, URL tracking and the page container."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids


def navbar() -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span("SMB", className="brand-mark me-2"), "Revenue Cloud"],
                    href="/",
                    className="fw-semibold",
                ),
                dbc.Nav(
                    [
                        dbc.NavItem(
                            dbc.NavLink("New upload", href="/", external_link=True)
                        )
                    ],
                    className="ms-auto",
                    navbar=True,
                ),
            ],
            fluid="lg",
        ),
        color="dark",
        dark=True,
        className="mb-4 shadow-sm",
    )


def app_shell() -> html.Div:
    """Root layout: the page body is filled by the routing callback from the URL."""
    return html.Div(
        [
            # "callback-nav": when a callback rewrites the address (the dashboard keeps
            # its selection there), the other Locations of the page hear of it. A
            # Location with refresh=True (the reload after a new mapping) compares each
            # part of its last known address with the window's and reloads with the part
            # it holds: a stale search would send the page to the old address.
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            navbar(),
            dbc.Container(
                # filled by the callbacks' error handler when the store is unavailable
                dbc.Alert(
                    id=ids.SERVICE_ALERT,
                    color="warning",
                    is_open=False,
                    dismissable=True,
                    className="mb-3",
                ),
                fluid="lg",
            ),
            dbc.Container(
                dcc.Loading(
                    html.Div(id=ids.PAGE),
                    type="default",
                    delay_show=300,
                    # only while the page itself is built, not while its charts update
                    target_components={ids.PAGE: "children"},
                ),
                fluid="lg",
                className="pb-5",
                tag="main",
            ),
            html.Footer(
                dbc.Container(
                    "Your data stays on this server. Files are read in memory and kept "
                    "only for the length of your session.",
                    fluid="lg",
                ),
                className="text-muted small py-3 border-top",
            ),
        ]
    )
