"""Decoded session frames kept in one process's memory, by session id and data revision.

Every dashboard update needs the session's canonical frame; decoding it from the store's
Parquet bytes costs 30-70 ms on 300,000 rows, more than the rest of an update. The store
stays the source of truth (several gunicorn workers, or machines, share it): a process only
keeps frames it has decoded, keyed by the session's ``revision``, which every rebuild of
the data (remap, sheet switch) increments. A process asking for the current revision of a
session that another process rebuilt misses the cache and decodes the new frame.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd


class FrameCache:
    """A least-recently-used set of frames, bounded by their total size in memory.

    Only one revision per session is kept: storing a newer one drops the older, and an
    older one never replaces a newer. A frame larger than the whole budget is not kept.
    Frames are handed out as shallow copies (pandas copies on write), so a caller that
    adds or changes columns never changes the cached frame. Safe across threads.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._lock = threading.Lock()
        #: session id -> (revision, frame, bytes), least recently used first
        self._entries: OrderedDict[str, tuple[int, pd.DataFrame, int]] = OrderedDict()
        self._bytes = 0

    def get(self, sid: str, revision: int) -> pd.DataFrame | None:
        """The frame of ``sid`` at ``revision``, or None when this process has not got it."""
        with self._lock:
            entry = self._entries.get(sid)
            if entry is None or entry[0] != revision:
                return None
            self._entries.move_to_end(sid)
            frame = entry[1]
        return frame.copy(deep=False)

    def put(self, sid: str, revision: int, frame: pd.DataFrame) -> None:
        """Keep ``frame`` as ``sid``'s data at ``revision`` (evicting the least recently
        used frames to stay within the budget)."""
        size = int(frame.memory_usage(index=True, deep=True).sum())
        with self._lock:
            current = self._entries.get(sid)
            if current is not None:
                if current[0] > revision:
                    return  # a newer revision is already here
                self._drop(sid)
            if size > self.max_bytes:
                return
            while self._entries and self._bytes + size > self.max_bytes:
                self._drop(next(iter(self._entries)))
            self._entries[sid] = (revision, frame.copy(deep=False), size)
            self._bytes += size

    def discard(self, sid: str) -> None:
        """Forget ``sid``'s frame (e.g. when the session is deleted)."""
        with self._lock:
            if sid in self._entries:
                self._drop(sid)

    def resize(self, max_bytes: int) -> None:
        """Change the budget, evicting what no longer fits."""
        with self._lock:
            self.max_bytes = max(0, int(max_bytes))
            while self._entries and self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Memory held by the cached frames (as pandas counts it)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, sid: str) -> None:
        _, _, size = self._entries.pop(sid)
        self._bytes -= size
