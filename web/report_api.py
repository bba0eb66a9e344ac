"""The report routes: ``GET /api/report/<id>.pdf`` and ``GET /api/report/<id>.md|.html``."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, request
from flask_limiter import Limiter

from analytics.metrics import FilterError
from services.report import report_content
from services.report_text import render_html, render_markdown
from services.views import build_view, cached_dataset
from web.api_params import filters_from_query, min_sales_from_query, session_not_found
from web.errors import json_error
from web.extensions import extensions

logger = logging.getLogger(__name__)

FORMATS = {
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def _file_stem(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0][:60]
    safe = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in stem).strip()
    return safe or "data"


def create_report_blueprint(limiter: Limiter, settings) -> Blueprint:
    """Build the report blueprint, rate-limited per client IP like the rest of /api.

    Register it before the ``/api`` blueprint, whose catch-all answers unknown paths.
    """
    bp = Blueprint("report_api", __name__, url_prefix="/api")
    limiter.limit(settings.rate_limit_string, scope="report")(bp)

    @bp.get("/report/<session_id>.<fmt>")
    def report(session_id: str, fmt: str):
        if fmt not in FORMATS:
            return json_error("Unknown report format. Use .pdf, .md or .html.", 404)
        # fpdf2 (~40 MB) is loaded by the first report asked for, not in every worker
        from services.report_pdf import PAPERS, render_pdf

        paper = (request.args.get("paper") or "a4").lower()
        if paper not in PAPERS:
            return json_error(
                f"Unknown paper size {paper!r}; use paper=a4 or paper=letter.", 400
            )
        store = extensions().store
        dataset = cached_dataset(store, session_id)
        if dataset is None:
            return session_not_found()
        started = time.perf_counter()
        try:
            view = build_view(dataset, filters_from_query())
            content = report_content(
                store,
                settings,
                view,
                granularity=request.args.get("granularity") or None,
                min_sales=min_sales_from_query(),
            )
        except (FilterError, ValueError) as error:
            return json_error(str(error), 400)
        if fmt == "pdf":
            body: bytes | str = render_pdf(content, paper)
        elif fmt == "md":
            body = render_markdown(content)
        else:
            body = render_html(content)
        logger.info(
            "report %s built in %.0fms", fmt, (time.perf_counter() - started) * 1000
        )
        name = f"{_file_stem(dataset.meta.filename)}-report.{fmt}"
        disposition = "attachment" if fmt == "pdf" else "inline"
        return Response(
            body,
            mimetype=FORMATS[fmt].split(";")[0],
            content_type=FORMATS[fmt],
            headers={
                "Content-Disposition": f'{disposition}; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

    return bp
