"""Filters on any column, the breakdown and the bookmarkable address, in a real browser:
upload a file with Region and Segment columns, filter by a region, break down by
segment, click a segment's bar, reload the address."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
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
from tests.integration.test_accessibility import axe_violations, blocking

pytestmark = pytest.mark.browser


def shop_frame() -> pd.DataFrame:
    frame = transactions_frame(rows=800, seed=5)
    rng = np.random.default_rng(3)
    frame["Region"] = rng.choice(["West", "East", "Central", "South"], len(frame))
    frame["Segment"] = rng.choice(["Consumer", "Corporate", "Home Office"], len(frame))
    return frame


def _kpi(driver, label: str) -> str | None:
    for card in driver.find_elements(By.CSS_SELECTOR, ".kpi-card"):
        if (
            card.find_element(By.CSS_SELECTOR, ".kpi-label").text.strip().lower()
            == label
        ):
            return card.find_element(By.CSS_SELECTOR, ".kpi-value").text.strip()
    return None


def _pick(driver, wait, trigger_css: str, option: str) -> None:
    """Open the dropdown under ``trigger_css``, search for ``option`` and pick it."""

    def open_menu(d):
        trigger = d.find_element(By.CSS_SELECTOR, trigger_css)
        d.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})",
            trigger,
        )
        trigger.click()
        return True

    wait.until(open_menu, message=f"cannot open {trigger_css}")
    search = wait.until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".dash-dropdown-search"))
    )
    search.send_keys(option)

    def choose(d):
        for item in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"):
            if item.text.strip() == option:
                item.click()
                return True
        return False

    wait.until(choose, message=f"no option {option!r}")
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    wait.until_not(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".dash-dropdown-search"))
    )


def _table(driver) -> dict[str, str]:
    """Breakdown table: value -> revenue cell text."""
    out = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "#breakdown-table tbody tr"):
        cells = row.find_elements(By.CSS_SELECTOR, "td")
        if len(cells) > 1:
            out[cells[0].text.strip()] = cells[1].text.strip()
    return out


def _money(value: float) -> str:
    return format_money(round(float(value), 2), "$")


def _shoot_controls(driver, artifacts_dir, width: str) -> None:
    """Screenshots of the filter bar and the breakdown card, each on its own."""
    for name, css in (("filters", ".filter-bar"), ("breakdown", ".breakdown-card")):
        element = driver.find_element(By.CSS_SELECTOR, css)
        driver.execute_script(
            "arguments[0].scrollIntoView({block: 'start', behavior: 'instant'})",
            element,
        )
        screenshot(element, artifacts_dir / f"dimension-{name}-{width}.png")


def test_filter_break_down_click_and_reload(browser, make_app, tmp_path, artifacts_dir):
    frame = shop_frame()
    path = tmp_path / "regions.csv"
    frame.to_csv(path, index=False)
    west = frame[frame["Region"] == "West"]
    west_corporate = west[west["Segment"] == "Corporate"]
    by_segment = west.groupby("Segment")["Revenue"].sum()

    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        # the page redraws cards and rows as figures arrive
        wait = WebDriverWait(
            browser, 30, ignored_exceptions=(StaleElementReferenceException,)
        )
        wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        ).send_keys(str(path))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(lambda d: _kpi(d, "total revenue") == _money(frame["Revenue"].sum()))

        # a filter on a column that is not the category
        _pick(browser, wait, "#filter-add", "Region")
        row = '.dimension-filter[data-column="Region"] button.dash-dropdown'
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, row)))
        _pick(browser, wait, row, "West")
        wait.until(
            lambda d: _kpi(d, "total revenue") == _money(west["Revenue"].sum()),
            message="the revenue card does not follow the Region filter",
        )
        assert "Region West" in browser.find_element(By.ID, "filter-summary").text

        # break down by another column: one row per segment, revenue as pandas has it
        _pick(browser, wait, "#breakdown-by", "Segment")
        expected = {k: f"{v:,.2f}" for k, v in by_segment.items()}
        wait.until(lambda d: _table(d) == expected, message=str(expected))
        _shoot_controls(browser, artifacts_dir, "laptop")
        # the column filter, the picker and the breakdown pass axe too
        violations = blocking(axe_violations(browser))
        assert violations == [], violations

        # click the Corporate bar: it becomes a filter
        index = browser.execute_script(
            "const g = document.querySelector('#breakdown-graph .js-plotly-plot');"
            "return g.data[0].customdata.indexOf('Corporate');"
        )
        assert index >= 0
        bars = browser.find_elements(
            By.CSS_SELECTOR, "#breakdown-graph .trace.bars:first-of-type .point path"
        )
        browser.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})",
            bars[index],
        )
        ActionChains(browser).move_to_element(bars[index]).click().perform()
        wait.until(
            lambda d: (
                _kpi(d, "total revenue") == _money(west_corporate["Revenue"].sum())
            ),
            message="clicking the Corporate bar did not filter to it",
        )
        wait.until(
            lambda d: "Segment" in parse_qs(urlparse(d.current_url).query).get("by", [])
        )
        query = parse_qs(urlparse(browser.current_url).query)
        assert sorted(query["filter"]) == ["Region:West", "Segment:Corporate"]
        full_page_screenshot(browser, artifacts_dir / "dimension-filters.png")

        # the address is a bookmark: reloading it shows the same view
        browser.get(browser.current_url)
        wait.until(
            lambda d: (
                _kpi(d, "total revenue") == _money(west_corporate["Revenue"].sum())
            ),
            message="reloading the address lost the filters",
        )
        wait.until(
            lambda d: (
                _table(d) == {"Corporate": f"{west_corporate['Revenue'].sum():,.2f}"}
            )
        )
        chips = [
            el.get_attribute("data-column")
            for el in browser.find_elements(By.CSS_SELECTOR, ".dimension-filter")
        ]
        assert chips == ["Region", "Segment"]
        export = browser.find_element(By.ID, "download-data-csv").get_attribute("href")
        assert (
            "filter=Region%3AWest" in export and "filter=Segment%3ACorporate" in export
        )

        # the chat answers under the same filters, and says so
        box = browser.find_element(By.ID, "chat-input")
        browser.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", box
        )
        box.send_keys("What was my total revenue?\n")
        answer = wait.until(
            lambda d: next(
                iter(d.find_elements(By.CSS_SELECTOR, ".chat-answer .chat-markdown")),
                None,
            ),
            message="the chat did not answer",
        )
        assert f"${west_corporate['Revenue'].sum():,.2f}" in answer.text
        # ... and its words name the filters, never "all your data"
        assert "your selection (Region West; Segment Corporate" in answer.text
        assert "all your data" not in answer.text
        based_on = browser.find_elements(
            By.CSS_SELECTOR, ".chat-answer .chat-based-on"
        )[-1].text
        assert f"{len(west_corporate):,} rows" in based_on
        assert "Region West; Segment Corporate" in based_on

        # at phone width the controls stack and nothing scrolls sideways
        emulate_width(browser, *PHONE, mobile=True)
        browser.refresh()
        wait.until(
            lambda d: (
                _table(d) == {"Corporate": f"{west_corporate['Revenue'].sum():,.2f}"}
            )
        )
        _shoot_controls(browser, artifacts_dir, "phone")
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth"
            " - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the phone layout scrolls sideways by {overflow}px"


def test_a_value_beyond_the_first_listed_is_found_by_typing(
    browser, make_app, tmp_path
):
    frame = transactions_frame(rows=900, seed=8)
    frame["City"] = [f"City {i % 300:03d}" for i in range(len(frame))]
    path = tmp_path / "cities.csv"
    frame.to_csv(path, index=False)
    city = "City 287"  # the list shows the first 200 values before typing
    expected = _money(frame.loc[frame["City"] == city, "Revenue"].sum())

    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(
            browser, 30, ignored_exceptions=(StaleElementReferenceException,)
        )
        wait.until(
            ec.presence_of_element_located((By.ID, "upload-file-input"))
        ).send_keys(str(path))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(lambda d: _kpi(d, "total revenue") == _money(frame["Revenue"].sum()))
        _pick(browser, wait, "#filter-add", "City")
        row = '.dimension-filter[data-column="City"] button.dash-dropdown'
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, row)))
        _pick(browser, wait, row, city)
        wait.until(
            lambda d: _kpi(d, "total revenue") == expected,
            message=f"filtering on {city} did not give {expected}",
        )
        assert "filter=City%3ACity+287" in browser.current_url
