"""Helpers to run the app for real: an in-process WSGI server thread, and gunicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThreadedServer:
    """Serve a Flask app on 127.0.0.1:<free port> from a background thread."""

    def __init__(self, flask_app) -> None:
        self.port = free_port()
        self._server = make_server("127.0.0.1", self.port, flask_app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    last_error: Exception | None = None
    while time.time() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException as error:
            last_error = error
        time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not come up: {last_error}")


def stop(process: subprocess.Popen | None, timeout: float) -> None:
    """Terminate a server process, killing it when it does not stop within ``timeout``."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()


class Gunicorn:
    """Run ``gunicorn -c gunicorn.conf.py wsgi:server`` with the given environment."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"],
            cwd=PROJECT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(self.url, timeout=90)
        except RuntimeError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process, timeout=20)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


#: The cookies of the client that uploaded each session (its owner cookie among them), so
#: a test that then drives that dashboard acts as its owner, as the uploading browser does.
UPLOADER_COOKIES: dict[str, requests.cookies.RequestsCookieJar] = {}


def upload_frame(url: str, frame, filename: str = "sales.csv") -> str:
    """Upload ``frame`` as CSV through POST /upload like an API client; returns the session
    id (the uploading client's cookies are kept in ``UPLOADER_COOKIES``)."""
    from tests.conftest import CSRF_META

    http = requests.Session()
    token = CSRF_META.search(http.get(url + "/", timeout=10).text).group(1)
    created = http.post(
        url + "/upload",
        files={"file": (filename, frame.to_csv(index=False).encode(), "text/csv")},
        headers={"X-CSRFToken": token},
        timeout=60,
    )
    assert created.status_code == 201, created.text
    sid = created.json()["session_id"]
    UPLOADER_COOKIES[sid] = http.cookies
    return sid


def open_as_owner(driver, url: str, sid: str) -> None:
    """Open the dashboard of ``sid`` in ``driver`` carrying the cookies of the client that
    uploaded it (``upload_frame``), so the browser may write (chat, mapping) as its owner."""
    driver.get(url + "/health")  # cookies can only be set on the server's own origin
    for cookie in UPLOADER_COOKIES[sid]:
        driver.add_cookie({"name": cookie.name, "value": cookie.value, "path": "/"})
    driver.get(f"{url}/dashboard/{sid}")


class CeleryWorker:
    """Run ``celery -A worker:celery_app worker`` (the scale-out job runner) with ``env``."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> CeleryWorker:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "worker:celery_app", "worker",
                "--loglevel=INFO", "--without-gossip", "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=PROJECT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.time() + 90
        while "ready." not in self.log():
            if self.process.poll() is not None or time.time() > deadline:
                self.__exit__()
                raise RuntimeError("the Celery worker did not start:\n" + self.log())
            time.sleep(0.3)
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process, timeout=30)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
