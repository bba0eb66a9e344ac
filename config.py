"""Application settings: defaults in code, overridden by the environment, then by explicit config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-secret-key-change-in-production"
PROJECT_DIR = Path(__file__).resolve().parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(RuntimeError):
    """Raised when the configuration cannot be used; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    """Every setting the app reads. Field names match the environment variables."""

    SECRET_KEY: str = DEFAULT_SECRET_KEY
    FLASK_DEBUG: bool = False
    FLASK_ENV: str = "development"
    HOST: str = "127.0.0.1"
    PORT: int = 5000
    RATE_LIMIT: int = 10
    RATE_LIMIT_WINDOW: int = 60
    CALLBACK_RATE_LIMIT: int = 600
    MAX_CONTENT_LENGTH: int = 16 * 1024 * 1024
    MAX_UPLOAD_TOTAL_BYTES: int = 64 * 1024 * 1024
    MAX_UPLOAD_FILES: int = 24
    OLLAMA_HOST: str = "http://127.0.0.1:11434"
    OLLAMA_MODEL: str = "llama3"
    OLLAMA_TIMEOUT: float = 90.0
    OLLAMA_MAX_RETRIES: int = 3
    SESSION_TIMEOUT_HOURS: float = 24.0
    SESSION_SWEEP_SECONDS: int = 300
    CACHE_DIR: str = str(PROJECT_DIR / "instance" / "cache")
    REDIS_URL: str = ""
    TRUSTED_PROXIES: int = 0
    LOG_LEVEL: str = "INFO"
    GOOGLE_SERVICE_ACCOUNT_FILE: str = ""
    MAX_CONCURRENT_JOBS: int = 2
    JOB_TIMEOUT_SECONDS: float = 300.0
    STORE_TIMEOUT: float = 2.0
    LLM_WEB_TIMEOUT: float = 10.0
    FRAME_CACHE_MB: int = 256
    MAX_ROWS: int = 1_000_000
    MAX_COLUMNS: int = 200
    MAX_CELLS: int = 10_000_000
    MAX_LINE_BYTES: int = 64 * 1024
    MAX_UNZIPPED_MB: int = 256
    MAX_INGEST_SECONDS: float = 20.0
    API_PAGE_SIZE: int = 1000
    API_MAX_PAGE_SIZE: int = 5000
    RATE_LIMIT_STORAGE: str = ""
    DEFAULT_LOCALE: str = "en-US"

    @property
    def production(self) -> bool:
        return self.FLASK_ENV.lower() == "production"

    @property
    def session_ttl_seconds(self) -> float:
        """Session lifetime in seconds (fractions kept: 0.0001 h is 0.36 s, not 0)."""
        return self.SESSION_TIMEOUT_HOURS * 3600.0

    @property
    def upload_limits(self):
        """What one upload may expand to (``analytics.ingest.limits.UploadLimits``)."""
        from analytics.ingest.limits import UploadLimits

        return UploadLimits(
            max_rows=self.MAX_ROWS,
            max_columns=self.MAX_COLUMNS,
            max_cells=self.MAX_CELLS,
            max_line_bytes=self.MAX_LINE_BYTES,
            max_unzipped_bytes=self.MAX_UNZIPPED_MB * 2**20,
            max_seconds=self.MAX_INGEST_SECONDS,
        )

    @property
    def rate_limit_string(self) -> str:
        """The API/upload limit in flask-limiter notation."""
        return f"{self.RATE_LIMIT} per {self.RATE_LIMIT_WINDOW} second"

    @property
    def callback_rate_limit_string(self) -> str:
        """Generous limit for Dash's callback route (pages fire many callbacks and polls)."""
        return f"{self.CALLBACK_RATE_LIMIT} per {self.RATE_LIMIT_WINDOW} second"


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}.")


def _coerce(name: str, kind: type, raw: object) -> object:
    if not isinstance(raw, str):
        return kind(raw)
    if kind is bool:
        return _parse_bool(name, raw)
    try:
        return kind(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}.") from None


