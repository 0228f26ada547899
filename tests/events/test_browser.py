"""Event pages in a real browser: keyboard-only registration, no JavaScript, axe (WCAG 2.1 AA)."""

from __future__ import annotations

from typing import Any

import pytest

from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory
from mitmachstadt.events.factories import make_call, make_event
from mitmachstadt.events.models import Application, Registration
from tests.assemblies.test_browser import tab_to
from tests.browser.conftest import assert_accessible, browser, login, new_page, site  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_event_pages_have_no_wcag_violations(
    browser: Any,  # noqa: F811
    site: Any,  # noqa: F811
    viewport: str,
) -> None:
    event = make_event(site, title="Denklabor Vernetzte Mobilität", capacity=1)
    make_event(site, title="Hackathon", registration_required=False)
    call = make_call(site)
    page = new_page(browser, viewport=viewport)
    try:
        for path in (
            "/events/",
            "/events/?when=past",
            event.get_absolute_url(),
            "/events/formats/",
            event.format.get_absolute_url(),
            event.place.get_absolute_url(),
            "/calls/",
            call.get_absolute_url(),
        ):
            page.goto(site.live_url + path)
            assert_accessible(page)
    finally:
        page.context.close()


def test_registering_and_cancelling_with_the_keyboard_only(
    browser: Any,  # noqa: F811
    site: Any,  # noqa: F811
) -> None:
    event = make_event(site, title="Projektwerkstatt Green Lab", capacity=1)
    other = UserFactory(municipality=site)
    from mitmachstadt.events import services

    services.registration_create(event=event, user=other)
    person = UserFactory(municipality=site, display_name="Tastatur Tina")
    page = new_page(browser)
    try:
        login(page, site.live_url, person.email, TEST_PASSWORD)
        page.goto(site.live_url + "/events/")
        tab_to(page, f"a[href='{event.get_absolute_url()}']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        tab_to(page, "input[name=note]")
        page.keyboard.type("Ich brauche einen Platz nahe der Tür.")
        tab_to(page, "form[action$='/register/'] button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        registration = Registration.objects.get(event=event, user=person)
        assert registration.status == Registration.Status.WAITLISTED
        assert page.get_by_text("Nummer 1 auf der Warteliste").first.is_visible()
        assert_accessible(page)
        services.registration_cancel(registration=Registration.objects.get(user=other), actor=other)
        page.reload()
        assert page.get_by_text("Sie sind angemeldet.").is_visible()
        tab_to(page, "form[action$='/unregister/'] button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        registration.refresh_from_db()
        assert registration.status == Registration.Status.CANCELLED
    finally:
        page.context.close()


def test_applying_to_an_open_call_without_javascript(
    browser: Any,  # noqa: F811
    site: Any,  # noqa: F811
) -> None:
    call = make_call(site, question="Was bringen Sie mit?")
    person = UserFactory(municipality=site)
    page = new_page(browser, javascript=False)
    try:
        login(page, site.live_url, person.email, TEST_PASSWORD)
        page.goto(site.live_url + call.get_absolute_url())
        page.get_by_label("Was bringen Sie mit?").fill("Zehn Jahre Erfahrung in der Jugendarbeit.")
        page.locator("main form button[type=submit]").click()
        assert Application.objects.get(call=call, user=person).status == "submitted"
        assert page.get_by_text("Bewerbung zurückziehen").is_visible()
    finally:
        page.context.close()
