"""Several files, one dashboard, in a real headless browser: drop three exports at once,
see the combined dashboard and the per-file quality card, add a fourth from the
dashboard, switch Compare, open Customers; another browser may view the dashboard but
not add to it."""

from __future__ import annotations

import numpy as np
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from analytics.formatting import format_money, format_number
from tests.conftest import transactions_frame
from tests.integration.conftest import full_page_screenshot, screenshot
from tests.integration.servers import ThreadedServer

pytestmark = pytest.mark.browser


def _total_revenue(driver) -> str | None:
    for card in driver.find_elements(By.CSS_SELECTOR, ".kpi-card"):
        label = card.find_element(By.CSS_SELECTOR, ".kpi-label").text.strip().lower()
        if label == "total revenue":
            return card.find_element(By.CSS_SELECTOR, ".kpi-value").text.strip()
    return None


def _file_names(driver) -> list[str]:
    try:
        return [
            cell.get_attribute("textContent").strip()
            for cell in driver.find_elements(
                By.CSS_SELECTOR, "#files-table tbody tr td:first-child"
            )
        ]
    except StaleElementReferenceException:  # the page is being drawn again
        return []


def _open_files_menu(driver, item: str) -> None:
    """Open the header's "Files" menu and choose ``item`` (its id)."""
    # Bootstrap scrolls smoothly: jump to the top at once, then click
    driver.execute_script("window.scrollTo({top: 0, behavior: 'instant'})")
    driver.find_element(By.CSS_SELECTOR, "#files-menu .dropdown-toggle").click()
    WebDriverWait(driver, 10).until(ec.element_to_be_clickable((By.ID, item))).click()


def first_three_and_sep_customers(year) -> int:
    """Customers of July–September (the dates in view), each counted once."""
    return int(year.loc[year["Date"] >= "2024-07-01", "Customer"].nunique())


def test_three_files_then_a_fourth_from_the_dashboard(
    browser, other_browser, make_app, tmp_path, artifacts_dir
):
    year = transactions_frame(rows=900, seed=5, start="2024-01-01", days=270)
    year = year.sort_values("Date", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(5)
    year["Customer"] = [f"CU-{i:02d}" for i in rng.integers(0, 60, len(year))]
    month = year["Date"].str[:7]
    pieces = {
        # January–April and April–June overlap in April (exported twice)
        "jan-apr.csv": year[(month >= "2024-01") & (month <= "2024-04")],
        "apr-jun.csv": year[(month >= "2024-04") & (month <= "2024-06")],
        "jul-aug.csv": year[(month >= "2024-07") & (month <= "2024-08")],
        "sep.csv": year[month >= "2024-09"],
    }
    paths = {}
    for name, frame in pieces.items():
        paths[name] = tmp_path / name
        frame.to_csv(paths[name], index=False)
    first_three = year[month <= "2024-08"]
    expected_three = format_money(round(float(first_three["Revenue"].sum()), 2), "$")
    expected_all = format_money(round(float(year["Revenue"].sum()), 2), "$")
    april = int((month == "2024-04").sum())
    first_names = ["jan-apr.csv", "apr-jun.csv", "jul-aug.csv"]

    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 60)
        wait.until(
            lambda d: "Several exports" in d.find_element(By.ID, "upload-dropzone").text
        )
        screenshot(browser, artifacts_dir / "files-upload-page.png")
        file_input = wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        )
        assert file_input.get_attribute("multiple") is not None
        file_input.send_keys("\n".join(str(paths[name]) for name in first_names))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(
            lambda d: _total_revenue(d) == expected_three,
            message=f"total revenue never showed {expected_three}",
        )
        # the quality card opens by itself: the files overlap
        wait.until(lambda d: _file_names(d) == first_names)
        card = browser.find_element(By.ID, "quality-card")
        assert card.get_attribute("open") is not None
        text = card.text
        assert "overlap from 2024-04-01" in text
        assert f"{april:,} row(s) are identical on every column" in text
        browser.execute_script("arguments[0].scrollIntoView()", card)
        screenshot(browser, artifacts_dir / "files-three-combined.png")

        _open_files_menu(browser, "files-add")
        browser.find_element(By.ID, "files-input").send_keys(str(paths["sep.csv"]))
        wait.until(
            lambda d: _file_names(d) == [*first_names, "sep.csv"],
            message="the fourth file never appeared in the quality card",
        )
        wait.until(
            lambda d: _total_revenue(d) == expected_all,
            message=f"total revenue never showed {expected_all}",
        )
        assert "+ 3 more files" in browser.find_element(By.TAG_NAME, "h1").text

        # Compare, on the combined data: July–September against the period before it
        # (April–June, from other files); then a year earlier, which no file holds
        dashboard = browser.current_url.split("?")[0]
        browser.get(dashboard + "?start=2024-07-01&end=2024-09-30")
        wait.until(lambda d: "vs " in d.find_element(By.ID, "kpi-row").text)
        compare = browser.find_element(By.ID, "compare")
        labels = {
            label.text.strip(): label
            for label in compare.find_elements(By.TAG_NAME, "label")
        }
        browser.execute_script("arguments[0].click();", labels["Year ago"])
        wait.until(lambda d: "vs " not in d.find_element(By.ID, "kpi-row").text)
        wait.until(
            ec.text_to_be_present_in_element((By.ID, "changes-text"), "does not reach")
        )
        # Customers: every file's customers, counted once
        section = browser.find_element(By.ID, "customers-section")
        browser.execute_script("arguments[0].scrollIntoView();", section)
        wait.until(
            ec.text_to_be_present_in_element(
                (By.ID, "customers-kpis"),
                format_number(first_three_and_sep_customers(year)),
            )
        )
        full_page_screenshot(browser, artifacts_dir / "files-four-combined.png")
        url = dashboard

        # someone else with the link can look, but not add
        other_browser.get(url)
        wait_other = WebDriverWait(other_browser, 60)
        wait_other.until(lambda d: _total_revenue(d) == expected_all)
        _open_files_menu(other_browser, "files-add")
        other_browser.find_element(By.ID, "files-input").send_keys(
            str(paths["sep.csv"])
        )
        alert = wait_other.until(
            ec.visibility_of_element_located(
                (By.CSS_SELECTOR, "#files-status .alert-danger")
            )
        )
        assert "Only the browser that uploaded these files" in alert.text
        screenshot(other_browser, artifacts_dir / "files-add-refused.png")
        assert _total_revenue(other_browser) == expected_all
