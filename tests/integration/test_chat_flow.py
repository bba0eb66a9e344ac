"""Upload a file, read the insights, click a suggested question and get the right figure."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from analytics.formatting import format_money
from tests.conftest import transactions_frame
from tests.integration.conftest import full_page_screenshot
from tests.integration.servers import ThreadedServer

pytestmark = pytest.mark.browser


def test_suggested_question_answers_with_the_right_figure(
    browser, make_app, tmp_path, artifacts_dir
):
    frame = transactions_frame(rows=500, seed=5)
    path = tmp_path / "shop-sales.csv"
    frame.to_csv(path, index=False)
    profit = (frame["Revenue"] - frame["Cost"]).groupby(frame["SKU"]).sum()
    top_sku, top_profit = (
        str(profit.idxmax()),
        format_money(round(float(profit.max()), 2), "$"),
    )
    total = format_money(round(float(frame["Revenue"].sum()), 2), "$")

    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        # the page re-renders as callbacks land: retry lookups that go stale
        wait = WebDriverWait(
            browser,
            60,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        )
        wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        ).send_keys(str(path))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(
            lambda d: (
                total in d.find_element(By.CSS_SELECTOR, ".insights-summary").text
            ),
            message=f"the insights summary never showed {total}",
        )
        assert len(browser.find_elements(By.CSS_SELECTOR, ".insight")) >= 3

        chip = (
            By.XPATH,
            "//button[contains(@class,'chat-suggestion')][.='Top 5 products by profit']",
        )

        def click_chip(driver) -> bool:
            # charts above still change height while they load: scroll, then click
            # (instantly: Bootstrap makes scrolling smooth, which moves the target)
            element = driver.find_element(*chip)
            driver.execute_script(
                "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                element,
            )
            element.click()
            return True

        WebDriverWait(
            browser,
            60,
            ignored_exceptions=(
                NoSuchElementException,
                StaleElementReferenceException,
                ElementClickInterceptedException,
            ),
        ).until(click_chip)
        wait.until(
            lambda d: (
                "Top 5 products by profit"
                in " ".join(
                    e.text for e in d.find_elements(By.CSS_SELECTOR, ".chat-question")
                )
            )
        )
        answer = wait.until(
            lambda d: next(
                (
                    e
                    for e in d.find_elements(
                        By.CSS_SELECTOR, ".chat-answer .chat-markdown"
                    )
                    if top_sku in e.text
                ),
                None,
            ),
            message=f"no answer naming {top_sku}",
        )
        assert f"{top_sku}: profit {top_profit}" in answer.text
        note = browser.find_elements(By.CSS_SELECTOR, ".chat-answer .chat-note")[
            -1
        ].text
        assert "Answered without the AI model" in note
        based_on = browser.find_elements(
            By.CSS_SELECTOR, ".chat-answer .chat-based-on"
        )[-1].text
        assert f"{len(frame):,} rows" in based_on
        wait.until(lambda d: d.find_element(By.ID, "chat-send").is_enabled())
        assert browser.find_element(By.ID, "chat-input").get_attribute("value") == ""
        full_page_screenshot(browser, artifacts_dir / "dashboard-chat-laptop.png")

        # a typed follow-up, sent with Enter, and the conversation survives a reload
        box = browser.find_element(By.ID, "chat-input")
        box.send_keys("How many customers do I have?\n")
        wait.until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".chat-markdown")) == 2
        )
        browser.refresh()
        wait.until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".chat-question")) == 2
        )
        assert (
            "Top 5 products by profit"
            in browser.find_elements(By.CSS_SELECTOR, ".chat-question")[0].text
        )