def load_settings(
    overrides: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build settings from defaults, then ``environ`` (default ``os.environ``), then ``overrides``.

    Raises ``ConfigError`` for unparsable values, non-positive limits, and for a production
    environment (``FLASK_ENV=production``) still using the default ``SECRET_KEY``.
    """
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    values: dict[str, object] = {}
    for field in fields(Settings):
        kind = type(field.default)
        if field.name in overrides:
            values[field.name] = _coerce(field.name, kind, overrides[field.name])
        elif field.name in environ and environ[field.name] != "":
            values[field.name] = _coerce(field.name, kind, environ[field.name])
    if "CACHE_DIR" in values and not Path(str(values["CACHE_DIR"])).is_absolute():
        values["CACHE_DIR"] = str(PROJECT_DIR / str(values["CACHE_DIR"]))
    settings = Settings(**values)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    for name in (
        "RATE_LIMIT",
        "RATE_LIMIT_WINDOW",
        "CALLBACK_RATE_LIMIT",
        "MAX_CONTENT_LENGTH",
        "MAX_UPLOAD_TOTAL_BYTES",
        "MAX_UPLOAD_FILES",
        "MAX_CONCURRENT_JOBS",
        "MAX_ROWS",
        "MAX_COLUMNS",
        "MAX_CELLS",
        "MAX_LINE_BYTES",
        "MAX_UNZIPPED_MB",
        "MAX_INGEST_SECONDS",
        "API_PAGE_SIZE",
        "API_MAX_PAGE_SIZE",
        "JOB_TIMEOUT_SECONDS",
        "STORE_TIMEOUT",
        "LLM_WEB_TIMEOUT",
    ):
        if getattr(settings, name) <= 0:
            raise ConfigError(f"{name} must be greater than 0.")
    if settings.MAX_UPLOAD_TOTAL_BYTES < settings.MAX_CONTENT_LENGTH:
        raise ConfigError(
            "MAX_UPLOAD_TOTAL_BYTES must not be smaller than MAX_CONTENT_LENGTH."
        )
    if settings.API_PAGE_SIZE > settings.API_MAX_PAGE_SIZE:
        raise ConfigError("API_PAGE_SIZE must not be larger than API_MAX_PAGE_SIZE.")
    if settings.RATE_LIMIT_STORAGE not in ("", "store", "memory"):
        raise ConfigError(
            "RATE_LIMIT_STORAGE must be empty (automatic), store or memory, not "
            f"{settings.RATE_LIMIT_STORAGE!r}."
        )
    from analytics.formatting import normalise_locale

    if normalise_locale(settings.DEFAULT_LOCALE) is None:
        raise ConfigError(
            "DEFAULT_LOCALE must be a locale such as en-US, en-GB, de-DE or fr-FR, not "
            f"{settings.DEFAULT_LOCALE!r}."
        )
    if settings.FRAME_CACHE_MB < 0:
        raise ConfigError("FRAME_CACHE_MB must be 0 (off) or more.")
    if settings.SESSION_TIMEOUT_HOURS <= 0:
        raise ConfigError("SESSION_TIMEOUT_HOURS must be greater than 0.")
    if settings.production and settings.SECRET_KEY in ("", DEFAULT_SECRET_KEY):
        raise ConfigError(
            "Refusing to start: FLASK_ENV=production needs a SECRET_KEY other than the "
            "default (set SECRET_KEY to a long random string)."
        )


def env_file() -> Path:
    """The ``.env`` file read at start-up: ``ENV_FILE`` when set, else the project's ``.env``."""
    return Path(os.environ.get("ENV_FILE") or PROJECT_DIR / ".env")


def load_env_file() -> Path:
    """Load :func:`env_file` into the environment (variables already set win); returns it.

    Called by every entry point before anything reads a setting: ``python app.py``,
    ``wsgi.py``, ``worker.py`` and ``gunicorn.conf.py`` (so ``make serve`` binds to the
    ``HOST``/``PORT`` of ``.env``). A missing file is not an error.
    """
    from dotenv import load_dotenv

    path = env_file()
    load_dotenv(path)
    return path
