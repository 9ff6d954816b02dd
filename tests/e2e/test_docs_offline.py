"""The API docs render in headless Chromium from the API's own origin: Swagger UI lists the operations and ReDoc
renders, and every resource either page loaded came from the API itself (no CDN; this machine has no internet,
so a CDN asset would leave the page blank). The pages' Content-Security-Policy keeps them on the API's origin."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser import chromium_driver, wait_for

pytestmark = pytest.mark.e2e


def foreign_resources(driver, origin: str) -> list[str]:
    """Resources fetched from anywhere but the API. A request the page's Content-Security-Policy blocked (ReDoc's
    bundle asks cdn.redoc.ly for a logo) is listed with status 0 and nothing transferred: it never left."""
    entries = driver.execute_script("return performance.getEntriesByType('resource')"
                                    ".map(e => [e.name, e.responseStatus || 0, e.transferSize || 0])")
    return [url for url, status, size in entries if urlparse(url).netloc != origin and (status or size)]


@pytest.fixture(scope="module")
def browser():
    driver = chromium_driver()
    yield driver
    driver.quit()


def test_swagger_ui_lists_the_operations_offline(server, browser):
    browser.get(f"{server.url}/docs")
    count = wait_for(browser, "const ops = [...document.querySelectorAll('.opblock')]"
                              ".filter(e => e.offsetParent !== null); return ops.length")
    assert count >= 40, f"only {count} operations visible"
    paths = browser.execute_script("return [...document.querySelectorAll('.opblock-summary-path')]"
                                   ".map(e => e.textContent)")
    assert any("/v1/crises" in p for p in paths)
    assert foreign_resources(browser, urlparse(server.url).netloc) == []


def test_redoc_renders_offline(server, browser):
    assert "default-src 'self'" in server.client().get("/redoc").headers["content-security-policy"]
    browser.get(f"{server.url}/redoc")
    wait_for(browser, "return document.querySelectorAll('[data-section-id]').length > 10")
    assert foreign_resources(browser, urlparse(server.url).netloc) == []
