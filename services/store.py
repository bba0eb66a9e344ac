"""Session store: uploaded datasets and per-session state, shared by every thread and worker.

One small interface, two backends: diskcache on local disk (the default, ``CACHE_DIR``) and
Redis (``REDIS_URL``) for deployments spread over several machines. Nothing is kept in
process memory, so any gunicorn worker can serve any request.

Layout of a session ``sid``:

- ``meta``: a ``SessionMeta`` (filename, created_at, expires_at, mapping...), stored as JSON.
- frames: named pandas DataFrames stored as Parquet bytes (``"frame"`` is the canonical
  dataset, ``"table"`` the source table it was built from, others are derived caches).
- values: named JSON-serialisable values (chat history, forecast results...).

Sessions expire ``ttl`` seconds after creation (fractions of a second allowed); ``sweep()``
deletes expired ones and adds them to a persistent ``cleanup_count``. The web process runs
the sweep on a timer (``services.housekeeping``), never inside a request.

When the backend cannot be used (Redis unreachable or too slow, a read-only or full cache
directory, SQLite busy for longer than a few retries), every operation raises
:class:`StoreUnavailable` with a reason a person can act on, within ``STORE_TIMEOUT``
seconds (Redis) or a few bounded retries (diskcache): never a hang, never a raw
``database is locked``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pandas as pd

from services.disk_cache import (  # noqa: F401 - StoreUnavailable is this module's API too
    StoreUnavailable,
    directory_problem,
    open_cache,
)
from services.session_meta import SessionMeta, check_keys

logger = logging.getLogger(__name__)

SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_session_id() -> str:
    """An unguessable, URL-safe id: 24 random bytes (192 bits) → 32 characters."""
    return secrets.token_urlsafe(24)


def is_session_id(value: str | None) -> bool:
    """True when ``value`` has the shape of a session id (checked before any lookup)."""
    return bool(value) and bool(SESSION_ID_RE.match(value))


def frame_to_bytes(df: pd.DataFrame) -> bytes:
    """Serialise a frame to Parquet bytes (columnar, typed, compressed)."""
    buffer = io.BytesIO()
    # no column statistics: frames are always read whole, never filtered on read
    df.to_parquet(
        buffer,
        engine="pyarrow",
        index=False,
        compression="snappy",
        write_statistics=False,
    )
    return buffer.getvalue()


def frame_from_bytes(data: bytes) -> pd.DataFrame:
    """Inverse of ``frame_to_bytes``."""
    return pd.read_parquet(io.BytesIO(data), engine="pyarrow")


def _serialise(frames: dict[str, pd.DataFrame]) -> dict[str, bytes]:
    """Parquet bytes of several frames, encoded side by side (Arrow releases the GIL, so
    a 300k-row upload's dataset and source table take the time of the larger one)."""
    if len(frames) < 2:
        return {name: frame_to_bytes(frame) for name, frame in frames.items()}
    with ThreadPoolExecutor(max_workers=min(len(frames), 4)) as pool:
        encoded = pool.map(frame_to_bytes, frames.values())
        return dict(zip(frames, encoded, strict=True))


class SessionStore(ABC):
    """Shared, expiring storage of sessions. Implementations must be thread- and process-safe."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = float(ttl_seconds)

    # -- sessions ---------------------------------------------------------------------------
    def create(self, meta: SessionMeta, frames: dict[str, pd.DataFrame]) -> str:
        """Store a new session; returns its id. ``meta`` gains id, created_at and expires_at."""
        sid = new_session_id()
        now = time.time()
        meta = {
            **meta.to_dict(),
            "session_id": sid,
            "created_at": now,
            "expires_at": now + self.ttl,
        }
        key_ttl = max(1.0, self.ttl)  # a backend TTL under 1 s is refused by Redis
        for name, data in _serialise(frames).items():
            self._set(self._key(sid, "frame", name), data, key_ttl)
        self._set(self._key(sid, "meta"), _dumps(meta), key_ttl)
        self._index_add(sid, meta["expires_at"])
        return sid

    def get_meta(self, sid: str) -> SessionMeta | None:
        """The session's metadata, or None when unknown or expired."""
        stored = self._stored_meta(sid)  # keys this version does not know are kept
        return None if stored is None else SessionMeta.from_dict(stored)

    def _stored_meta(self, sid: str) -> dict[str, Any] | None:
        """The metadata as stored (a dict), or None when unknown or expired."""
        raw = self._get(self._key(sid, "meta")) if is_session_id(sid) else None
        meta = None if raw is None else json.loads(raw)
        return meta if meta and meta["expires_at"] > time.time() else None

    def update_meta(self, sid: str, changes: dict[str, Any]) -> SessionMeta:
        """Merge ``changes`` (SessionMeta keys) into the stored metadata; KeyError when unknown."""
        check_keys(changes)
        with self.lock(f"{sid}:meta"):
            meta = self._stored_meta(sid)
            if meta is None:
                raise KeyError(sid)
            meta.update(changes)
            self._set(self._key(sid, "meta"), _dumps(meta), self._remaining(sid))
            return SessionMeta.from_dict(meta)

    def get_frame(self, sid: str, name: str = "frame") -> pd.DataFrame | None:
        """A stored frame of a live session, or None."""
        if self._stored_meta(sid) is None:
            return None
        raw = self._get(self._key(sid, "frame", name))
        return None if raw is None else frame_from_bytes(raw)

    def put_frame(self, sid: str, name: str, frame: pd.DataFrame) -> None:
        """Store (or replace) a named frame of a live session."""
        ttl = self._remaining(sid)
        self._set(self._key(sid, "frame", name), frame_to_bytes(frame), ttl)

    def get_value(self, sid: str, name: str, default: Any = None) -> Any:
        """A named JSON value of a live session."""
        if self._stored_meta(sid) is None:
            return default
        raw = self._get(self._key(sid, "value", name))
        return default if raw is None else json.loads(raw)

    def set_value(self, sid: str, name: str, value: Any) -> None:
        """Store a named JSON value of a live session (expires with it)."""
        ttl = self._remaining(sid)
        self._set(self._key(sid, "value", name), _dumps(value), ttl)

    def append_value(
        self, sid: str, name: str, item: Any, *, keep: int | None = None
    ) -> list[Any]:
        """Append ``item`` to a session's list value (the last ``keep`` items are kept).

        Read and write happen under :meth:`lock`, so two requests appending at once (two
        chat questions in one session, on two workers) both land. KeyError when the
        session is unknown or expired.
        """
        with self.lock(f"{sid}:value:{name}"):
            current = self.get_value(sid, name, [])
            items = [*(current if isinstance(current, list) else []), item]
            if keep is not None:
                items = items[-keep:]
            self.set_value(sid, name, items)
            return items

    @contextmanager
    def lock(
        self, name: str, *, ttl: float = 30.0, timeout: float = 10.0
    ) -> Iterator[None]:
        """Hold a lock shared by every thread and process using this store.

        A lock left by a killed process frees itself after ``ttl`` seconds. Raises
        ``TimeoutError`` when it cannot be taken within ``timeout`` seconds.
        """
        key = f"lock:{name}"
        token = secrets.token_hex(8)
        deadline = time.monotonic() + timeout
        delay = 0.002
        while not self.add_global(key, token, ttl):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the store lock {name!r} stayed busy")
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        try:
            yield
        finally:
            if self.get_global(key) == token:
                self.delete_global(key)

    def delete(self, sid: str) -> None:
        """Remove a session and everything stored under it."""
        self._delete_session(sid)
        self._index_remove(sid)

    # -- values not tied to a session (remembered mappings, probes) -------------------------
    def get_global(self, name: str, default: Any = None) -> Any:
        raw = self._get(f"global:{name}")
        return default if raw is None else json.loads(raw)

    def set_global(self, name: str, value: Any, ttl: float | None = None) -> None:
        self._set(f"global:{name}", _dumps(value), ttl)

    def delete_global(self, name: str) -> None:
        self._delete(f"global:{name}")

    def add_global(self, name: str, value: Any, ttl: float) -> bool:
        """Set ``name`` only if absent (atomic across processes); True when this call set it."""
        return self._add(f"global:{name}", _dumps(value), ttl)

    # -- housekeeping -------------------------------------------------------------------------
    def sweep(self) -> int:
        """Delete expired sessions; returns how many were removed (added to cleanup_count)."""
        expired = self._index_expired(time.time())
        for sid in expired:
            self.delete(sid)
        if expired:
            self._incr("stats:cleanup_count", len(expired))
            logger.info("session sweep removed %s expired session(s)", len(expired))
        return len(expired)

    def maybe_sweep(self, interval_seconds: float) -> int:
        """Sweep at most once per interval across all processes (a shared lock key)."""
        if self.add_global("sweep_lock", 1, interval_seconds):
            return self.sweep()
        return 0

    def problem(self) -> str | None:
        """Why the store cannot be used right now (for /health), or None when it can."""
        try:
            self._set("stats:ping", b"1", 60)
            return None
        except StoreUnavailable as error:
            return str(error)

    def stats(self) -> dict[str, Any]:
        """Live sessions and the sweep's total; O(1) in the number of sessions."""
        return {
            "active_sessions": self._index_count(time.time()),
            "cleanup_count": int(self._get("stats:cleanup_count") or 0),
        }

    def _remaining(self, sid: str) -> float:
        """Seconds a live session has left (at least 1); KeyError when unknown or expired."""
        meta = self._stored_meta(sid)
        if meta is None:
            raise KeyError(sid)
        return max(1.0, meta["expires_at"] - time.time())

    @staticmethod
    def _key(sid: str, kind: str, name: str = "") -> str:
        return f"session:{sid}:{kind}" + (f":{name}" if name else "")

    # -- backend primitives -------------------------------------------------------------------
    @property
    @abstractmethod
    def backend(self) -> str: ...

    @abstractmethod
    def ping(self) -> bool: ...

    @abstractmethod
    def _get(self, key: str) -> bytes | None: ...

    @abstractmethod
    def _set(self, key: str, value: bytes, ttl: float | None) -> None: ...

    @abstractmethod
    def _add(self, key: str, value: bytes, ttl: float) -> bool: ...

    @abstractmethod
    def _incr(self, key: str, amount: int) -> None: ...

    @abstractmethod
    def _delete(self, key: str) -> None: ...

    @abstractmethod
    def _delete_session(self, sid: str) -> None: ...

    @abstractmethod
    def _index_add(self, sid: str, expires_at: float) -> None: ...

    @abstractmethod
    def _index_remove(self, sid: str) -> None: ...

    @abstractmethod
    def _index_expired(self, now: float) -> list[str]: ...

    @abstractmethod
    def _index_count(self, now: float) -> int: ...


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), default=str).encode()


