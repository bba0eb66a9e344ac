"""Small full pages: session expired, page not found."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids


def message_page(
    title: str, text: str, *, action: str = "Upload a file", href: str = "/"
) -> html.Div:
    return html.Div(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H1(title, className="h3 fw-bold"),
                    html.P(text, className="text-muted"),
                    dbc.Button(action, href=href, color="primary", external_link=True),
                ],
                className="p-4 p-md-5 text-center",
            ),
            className="shadow-sm mx-auto",
            style={"maxWidth": "40rem"},
        ),
        className="py-4",
    )


def session_expired_page(timeout_hours: float) -> html.Div:
    return message_page(
        "This dashboard has expired",
        "Dashboards are kept for "
        f"{timeout_hours:g} hours after upload, and this one is no longer available (or the link "
        "is incomplete). Upload your file again to rebuild it; nothing else is needed.",
        action="Upload again",
    )


def not_found_page() -> html.Div:
    return message_page(
        "Page not found",
        "There is nothing at this address. Start from the upload page.",
        action="Go to upload",
    )


def view_only_notice() -> dbc.Alert:
    """Shown on a dashboard opened from a shared link in another browser."""
    return dbc.Alert(
        "You are viewing a shared dashboard. Only the browser that uploaded the file can "
        "change its mapping or sheet, or ask questions about it; to do that, upload the "
        "file yourself.",
        color="info",
        className="small py-2",
        id=ids.VIEW_ONLY,
    )
