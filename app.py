"""App factory and development server for SMB Revenue Cloud."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Mapping

from dash import Dash
from flask import Flask
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from callbacks import register_callbacks
from components.shell import app_shell
from config import PROJECT_DIR, ConfigError, Settings, load_env_file, load_settings
from services.forecasts import start_warm_up
from services.jobs import background_manager
from services.store import store_from_settings
from services.views import FRAMES
from web.api import create_api_blueprint
from web.chat_api import create_chat_blueprint
from web.compression import init_compression
from web.logging_setup import configure_logging
from web.routes import create_routes_blueprint
from web.security import init_security

logger = logging.getLogger(__name__)


class RevenueDash(Dash):
    """Dash app whose page carries the CSRF token for scripts and API clients."""

    def interpolate_index(self, **kwargs: str) -> str:
        kwargs["metas"] = (
            kwargs.get("metas", "")
            + f'<meta name="csrf-token" content="{escape(generate_csrf())}">'
        )
        return super().interpolate_index(**kwargs)


def use_returning_allocator() -> None:
    """Let Arrow give memory back to the system after each upload.

    Arrow's default allocator (mimalloc) keeps freed pages for reuse, so a worker that read
    one large file stays at its peak; jemalloc with no decay delay returns them (about
    70 MB less at the peak of a 300k-row upload, at the same speed). An
    ``ARROW_DEFAULT_MEMORY_POOL`` set by the operator wins.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(0)
    except NotImplementedError:  # a pyarrow build without jemalloc
        logger.info("jemalloc is not available; Arrow keeps its default allocator")


def create_app(config: Mapping[str, object] | None = None) -> Dash:
    """Build the Flask server and the Dash app on it, wired with every feature.

    ``config`` overrides settings by name (see ``config.Settings``); the environment and
    ``.env`` supply the rest.
    """
    settings = load_settings(config)
    configure_logging(settings.LOG_LEVEL)
    use_returning_allocator()
    os.makedirs(settings.CACHE_DIR, exist_ok=True)
    start_warm_up(settings.CACHE_DIR)

    server = Flask(__name__, instance_path=str(PROJECT_DIR / "instance"))
    server.config["DEBUG"] = settings.FLASK_DEBUG
    store = store_from_settings(settings)
    server.extensions["smbrc.settings"] = settings
    server.extensions["smbrc.store"] = store
    FRAMES.resize(settings.FRAME_CACHE_MB * 2**20)

    manager = background_manager(settings)
    if settings.REDIS_URL:
        server.extensions["smbrc.celery"] = manager.handle
    app = RevenueDash(
        __name__,
        server=server,
        title="SMB Revenue Cloud",
        update_title=None,
        assets_folder=str(PROJECT_DIR / "assets"),
        serve_locally=True,
        suppress_callback_exceptions=True,
        background_callback_manager=manager,
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"}
        ],
    )
    server.extensions["smbrc.dash"] = app
    app.layout = app_shell
    register_callbacks(app, settings)

    limiter = init_security(server, settings, script_hashes=app.csp_hashes())
    init_compression(server)
    server.register_blueprint(create_routes_blueprint(limiter, settings))
    # before the /api blueprint: its catch-all answers every other /api path
    server.register_blueprint(create_chat_blueprint(limiter, settings))
    server.register_blueprint(create_api_blueprint(limiter, settings))

    next_sweep = [0.0]  # this process asks for the shared sweep lock once per interval

    @server.before_request
    def sweep_expired_sessions() -> None:
        now = time.monotonic()
        if now < next_sweep[0]:
            return
        next_sweep[0] = now + settings.SESSION_SWEEP_SECONDS
        store.maybe_sweep(settings.SESSION_SWEEP_SECONDS)

    logger.info(
        "app ready store=%s cache_dir=%s production=%s",
        store.backend,
        settings.CACHE_DIR,
        settings.production,
    )
    return app


def main() -> None:
    """``python app.py``: development server on HOST:PORT (default 127.0.0.1:5000)."""
    load_env_file()
    try:
        app = create_app()
    except ConfigError as error:
        sys.stderr.write(f"error: {error}\n")
        raise SystemExit(2) from None
    settings: Settings = app.server.extensions["smbrc.settings"]
    logger.info("serving on http://%s:%s", settings.HOST, settings.PORT)
    app.run(host=settings.HOST, port=settings.PORT, debug=settings.FLASK_DEBUG)


if __name__ == "__main__":
    main()
