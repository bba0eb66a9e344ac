"""One logging configuration for the app and gunicorn: structured lines to stdout with a request id."""

from __future__ import annotations

import logging
import logging.config

from flask import g, has_request_context


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = (
            getattr(g, "request_id", "-") if has_request_context() else "-"
        )
        return True


LOG_FORMAT = (
    "ts=%(asctime)s level=%(levelname)s pid=%(process)d logger=%(name)s "
    "request_id=%(request_id)s "
    'msg="%(message)s"'
)


def configure_logging(level: str = "INFO") -> None:
    """Configure the root logger once (idempotent): key=value lines on stdout."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"request_id": {"()": RequestIdFilter}},
            "formatters": {"kv": {"format": LOG_FORMAT}},
            "handlers": {
                "stdout": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stdout",
                    "formatter": "kv",
                    "filters": ["request_id"],
                }
            },
            "root": {"level": level.upper(), "handlers": ["stdout"]},
            "loggers": {
                "werkzeug": {"level": "WARNING"},
                "cmdstanpy": {"level": "WARNING"},
                "prophet": {"level": "WARNING"},
            },
        }
    )
