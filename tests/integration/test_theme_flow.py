"""Dark theme and locale formats in the browser: the page follows the system's dark
setting, the switch is remembered, charts take the dark template, axe finds nothing
serious in dark, and a German number format writes the cards and charts the German way."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from analytics.demo import demo_shop
from analytics.formatting import format_money
from components.figures import THEME_COLORS
from tests.integration.conftest import (
    LAPTOP,
    PHONE,
    emulate_width,
    full_page_screenshot,
    screenshot,
)
from tests.integration.servers import ThreadedServer
from tests.integration.test_accessibility import axe_violations, blocking, save

pytestmark = pytest.mark.browser

GRAPHS = ("timeseries-graph", "category-graph", "sku-bars-graph")


def _system_dark(driver, dark: bool = True) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {
            "features": [
                {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}
            ]
        },
    )


def _open_demo(driver, url: str) -> str:
    driver.get(url + "/")
    wait = WebDriverWait(driver, 60)
    wait.until(ec.element_to_be_clickable((By.ID, "demo-button"))).click()
    wait.until(ec.url_contains("/dashboard/"))
    _charts_drawn(driver)
    return driver.current_url


def _charts_drawn(driver) -> None:
    wait = WebDriverWait(driver, 60)
    for graph in GRAPHS:
        wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, f"#{graph} .main-svg"))
        )


def _open_table(driver, graph: str) -> list[list[str]]:
    """Unfold a chart's "Show the figures as a table"; its rows as text cells."""
    summary = WebDriverWait(driver, 30).until(
        ec.element_to_be_clickable(
            (By.CSS_SELECTOR, f"#{graph} + details.chart-table > summary")
        )
    )
    if not summary.find_element(By.XPATH, "..").get_attribute("open"):
        driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
            summary,
        )
    rows = driver.find_elements(
        By.CSS_SELECTOR, f"#{graph} + details.chart-table tbody tr"
    )
    return [
        [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
        for row in rows
    ]


def _charts_fit(driver) -> None:
    """Wait until every chart has been redrawn at the page's new width."""
    driver.execute_script("window.dispatchEvent(new Event('resize'))")
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return [...document.querySelectorAll('.js-plotly-plot')]"
            ".filter(g => g.offsetParent !== null)"
            ".every(g => g._fullLayout && g._fullLayout.width <= "
            "g.parentElement.getBoundingClientRect().width + 1)"
        )
    )


def _kpi(driver, label: str) -> str | None:
    for card in driver.find_elements(By.CSS_SELECTOR, ".kpi-card"):
        name = card.find_element(By.CSS_SELECTOR, ".kpi-label").text.strip().lower()
        if name == label:
            return card.find_element(By.CSS_SELECTOR, ".kpi-value").text.strip()
    return None


def _theme(driver) -> str | None:
    return driver.execute_script(
        "return document.documentElement.getAttribute('data-bs-theme')"
    )


def _chart_font(driver, graph: str) -> str:
    """The text colour Plotly drew a chart with (its full layout, after the template)."""
    return driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return gd && gd._fullLayout ? gd._fullLayout.font.color : null;",
        f"#{graph}",
    )


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_dark_system_setting_gives_a_dark_readable_dashboard(
    browser, make_app, artifacts_dir
):
    dark_text = THEME_COLORS["dark"]["text"]
    light_text = THEME_COLORS["light"]["text"]
    with ThreadedServer(make_app().server) as server:
        _system_dark(browser)
        _open_demo(browser, server.url)
        wait = WebDriverWait(browser, 30)
        assert _theme(browser) == "dark"
        for graph in GRAPHS:
            wait.until(lambda d, g=graph: _chart_font(d, g) == dark_text)
        background = browser.execute_script(
            "return getComputedStyle(document.body).backgroundColor"
        )
        assert background == "rgb(22, 25, 28)"

        # every chart has its figures as a table; open one so axe checks it too
        _open_table(browser, "timeseries-graph")
        violations = axe_violations(browser)
        save(artifacts_dir, "dashboard-dark", violations)
        assert blocking(violations) == [], json.dumps(blocking(violations), indent=1)

        # the demo spans one year: nothing to compare, so What changed is one line
        wait.until(
            lambda d: "nothing to compare" in d.find_element(By.ID, "changes-text").text
        )
        assert not browser.find_element(By.ID, "changes-chart").is_displayed()

        emulate_width(browser, *LAPTOP)
        full_page_screenshot(browser, artifacts_dir / "dashboard-dark-laptop.png")
        emulate_width(browser, *PHONE, mobile=True)
        _charts_fit(browser)
        browser.execute_script("window.scrollTo(0, 0)")
        screenshot(browser, artifacts_dir / "dashboard-dark-phone-top.png")
        full_page_screenshot(browser, artifacts_dir / "dashboard-dark-phone.png")
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"the phone page scrolls sideways by {overflow}px"
        emulate_width(browser, *LAPTOP)

        # the switch overrides the system and is remembered over a reload
        Select(browser.find_element(By.ID, "theme-choice")).select_by_value("light")
        wait.until(lambda d: _theme(d) == "light")
        for graph in GRAPHS:
            wait.until(lambda d, g=graph: _chart_font(d, g) == light_text)
        browser.refresh()
        _charts_drawn(browser)
        assert _theme(browser) == "light"
        assert (
            Select(
                browser.find_element(By.ID, "theme-choice")
            ).first_selected_option.get_attribute("value")
            == "light"
        )
        wait.until(lambda d: _chart_font(d, "timeseries-graph") == light_text)

        # back to "system": dark again, and the upload page is dark too
        Select(browser.find_element(By.ID, "theme-choice")).select_by_value("auto")
        wait.until(lambda d: _theme(d) == "dark")
        browser.get(server.url + "/")
        wait.until(ec.element_to_be_clickable((By.ID, "demo-button")))
        assert _theme(browser) == "dark"
        violations = axe_violations(browser)
        save(artifacts_dir, "upload-page-dark", violations)
        assert blocking(violations) == [], json.dumps(blocking(violations), indent=1)
        screenshot(browser, artifacts_dir / "upload-page-dark.png")


