"""The forecast runs in the background: the dashboard never waits for it, and it can be cancelled."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import csrf_token, transactions_frame, upload
from tests.integration.conftest import screenshot
from tests.integration.servers import Gunicorn, ThreadedServer, upload_frame
from web.extensions import extensions

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard(make_app):
    app = make_app(MAX_CONCURRENT_JOBS=1)
    frame = transactions_frame(rows=1500, days=800, seed=3)
    client = app.server.test_client()
    created = upload(
        client, frame.to_csv(index=False).encode(), token=csrf_token(client)
    ).get_json()
    return app, created["dashboard_url"]


def test_forecast_arrives_after_the_dashboard_and_follows_the_model_choice(
    browser, dashboard, artifacts_dir
):
    app, url = dashboard
    with ThreadedServer(app.server) as server:
        browser.get(server.url + url)
        _forecast_arrives_and_follows_the_model_choice(
            browser, artifacts_dir / "forecast-chart.png"
        )


@pytest.mark.slow
def test_forecast_arrives_on_gunicorn(browser, tmp_path, artifacts_dir):
    """The same flow against `make serve` (two workers, forkserver job runner per worker)."""
    env = {
        "SECRET_KEY": "gunicorn-forecast",
        "CACHE_DIR": str(tmp_path / "cache"),
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "MAX_CONCURRENT_JOBS": "1",
        "RATE_LIMIT": "1000",
        "OLLAMA_HOST": "http://127.0.0.1:9",
        "LOG_LEVEL": "WARNING",
    }
    frame = transactions_frame(rows=1500, days=800, seed=3)
    with Gunicorn(env, tmp_path / "gunicorn.log") as server:
        sid = upload_frame(server.url, frame)
        browser.get(f"{server.url}/dashboard/{sid}")
        try:
            _forecast_arrives_and_follows_the_model_choice(
                browser, artifacts_dir / "forecast-chart-gunicorn.png"
            )
        except Exception:
            info = browser.find_elements(By.ID, "forecast-info")
            print("forecast-info:", info[0].text if info else "(none)")
            print("gunicorn log (last 60 lines):")
            print("\n".join(server.log().splitlines()[-60:]))
            raise


def _forecast_arrives_and_follows_the_model_choice(browser, shot) -> None:
    # generous: on a busy machine the backtests of every model take a while, and the
    # model switch queues behind the insights' forecast for the one job slot
    WebDriverWait(browser, 100).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".kpi-card"))
    )
    wait = WebDriverWait(browser, 170)
    info = wait.until(
        lambda d: d.find_element(By.ID, "forecast-info").text.strip() or None
    )
    assert "Backtest" in info and "MASE" in info
    assert "past values fell inside its 80% band" in info  # measured coverage
    screenshot(
        browser.find_element(By.ID, "forecast-graph"),
        shot,
    )
    Select(browser.find_element(By.ID, "forecast-model")).select_by_value(
        "seasonal_naive"
    )
    wait.until(
        lambda d: (
            "Seasonal naive (same as last season)"
            in d.find_element(By.ID, "forecast-info").text.split("\n")[0]
        )
    )
    assert browser.find_elements(By.CSS_SELECTOR, "#forecast-graph .main-svg")


def test_a_queued_forecast_can_be_cancelled_then_retried(browser, dashboard):
    app, url = dashboard
    store = extensions(app.server).store
    assert store.add_global("jobslot:0", 1, 120)  # the only job slot is busy
    try:
        with ThreadedServer(app.server) as server:
            browser.get(server.url + url)
            wait = WebDriverWait(browser, 120)
            # Cancel is enabled only while the job runs (queued behind the busy slot)
            cancel = wait.until(ec.element_to_be_clickable((By.ID, "forecast-cancel")))
            browser.execute_script("arguments[0].click();", cancel)
            wait.until(
                lambda d: d.find_element(By.ID, "forecast-cancel").get_attribute(
                    "disabled"
                )
            )
            wait.until(
                lambda d: "cancelled" in d.find_element(By.ID, "forecast-info").text
            )
            retry = browser.find_element(By.ID, "forecast-run")
            assert retry.is_displayed()
            store.delete_global("jobslot:0")  # the other job ends
            browser.execute_script("arguments[0].click();", retry)
            info = wait.until(
                lambda d: (
                    "Backtest" in d.find_element(By.ID, "forecast-info").text
                    and d.find_element(By.ID, "forecast-info").text
                )
            )
            assert "MASE" in info
            assert not browser.find_element(By.ID, "forecast-run").is_displayed()
    finally:
        store.delete_global("jobslot:0")
