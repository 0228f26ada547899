"""Real-browser fixtures: Debian's chromium driven by Playwright against the live server."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; our test code still uses the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


_SHARED: dict[str, Any] = {}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    # Test modules elsewhere import this fixture, which gives each module its own session
    # fixture; Playwright's sync API allows one instance per thread, so they all share it.
    if "browser" in _SHARED:
        yield _SHARED["browser"]
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        _SHARED["browser"] = instance
        try:
            yield instance
        finally:
            _SHARED.pop("browser", None)
            instance.close()


@pytest.fixture
def site(live_server: Any, transactional_db: Any, settings: Any) -> Any:
    """A municipality answering on localhost, served by the live server."""
    from mitmachstadt.tenants.factories import FieldOfActionFactory, MunicipalityFactory

    settings.RATE_LIMITS_ENABLED = True
    municipality = MunicipalityFactory(
        slug="teststadt",
        name="Teststadt",
        short_name="Teststadt",
        hosts=["localhost"],
        tagline="Gemeinsam die Stadt gestalten",
        intro="Ideen, Projekte und Beteiligung.",
        map_center_lat=51.906,
        map_center_lon=8.378,
        map_zoom=13,
    )
    FieldOfActionFactory(municipality=municipality, slug="mobilitaet", name="Mobilität")
    FieldOfActionFactory(municipality=municipality, slug="bildung", name="Bildung")
    municipality.live_url = live_server.url
    return municipality


def new_page(
    browser: Any, *, viewport: str = "desktop", javascript: bool = True, locale: str = "de-DE"
) -> Any:
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        java_script_enabled=javascript,
        locale=locale,
    )
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = new_page(browser)
    yield page
    page.context.close()


def assert_accessible(page: Any) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    violations = results.response["violations"]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
    ]
    assert not violations, f"{page.url}:\n" + "\n".join(details)


def assert_accessible_without_javascript(page: Any) -> None:
    """axe for a page opened with JavaScript switched off (axe itself needs JavaScript).

    The page is opened again in a context with the same cookies in which the site's own scripts
    are blocked, so that it renders as it does without JavaScript, and axe runs there.
    """
    context = page.context.browser.new_context(
        storage_state=page.context.storage_state(),
        viewport=page.viewport_size,
        locale=page.evaluate("navigator.language"),
    )
    try:
        context.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort("blockedbyclient"))
        copy = context.new_page()
        copy.goto(page.url)
        assert_accessible(copy)
    finally:
        context.close()


def login(page: Any, base: str, email: str, password: str, totp_secret: str | None = None) -> None:
    from mitmachstadt.accounts.factories import current_totp_code

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    # Wait for each answer: a page opened right after the click would cancel the sign-in.
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if totp_secret:
        page.fill("input[name=code]", current_totp_code(totp_secret))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
