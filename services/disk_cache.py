"""The diskcache under the session store: opened once per process, SQLite busy errors
retried a few times, failures turned into :class:`StoreUnavailable` with a reason a
person can act on (not writable, disk full, busy), and large values written in one call.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import threading
import time
from typing import Any

#: SQLite busy timeout of one attempt, and how many attempts, on a diskcache operation.
SQLITE_TIMEOUT = 2.0
SQLITE_ATTEMPTS = 4
#: Below this much free space in the cache directory, /health reports degraded.
MIN_FREE_BYTES = 64 * 2**20


class StoreUnavailable(RuntimeError):
    """The session store cannot be used right now; ``str()`` says why, for a person."""


def sqlite_reason(directory: str, error: BaseException) -> str:
    text = str(error).lower()
    code = getattr(error, "errno", None)
    if code == errno.ENOSPC:
        text = "disk full"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.ENOENT):
        text = "readonly"
    if (
        "readonly" in text
        or "read-only" in text
        or "permission" in text
        or "unable to open" in text
    ):
        return (
            f"The cache directory {directory} is not writable: give the app's user "
            "write access to it or set CACHE_DIR to a writable directory."
        )
    if "full" in text or "no space" in text:
        return (
            f"The disk holding the cache directory {directory} is full: free some "
            "space or move CACHE_DIR."
        )
    if "locked" in text or "busy" in text:
        return "The session store is busy right now; try again in a moment."
    return f"The session store in {directory} cannot be used ({error})."


def retrying(method):
    """Retry a diskcache call on a busy database a few times, then raise StoreUnavailable."""

    def call(self, *args, **kwargs):
        delay = 0.05
        for attempt in range(SQLITE_ATTEMPTS):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.OperationalError as error:
                text = str(error).lower()
                busy = "locked" in text or "busy" in text
                if not busy or attempt == SQLITE_ATTEMPTS - 1:
                    raise StoreUnavailable(
                        sqlite_reason(self.directory, error)
                    ) from error
                time.sleep(delay)
                delay *= 2
            except (sqlite3.DatabaseError, OSError) as error:
                raise StoreUnavailable(sqlite_reason(self.directory, error)) from error
        raise AssertionError("unreachable")

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


_caches: dict[tuple[int, str], Any] = {}
_caches_lock = threading.Lock()


def open_cache(directory: str):
    """This process's diskcache ``Cache`` on ``directory`` (opened once per process).

    Operations time out after ``SQLITE_TIMEOUT`` seconds and are retried a few times
    before :class:`StoreUnavailable`; memory-mapping is off, so a full or vanished disk
    gives an error instead of killing the process with SIGBUS.
    """
    key = (os.getpid(), directory)
    cache = _caches.get(key)
    if cache is not None:
        return cache
    with _caches_lock:
        cache = _caches.get(key)
        if cache is None:
            cache = _open_cache(directory)
            _caches[key] = cache
    return cache


def _open_cache(directory: str):
    import diskcache
    from diskcache.core import MODE_BINARY, UNKNOWN

    class WholeWriteDisk(diskcache.Disk):
        """Writes a large bytes value to its file in one call: diskcache iterates over a
        ``BytesIO`` of it, which yields lines, so a 5 MB Parquet frame took some 25,000
        small writes. The entry stored is the same (a binary file)."""

        def store(self, value, read, key=UNKNOWN):
            if type(value) is bytes and len(value) >= self.min_file_size:
                filename, full_path = self.filename(key, value)
                self._write(full_path, (value,), "xb")
                return len(value), MODE_BINARY, filename, None
            return super().store(value, read, key)

    class RetryingCache(diskcache.Cache):
        get = retrying(diskcache.Cache.get)
        set = retrying(diskcache.Cache.set)
        add = retrying(diskcache.Cache.add)
        delete = retrying(diskcache.Cache.delete)
        touch = retrying(diskcache.Cache.touch)
        incr = retrying(diskcache.Cache.incr)
        evict = retrying(diskcache.Cache.evict)

    deadline = time.monotonic() + SQLITE_TIMEOUT * SQLITE_ATTEMPTS
    while True:
        try:
            return RetryingCache(
                directory,
                disk=WholeWriteDisk,
                timeout=SQLITE_TIMEOUT,
                eviction_policy="none",
                sqlite_mmap_size=0,
            )
        except sqlite3.OperationalError as error:
            busy = "locked" in str(error).lower()
            if not busy or time.monotonic() > deadline:
                raise StoreUnavailable(sqlite_reason(directory, error)) from error
            time.sleep(0.1)
        except (sqlite3.DatabaseError, OSError) as error:
            raise StoreUnavailable(sqlite_reason(directory, error)) from error


def directory_problem(directory: str) -> str | None:
    """Why ``directory`` cannot hold the cache (not writable, disk full), or None."""
    try:
        os.makedirs(directory, exist_ok=True)
        probe = os.path.join(directory, f".write-probe-{os.getpid()}")
        with open(probe, "wb") as handle:
            handle.write(b"ok")
        os.remove(probe)
    except OSError as error:
        return sqlite_reason(directory, error)
    try:
        if shutil.disk_usage(directory).free < MIN_FREE_BYTES:
            return sqlite_reason(directory, OSError("no space left"))
    except OSError:
        pass
    return None
