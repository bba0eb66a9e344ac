"""JSON error responses for the API and upload routes."""

from __future__ import annotations

from flask import Response, jsonify


def json_error(message: str, status: int, **extra: object) -> tuple[Response, int]:
    """``{"error": message}`` with the given status; ``message`` says what is wrong and what to do."""
    return jsonify({"error": message, **extra}), status
