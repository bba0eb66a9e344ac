"""App factory and development server for SMB Revenue Cloud."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Mapping

from dash import Dash, set_props
from flask import Flask, has_request_context, request
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from callbacks import register_callbacks
from components import ids
from components.shell import app_shell
from config import PROJECT_DIR, ConfigError, load_env_file, load_settings
from services.forecasts import start_warm_up, use_numba_cache
from services.housekeeping import Housekeeper
from services.job_backends import background_manager
from services.jobs import JobManager, start_runner, wait_for_runner
from services.memory import map_large_allocations
from services.store import StoreUnavailable, store_from_settings
from services.views import FRAMES
from web.api import create_api_blueprint
from web.chat_api import create_chat_blueprint
from web.compression import init_compression
from web.errors import json_error
from web.extensions import Extensions, extensions, install
from web.health_fastpath import HealthFastPath
from web.locale import init_locale, locale_choice, theme_from
from web.logging_setup import configure_logging
from web.report_api import create_report_blueprint
from web.routes import create_routes_blueprint
from web.security import init_security
from web.share import create_share_blueprint

logger = logging.getLogger(__name__)


class RevenueDash(Dash):
    """Dash app whose page carries the CSRF token for scripts and API clients."""

    def interpolate_index(self, **kwargs: str) -> str:
        kwargs["metas"] = (
            kwargs.get("metas", "")
            + f'<meta name="csrf-token" content="{escape(generate_csrf())}">'
        )
        # the page's language, for screen readers and hyphenation; Dash's script footer is
        # not the page's footer landmark (the layout has its own)
        page = super().interpolate_index(**kwargs)
        # a remembered light/dark choice is drawn from the first paint; "auto" is set
        # by assets/theme.js from the system setting
        theme = theme_from(request.cookies) if has_request_context() else "auto"
        html_tag = '<html lang="en">'
        if theme != "auto":
            html_tag = f'<html lang="en" data-bs-theme="{theme}">'
        return page.replace("<html>", html_tag, 1).replace(
            "<footer>", '<footer role="presentation">', 1
        )


def page_layout() -> object:
    """The page frame with the reader's remembered theme and number format."""
    if not has_request_context():
        return app_shell()
    return app_shell(theme_from(request.cookies), locale_choice(request.cookies))


def use_returning_allocator() -> None:
    """Let Arrow give memory back to the system after each upload.

    Arrow's default allocator (mimalloc) keeps freed pages for reuse, so a worker that read
    one large file stays at its peak; jemalloc with no decay delay returns them (about
    70 MB less at the peak of a 300k-row upload, at the same speed). An
    ``ARROW_DEFAULT_MEMORY_POOL`` set by the operator wins. Large NumPy and pandas
    arrays get mappings of their own, given back when freed
    (``services.memory.map_large_allocations``).
    """
    map_large_allocations()
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(0)
    except NotImplementedError:  # a pyarrow build without jemalloc
        logger.info("jemalloc is not available; Arrow keeps its default allocator")


def service_unavailable(error: Exception):
    """Dash callbacks' error handler: a store outage shows as a banner naming it."""
    if isinstance(error, StoreUnavailable):
        set_props(
            ids.SERVICE_ALERT,
            {
                "children": f"{error} Some parts of this page are unavailable.",
                "is_open": True,
            },
        )
        return None
    raise error


