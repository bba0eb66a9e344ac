"""Several files, one dashboard, in a real headless browser: drop two exports at once,
see the combined dashboard and the per-file quality card, add a third from the
dashboard; another browser may view the dashboard but not add to it."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from analytics.formatting import format_money
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


def test_two_files_then_a_third_from_the_dashboard(
    browser, other_browser, make_app, tmp_path, artifacts_dir
):
    year = transactions_frame(rows=900, seed=5, start="2024-01-01", days=270)
    year = year.sort_values("Date", kind="stable").reset_index(drop=True)
    month = year["Date"].str[:7]
    pieces = {
        # January–April and April–June overlap in April (exported twice)
        "jan-apr.csv": year[(month >= "2024-01") & (month <= "2024-04")],
        "apr-jun.csv": year[(month >= "2024-04") & (month <= "2024-06")],
        "jul-sep.csv": year[month >= "2024-07"],
    }
    paths = {}
    for name, frame in pieces.items():
        paths[name] = tmp_path / name
        frame.to_csv(paths[name], index=False)
    first_two = year[month <= "2024-06"]
    expected_two = format_money(round(float(first_two["Revenue"].sum()), 2), "$")
    expected_all = format_money(round(float(year["Revenue"].sum()), 2), "$")
    april = int((month == "2024-04").sum())

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
        file_input.send_keys(f"{paths['jan-apr.csv']}\n{paths['apr-jun.csv']}")
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(
            lambda d: _total_revenue(d) == expected_two,
            message=f"total revenue never showed {expected_two}",
        )
        # the quality card opens by itself: the files overlap
        wait.until(lambda d: _file_names(d) == ["jan-apr.csv", "apr-jun.csv"])
        card = browser.find_element(By.ID, "quality-card")
        assert card.get_attribute("open") is not None
        text = card.text
        assert "overlap from 2024-04-01" in text
        assert f"{april:,} row(s) are identical on every column" in text
        browser.execute_script("arguments[0].scrollIntoView()", card)
        screenshot(browser, artifacts_dir / "files-two-combined.png")

        _open_files_menu(browser, "files-add")
        browser.find_element(By.ID, "files-input").send_keys(str(paths["jul-sep.csv"]))
        wait.until(
            lambda d: _file_names(d) == ["jan-apr.csv", "apr-jun.csv", "jul-sep.csv"],
            message="the third file never appeared in the quality card",
        )
        wait.until(
            lambda d: _total_revenue(d) == expected_all,
            message=f"total revenue never showed {expected_all}",
        )
        assert "+ 2 more files" in browser.find_element(By.TAG_NAME, "h1").text
        full_page_screenshot(browser, artifacts_dir / "files-three-combined.png")
        url = browser.current_url.split("?")[0]

        # someone else with the link can look, but not add
        other_browser.get(url)
        wait_other = WebDriverWait(other_browser, 60)
        wait_other.until(lambda d: _total_revenue(d) == expected_all)
        _open_files_menu(other_browser, "files-add")
        other_browser.find_element(By.ID, "files-input").send_keys(
            str(paths["jul-sep.csv"])
        )
        alert = wait_other.until(
            ec.visibility_of_element_located(
                (By.CSS_SELECTOR, "#files-status .alert-danger")
            )
        )
        assert "Only the browser that uploaded these files" in alert.text
        screenshot(other_browser, artifacts_dir / "files-add-refused.png")
        assert _total_revenue(other_browser) == expected_all
