"""Browser fixtures: Debian's headless Chromium driven by its chromedriver (never downloaded)."""

from __future__ import annotations

import shutil
import tempfile

import pytest

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
LAPTOP = (1366, 900)
PHONE = (390, 844)


@pytest.fixture
def browser():
    yield from _chromium()


@pytest.fixture
def other_browser():
    """A second, separate browser (its own profile and cookies): another person."""
    yield from _chromium()


def _chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail(
            "chromium and chromedriver are required: run `make test` (it installs them)"
        )
    profile = tempfile.mkdtemp(prefix="smbrc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={LAPTOP[0]},{LAPTOP[1]}")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(target, path, attempts: int = 3) -> None:
    """Save a screenshot artifact of a driver (the viewport) or an element.

    On a loaded machine Chrome's renderer may not answer the capture within its own 10 s
    limit while it is busy drawing charts: the capture is retried, and an artifact that
    still cannot be taken is reported as a warning, not as a failure of the product.
    """
    import time
    import warnings

    from selenium.common.exceptions import TimeoutException, WebDriverException

    for attempt in range(attempts):
        try:
            if hasattr(target, "save_screenshot"):
                target.save_screenshot(str(path))
            else:
                target.screenshot(str(path))
            return
        except (TimeoutException, WebDriverException) as error:
            if "renderer" not in str(error) and not isinstance(error, TimeoutException):
                raise
            if attempt + 1 == attempts:
                warnings.warn(f"screenshot {path} not taken: {error.msg}", stacklevel=2)
                return
            time.sleep(2.0)


def full_page_screenshot(driver, path) -> None:
    """Save the whole page (not just the viewport) as a PNG, through Chrome DevTools."""
    import base64

    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    width = driver.execute_script("return document.documentElement.clientWidth")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {
                "x": 0,
                "y": 0,
                "width": width,
                "height": size["height"],
                "scale": 1,
            },
        },
    )
    with open(path, "wb") as handle:
        handle.write(base64.b64decode(shot["data"]))


def emulate_width(driver, width: int, height: int = 900, mobile: bool = False) -> None:
    """Lay the page out at ``width`` CSS pixels (headless windows have a minimum width)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )
