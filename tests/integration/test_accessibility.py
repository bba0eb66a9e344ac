"""Accessibility: axe-core finds no serious or critical violation on the upload page and on
a full dashboard, every control is reachable by keyboard with a visible focus, and the
report button carries the view's filters.

axe-core comes from npm into ``.test-node/`` (``make axe``, run by ``make test``); it is
injected into the page through Selenium, nothing is fetched by the page itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.integration.servers import ThreadedServer

pytestmark = pytest.mark.browser

AXE = (
    Path(__file__).resolve().parents[2] / ".test-node/node_modules/axe-core/axe.min.js"
)
BLOCKING = {"serious", "critical"}


def axe_violations(driver) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA rules and best practices) on the current page."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make axe` (make test runs it)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(120)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 8),
              detail: v.nodes.slice(0, 3).map(n => n.failureSummary + ' | ' + n.html.slice(0, 300))}))))
          .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
        """
    )
    return result


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def save(artifacts_dir: Path, name: str, violations: list[dict]) -> None:
    (artifacts_dir / f"axe-{name}.json").write_text(json.dumps(violations, indent=2))


def test_upload_page_passes_axe(browser, make_app, artifacts_dir):
    with ThreadedServer(make_app().server) as server:
        browser.get(server.url + "/")
        WebDriverWait(browser, 30).until(
            ec.element_to_be_clickable((By.ID, "demo-button"))
        )
        violations = axe_violations(browser)
        save(artifacts_dir, "upload-page", violations)
        assert blocking(violations) == [], json.dumps(blocking(violations), indent=1)


def test_dashboard_passes_axe_and_offers_the_report(browser, make_app, artifacts_dir):
    with ThreadedServer(make_app().server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 60)
        wait.until(ec.element_to_be_clickable((By.ID, "demo-button"))).click()
        wait.until(ec.url_contains("/dashboard/"))
        # the address also holds the selection (?by=…): the id is the path's last part
        sid = browser.current_url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        for graph in ("timeseries-graph", "category-graph", "sku-bars-graph"):
            wait.until(
                ec.presence_of_element_located((By.CSS_SELECTOR, f"#{graph} .main-svg"))
            )
        wait.until(
            lambda d: (
                d.find_element(By.ID, "report-pdf").get_attribute("href") or ""
            ).startswith(f"{server.url}/api/report/{sid}.pdf")
        )
        button = browser.find_element(By.ID, "report-pdf")
        assert button.text == "Download report (PDF)"
        pdf = requests.get(button.get_attribute("href"), timeout=60)
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF-")

        violations = axe_violations(browser)
        save(artifacts_dir, "dashboard", violations)
        assert blocking(violations) == [], json.dumps(blocking(violations), indent=1)

        # the report button is reached with Tab and shows where the focus is
        body = browser.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        for _ in range(40):
            focused = browser.switch_to.active_element
            if focused.get_attribute("id") == "report-pdf":
                break
            focused.send_keys(Keys.TAB)
        else:
            pytest.fail("the report button is not reachable with Tab")
        outline = browser.execute_script(
            "const s = getComputedStyle(document.activeElement);"
            "return [s.outlineStyle, s.outlineWidth, s.boxShadow];"
        )
        assert outline[0] != "none" or outline[2] != "none", outline
