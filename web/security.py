"""Security wiring on the Flask server: request ids, CSRF, rate limits, size limits, headers."""

from __future__ import annotations

import io
import logging
import math
import re
import time
import uuid

from flask import Flask, Request, Response, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Settings
from web.errors import json_error
from web.extensions import extensions
from web.ownership import init_ownership
from web.ratelimit_storage import rate_limit_storage_uri

logger = logging.getLogger(__name__)

CSRF_COOKIE = "_csrf_token"
CALLBACK_PATH_SUFFIX = "_dash-update-component"
#: Multipart framing around an uploaded file; the file itself is held to MAX_CONTENT_LENGTH.
MULTIPART_OVERHEAD = 64 * 1024
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

#: Responses holding a session's data: never kept by browsers or proxies.
NO_STORE_PREFIXES = ("/api/", "/upload", "/dashboard/")
HSTS = "max-age=31536000; includeSubDomains"


def request_id(incoming: str) -> str:
    """The request's id: the client's ``X-Request-ID`` when it is a safe token, else new."""
    return incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex[:16]


def content_security_policy(script_hashes: list[str]) -> str:
    """The page's CSP: scripts only from this origin plus Dash's one inline bootstrap
    script, by hash (no 'unsafe-inline', no 'unsafe-eval'). Styles keep 'unsafe-inline':
    React and Plotly set ``style`` attributes on every element they draw."""
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *script_hashes]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def wants_json() -> bool:
    """API-style paths answer errors in JSON; pages keep Dash's own handling."""
    path = request.path
    return (
        path.startswith("/api/")
        or path in ("/upload", "/health")
        or path.startswith("/upload/")
        or path.endswith(CALLBACK_PATH_SUFFIX)
    )


