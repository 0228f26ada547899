"""The API reference (/api/v1/docs, linked in every page's footer) in a real browser: it is served
by the platform itself (no CDN: the CSP allows only our own scripts, and visitors' addresses go
to nobody else), says which language it is in, and fits a phone screen.

Swagger UI's own markup is not yet free of WCAG violations (low-contrast text, buttons inside
buttons); that check is an expected failure until the reference is rendered by the platform.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, new_page

pytestmark = pytest.mark.browser


def _open(browser: Any, site: Any, viewport: str) -> tuple[Any, list[str]]:
    page = new_page(browser, viewport=viewport)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site.live_url + "/api/v1/docs")
    page.locator("#swagger-ui .opblock").first.wait_for()
    return page, requested


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_the_api_reference_is_served_by_the_platform(
    browser: Any, site: Any, viewport: str
) -> None:
    page, requested = _open(browser, site, viewport)
    try:
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator("#swagger-ui .opblock-summary-path", has_text="/api/v1/ideas").count()
        others = [url for url in requested if not url.startswith(site.live_url)]
        assert not others, others
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
    finally:
        page.context.close()


@pytest.mark.xfail(
    strict=True,
    reason="Swagger UI: low-contrast text and buttons inside buttons (nested-interactive)",
)
def test_the_api_reference_has_no_wcag_violations(browser: Any, site: Any) -> None:
    page, _requested = _open(browser, site, "desktop")
    try:
        assert_accessible(page)
    finally:
        page.context.close()
