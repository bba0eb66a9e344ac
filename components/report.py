"""The dashboard's report controls: a PDF of what is on screen, and an e-mail brief."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from components import ids


def report_menu_items() -> list:
    """Items for the header's Download menu (hrefs follow the filters)."""
    return [
        dbc.DropdownMenuItem(divider=True),
        dbc.DropdownMenuItem("Report of this view", header=True),
        dbc.DropdownMenuItem(
            "PDF, Letter paper",
            id=ids.REPORT_PDF_LETTER,
            href="#",
            external_link=True,
        ),
        dbc.DropdownMenuItem(
            "E-mail brief (Markdown)",
            id=ids.REPORT_MARKDOWN,
            href="#",
            external_link=True,
            target="_blank",
        ),
        dbc.DropdownMenuItem(
            "E-mail brief (HTML)",
            id=ids.REPORT_HTML,
            href="#",
            external_link=True,
            target="_blank",
        ),
    ]


def report_button() -> dbc.Button:
    """ "Download report (PDF)": A4, with the dashboard's current filters."""
    return dbc.Button(
        "Download report (PDF)",
        id=ids.REPORT_PDF,
        href="#",
        color="outline-secondary",
        size="sm",
        external_link=True,
        title="A one- or two-page PDF of this view: figures, charts, top and "
        "bottom SKUs, forecast, insights and data quality",
    )
