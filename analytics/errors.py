"""Errors raised while reading an uploaded file, with messages meant for the user."""

from __future__ import annotations


class IngestError(ValueError):
    """The file cannot be turned into transactions.

    The message says what is wrong and what to do about it; ``status`` is the HTTP-ish
    status the web layer answers with.
    """

    status: int = 400


class UnsupportedFileType(IngestError):
    """The content is not CSV, XLSX or XLS (judged by the bytes, not the file name)."""

    status = 415
