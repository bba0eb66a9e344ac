"""The forecast card's "By" choice: one forecast per category / SKU, with a table."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import csrf_token, transactions_frame, upload
from tests.integration.conftest import screenshot
from tests.integration.servers import ThreadedServer

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard(make_app):
    app = make_app()
    frame = transactions_frame(rows=1500, days=800, seed=3)
    client = app.server.test_client()
    created = upload(
        client, frame.to_csv(index=False).encode(), token=csrf_token(client)
    ).get_json()
    return app, created["dashboard_url"], frame


def test_forecast_by_category_shows_a_line_and_a_row_per_category(
    browser, dashboard, artifacts_dir
):
    app, url, frame = dashboard
    with ThreadedServer(app.server) as server:
        browser.get(server.url + url)
        wait = WebDriverWait(browser, 240)
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".kpi-card")))
        wait.until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#forecast-by option")) > 1
        )
        options = [
            o.get_attribute("textContent")
            for o in browser.find_elements(By.CSS_SELECTOR, "#forecast-by option")
        ]
        options = [o for o in options if o]  # the select's empty placeholder
        assert options[:3] == ["Total", "SKU", "Category"]
        Select(browser.find_element(By.ID, "forecast-by")).select_by_value("category")
        info = wait.until(
            lambda d: (
                d.find_element(By.ID, "forecast-info").text
                if "for each of the 3 largest values of category"
                in d.find_element(By.ID, "forecast-info").text
                else None
            )
        )
        for category in frame["Category"].unique():
            assert category in info
        assert "not checked by a backtest" in info
        legend = browser.find_elements(By.CSS_SELECTOR, "#forecast-graph .legendtext")
        assert sorted(e.text for e in legend) == sorted(frame["Category"].unique())
        screenshot(
            browser.find_element(By.ID, "forecast-graph").find_element(By.XPATH, ".."),
            artifacts_dir / "forecast-by-category.png",
        )
        Select(browser.find_element(By.ID, "forecast-by")).select_by_value("total")
        wait.until(lambda d: "Backtest" in d.find_element(By.ID, "forecast-info").text)
