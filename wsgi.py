"""WSGI entry point: ``gunicorn wsgi:server`` (see gunicorn.conf.py)."""

from config import load_env_file

load_env_file()

from app import create_app  # noqa: E402

app = create_app()
server = app.server
