"""The Customers section in a real browser: figures, heatmap and segments appear for a
file with customer and order ids."""

from __future__ import annotations

import numpy as np
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from analytics.formatting import format_number
from tests.conftest import transactions_frame
from tests.integration.conftest import full_page_screenshot
from tests.integration.servers import ThreadedServer

pytestmark = pytest.mark.browser


def test_customers_section_shows_cohorts_and_segments(
    browser, make_app, tmp_path, artifacts_dir
):
    frame = transactions_frame(rows=800, seed=12)
    rng = np.random.default_rng(12)
    frame["Customer"] = [f"CU-{i:02d}" for i in rng.integers(0, 70, len(frame))]
    frame["Order ID"] = [
        f"O-{c}-{d}" for c, d in zip(frame["Customer"], frame["Date"], strict=True)
    ]
    path = tmp_path / "orders-with-customers.csv"
    frame.to_csv(path, index=False)
    customers = frame["Customer"].nunique()

    with ThreadedServer(make_app().server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 40)
        wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        ).send_keys(str(path))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(
            ec.text_to_be_present_in_element(
                (By.ID, "customers-kpis"), format_number(customers)
            )
        )
        section = browser.find_element(By.ID, "customers-section")
        assert section.is_displayed()
        browser.execute_script("arguments[0].scrollIntoView();", section)
        wait.until(
            lambda d: d.find_elements(
                By.CSS_SELECTOR, "#customers-cohort-graph .heatmaplayer"
            )
        )
        wait.until(
            lambda d: "Champions" in d.find_element(By.ID, "customers-segments").text
        )
        top = browser.find_element(By.ID, "customers-top").text
        best = frame.groupby("Customer")["Revenue"].sum().idxmax()
        assert best in top
        link = browser.find_element(By.ID, "download-customers-csv")
        assert "/customers.csv" in link.get_attribute("href")
        full_page_screenshot(browser, artifacts_dir / "customers-section.png")
