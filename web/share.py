"""Share links: ``POST /api/share/<id>`` (create), ``GET /api/share/<id>`` (list),
``POST /api/share/<id>/<link id>/revoke``, and the read-only ``GET /view/<token>`` page with
its PDF (and, when the link allows, its cleaned rows as CSV).

A view shows the session's figures under the link's filters; the viewer may change the
filters in the page's form (they live in the URL, nothing is saved). Uploads, mapping
changes and the chat are never part of a view, and nothing sent with a share token writes.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from flask_limiter import Limiter

from analytics.exports import to_csv_bytes
from analytics.metrics import FilterError
from analytics.schema import CANONICAL_COLUMNS, SOURCE_ROW
from services.report import report_content
from services.report_text import render_html
from services.share import (
    TOKEN_LENGTH,
    ShareError,
    create_share,
    is_share_token,
    list_shares,
    resolve_share,
    revoke_share,
)
from services.views import Filters, build_view, cached_dataset
from web.api_params import session_not_found
from web.errors import json_error
from web.extensions import extensions
from web.ownership import is_owner

logger = logging.getLogger(__name__)

READ_ONLY = "Share links are read-only: nothing can be changed through them."
NOT_OWNER = (
    "Only the uploader of this dashboard can make, list or revoke its share links "
    "(the browser that uploaded it, or the owner_token as the X-Owner-Token header)."
)
GONE = {
    "revoked": (410, "This link was revoked", "Its owner turned this link off."),
    "expired": (410, "This link has expired", "Share links last a limited time."),
    "session_expired": (
        410,
        "This dashboard has expired",
        "The data behind this link is no longer kept.",
    ),
    "unknown": (404, "Link not found", "Check that the whole link was copied."),
}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _page(title: str, body: str, status: int) -> Response:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body>"
        f"<main><h1>{escape(title)}</h1><p>{escape(body)}</p>"
        "<p>Ask the person who shared it for a new link.</p></main></body></html>"
    )
    return _no_store(Response(html, status=status, mimetype="text/html"))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    # the token is in the URL: never send it on to another site
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _viewer_filters(default: Filters) -> Filters:
    """The form's filters when the viewer sent any, else the link's; the link's column
    filters (``Region: West``…) always hold, as the viewer's form has no field for them."""
    args = request.args
    if not any(key in args for key in ("start", "end", "category", "sku")):
        return default
    return Filters.from_inputs(
        args.get("start"),
        args.get("end"),
        args.get("category"),
        args.get("sku"),
        {column: list(values) for column, values in default.dimensions},
    )


def _query(filters: Filters) -> str:
    params = {
        k: v
        for k, v in {
            "start": filters.start,
            "end": filters.end,
            "category": ",".join(filters.categories) or None,
            "sku": filters.sku_query,
        }.items()
        if v
    }
    return f"?{urlencode(params)}" if params else ""


def _form(token: str, filters: Filters, allow_exports: bool, expires_at: float) -> str:
    def field(name: str, label: str, value: str | None, kind: str = "text") -> str:
        return (
            f'<label for="f-{name}">{label}</label> '
            f'<input id="f-{name}" name="{name}" type="{kind}" '
            f'value="{escape(value or "")}"> '
        )

    query = _query(filters)
    links = [f'<a href="/view/{token}/report.pdf{query}">Download report (PDF)</a>']
    if allow_exports:
        links.append(f'<a href="/view/{token}/data.csv{query}">Cleaned data (CSV)</a>')
    return (
        f'<p class="muted">Read-only view shared with you; the link works until '
        f"{_iso(expires_at)}. Changing the filters here changes only what you see.</p>"
        f'<form method="get" action="/view/{token}" aria-label="Filters">'
        + field("start", "From", filters.start, "date")
        + field("end", "To", filters.end, "date")
        + field(
            "category", "Categories (comma-separated)", ",".join(filters.categories)
        )
        + field("sku", "SKU contains", filters.sku_query)
        + (
            "<p>Limited to "
            + escape("; ".join(f"{c}: {', '.join(v)}" for c, v in filters.dimensions))
            + " (set by the link).</p>"
            if filters.dimensions
            else ""
        )
        + '<button type="submit">Apply filters</button> '
        f'<a href="/view/{token}">Back to the shared filters</a></form>'
        f"<p>{' · '.join(links)}</p>"
    )


