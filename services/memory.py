"""Give memory back to the system after large work (an upload, a rebuild).

CPython and pandas free a large upload's intermediate frames, but glibc's allocator keeps
the freed pages in the process (its arenas only shrink from the top), so a worker that
read a 300,000-row file stays hundreds of MB larger than it needs to be. ``malloc_trim``
returns those pages; Arrow's pool is asked to release what it caches as well. Both are
no-ops where unavailable (another libc, another allocator).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

import pyarrow as pa

logger = logging.getLogger(__name__)

_LIBC = None
try:
    _name = ctypes.util.find_library("c")
    _candidate = ctypes.CDLL(_name) if _name else None
    if _candidate is not None and hasattr(_candidate, "malloc_trim"):
        _LIBC = _candidate
except OSError:  # pragma: no cover - no C library to load
    _LIBC = None


def release_memory() -> None:
    """Return freed heap pages to the system (cheap: a few milliseconds)."""
    try:
        pa.default_memory_pool().release_unused()
    except (AttributeError, NotImplementedError):  # pragma: no cover - older pyarrow
        pass
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