class DiskcacheSessionStore(SessionStore):
    """Sessions in a diskcache directory (SQLite + files): safe across threads and processes.

    The ``Cache`` is opened lazily once per process (never shared across ``fork``), with
    bounded timeouts and retries (:func:`open_cache`).
    """

    backend = "diskcache"
    ACTIVE = "stats:active_sessions"

    def __init__(self, directory: str, ttl_seconds: float) -> None:
        super().__init__(ttl_seconds)
        self.directory = directory

    @property
    def cache(self):
        return open_cache(self.directory)

    def ping(self) -> bool:
        try:
            self.cache.get("stats:ping")
            return True
        except StoreUnavailable:
            logger.warning("diskcache store is not usable", exc_info=True)
            return False

    def problem(self) -> str | None:
        return directory_problem(self.directory) or super().problem()

    def _get(self, key: str) -> bytes | None:
        return self.cache.get(key)

    def _set(self, key: str, value: bytes, ttl: float | None) -> None:
        tag = key.split(":")[1] if key.startswith("session:") else None
        self.cache.set(key, value, expire=ttl, tag=tag)

    def _add(self, key: str, value: bytes, ttl: float) -> bool:
        return bool(self.cache.add(key, value, expire=ttl))

    def _incr(self, key: str, amount: int) -> None:
        with self.cache.transact():
            current = int(self.cache.get(key) or 0)
            self.cache.set(key, str(current + amount).encode())

    def _delete(self, key: str) -> None:
        self.cache.delete(key)

    def _delete_session(self, sid: str) -> None:
        self.cache.evict(sid)

    def _index_add(self, sid: str, expires_at: float) -> None:
        self.cache.set(f"index:{sid}", expires_at)
        self.cache.incr(self.ACTIVE, 1, default=0)

    def _index_remove(self, sid: str) -> None:
        if self.cache.delete(f"index:{sid}"):
            self.cache.incr(self.ACTIVE, -1, default=0)

    def _index_items(self) -> list[tuple[str, float]]:
        items = []
        for key in self.cache.iterkeys():
            if isinstance(key, str) and key.startswith("index:"):
                expires_at = self.cache.get(key)
                if expires_at is not None:
                    items.append((key[6:], float(expires_at)))
        return items

    def _index_expired(self, now: float) -> list[str]:
        return [sid for sid, expires_at in self._index_items() if expires_at <= now]

    def _index_count(self, now: float) -> int:
        # a counter kept by create/delete: O(1); sessions past their expiry count
        # until the next sweep removes them (they can no longer be opened)
        return max(0, int(self.cache.get(self.ACTIVE) or 0))


