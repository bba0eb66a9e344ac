"""The project's errors: each one's message is meant for the user (what is wrong, what to do).

:class:`UserFacingError` is the base of every error whose message can be shown as it is.
No HTTP status lives here: the web layer (``web/errors.py``) maps each error type to its
status, so a new error type gets its status there.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message says, in the user's terms, what is wrong and what to do."""

    @property
    def user_message(self) -> str:
        """The message to show (the error's text)."""
        return str(self)


class IngestError(UserFacingError, ValueError):
    """The file cannot be turned into transactions."""


class UnsupportedFileType(IngestError):
    """The content is not CSV, XLSX or XLS (judged by the bytes, not the file name)."""
