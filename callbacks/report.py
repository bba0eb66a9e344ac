"""Report links: the PDF and the e-mail brief follow the dashboard's filters."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import Dash, Input, Output

from callbacks.dashboard import _min_sales, filter_params
from components import ids
from services.views import Filters


def report_links(
    session_id: str | None,
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    granularity: str | None,
    hide_few: bool | None,
    min_sales: object,
    dimensions: dict[str, list[str]] | None = None,
) -> tuple[str, str, str, str]:
    """PDF (A4), PDF (Letter), Markdown and HTML report URLs with the same query
    parameters ``GET /api/data`` takes."""
    if not session_id:
        return "#", "#", "#", "#"
    filters = Filters.from_inputs(start, end, categories, sku_query, dimensions)
    query = filter_params(filters) + [
        (key, str(value))
        for key, value in (
            ("granularity", granularity or None),
            ("min_sales", _min_sales(hide_few, min_sales)),
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
        Input(ids.FILTER_DATES, "start_date"),
        Input(ids.FILTER_DATES, "end_date"),
        Input(ids.FILTER_CATEGORY, "value"),
        Input(ids.FILTER_SKU, "value"),
        Input(ids.GRANULARITY, "value"),
        Input(ids.SKU_HIDE_FEW, "value"),
        Input(ids.SKU_MIN_SALES, "value"),
        Input(ids.FILTER_DIMENSIONS, "data"),
    )(report_links)
