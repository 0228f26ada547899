"""The API reference (/api/v1/docs, linked in every page's footer) in a real browser: it is served
by the platform itself (no CDN: the CSP allows only our own scripts, and visitors' addresses go
to nobody else), says which language it is in (English, like all its text), fits a phone screen,
and axe finds no WCAG 2.1 A/AA violation, neither on the list of operations nor while an
operation is tried out or the sign-in dialog is open (Swagger UI with our fixes:
mitmachstadt/api/static/api/swagger-a11y.*).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, new_page

pytestmark = pytest.mark.browser


def _open(browser: Any, site: Any, viewport: str, locale: str = "de-DE") -> tuple[Any, list[str]]:
    page = new_page(browser, viewport=viewport, locale=locale)
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
        # German visitors too: Swagger UI and the API's descriptions are English.
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("#swagger-ui .opblock-summary-path", has_text="/api/v1/ideas").count()
        others = [url for url in requested if not url.startswith(site.live_url)]
        assert not others, others
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_the_api_reference_has_no_wcag_violations(browser: Any, site: Any, viewport: str) -> None:
    page, _requested = _open(browser, site, viewport)
    try:
        assert_accessible(page)

        # Try out the idea list: parameters (with a choice list), example, live answer.
        operation = page.locator(".opblock-get", has_text="/api/v1/ideas").first
        operation.locator(".opblock-summary-control").click()
        operation.locator("button.try-out__btn").click()
        operation.locator("button.execute").click()
        operation.locator(".live-responses-table .response-col_status").first.wait_for()
        # Our fixes are applied as Swagger UI renders; wait for them, not for time.
        operation.locator(".copy-to-clipboard button[aria-label]").first.wait_for(state="attached")
        assert_accessible(page)

        page.locator(".scheme-container button.authorize").click()
        page.locator(".modal-ux button.close-modal[aria-label]").wait_for()
        assert_accessible(page)
    finally:
        page.context.close()
