"""The page frame: navigation bar (with the theme and number-format settings), URL
tracking and the page container."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from analytics.formatting import LOCALE_CHOICES
from components import ids
from components.figures import templates_json

THEME_OPTIONS = [
    {"label": "Theme: system", "value": "auto"},
    {"label": "Theme: light", "value": "light"},
    {"label": "Theme: dark", "value": "dark"},
]


def locale_options(chosen: str) -> list[dict]:
    """ "Automatic" (the browser's language) and the offered locales; a chosen locale
    outside the list (set through ``DEFAULT_LOCALE`` or a link) is offered too."""
    options = [{"label": "Numbers: as the browser", "value": "auto"}]
    options += [{"label": label, "value": tag} for tag, label in LOCALE_CHOICES]
    if chosen != "auto" and chosen not in {tag for tag, _label in LOCALE_CHOICES}:
        options.append({"label": chosen, "value": chosen})
    return options


def preferences(theme: str = "auto", locale: str = "auto") -> html.Div:
    """The theme switch and the number-format setting; ``assets/theme.js`` remembers
    them (cookies) and applies them."""
    return html.Div(
        [
            html.Label(
                "Colour theme", htmlFor=ids.THEME_CHOICE, className="visually-hidden"
            ),
            dbc.Select(
                id=ids.THEME_CHOICE,
                options=THEME_OPTIONS,
                value=theme,
                size="sm",
                className="prefs-select",
            ),
            html.Label(
                "Number and date format",
                htmlFor=ids.LOCALE_CHOICE,
                className="visually-hidden",
            ),
            dbc.Select(
                id=ids.LOCALE_CHOICE,
                options=locale_options(locale),
                value=locale,
                size="sm",
                className="prefs-select",
            ),
        ],
        className="d-flex flex-wrap gap-2 align-items-center ms-auto prefs",
    )


def navbar(theme: str = "auto", locale: str = "auto") -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span("SMB", className="brand-mark me-2"), "Revenue Cloud"],
                    href="/",
                    className="fw-semibold",
                ),
                preferences(theme, locale),
                dbc.Nav(
                    [
                        dbc.NavItem(
                            dbc.NavLink("New upload", href="/", external_link=True)
                        )
                    ],
                    navbar=True,
                ),
            ],
            fluid="lg",
            className="flex-wrap gap-2",
        ),
        color="dark",
        dark=True,
        className="mb-4 shadow-sm",
    )


def app_shell(theme: str = "auto", locale: str = "auto") -> html.Div:
    """Root layout: the page body is filled by the routing callback from the URL.

    ``theme`` and ``locale`` are the reader's remembered choices (``auto`` = follow the
    system / the browser)."""
    return html.Div(
        [
            # "callback-nav": when a callback rewrites the address (the dashboard keeps
            # its selection there), the other Locations of the page hear of it. A
            # Location with refresh=True (the reload after a new mapping) compares each
            # part of its last known address with the window's and reloads with the part
            # it holds: a stale search would send the page to the old address.
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            # the charts' light and dark templates, read by assets/theme.js
            html.Div(
                id=ids.CHART_THEMES, hidden=True, **{"data-templates": templates_json()}
            ),
            navbar(theme, locale),
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
