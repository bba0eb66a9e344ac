"""WSGI entry point: ``gunicorn wsgi:server`` (see gunicorn.conf.py)."""

from dotenv import load_dotenv

from config import PROJECT_DIR

load_dotenv(PROJECT_DIR / ".env")

from app import create_app  # noqa: E402

app = create_app()
server = app.server
