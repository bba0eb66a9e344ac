"""Two people, two browsers: the one with the link can look, only the uploader can change."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from analytics.formatting import format_money
from tests.conftest import transactions_frame
from tests.integration.conftest import screenshot
from tests.integration.servers import ThreadedServer
from web.extensions import extensions

pytestmark = pytest.mark.browser

#: Records Content-Security-Policy violations from the first script on.
CSP_WATCH = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation', function (e) {"
    "  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
)


def _watch_csp(driver) -> None:
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": CSP_WATCH}
    )


def _total_revenue(driver) -> str:
    for card in driver.find_elements(By.CSS_SELECTOR, ".kpi-card"):
        label = card.find_element(By.CSS_SELECTOR, ".kpi-label").text.strip().lower()
        if label == "total revenue":
            return card.find_element(By.CSS_SELECTOR, ".kpi-value").text.strip()
    return ""


def _press_apply_mapping(driver, wait) -> str:
    """Press Apply mapping in the quality card; the status message it shows."""
    button = wait.until(ec.presence_of_element_located((By.ID, "mapping-apply")))
    driver.execute_script("arguments[0].click();", button)
    status = wait.until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#mapping-status .alert"))
    )
    return status.get_attribute("textContent")


def test_a_visitor_with_the_link_can_view_but_not_change(
    browser, other_browser, make_app, tmp_path, artifacts_dir
):
    frame = transactions_frame(rows=300, seed=5)
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    expected = format_money(round(float(frame["Revenue"].sum()), 2), "$")
    _watch_csp(browser)
    app = make_app()
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 30)
        wait.until(ec.presence_of_element_located((By.ID, "upload-file-input")))
        browser.find_element(By.ID, "upload-file-input").send_keys(str(path))
        wait.until(ec.url_contains("/dashboard/"))
        wait.until(lambda d: _total_revenue(d) == expected)
        dashboard_url = browser.current_url.split("?")[0]
        sid = dashboard_url.rstrip("/").rsplit("/", 1)[-1]
        wait.until(
            ec.presence_of_element_located(
                (By.CSS_SELECTOR, "#timeseries-graph .main-svg")
            )
        )
        assert browser.execute_script("return window.__csp") == []
        assert not browser.find_elements(By.ID, "view-only")

        # Another person opens the link: same figures, but a write is refused.
        visitor = WebDriverWait(other_browser, 30)
        other_browser.get(dashboard_url)
        visitor.until(lambda d: _total_revenue(d) == expected)
        visitor.until(
            ec.presence_of_element_located(
                (By.CSS_SELECTOR, "#timeseries-graph .main-svg")
            )
        )
        assert "viewing a shared dashboard" in other_browser.find_element(
            By.ID, "view-only"
        ).get_attribute("textContent")
        refused = _press_apply_mapping(other_browser, visitor)
        assert "Only the browser that uploaded this file" in refused
        screenshot(other_browser, artifacts_dir / "visitor-refused.png")
        meta = extensions(app.server).store.get_meta(sid)
        assert meta.revision == 0

        # The uploader's own browser may apply it (the page reloads at once).
        button = browser.find_element(By.ID, "mapping-apply")
        browser.execute_script("arguments[0].click();", button)
        wait.until(lambda d: "?v=1" in d.current_url)
        assert extensions(app.server).store.get_meta(sid).revision == 1