def test_a_chosen_dark_theme_is_drawn_from_the_first_paint(browser, make_app):
    with ThreadedServer(make_app().server) as server:
        _system_dark(browser, dark=False)
        browser.get(server.url + "/")
        browser.add_cookie({"name": "smbrc_theme", "value": "dark", "path": "/"})
        browser.get(server.url + "/")
        # the server writes it into <html> itself: no light flash before the scripts run
        source = browser.execute_script(
            "return document.documentElement.outerHTML.slice(0, 200)"
        )
        assert 'data-bs-theme="dark"' in source
        WebDriverWait(browser, 30).until(
            ec.element_to_be_clickable((By.ID, "demo-button"))
        )
        assert _theme(browser) == "dark"


def test_german_number_format_on_cards_and_charts(browser, make_app, artifacts_dir):
    shop = demo_shop()
    total = round(float(shop["Revenue"].sum()), 2)
    with ThreadedServer(make_app().server) as server:
        _open_demo(browser, server.url)
        wait = WebDriverWait(browser, 60)
        wait.until(lambda d: _kpi(d, "total revenue") == format_money(total, "$"))
        Select(browser.find_element(By.ID, "locale-choice")).select_by_value("de-DE")
        german = format_money(total, "$", locale="de-DE")
        assert "." in german and german.endswith("\u00a0$")
        # WebDriver reads a no-break space as a plain one
        german = german.replace("\u00a0", " ")
        wait.until(
            lambda d: _kpi(d, "total revenue") == german,
            message=f"total revenue never showed {german}",
        )
        _charts_drawn(browser)
        separators = browser.execute_script(
            "const gd = document.querySelector('#timeseries-graph .js-plotly-plot');"
            "return gd._fullLayout.separators;"
        )
        assert separators == ",."
        ticks = [
            t.text
            for t in browser.find_elements(
                By.CSS_SELECTOR, "#timeseries-graph .ytick text"
            )
        ]
        assert any(t.endswith("$") and "." in t for t in ticks), ticks
        months = [
            t.text
            for t in browser.find_elements(
                By.CSS_SELECTOR, "#timeseries-graph .xtick text"
            )
        ]
        screenshot(browser, artifacts_dir / "dashboard-de-DE.png")
        assert months, "no month ticks drawn"

        # the chart's table: the same figures, in German
        monthly = (
            shop.assign(month=pd.to_datetime(shop["Order Date"]).dt.to_period("M"))
            .groupby("month")["Revenue"]
            .sum()
        )
        rows = _open_table(browser, "timeseries-graph")
        assert len(rows) == len(monthly)
        first = format_money(round(monthly.iloc[0], 2), "$", decimals=2, locale="de-DE")
        assert rows[0][1] == first.replace("\u00a0", " "), rows[0]
        assert rows[0][0] == "Jan. 2025"
        categories = _open_table(browser, "category-graph")
        assert {row[0] for row in categories} >= {"Coffee", "Tea"}
        assert (
            Select(
                browser.find_element(By.ID, "locale-choice")
            ).first_selected_option.get_attribute("value")
            == "de-DE"
        )
