"""A user's first minute, in a real headless browser: upload a file, see the dashboard."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from analytics.formatting import format_money
from tests.conftest import transactions_frame
from tests.integration.conftest import (
    PHONE,
    emulate_width,
    full_page_screenshot,
    screenshot,
)
from tests.integration.servers import ThreadedServer

pytestmark = pytest.mark.browser


def _kpi_values(driver) -> dict[str, str]:
    cards = driver.find_elements(By.CSS_SELECTOR, ".kpi-card")
    values = {}
    for card in cards:
        label = card.find_element(By.CSS_SELECTOR, ".kpi-label").text.strip().lower()
        values[label] = card.find_element(By.CSS_SELECTOR, ".kpi-value").text.strip()
    return values


def test_upload_csv_shows_dashboard_with_right_total(
    browser, make_app, tmp_path, artifacts_dir
):
    frame = transactions_frame(rows=600, seed=11)
    path = tmp_path / "shop-sales.csv"
    frame.to_csv(path, index=False)
    expected = format_money(round(float(frame["Revenue"].sum()), 2), "$")

    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 30)
        wait.until(ec.presence_of_element_located((By.ID, "upload-dropzone")))
        screenshot(browser, artifacts_dir / "upload-page-laptop.png")
        file_input = wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        )
        file_input.send_keys(str(path))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".kpi-card")))
        wait.until(
            lambda d: _kpi_values(d).get("total revenue") == expected,
            message=f"total revenue card never showed {expected}",
        )
        wait.until(
            ec.presence_of_element_located(
                (By.CSS_SELECTOR, "#timeseries-graph .main-svg")
            )
        )
        values = _kpi_values(browser)
        assert values["transactions"] == f"{len(frame):,}"
        assert values["active skus"] == str(frame["SKU"].nunique())
        full_page_screenshot(browser, artifacts_dir / "dashboard-laptop.png")
        emulate_width(browser, *PHONE, mobile=True)
        browser.refresh()
        wait.until(lambda d: _kpi_values(d).get("total revenue") == expected)
        full_page_screenshot(browser, artifacts_dir / "dashboard-phone.png")
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the phone layout scrolls sideways by {overflow}px"


def test_too_large_file_gets_a_clear_message(
    browser, make_app, tmp_path, artifacts_dir
):
    path = tmp_path / "big.csv"
    path.write_bytes(b"Date,Revenue\n" + b"2024-01-01,10.00\n" * 5000)
    app = make_app(MAX_CONTENT_LENGTH=20_000)
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 30)
        wait.until(ec.presence_of_element_located((By.ID, "upload-dropzone")))
        file_input = wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        )
        file_input.send_keys(str(path))
        alert = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, "#upload-status .alert"))
        )
        assert "limit" in alert.text
        assert "/dashboard/" not in browser.current_url
        screenshot(browser, artifacts_dir / "upload-too-large.png")


def test_unreadable_file_shows_the_server_message(browser, make_app, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("Name,Email\nAda,ada@example.com\nGrace,grace@example.com\n")
    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 30)
        wait.until(ec.presence_of_element_located((By.ID, "upload-dropzone")))
        wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        ).send_keys(str(path))
        alert = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, "#upload-status .alert"))
        )
        assert alert.text.strip()
        assert "Traceback" not in browser.page_source


def test_expired_link_shows_a_friendly_page(browser, make_app, artifacts_dir):
    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/dashboard/" + "Z" * 32)
        wait = WebDriverWait(browser, 30)
        heading = wait.until(ec.visibility_of_element_located((By.TAG_NAME, "h1")))
        assert "expired" in heading.text.lower()
        screenshot(browser, artifacts_dir / "expired.png")


def test_workbook_sheet_can_be_switched_from_the_dashboard(
    browser, make_app, tmp_path, artifacts_dir
):
    from selenium.webdriver.support.ui import Select

    from tests.fixtures import messy

    frame = messy.base_frame(rows=60, seed=12)
    summary = [["Category", "Revenue"], ["Tools", 1000.0], ["Garden", 250.5]]
    path = tmp_path / "shop-workbook.xlsx"
    path.write_bytes(
        messy.xlsx_from_sheets(
            {
                "Notes": [["Exported from ShopSystem"], ["Generated 2024-07-01"]],
                "Transactions": messy.excel_rows(frame),
                "Summary": summary,
            }
        )
    )
    transactions = format_money(round(frame["revenue_cents"].sum() / 100, 2), "$")
    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 30)
        file_input = wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        )
        file_input.send_keys(str(path))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(
            lambda d: _kpi_values(d).get("total revenue") == transactions,
            message=f"total revenue card never showed {transactions}",
        )
        summary_line = browser.find_element(By.CSS_SELECTOR, ".quality-summary")
        assert "sheet “Transactions” of 3" in summary_line.text
        summary_line.click()  # open the data quality card
        select = Select(
            wait.until(ec.visibility_of_element_located((By.ID, "sheet-select")))
        )
        assert [o.text for o in select.options if o.get_attribute("value")] == [
            "Notes (2 rows with data)",
            "Transactions (61 rows with data)",
            "Summary (3 rows with data)",
        ]
        select.select_by_value("Notes")
        browser.find_element(By.ID, "sheet-apply").click()
        alert = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, "#sheet-status .alert"))
        )
        assert "The sheet 'Notes' cannot be used" in alert.text
        screenshot(
            browser.find_element(By.ID, "quality-card"),
            artifacts_dir / "quality-card-sheet-error.png",
        )
        assert _kpi_values(browser)["total revenue"] == transactions
        Select(browser.find_element(By.ID, "sheet-select")).select_by_value("Summary")
        browser.find_element(By.ID, "sheet-apply").click()
        wait.until(ec.url_contains("?v=1"))
        wait.until(
            lambda d: _kpi_values(d).get("total revenue") == format_money(1250.5, "$"),
            message="the dashboard never showed the Summary sheet's total",
        )
        text = browser.find_element(By.CSS_SELECTOR, ".quality-summary").text
        assert "sheet “Summary” of 3" in text
        full_page_screenshot(browser, artifacts_dir / "dashboard-sheet-switched.png")
