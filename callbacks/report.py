"""Report links: the PDF and the e-mail brief follow the dashboard's filters."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import Dash, Input, Output

from callbacks.filters import FILTERS_INPUT, filter_params, filters_of, min_sales_of
from components import ids


def report_links(
    session_id: str | None,
    filters: dict | None,
    granularity: str | None,
    hide_few: bool | None,
    min_sales: object,
) -> tuple[str, str, str, str]:
    """PDF (A4), PDF (Letter), Markdown and HTML report URLs with the same query
    parameters ``GET /api/data`` takes."""
    if not session_id:
        return "#", "#", "#", "#"
    query = filter_params(filters_of(filters)) + [
        (key, str(value))
        for key, value in (
            ("granularity", granularity or None),
            ("min_sales", min_sales_of(hide_few, min_sales)),
        )
        if value
    ]
    base = f"/api/report/{session_id}"

    def url(fmt: str, **extra: str) -> str:
        params = [*query, *extra.items()]
        return f"{base}.{fmt}" + (f"?{urlencode(params)}" if params else "")

    return url("pdf"), url("pdf", paper="letter"), url("md"), url("html")


def register(app: Dash) -> None:
    app.callback(
        Output(ids.REPORT_PDF, "href"),
        Output(ids.REPORT_PDF_LETTER, "href"),
        Output(ids.REPORT_MARKDOWN, "href"),
        Output(ids.REPORT_HTML, "href"),
        Input(ids.SESSION_ID, "data"),
        FILTERS_INPUT,
        Input(ids.GRANULARITY, "value"),
        Input(ids.SKU_HIDE_FEW, "value"),
        Input(ids.SKU_MIN_SALES, "value"),
    )(report_links)
