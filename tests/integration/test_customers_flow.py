"""The Customers section in a real browser: figures, heatmap and segments appear for a
file with customer and order ids."""

from __future__ import annotations

import numpy as np
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
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

        # Compare with a year earlier: dashed lines, KPI notes and What changed
        compare = browser.find_element(By.ID, "compare")
        labels = compare.find_elements(By.TAG_NAME, "label")
        assert labels, compare.get_attribute("outerHTML")
        year_ago = next(label for label in labels if label.text.strip() == "Year ago")
        browser.execute_script("arguments[0].click();", year_ago)
        # the whole file has no year before it: the card says so
        wait.until(
            ec.text_to_be_present_in_element((By.ID, "changes-text"), "does not reach")
        )
        # from 2024-01-01 on, a year earlier is in the file
        inputs = browser.find_elements(
            By.CSS_SELECTOR, "[id^=filter-dates] input, input[id^=filter-dates]"
        )
        assert len(inputs) >= 2, browser.find_element(
            By.CSS_SELECTOR, "[id^=filter-dates]"
        ).get_attribute("outerHTML")[:3000]
        first = inputs[0]
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", first)
        browser.execute_script("arguments[0].focus();", first)
        first.send_keys(Keys.CONTROL, "a")
        first.send_keys("2024-01-01", Keys.ENTER)
        first.send_keys(Keys.TAB)
        wait.until(
            ec.text_to_be_present_in_element(
                (By.ID, "timeseries-graph"), "Revenue, a year earlier"
            )
        )
        wait.until(
            ec.text_to_be_present_in_element((By.ID, "kpi-row"), "vs a year earlier")
        )
        wait.until(
            ec.text_to_be_present_in_element((By.ID, "changes-text"), "a year earlier")
        )
        wait.until(
            ec.text_to_be_present_in_element((By.ID, "changes-graph"), "Total change")
        )
        full_page_screenshot(browser, artifacts_dir / "customers-and-compare.png")
