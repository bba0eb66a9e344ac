"""Compressed responses and long cache lifetimes for versioned static files.

Every text response (pages, scripts, styles, JSON, callback answers) is compressed with
zstd, brotli or gzip, whichever the browser prefers (Flask-Compress). Scripts and styles
whose URL carries a version (Dash's fingerprinted component bundles, ``/assets/...?m=``)
never change under that URL: they are compressed once per process and the browser may keep
them for a year without asking again. Package files under an unversioned URL (plotly.js,
which dcc asks for by name) are compressed once per process too, but not kept for a year
by the browser (the next release of the package keeps the URL).
"""

from __future__ import annotations

import threading

from dash.fingerprint import check_fingerprint
from flask import Flask, Request, Response, g, request
from flask_compress import Compress

COMPONENT_SUITES = "/_dash-component-suites/"
ASSETS = "/assets/"
ONE_YEAR = 31_536_000
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
#: Cache keys of responses that must be compressed afresh each time.
_NOT_CACHED = ""
#: Compressed versioned files kept per process (each is one script or stylesheet).
MAX_CACHED_FILES = 128
#: Compressed answers kept per process (views mark them with ``g.compress_cache_key``).
MAX_CACHED_ANSWERS = 32
ANSWER_PREFIX = "answer:"


def is_versioned(req: Request) -> bool:
    """Whether the URL names one version of a file, so its bytes never change."""
    path = req.path
    if path.startswith(COMPONENT_SUITES):
        # Dash's fingerprint: name.v1_2_3m1700000000.js
        return check_fingerprint(path)[1]
    return path.startswith(ASSETS) and bool(req.args.get("m"))


def is_package_file(req: Request) -> bool:
    """Whether the URL names a file of an installed package (Dash's component suites),
    whose bytes do not change while the process runs, with or without a version in the
    URL: dcc loads plotly.min.js (4.8 MB) from an unversioned one."""
    return req.path.startswith(COMPONENT_SUITES)


def cache_key(req: Request) -> str:
    """A versioned or package file's URL, or the key a view put in
    ``g.compress_cache_key`` (the ETag of an answer whose bytes never differ under it);
    else not cached."""
    answer = g.get("compress_cache_key")
    if answer:
        return ANSWER_PREFIX + answer
    if req.method != "GET" or not (is_versioned(req) or is_package_file(req)):
        return _NOT_CACHED
    return req.full_path


class VersionedFileCache:
    """Compressed bodies of versioned files; every other response is left uncached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, bytes] = {}
        self._answers: dict[str, bytes] = {}

    def _part(self, key: str) -> tuple[dict[str, bytes], int]:
        algorithm, _, name = key.partition(";")
        if name.startswith(ANSWER_PREFIX):
            return self._answers, MAX_CACHED_ANSWERS
        return self._files, MAX_CACHED_FILES

    def get(self, key: str) -> bytes | None:
        if key.endswith(";" + _NOT_CACHED):
            return None
        data, _ = self._part(key)
        with self._lock:
            return data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";" + _NOT_CACHED):
            return
        data, limit = self._part(key)
        with self._lock:
            if key not in data and len(data) >= limit:
                data.pop(next(iter(data)))
            data[key] = value


def init_compression(server: Flask) -> None:
    """Compress responses on ``server`` and let browsers keep versioned files."""
    # brotli first: on Dash's and Plotly's scripts it is the smallest of the three
    server.config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip"])
    # /assets files are streamed from disk; gzip too, or gzip-only clients get them raw
    server.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "zstd", "gzip"])
    # quality 5 is as fast as the default 4 and 9 % smaller on plotly.min.js (1.29 MB)
    server.config.setdefault("COMPRESS_BR_LEVEL", 5)
    server.config.setdefault("COMPRESS_CACHE_KEY", cache_key)
    server.config.setdefault("COMPRESS_CACHE_BACKEND", VersionedFileCache)
    Compress(server)

    @server.after_request
    def cache_versioned(response: Response) -> Response:
        # registered after Compress, so Flask runs it first (after_request runs in reverse)
        if response.status_code == 200 and is_versioned(request):
            response.headers["Cache-Control"] = IMMUTABLE
        return response
