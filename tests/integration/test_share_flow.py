"""Share a dashboard: the read-only view has no upload, mapping, export or chat controls,
its token cannot change anything, and a revoked or expired link says so."""

from __future__ import annotations

import time

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from services.share import digest
from tests.integration.conftest import screenshot
from tests.integration.servers import ThreadedServer
from web.extensions import extensions

pytestmark = pytest.mark.browser


def test_share_view_revoke_and_expiry(browser, make_app, artifacts_dir):
    app = make_app()
    store = extensions(app.server).store
    with ThreadedServer(app.server) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 60)
        wait.until(ec.element_to_be_clickable((By.ID, "demo-button"))).click()
        wait.until(ec.url_contains("/dashboard/"))
        # the address also holds the selection (?by=…): the id is the path's last part
        sid = browser.current_url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".kpi-card")))

        def make_link() -> str:
            wait.until(ec.element_to_be_clickable((By.ID, "share-open"))).click()
            wait.until(ec.element_to_be_clickable((By.ID, "share-create"))).click()
            field = wait.until(ec.visibility_of_element_located((By.ID, "share-url")))
            return field.get_attribute("value")

        url = make_link()
        assert "/view/" in url and sid not in url
        screenshot(browser, artifacts_dir / "share-dialog.png")

        browser.get(url)
        wait.until(ec.presence_of_element_located((By.TAG_NAME, "h1")))
        assert "Shared view" in browser.find_element(By.TAG_NAME, "h1").text
        assert "Total revenue" in browser.page_source
        assert sid not in browser.page_source
        for selector in (
            "input[type=file]",
            "#upload-dropzone",
            ".mapping-dropdown",
            "#chat-input",
            "a[href*='/api/export/']",
            "a[href*='data.csv']",
        ):
            assert browser.find_elements(By.CSS_SELECTOR, selector) == [], selector
        screenshot(browser, artifacts_dir / "share-view.png")

        token = url.rsplit("/", 1)[-1]
        session = requests.Session()
        page = session.get(server.url + "/")
        csrf = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        for path in (f"/api/chat/{token}", f"/api/share/{token}", f"/view/{token}"):
            answer = session.post(
                server.url + path,
                json={"message": "delete everything"},
                headers={"X-CSRFToken": csrf},
                timeout=30,
            )
            assert answer.status_code == 403, path

        # revoke from the dashboard: the view then says so
        browser.get(f"{server.url}/dashboard/{sid}")
        wait.until(ec.element_to_be_clickable((By.ID, "share-open"))).click()
        revoke = wait.until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, "[id*='share-revoke']"))
        )
        revoke.click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "share-list"), "Revoked"))
        browser.get(url)
        wait.until(ec.presence_of_element_located((By.TAG_NAME, "h1")))
        assert browser.find_element(By.TAG_NAME, "h1").text == "This link was revoked"
        assert requests.get(url, timeout=30).status_code == 410

        # a second link, expired in the store: the view says it has expired
        browser.get(f"{server.url}/dashboard/{sid}")
        second = make_link()
        key = f"share:{digest(second.rsplit('/', 1)[-1])}"
        record = store.get_global(key)
        record["expires_at"] = time.time() - 1
        store.set_global(key, record, ttl=3600)
        browser.get(second)
        wait.until(ec.presence_of_element_located((By.TAG_NAME, "h1")))
        assert browser.find_element(By.TAG_NAME, "h1").text == "This link has expired"
        assert requests.get(second, timeout=30).status_code == 410
