"""Moderation and privacy pages in a real browser: axe (WCAG 2.1 AA), keyboard only, no JS.

With MITMACHSTADT_SCREENSHOTS=1, screenshots of the pages go to docs/screenshots/
(moderation-*.png, privacy-*.png); otherwise a run leaves the checkout as it was.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory, enable_totp
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.moderation import services
from mitmachstadt.moderation.models import Report
from tests.browser.conftest import assert_accessible, browser, login, new_page, site  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shot(page: Any, name: str) -> None:
    if os.environ.get("MITMACHSTADT_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _world(town: Any) -> dict[str, Any]:
    author = UserFactory(municipality=town, display_name="Radlerin")
    participant = UserFactory(municipality=town, display_name="Nachbar")
    moderator = UserFactory(municipality=town, roles=(Role.PARTICIPANT, Role.MODERATOR))
    admin = UserFactory(municipality=town, roles=(Role.ADMIN,))
    idea = make_idea(municipality=town, author=author, title="Sichere Radwege zur Schule")
    comment = idea_services.comment_create(
        idea=idea, author=participant, text="Unbedingt, vor allem an der Kreuzung am Markt."
    )
    services.report_create(municipality=town, target=comment, reporter=author, reason="insult")
    services.report_create(municipality=town, target=participant, reporter=author, reason="name")
    services.answer_template_save(
        municipality=town,
        actor=moderator,
        title="Eingang bestätigt",
        text="Danke für „{title}“. {municipality} prüft Ihre Idee.",
    )
    return {
        "author": author,
        "participant": participant,
        "moderator": moderator,
        "moderator_secret": enable_totp(moderator),
        "admin": admin,
        "admin_secret": enable_totp(admin),
        "idea": idea,
        "comment": comment,
    }


def test_pages_are_accessible_and_work(browser: Any, site: Any) -> None:  # noqa: F811
    world = _world(site)
    base = site.live_url
    idea, comment = world["idea"], world["comment"]
    page = new_page(browser)
    try:
        for path, name in [
            ("/netiquette/", "moderation-netiquette"),
            ("/transparency/", "moderation-transparency"),
            ("/privacy/", "privacy-policy"),
            (f"/report/idea/{idea.pk}/", "moderation-report-form"),
        ]:
            page.goto(base + path)
            assert_accessible(page)
            _shot(page, name)
        # A report without a reason: the error is announced and tied to the field.
        page.locator("main form button[type=submit]").click()
        assert page.locator(".field-errors").first.is_visible()
        assert_accessible(page)
        _shot(page, "moderation-report-errors")

        login(page, base, world["participant"].email, TEST_PASSWORD)
        for path, name in [
            ("/accounts/privacy/", "privacy-overview"),
            ("/accounts/privacy/consent/", "privacy-consent"),
            ("/accounts/privacy/export/", "privacy-export"),
            ("/accounts/privacy/delete/", "privacy-delete"),
        ]:
            page.goto(base + path)
            assert_accessible(page)
            _shot(page, name)
        page.locator("main form button[type=submit]").click()  # delete without password
        assert page.get_by_text("Dieses Feld ist zwingend erforderlich.").first.is_visible()
        assert_accessible(page)
        page.context.clear_cookies()

        login(page, base, world["moderator"].email, TEST_PASSWORD, world["moderator_secret"])
        report = Report.objects.filter(kind="comment").get()
        for path, name in [
            ("/staff/moderation/", "moderation-queue"),
            (f"/staff/moderation/reports/{report.pk}/", "moderation-report"),
            (f"/staff/moderation/ideas/{idea.pk}/", "moderation-idea"),
            (f"/staff/moderation/comments/{comment.pk}/", "moderation-comment"),
            (f"/staff/moderation/accounts/{world['participant'].pk}/", "moderation-account"),
            ("/staff/moderation/blocks/", "moderation-blocks"),
            ("/staff/moderation/log/", "moderation-log"),
            ("/staff/moderation/templates/", "moderation-templates"),
            ("/staff/moderation/settings/", "moderation-settings"),
        ]:
            page.goto(base + path)
            assert_accessible(page)
            _shot(page, name)
        # With JavaScript, choosing a template fills the answer at once.
        page.goto(f"{base}/staff/moderation/ideas/{idea.pk}/")
        page.select_option("#id_answer-template", label="Eingang bestätigt")
        assert "prüft Ihre Idee" in page.locator("#id_answer-text").input_value()
        page.context.clear_cookies()

        login(page, base, world["admin"].email, TEST_PASSWORD, world["admin_secret"])
        page.goto(base + "/staff/audit/")
        assert_accessible(page)
        _shot(page, "privacy-audit-log")
    finally:
        page.context.close()


def test_report_with_the_keyboard_only(browser: Any, site: Any) -> None:  # noqa: F811
    world = _world(site)
    page = new_page(browser)
    try:
        page.goto(f"{site.live_url}/report/idea/{world['idea'].pk}/")
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == "reason":
                break
        else:
            pytest.fail("the reasons cannot be reached with Tab")
        page.keyboard.press("ArrowDown")  # second reason: insult
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "details"
        page.keyboard.type("Beleidigt Menschen im zweiten Absatz.")
        page.keyboard.press("Tab")  # the honeypot is skipped
        assert page.evaluate("document.activeElement.type") == "submit"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_by_text("Danke. Die Moderation sieht sich Ihre Meldung an.").is_visible()
        report = Report.objects.get(kind="idea")
        assert (report.reason, report.details) == (
            "insult",
            "Beleidigt Menschen im zweiten Absatz.",
        )
    finally:
        page.context.close()


def test_queue_bulk_hide_without_javascript(browser: Any, site: Any) -> None:  # noqa: F811
    world = _world(site)
    page = new_page(browser, javascript=False)
    try:
        login(
            page, site.live_url, world["moderator"].email, TEST_PASSWORD, world["moderator_secret"]
        )
        page.goto(site.live_url + "/staff/moderation/?kind=comment")
        page.locator("input[name=reports]").first.check()
        page.select_option("#bulk_action", "hide")
        page.select_option("#bulk_reason", "insult")
        page.fill("#bulk_public_reason", "Beleidigend.")
        with page.expect_navigation():
            page.get_by_role("button", name="Anwenden").click()
        world["comment"].refresh_from_db()
        assert world["comment"].is_hidden
        page.goto(f"{site.live_url}{world['idea'].get_absolute_url()}")
        assert page.get_by_text("Beleidigend.").first.is_visible()
        _shot(page, "moderation-hidden-comment")
    finally:
        page.context.close()