def _redis_guard(method):
    """Turn Redis connection errors and timeouts into StoreUnavailable."""

    def call(self, *args, **kwargs):
        import redis

        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
            raise StoreUnavailable(
                f"Redis at {self.safe_url} does not answer ({type(error).__name__}); "
                "uploads and saved sessions are unavailable until it is back."
            ) from error
        except redis.RedisError as error:
            raise StoreUnavailable(
                f"Redis at {self.safe_url} refused the request ({error})."
            ) from error

    call.__name__ = method.__name__
    return call


class RedisSessionStore(SessionStore):
    """Sessions in Redis: keys expire by TTL, a sorted set indexes sessions by expiry."""

    backend = "redis"
    INDEX = "index:sessions"

    def __init__(
        self,
        url: str,
        ttl_seconds: float,
        prefix: str = "smbrc:",
        timeout: float = 2.0,
    ) -> None:
        super().__init__(ttl_seconds)
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self._pid: int | None = None
        self._client = None

    @property
    def client(self):
        import redis

        if self._pid != os.getpid():
            self._client = redis.Redis.from_url(
                self.url,
                socket_timeout=self.timeout,
                socket_connect_timeout=min(self.timeout, 1.0),
                retry_on_timeout=False,
                health_check_interval=30,
            )
            self._pid = os.getpid()
        return self._client

    @property
    def safe_url(self) -> str:
        """The URL without a password, for messages."""
        return re.sub(r"//[^@/]*@", "//***@", self.url)

    def ping(self) -> bool:
        try:
            return bool(self._ping())
        except StoreUnavailable:
            logger.warning("redis store is not reachable")
            return False

    @_redis_guard
    def _ping(self) -> bool:
        return self.client.ping()

    def _k(self, key: str) -> str:
        return self.prefix + key

    @_redis_guard
    def _get(self, key: str) -> bytes | None:
        return self.client.get(self._k(key))

    @_redis_guard
    def _set(self, key: str, value: bytes, ttl: float | None) -> None:
        self.client.set(self._k(key), value, px=int(ttl * 1000) if ttl else None)

    @_redis_guard
    def _add(self, key: str, value: bytes, ttl: float) -> bool:
        return bool(self.client.set(self._k(key), value, px=int(ttl * 1000), nx=True))

    @_redis_guard
    def _incr(self, key: str, amount: int) -> None:
        self.client.incrby(self._k(key), amount)

    @_redis_guard
    def _delete(self, key: str) -> None:
        self.client.delete(self._k(key))

    @_redis_guard
    def _delete_session(self, sid: str) -> None:
        keys = list(self.client.scan_iter(match=self._k(f"session:{sid}:*"), count=500))
        if keys:
            self.client.delete(*keys)

    @_redis_guard
    def _index_add(self, sid: str, expires_at: float) -> None:
        self.client.zadd(self._k(self.INDEX), {sid: expires_at})

    @_redis_guard
    def _index_remove(self, sid: str) -> None:
        self.client.zrem(self._k(self.INDEX), sid)

    @_redis_guard
    def _index_expired(self, now: float) -> list[str]:
        return [
            s.decode()
            for s in self.client.zrangebyscore(self._k(self.INDEX), "-inf", now)
        ]

    @_redis_guard
    def _index_count(self, now: float) -> int:
        return int(self.client.zcount(self._k(self.INDEX), f"({now}", "+inf"))


def store_from_settings(settings) -> SessionStore:
    """The store the settings ask for: Redis when ``REDIS_URL`` is set, else diskcache."""
    if settings.REDIS_URL:
        return RedisSessionStore(
            settings.REDIS_URL,
            settings.session_ttl_seconds,
            timeout=settings.STORE_TIMEOUT,
        )
    return DiskcacheSessionStore(
        os.path.join(settings.CACHE_DIR, "sessions"), settings.session_ttl_seconds
    )
