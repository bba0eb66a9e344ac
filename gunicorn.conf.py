"""gunicorn settings, each overridable from the environment or ``.env`` (``gunicorn wsgi:server``).

``.env`` (or the file named by ``ENV_FILE``) is read first, so ``make serve`` listens on the
``HOST``/``PORT`` it sets, like ``make run``; variables already in the environment win.
"""

import os

from config import load_env_file

load_env_file()

bind = os.environ.get(
    "GUNICORN_BIND",
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}",
)
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = (
    'access remote=%(h)s request="%(r)s" status=%(s)s bytes=%(B)s ms=%(M)s'
)
# The app is built in each worker after the fork, so each opens its own store handles.
preload_app = False
control_socket_disable = True


def post_fork(server, worker):
    """A worker's background jobs belong to the arbiter: they survive the worker's death
    (the page polls another worker for the result) and end when the server stops."""
    from services.job_processes import jobs_outlive_this_process

    jobs_outlive_this_process()
