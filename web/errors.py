"""JSON error responses, and the HTTP status of each of the project's error types."""

from __future__ import annotations

from flask import Response, jsonify

from analytics.errors import IngestError, UnsupportedFileType, UserFacingError
from analytics.forecast import ForecastError
from analytics.ingest.budget import TimeBudgetExceeded
from analytics.ingest.limits import LimitExceeded
from services import sheets

#: HTTP status of each error type. An error answers with the status of the first of its
#: classes (in method resolution order) found here, so a subclass not listed takes its
#: parent's.
STATUS_BY_ERROR: dict[type[BaseException], int] = {
    UserFacingError: 400,
    IngestError: 400,
    ForecastError: 400,
    UnsupportedFileType: 415,
    LimitExceeded: 413,
    TimeBudgetExceeded: 413,
    sheets.SheetError: 400,
    sheets.SheetForbidden: 403,
    sheets.SheetNotFound: 404,
    sheets.SheetTooLarge: 413,
    sheets.SheetNotSpreadsheet: 415,
    sheets.SheetSetupError: 500,
    sheets.SheetUnavailable: 502,
    sheets.SheetBusy: 503,
    sheets.SheetTimeout: 504,
}


def status_for(error: BaseException, default: int = 400) -> int:
    """The HTTP status that answers ``error`` (``default`` for a type not in the table)."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return default


def json_error(message: str, status: int, **extra: object) -> tuple[Response, int]:
    """``{"error": message}`` with the given status; ``message`` says what is wrong and what to do."""
    return jsonify({"error": message, **extra}), status


def not_json_object(body: object, example: str) -> tuple[Response, int] | None:
    """The 400 answer to a request body that is not a JSON object (None when it is one);
    ``example`` shows the object the route wants."""
    if isinstance(body, dict):
        return None
    return json_error(
        f"Send a JSON object such as {example} with Content-Type: application/json.",
        400,
    )


def error_response(error: UserFacingError) -> tuple[Response, int]:
    """The JSON answer to a user-facing error: its message with its type's status."""
    return json_error(error.user_message, status_for(error))
