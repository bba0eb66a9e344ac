"""The upload page: drop zone, file picker, Google Sheets link, progress and messages.

The file picker and drag-and-drop are driven by ``assets/upload.js``: the files (one or
several, which become one dashboard) are sent as a plain multipart ``POST /upload`` (not
through a Dash callback), so large files travel
efficiently, progress is shown, and errors come back as readable messages.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from analytics.demo import CATEGORY_COUNT
from components import ids

ACCEPT = ".csv,.tsv,.txt,.dat,.xlsx,.xls"


def upload_page(
    max_bytes: int, max_total_bytes: int | None = None, max_files: int = 24
) -> html.Div:
    max_mb = max_bytes / 1024 / 1024
    max_total = max_total_bytes or max_bytes
    return html.Div(
        [
            html.Div(
                [
                    html.H1("See how your business is doing", className="h2 fw-bold"),
                    html.P(
                        "Drop in the sales export you already have. In seconds you get revenue, "
                        "costs, profit and margins, your best and weakest products, and where "
                        "revenue is heading.",
                        className="lead text-muted mb-0",
                    ),
                ],
                className="mb-4",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(
                            [
                                html.Div(
                                    "⬆",
                                    className="dropzone-icon",
                                    **{"aria-hidden": "true"},
                                ),
                                html.Div(
                                    [
                                        html.Strong("Drop files here"),
                                        " or ",
                                        html.Span("browse", className="link-primary"),
                                    ],
                                    className="fs-5",
                                ),
                                html.Div(
                                    f"CSV, Excel (XLSX, XLS) · up to {max_mb:.0f} MB "
                                    f"each, {max_total / 1024 / 1024:.0f} MB together",
                                    className="text-muted small mt-1",
                                ),
                                html.Div(
                                    "Several exports (one per month, store or channel) "
                                    "become one dashboard.",
                                    className="text-muted small",
                                ),
                            ],
                            id=ids.UPLOAD_DROPZONE,
                            role="button",
                            tabIndex="0",
                            className="dropzone w-100",
                            **{
                                "data-max-bytes": str(max_bytes),
                                "data-max-total-bytes": str(max_total),
                                "data-max-files": str(max_files),
                                "data-accept": ACCEPT,
                            },
                        ),
                        html.Div(
                            dbc.Progress(
                                id=ids.UPLOAD_PROGRESS,
                                value=0,
                                striped=True,
                                animated=True,
                                style={"height": "1.25rem"},
                            ),
                            className="upload-progress-wrap mt-3 d-none",
                        ),
                        html.Div(id=ids.UPLOAD_STATUS, className="mt-3", role="status"),
                        html.Hr(className="my-4"),
                        html.Label(
                            "Or paste a Google Sheets link",
                            htmlFor=ids.SHEET_URL_INPUT,
                            className="form-label fw-semibold",
                        ),
                        dbc.InputGroup(
                            [
                                dbc.Input(
                                    id=ids.SHEET_URL_INPUT,
                                    type="url",
                                    placeholder="https://docs.google.com/spreadsheets/d/…",
                                ),
                                dbc.Button(
                                    "Load sheet",
                                    id=ids.SHEET_URL_BUTTON,
                                    color="primary",
                                ),
                            ]
                        ),
                        html.Div(
                            "The sheet must be shared as “Anyone with the link can view”.",
                            className="form-text",
                        ),
                        html.Hr(className="my-4"),
                        html.Div(
                            [
                                dbc.Button(
                                    "Try it with sample data",
                                    id=ids.DEMO_BUTTON,
                                    color="outline-primary",
                                ),
                                html.Span(
                                    "No file at hand? Open a made-up coffee shop: a year "
                                    f"of daily orders in {CATEGORY_COUNT} categories.",
                                    className="small text-muted",
                                ),
                            ],
                            className="d-flex flex-wrap align-items-center gap-3",
                        ),
                    ]
                ),
                className="shadow-sm mb-4",
            ),
            dbc.Row(
                [
                    _feature(
                        "Reads real exports",
                        "Any encoding, delimiter, currency and date "
                        "style; title rows and totals are handled and reported.",
                    ),
                    _feature(
                        "Numbers you can trust",
                        "Every figure is computed from your rows; "
                        "a quality report shows what was read and what was set aside.",
                    ),
                    _feature(
                        "Private by design",
                        "Runs on your own machine or server; nothing "
                        "is sent anywhere else.",
                    ),
                ],
                className="g-3",
            ),
        ]
    )


def _feature(title: str, text: str) -> dbc.Col:
    return dbc.Col(
        html.Div(
            [
                html.H2(title, className="h6 fw-semibold"),
                html.P(text, className="small text-muted mb-0"),
            ]
        ),
        md=4,
    )