class InMemoryRequest(Request):
    """Uploaded files stay in memory: Werkzeug would spool files over 500 KB to a
    temporary file on disk, and uploaded data must never touch the disk."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> io.BytesIO:
        return io.BytesIO()


def init_security(
    server: Flask, settings: Settings, script_hashes: list[str] | None = None
) -> Limiter:
    """Attach request ids, CSRF protection, ownership cookies, rate limiting and headers
    to ``server``. ``script_hashes`` are the CSP hashes of the page's inline scripts
    (``Dash.csp_hashes()``).

    Returns the limiter so routes can declare their limits.
    """
    csp = content_security_policy(list(script_hashes or []))
    server.request_class = InMemoryRequest
    if settings.TRUSTED_PROXIES > 0:
        n = settings.TRUSTED_PROXIES
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)

    server.config.update(
        SECRET_KEY=settings.SECRET_KEY,
        MAX_CONTENT_LENGTH=settings.MAX_CONTENT_LENGTH + MULTIPART_OVERHEAD,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
    )

    @server.before_request
    def assign_request_id() -> None:
        g.request_id = request_id(request.headers.get("X-Request-ID", ""))
        g.request_started = time.perf_counter()
        if _is_upload(request.path):
            # several files in one request: bounded by the total cap (each file by
            # MAX_CONTENT_LENGTH in the route); set before CSRFProtect reads the form
            request.max_content_length = (
                settings.MAX_UPLOAD_TOTAL_BYTES + MULTIPART_OVERHEAD
            )

    CSRFProtect(server)

    init_ownership(server, secure=settings.production)
    limiter = Limiter(
        key_func=get_remote_address,
        app=server,
        storage_uri=rate_limit_storage_uri(settings),
        # Redis down or slow: count in this process's memory meanwhile (bounded waits),
        # never fail or hang the request
        storage_options={
            "socket_timeout": settings.STORE_TIMEOUT,
            "socket_connect_timeout": min(settings.STORE_TIMEOUT, 1.0),
        }
        if settings.REDIS_URL
        else {},
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        default_limits=[],
        headers_enabled=True,
        strategy="fixed-window",
        key_prefix="smbrc",
    )
    _limit_dash_callbacks(server, limiter, settings)

    @server.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = getattr(g, "request_id", "-")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", csp)
        if settings.production:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.path.startswith(NO_STORE_PREFIXES) or request.path.endswith(
            CALLBACK_PATH_SUFFIX
        ):
            response.headers["Cache-Control"] = "no-store"
        if response.mimetype == "text/html" and request.method == "GET":
            response.set_cookie(
                CSRF_COOKIE,
                generate_csrf(),
                samesite="Strict",
                secure=settings.production,
                httponly=False,
            )
        if not request.path.startswith(
            "/_dash-component-suites"
        ) and not request.path.startswith("/assets/"):
            elapsed = time.perf_counter() - getattr(
                g, "request_started", time.perf_counter()
            )
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                elapsed * 1000,
            )
        return response

    @server.after_request
    def page_status(response: Response) -> Response:
        """Pages that do not exist answer 404 (Dash serves its page on every path, and
        shows "not found" or "session expired" in it)."""
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.mimetype == "text/html"
            and not known_page(request.path, extensions(server).store)
        ):
            response.status_code = 404
        return response

    @server.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return json_error(
            f"Security check failed: {error.description} Reload the page and try again; "
            "API clients must send the token from GET / as the X-CSRFToken header.",
            400,
        )

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge):
        if _is_upload(request.path):
            return json_error(total_too_large_message(settings), 413)
        return json_error(too_large_message(settings.MAX_CONTENT_LENGTH), 413)

    @server.errorhandler(429)
    def rate_limited(error: HTTPException):
        limit = getattr(error, "limit", None)
        reset = getattr(limit, "reset_at", None) if limit is not None else None
        retry_after = (
            max(1, math.ceil(reset - time.time()))
            if reset
            else settings.RATE_LIMIT_WINDOW
        )
        response, status = json_error(
            f"Too many requests: the limit is {error.description}. "
            f"Wait {retry_after} seconds and try again.",
            429,
        )
        response.headers["Retry-After"] = str(retry_after)
        return response, status

    @server.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if not wants_json():
            return error
        return json_error(error.description or error.name, error.code or 500)

    @server.errorhandler(Exception)
    def unexpected(error: Exception):
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(
            "Something went wrong on our side while handling this request. "
            f"Try again; if it keeps happening, report request id {g.get('request_id', '-')}.",
            500,
        )

    return limiter


_DASHBOARD_PATH = re.compile(r"^/dashboard/([^/]+)/?$")


#: Routes of their own (not Dash's catch-all page) that set their status themselves:
#: HTML reports under /api/ and the read-only share view.
_OWN_STATUS_PREFIXES = ("/api/", "/view/")


def known_page(path: str, store) -> bool:
    """True for the upload page, the dashboard of a live session, and routes that set
    their own status (``_OWN_STATUS_PREFIXES``)."""
    if path in ("/", "") or path.startswith(_OWN_STATUS_PREFIXES):
        return True
    match = _DASHBOARD_PATH.match(path)
    if not match:
        return False
    return store is None or store.get_meta(match.group(1)) is not None


def _is_upload(path: str) -> bool:
    return path == "/upload" or path.startswith("/upload/")


def total_too_large_message(settings: Settings) -> str:
    """The refusal of an upload whose files together exceed ``MAX_UPLOAD_TOTAL_BYTES``."""
    return (
        f"The files together are larger than the "
        f"{_size(settings.MAX_UPLOAD_TOTAL_BYTES)} limit of one upload "
        f"(each file may be up to {_size(settings.MAX_CONTENT_LENGTH)}). "
        "Upload fewer files at once, then add the others with 'Add files' on the "
        "dashboard."
    )


def _size(n: int) -> str:
    """``67108864`` → ``64 MB``; below 1 MB in KB with one decimal."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.0f} MB"
    return f"{n / 1024:.1f} KB"


def too_large_message(limit_bytes: int) -> str:
    return (
        f"The file is larger than the {limit_bytes / 1024 / 1024:.0f} MB limit. "
        "Split it into smaller files (for example one per year) or remove unused columns, "
        "then upload again."
    )


def _limit_dash_callbacks(server: Flask, limiter: Limiter, settings: Settings) -> None:
    """Give Dash's callback route its own generous limit.

    The view is found by its URL (not by Dash's private view name) and the limited
    wrapper is put back into ``view_functions``; decorating alone would not apply.
    """
    endpoints = [
        rule.endpoint
        for rule in server.url_map.iter_rules()
        if rule.rule.endswith(CALLBACK_PATH_SUFFIX)
    ]
    if not endpoints:
        raise RuntimeError(
            "Dash callback route not found; create the Dash app before security"
        )
    for endpoint in endpoints:
        view = server.view_functions[endpoint]
        server.view_functions[endpoint] = limiter.limit(
            settings.callback_rate_limit_string, scope="dash-callbacks"
        )(view)