def create_share_blueprint(limiter: Limiter, settings) -> Blueprint:
    """Register before the ``/api`` blueprint (its catch-all answers unknown paths)."""
    bp = Blueprint("share", __name__)
    limiter.limit(settings.rate_limit_string, scope="share")(bp)

    def store():
        return extensions().store

    @bp.before_app_request
    def share_tokens_never_write():
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if request.path.startswith("/view/"):
            return json_error(READ_ONLY, 403)
        candidates = [p for p in request.path.split("/") if len(p) == TOKEN_LENGTH] + [
            request.headers.get("X-Share-Token", "")
        ]
        if any(c and is_share_token(store(), c) for c in candidates):
            logger.info("write refused with a share token path=%s", request.path)
            return json_error(READ_ONLY, 403)
        return None

    def not_owner(session_id: str):
        """None when this request owns the session, else the error answer."""
        meta = store().get_meta(session_id)
        if meta is None:
            return session_not_found()
        if not is_owner(meta):
            logger.info("share refused: not the owner session=%s…", session_id[:6])
            return json_error(NOT_OWNER, 403)
        return None

    @bp.post("/api/share/<session_id>")
    def create(session_id: str):
        refused = not_owner(session_id)
        if refused is not None:
            return refused
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict):
            return json_error("Send a JSON object (it may be empty).", 400)
        try:
            filters = Filters.from_inputs(
                body.get("start"),
                body.get("end"),
                body.get("category"),
                body.get("sku"),
            )
            hours = body.get("hours")
            hours = None if hours in (None, "") else float(hours)
            token, share = create_share(
                store(),
                session_id,
                filters,
                hours=hours,
                allow_exports=bool(body.get("allow_exports")),
            )
        except KeyError:
            return session_not_found()
        except (TypeError, ValueError) as error:  # ShareError is a ValueError
            message = (
                str(error)
                if isinstance(error, ShareError)
                else "hours must be a number of hours, e.g. 48."
            )
            return json_error(message, 400)
        return {"url": f"/view/{token}", **share.as_dict()}, 201

    @bp.get("/api/share/<session_id>")
    def index(session_id: str):
        refused = not_owner(session_id)
        if refused is not None:
            return refused
        return {"links": [s.as_dict() for s in list_shares(store(), session_id)]}

    @bp.post("/api/share/<session_id>/<share_id>/revoke")
    def revoke(session_id: str, share_id: str):
        refused = not_owner(session_id)
        if refused is not None:
            return refused
        share = revoke_share(store(), session_id, share_id)
        if share is None:
            return json_error("This dashboard has no share link with that id.", 404)
        return share.as_dict()

    def live(token: str):
        share, status = resolve_share(store(), token)
        if status != "ok":
            code, title, body = GONE[status]
            return None, _page(title, body, code)
        dataset = cached_dataset(store(), share.sid)
        if dataset is None:
            code, title, body = GONE["session_expired"]
            return None, _page(title, body, code)
        try:
            view = build_view(dataset, _viewer_filters(share.filters))
        except FilterError as error:
            return None, _page("These filters cannot be used", str(error), 400)
        return (share, view), None

    @bp.get("/view/<token>")
    def view_page(token: str):
        found, error = live(token)
        if error is not None:
            return error
        share, view = found
        started = time.perf_counter()
        content = report_content(store(), settings, view)
        content["title"] = f"Shared view: {view.dataset.meta.filename}"
        page = render_html(content).replace(
            "</h1>",
            "</h1>" + _form(token, view.filters, share.allow_exports, share.expires_at),
            1,
        )
        logger.info(
            "share link viewed id=%s in %.0fms",
            share.id,
            (time.perf_counter() - started) * 1000,
        )
        return _no_store(Response(page, mimetype="text/html"))

    @bp.get("/view/<token>/report.pdf")
    def view_pdf(token: str):
        found, error = live(token)
        if error is not None:
            return error
        share, view = found
        # fpdf2 (~40 MB) is loaded by the first report asked for, not in every worker
        from services.report_pdf import PAPERS, render_pdf

        paper = (request.args.get("paper") or "a4").lower()
        if paper not in PAPERS:
            return json_error("Use paper=a4 or paper=letter.", 400)
        content = report_content(store(), settings, view)
        response = Response(render_pdf(content, paper), mimetype="application/pdf")
        response.headers["Content-Disposition"] = 'attachment; filename="report.pdf"'
        return _no_store(response)

    @bp.get("/view/<token>/data.csv")
    def view_csv(token: str):
        found, error = live(token)
        if error is not None:
            return error
        share, view = found
        if not share.allow_exports:
            return json_error("This link does not include the data rows.", 403)
        full = view.dataset.frame
        keep = [
            c for c in CANONICAL_COLUMNS if c != SOURCE_ROW and full[c].notna().any()
        ]
        response = Response(to_csv_bytes(view.rows[keep]), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="data.csv"'
        return _no_store(response)

    return bp
