"""A newcomer without a file: "Try it with sample data" opens a full, labelled dashboard."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from analytics.demo import demo_shop
from analytics.formatting import format_money
from tests.integration.conftest import full_page_screenshot, screenshot
from tests.integration.servers import ThreadedServer

pytestmark = pytest.mark.browser


def _kpi(driver, label: str) -> str | None:
    for card in driver.find_elements(By.CSS_SELECTOR, ".kpi-card"):
        name = card.find_element(By.CSS_SELECTOR, ".kpi-label").text.strip().lower()
        if name == label:
            return card.find_element(By.CSS_SELECTOR, ".kpi-value").text.strip()
    return None


def test_sample_data_button_opens_a_demo_dashboard(browser, make_app, artifacts_dir):
    shop = demo_shop()
    revenue = format_money(round(float(shop["Revenue"].sum()), 2), "$")
    with ThreadedServer(make_app().server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 30)
        button = wait.until(ec.element_to_be_clickable((By.ID, "demo-button")))
        assert button.text == "Try it with sample data"
        screenshot(browser, artifacts_dir / "upload-page-sample-button.png")
        button.click()
        wait.until(ec.url_contains("/dashboard/"))
        badge = wait.until(ec.visibility_of_element_located((By.ID, "demo-badge")))
        assert badge.text == "Demo data"
        wait.until(
            lambda d: _kpi(d, "total revenue") == revenue,
            message=f"total revenue card never showed {revenue}",
        )
        # the demo shop has an Order ID: lines and orders are told apart
        assert _kpi(browser, "transactions (lines)") == f"{len(shop):,}"
        orders = shop.loc[shop["Revenue"] > 0, "Order ID"].nunique()
        assert _kpi(browser, "orders") == f"{orders:,}"
        assert _kpi(browser, "active skus") == str(shop["SKU"].nunique())
        for graph in ("timeseries-graph", "category-graph", "sku-bars-graph"):
            wait.until(
                ec.presence_of_element_located((By.CSS_SELECTOR, f"#{graph} .main-svg"))
            )
        wait.until(
            ec.text_to_be_present_in_element(
                (By.ID, "sku-count"), f"{shop['SKU'].nunique():,} SKUs ranked"
            )
        )
        full_page_screenshot(browser, artifacts_dir / "demo-dashboard.png")
