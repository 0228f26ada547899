"""Sign-up, login and the base pages in a real browser: mouse, keyboard only, without JS; axe."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, new_page
from tests.conftest import SmtpSink, message_text

BASE_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accessibility/",
    "/privacy/",
    "/imprint/",
    "/gibt-es-nicht/",
]


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
@pytest.mark.parametrize("locale", ["de-DE", "en-GB"])
def test_base_pages_have_no_wcag_violations(
    browser: Any, site: Any, viewport: str, locale: str
) -> None:
    page = new_page(browser, viewport=viewport, locale=locale)
    try:
        for path in BASE_PAGES:
            page.goto(site.live_url + path)
            expected = "en" if locale.startswith("en") else "de"
            assert page.locator("html").get_attribute("lang") == expected
            assert_accessible(page)
    finally:
        page.context.close()


def test_signup_with_email_verification(browser: Any, site: Any, smtp_server: SmtpSink) -> None:
    page = new_page(browser)
    try:
        page.goto(site.live_url + "/")
        page.get_by_role("link", name="Mitmachen").click()
        page.get_by_label("E-Mail").first.fill("neu@example.org")
        page.get_by_label("Anzeigename").fill("Neue Nachbarin")
        page.locator("input[name=password1]").fill("ein-sehr-langes-passwort-7")
        page.locator("input[name=password2]").fill("ein-sehr-langes-passwort-7")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
        [mail] = smtp_server.wait_for(1)
        link = re.search(r"https?://localhost:\d+(/accounts/confirm-email/\S+)", message_text(mail))
        assert link is not None
        page.goto(site.live_url + link.group(1))
        assert_accessible(page)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert page.get_by_text("Neue Nachbarin").first.is_visible()
    finally:
        page.context.close()


def test_login_with_the_keyboard_only(browser: Any, site: Any) -> None:
    from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory

    user = UserFactory(municipality=site, display_name="Tastatur Toni")
    page = new_page(browser)
    try:
        page.goto(site.live_url + "/accounts/login/")
        # The skip link is the first stop and moves focus to the main content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('skip-link')")
        page.keyboard.press("Enter")
        page.locator("input[name=login]").focus()
        page.keyboard.type(user.email)
        page.keyboard.press("Tab")
        page.keyboard.type(TEST_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(site.live_url + "/")
        assert page.get_by_text("Tastatur Toni").first.is_visible()
    finally:
        page.context.close()


def test_language_follows_the_browser_and_the_switch(browser: Any, site: Any) -> None:
    page = new_page(browser, locale="en-GB")
    try:
        page.goto(site.live_url + "/")
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_role("button", name="Deutsch").click()
        assert page.locator("html").get_attribute("lang") == "de"
        page.goto(site.live_url + "/accounts/login/")
        assert page.locator("html").get_attribute("lang") == "de"
    finally:
        page.context.close()


def test_signup_and_language_switch_work_without_javascript(
    browser: Any, site: Any, smtp_server: SmtpSink
) -> None:
    page = new_page(browser, javascript=False)
    try:
        page.goto(site.live_url + "/")
        page.get_by_role("button", name="English").click()
        assert page.locator("html").get_attribute("lang") == "en"
        page.goto(site.live_url + "/accounts/signup/")
        page.locator("input[name=email]").fill("ohnejs@example.org")
        page.locator("input[name=display_name]").fill("Ohne Skript")
        page.locator("input[name=password1]").fill("ein-sehr-langes-passwort-7")
        page.locator("input[name=password2]").fill("ein-sehr-langes-passwort-7")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
        assert smtp_server.wait_for(1)
    finally:
        page.context.close()
