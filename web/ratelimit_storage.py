"""Rate-limit counters shared by every worker on one host, without Redis.

flask-limiter's ``memory://`` storage counts per process: with two gunicorn workers a
limit of 10 lets 20 requests through. This storage keeps the counters in a diskcache
(SQLite) folder under ``CACHE_DIR``; each increment is one SQLite transaction, so it is
atomic across threads and processes and the limit is exact.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.parse

from limits.storage import Storage

logger = logging.getLogger(__name__)

SCHEME = "smbrcdisk"


class DiskcacheLimitStorage(Storage):
    """``smbrcdisk:///absolute/folder``: fixed-window counters in a diskcache folder."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        path = urllib.parse.urlparse(uri or "").path
        if not path:
            raise ValueError(f"{SCHEME}:// needs a folder, e.g. {SCHEME}:///tmp/limits")
        self.directory = path
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        import sqlite3

        return (sqlite3.Error, OSError)

    @property
    def cache(self):
        """One diskcache handle per process and thread (never shared across fork)."""
        import diskcache

        if getattr(self._local, "pid", None) != os.getpid():
            self._local.cache = diskcache.Cache(self.directory, eviction_policy="none")
            self._local.pid = os.getpid()
        return self._local.cache

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        cache = self.cache
        with cache.transact():
            value, expire_time = cache.get(key, default=None, expire_time=True)
            if value is None:
                cache.set(key, amount, expire=expiry)
                return amount
            value = int(value) + amount
            remaining = (expire_time - time.time()) if expire_time else expiry
            cache.set(key, value, expire=max(remaining, 0.001))
            return value

    def get(self, key: str) -> int:
        return int(self.cache.get(key, default=0))

    def get_expiry(self, key: str) -> float:
        _, expire_time = self.cache.get(key, default=None, expire_time=True)
        return float(expire_time) if expire_time else time.time()

    def check(self) -> bool:
        try:
            self.cache.get("ping")
        except self.base_exceptions:
            return False
        return True

    def reset(self) -> int | None:
        return self.cache.clear()

    def clear(self, key: str) -> None:
        self.cache.delete(key)


def rate_limit_storage_uri(settings) -> str:
    """Redis when ``REDIS_URL`` is set; else counters shared through ``CACHE_DIR``
    (exact across the workers of one host); ``RATE_LIMIT_STORAGE=memory`` keeps them in
    each process (only right with a single process)."""
    if settings.REDIS_URL:
        return settings.REDIS_URL
    if settings.RATE_LIMIT_STORAGE == "memory":
        return "memory://"
    folder = os.path.join(settings.CACHE_DIR, "ratelimits")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:  # an unusable cache directory: /health says so
        logger.error("rate-limit counters kept per process: %s", error)
        return "memory://"
    return f"{SCHEME}://{folder}"
