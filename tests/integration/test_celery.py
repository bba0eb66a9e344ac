"""Scale-out shape end to end: gunicorn and a Celery worker sharing Redis.

With ``REDIS_URL`` set, the dashboard's background jobs (the forecast, chat answers) leave
the web process: Dash hands them to Celery through Redis and a separate ``celery -A
worker:celery_app worker`` process runs them. Here a user opens the dashboard in a real
browser; the forecast must arrive, computed by the worker, and a chat answer too.
"""

from __future__ import annotations

import re
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import transactions_frame
from tests.integration.conftest import screenshot
from tests.integration.servers import (
    CeleryWorker,
    Gunicorn,
    open_as_owner,
    upload_frame,
)

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.slow]

DB = 12


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{DB}")
    client.flushdb()
    yield f"redis://127.0.0.1:6379/{DB}"
    client.flushdb()


def test_background_jobs_run_on_the_celery_worker(
    browser, redis_db, tmp_path, artifacts_dir
):
    env = {
        "SECRET_KEY": "celery-test-secret",
        "CACHE_DIR": str(tmp_path / f"cache-{uuid.uuid4().hex[:6]}"),
        "REDIS_URL": redis_db,
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "MAX_CONCURRENT_JOBS": "1",
        "RATE_LIMIT": "1000",
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "LOG_LEVEL": "INFO",
    }
    frame = transactions_frame(rows=900, days=760, seed=5)
    with (
        CeleryWorker(env, tmp_path / "celery.log") as worker,
        Gunicorn(env, tmp_path / "gunicorn.log") as server,
    ):
        sid = upload_frame(server.url, frame)
        open_as_owner(browser, server.url, sid)
        wait = WebDriverWait(browser, 180)
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".kpi-card")))
        info = wait.until(
            lambda d: d.find_element(By.ID, "forecast-info").text.strip() or None,
            message="the forecast never arrived from the Celery worker",
        )
        assert "Backtest" in info and "MASE" in info
        assert browser.find_elements(By.CSS_SELECTOR, "#forecast-graph .main-svg")

        box = browser.find_element(By.ID, "chat-input")
        browser.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", box
        )
        box.send_keys("What is my total revenue?")
        send = browser.find_element(By.ID, "chat-send")
        browser.execute_script("arguments[0].click();", send)
        try:
            answer = wait.until(
                lambda d: (
                    d.find_elements(By.CSS_SELECTOR, ".chat-answer .chat-markdown")
                    or None
                ),
                message="the chat answer never arrived from the Celery worker",
            )[0].text
        except Exception:
            print("chat card:", browser.find_element(By.ID, "chat-messages").text)
            print("worker log:", worker.log()[-4000:])
            print("web log:", server.log()[-4000:])
            raise
        total = f"{round(float(frame['Revenue'].sum())):,}"
        assert total in answer.replace(".00", "")
        screenshot(browser, artifacts_dir / "dashboard-celery-chat.png")
        worker_log = worker.log()
        web_log = server.log()
    succeeded = re.findall(r"Task \S+\[[0-9a-f-]+\] succeeded", worker_log)
    assert len(succeeded) >= 2, worker_log[-3000:]  # the forecast and the answer
    assert "Traceback" not in worker_log, worker_log[-3000:]
    assert "Traceback" not in web_log, web_log[-3000:]
