"""The SKU ranking in a real browser: band words, the few-sales mark and the hide switch."""

from __future__ import annotations

import pandas as pd
import pytest
from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import transactions_frame
from tests.integration.conftest import screenshot
from tests.integration.servers import ThreadedServer

pytestmark = pytest.mark.browser


def _column(driver, column_id: str) -> list[str]:
    cells = driver.find_elements(
        By.CSS_SELECTOR, f'#sku-table td[data-dash-column="{column_id}"]'
    )
    return [cell.text.strip() for cell in cells]


def test_ranking_marks_few_sales_and_the_switch_hides_them(
    browser, make_app, tmp_path, artifacts_dir
):
    shop = transactions_frame(rows=300, seed=3)
    one_offs = pd.DataFrame(
        {
            "Date": ["2023-02-01", "2023-03-01", "2023-03-02"],
            "SKU": ["RARE-1", "RARE-2", "RARE-2"],
            "Category": ["Hardware"] * 3,
            "Quantity": [1, 1, 1],
            "Unit Price": [9000.0, 40.0, 40.0],
            "Revenue": [9000.0, 40.0, 40.0],
            "Cost": [9500.0, 30.0, 30.0],
        }
    )
    frame = pd.concat([shop, one_offs], ignore_index=True)
    path = tmp_path / "shop-with-rare-skus.csv"
    frame.to_csv(path, index=False)
    counts = frame.groupby("SKU").size()
    total, kept = counts.size, int((counts >= 3).sum())
    assert kept == total - 2

    with ThreadedServer(make_app().server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 30)
        wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        ).send_keys(str(path))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(
            ec.text_to_be_present_in_element(
                (By.ID, "sku-count"), f"{total:,} SKUs ranked"
            )
        )
        table = browser.find_element(By.ID, "sku-table")
        browser.execute_script("arguments[0].scrollIntoView();", table)
        assert set(_column(browser, "band_label")) <= {"High", "Medium", "Low"}
        assert _column(browser, "band_label"), "no band words in the table"
        help_text = browser.find_element(By.CSS_SELECTOR, "#sku-table").find_element(
            By.XPATH, "ancestor::div[contains(@class, 'card-body')]"
        )
        assert "percentile rank" in help_text.text

        # sort by transactions, fewest first: the two rare SKUs lead, marked
        # (sections above may still grow as their callbacks answer: each click waits
        # until its target is in view and nothing covers it)
        sort = '#sku-table th[data-dash-column="transactions"] .column-header--sort'
        wait.until(lambda d: _click_in_view(d, By.CSS_SELECTOR, sort))
        wait.until(lambda d: _column(d, "sku")[:2] == ["RARE-1", "RARE-2"])
        assert _column(browser, "note")[:3] == ["few sales", "few sales", ""]
        screenshot(browser, artifacts_dir / "sku-ranking-few-sales.png")

        wait.until(lambda d: _click_in_view(d, By.ID, "sku-hide-few"))
        wait.until(
            ec.text_to_be_present_in_element(
                (By.ID, "sku-count"),
                f"{kept:,} of {total:,} SKUs shown "
                "(hiding those with fewer than 3 sales)",
            )
        )
        wait.until(lambda d: "RARE-1" not in _column(d, "sku"))
        assert "few sales" not in _column(browser, "note")
        link = browser.find_element(By.ID, "download-skus-csv")
        assert "min_sales=3" in (link.get_attribute("href") or "")
        screenshot(browser, artifacts_dir / "sku-ranking-hidden.png")


def _click_in_view(browser, by: str, selector: str) -> bool:
    element = browser.find_element(by, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    try:
        element.click()
    except ElementClickInterceptedException:
        return False
    return True
