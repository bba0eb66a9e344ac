"""WSGI entry point: ``gunicorn wsgi:server`` (see gunicorn.conf.py)."""

from config import ConfigError, load_env_file, load_settings

load_env_file()


def _start_job_runner() -> None:
    """Start the job runner's forkserver before the app is built: its preload (the
    forecast libraries, seconds of loading) then runs while this process imports and
    builds the app, instead of after the server already answers, where the first
    forecast job waited for it. ``create_app`` starts it otherwise (and reports a bad
    configuration)."""
    try:
        settings = load_settings()
    except ConfigError:
        return
    if settings.REDIS_URL:
        return  # jobs run in Celery workers
    from services.forecasts import use_numba_cache
    from services.jobs import start_runner

    use_numba_cache(settings.CACHE_DIR)
    try:
        start_runner()
    except OSError:
        pass  # create_app tries again and logs why


_start_job_runner()

from app import create_app  # noqa: E402

app = create_app()
server = app.server
