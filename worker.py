"""Celery worker entry for scale-out deployments (``REDIS_URL`` set).

``celery -A worker:celery_app worker --loglevel=INFO`` runs the dashboard's background jobs
(forecasts, AI answers) on any machine that shares the Redis server and ``SECRET_KEY``.
"""

import sys

from config import load_env_file

load_env_file()

from app import create_app  # noqa: E402
from web.extensions import extensions  # noqa: E402

# the web app sweeps sessions; jobs fork from this process: warm the models up once
app = create_app(housekeeping=False, warm_up_forecasts=True)
celery_app = extensions(app.server).celery
if celery_app is None:
    sys.exit(
        "error: the Celery worker needs REDIS_URL; without it jobs run in the app itself."
    )
