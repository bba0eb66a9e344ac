"""``GET /health`` answered in front of Flask while its figures are fresh.

A monitor or load balancer may poll ``/health`` hundreds of times a second. Its figures
are already taken at most ``HEALTH_CHECK_SECONDS`` apart in each process (see
``web.routes``); this WSGI middleware also keeps the whole answer those figures produced
(status, headers, body) and serves it again, with the request's own ``X-Request-ID``,
until the figures are due again. So an answer is never older than before, and a cached
answer skips Flask's hooks (CSRF, rate limit, compression, sessions) and the app's log line.

Answers that set a cookie or are compressed are never kept, and only ``GET /health`` is
served here; everything else goes to the app unchanged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from web.security import request_id

#: ``environ`` key the /health view sets: until when (``time.monotonic()``) the figures
#: in its answer are fresh.
FRESH_UNTIL = "smbrc.health_fresh_until"
HEALTH_PATH = "/health"


class HealthFastPath:
    """WSGI middleware serving a fresh copy of the last ``GET /health`` answer."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self._lock = threading.Lock()
        #: (fresh until, status line, headers without X-Request-ID, body)
        self._kept: tuple[float, str, list[tuple[str, str]], bytes] | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != HEALTH_PATH or environ.get(
            "REQUEST_METHOD"
        ) not in ("GET",):
            return self.app(environ, start_response)
        kept = self._kept
        if kept is not None and time.monotonic() < kept[0]:
            _, status, headers, body = kept
            rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
            start_response(status, [*headers, ("X-Request-ID", rid)])
            return [body]
        return self._answer_and_keep(environ, start_response)

    def _answer_and_keep(
        self, environ: dict, start_response: Callable
    ) -> Iterable[bytes]:
        seen: dict = {}

        def capture(status: str, headers: list, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        fresh_until = environ.get(FRESH_UNTIL)
        headers = seen.get("headers") or []
        names = {name.lower() for name, _ in headers}
        if (
            fresh_until is not None
            and "status" in seen
            and not names & {"set-cookie", "content-encoding"}
        ):
            kept_headers = [h for h in headers if h[0].lower() != "x-request-id"]
            with self._lock:
                self._kept = (float(fresh_until), seen["status"], kept_headers, body)
        return [body]