def create_app(
    config: Mapping[str, object] | None = None,
    *,
    housekeeping: bool = True,
    warm_up_forecasts: bool = False,
) -> Dash:
    """Build the Flask server and the Dash app on it, wired with every feature.

    ``config`` overrides settings by name (see ``config.Settings``); the environment and
    ``.env`` supply the rest. ``housekeeping`` starts the session-sweep timer thread
    (the web app does; the Celery worker does not). ``warm_up_forecasts`` imports the
    forecast libraries and fits each model once in a background thread (the Celery
    worker, whose job processes fork from it, does). A web process does not: its jobs
    fork from the job runner's forkserver, which preloads them itself
    (``services.job_preload``), and Prophet and statsforecast would add about 200 MB
    to every web worker; a forecast computed in a request imports them on first use.
    """
    settings = load_settings(config)
    configure_logging(settings.LOG_LEVEL)
    use_returning_allocator()
    try:
        os.makedirs(settings.CACHE_DIR, exist_ok=True)
    except OSError as error:  # /health and every page say so; the app still starts
        logger.error(
            "cache directory %s cannot be created: %s", settings.CACHE_DIR, error
        )
    use_numba_cache(settings.CACHE_DIR)  # before the job runner starts: it inherits it

    server = Flask(__name__, instance_path=str(PROJECT_DIR / "instance"))
    server.config["DEBUG"] = settings.FLASK_DEBUG
    store = store_from_settings(settings)
    FRAMES.resize(settings.FRAME_CACHE_MB * 2**20)

    manager = background_manager(settings, store)
    ext = install(server, Extensions(settings=settings, store=store, jobs=manager))
    if settings.REDIS_URL:
        ext.celery = manager.handle
    else:
        ext.jobs_dir = manager.directory
        try:
            start_runner()
        except OSError:  # jobs start it on first use (and report if it cannot start)
            logger.exception("the job runner could not be started")
    if warm_up_forecasts:  # the Celery worker; web jobs fork from the preloaded runner
        start_warm_up(
            settings.CACHE_DIR, after=None if settings.REDIS_URL else wait_for_runner
        )
    app = RevenueDash(
        __name__,
        server=server,
        title="SMB Revenue Cloud",
        update_title=None,
        assets_folder=str(PROJECT_DIR / "assets"),
        serve_locally=True,
        suppress_callback_exceptions=True,
        background_callback_manager=manager,
        on_error=service_unavailable,
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"}
        ],
    )
    ext.dash = app
    app.layout = page_layout
    register_callbacks(app, settings)

    limiter = init_security(server, settings, script_hashes=app.csp_hashes())
    init_locale(server, settings)
    init_compression(server)
    server.register_blueprint(create_routes_blueprint(limiter, settings))
    # before the /api blueprint: its catch-all answers every other /api path
    server.register_blueprint(create_chat_blueprint(limiter, settings))
    server.register_blueprint(create_report_blueprint(limiter, settings))
    server.register_blueprint(create_share_blueprint(limiter, settings))
    server.register_blueprint(create_api_blueprint(limiter, settings))
    # GET /health served in front of Flask while its figures are fresh
    server.wsgi_app = HealthFastPath(server.wsgi_app)

    @server.errorhandler(StoreUnavailable)
    def store_unavailable(error: StoreUnavailable):
        logger.warning("store unavailable: %s", error)
        return json_error(str(error), 503)

    housekeeper = Housekeeper(
        store,
        settings.SESSION_SWEEP_SECONDS,
        manager if isinstance(manager, JobManager) else None,
    )
    # not in a Celery worker (``housekeeping=False``): its pool forks the process, which
    # must then have no thread of its own
    ext.housekeeper = housekeeper.start() if housekeeping else housekeeper

    _register_component_paths(app)
    logger.info(
        "app ready store=%s cache_dir=%s production=%s",
        store.backend,
        settings.CACHE_DIR,
        settings.production,
    )
    return app


def _register_component_paths(app: Dash) -> None:
    """Render the page shell once, so every script path the page asks for is known.

    Dash learns which component scripts it may serve while rendering a page, one path at
    a time. In a gunicorn worker that had not rendered a page yet, a script request that
    arrived while another thread was rendering answered 500 ("the path requested is not
    valid") and the page never started. Registering them at start-up closes that race.
    """
    with app.server.test_request_context("/"):
        app.index()


def main() -> None:
    """``python app.py``: development server on HOST:PORT (default 127.0.0.1:5000)."""
    load_env_file()
    try:
        app = create_app()
    except ConfigError as error:
        sys.stderr.write(f"error: {error}\n")
        raise SystemExit(2) from None
    settings = extensions(app.server).settings
    # SIGTERM ends the process through its exit handlers, which stop the job processes
    # it started (the page then reports those jobs as lost, with Retry)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logger.info("serving on http://%s:%s", settings.HOST, settings.PORT)
    app.run(host=settings.HOST, port=settings.PORT, debug=settings.FLASK_DEBUG)


if __name__ == "__main__":
    main()
