"""Dashboard, project pages and the staff pages of review and committee in a real browser:
axe finds no WCAG 2.1 A/AA violation, and reviewers and clerks work with the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest

from mitmachstadt.accounts.factories import TEST_PASSWORD, enable_totp
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.reviews.models import CriterionVerdict
from tests.browser.conftest import assert_accessible, browser, login, new_page, site  # noqa: F401
from tests.reviews.helpers import idea_in, staff

from .conftest import build_town

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_public_pages_have_no_wcag_violations(
    browser: Any,  # noqa: F811
    site: Any,  # noqa: F811
    viewport: str,
) -> None:
    town = build_town(site, seed=3, n=20)
    project = next(i for i in town.ideas if i.state == "in_development" and not i.is_hidden)
    candidate = next(i for i in town.ideas if i.state == "candidate" and not i.is_hidden)
    page = new_page(browser, viewport=viewport)
    try:
        for path in [
            "/dashboard",
            f"/dashboard?cluster={town.clusters[0].slug}",
            "/dashboard/agenda/",
            "/dashboard/report/?period=2025-H2",
            "/projects/",
            f"/projects/{project.pk}/",
            f"/assessments/{candidate.pk}/",
        ]:
            page.goto(site.live_url + path)
            assert_accessible(page)
    finally:
        page.context.close()


def test_review_and_committee_with_the_keyboard_only(browser: Any, site: Any) -> None:  # noqa: F811
    from mitmachstadt.tenants.factories import CriterionFactory

    criterion = CriterionFactory(municipality=site, name="Umsetzbar", slug="umsetzbar")
    reviewer = staff(site, Role.REVIEWER)
    clerk = staff(site, Role.COMMITTEE_CLERK)
    idea = idea_in("in_review", municipality=site, reviewer=reviewer, title="Digitale Sprechstunde")
    page = new_page(browser)
    try:
        login(page, site.live_url, reviewer.email, TEST_PASSWORD, enable_totp(reviewer))
        page.goto(f"{site.live_url}/staff/review/{idea.pk}/")
        assert_accessible(page)
        # Tab from the top of the assessment to its first verdict, choose with the arrow keys.
        page.locator(f"#id_verdict_{criterion.slug}_0").focus()
        page.keyboard.press("ArrowDown")  # "not yet assessed" -> "Met"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == f"justification_{criterion.slug}"
        page.keyboard.type("Mit den vorhandenen Partnern gut umsetzbar.")
        page.keyboard.press("Tab")  # the summary
        page.keyboard.press("Tab")  # the save button
        assert page.evaluate("document.activeElement.textContent").strip() == "Bewertung speichern"
        page.keyboard.press("Enter")
        page.locator(".message-success", has_text="Die Bewertung wurde gespeichert.").wait_for()
        row = CriterionVerdict.objects.get(criterion=criterion)
        assert row.verdict == "met" and row.justification.startswith("Mit den vorhandenen")
        # The decision: radio "accept" by keyboard, a reason, Enter.
        page.locator("#id_decision_0").focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.type("Erfüllt alle Kriterien.")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.locator(
            ".message-success",
            has_text="Die Entscheidung wurde erfasst und die Bewertung veröffentlicht.",
        ).wait_for()
        assert Idea.objects.get(pk=idea.pk).state == "candidate"
        assert_accessible(page)
    finally:
        page.context.close()

    page = new_page(browser)
    try:
        login(page, site.live_url, clerk.email, TEST_PASSWORD, enable_totp(clerk))
        page.goto(f"{site.live_url}/staff/committee/{idea.pk}/")
        assert_accessible(page)
        page.locator("#id_decision_0").focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        # Headless chromium lays date fields out in its own UI locale (US: month, day, year);
        # a German browser takes day, month, year. Either way it is typed segment by segment.
        for part in ("05", "20", "2025"):
            page.keyboard.type(part)
        if page.evaluate("document.activeElement.value") != "2025-05-20":
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Shift+Tab")
            for part in ("20", "05", "2025"):
                page.keyboard.type(part)
        assert page.evaluate("document.activeElement.value") == "2025-05-20"
        # Tab passes the field's calendar button, then reaches the next field.
        for _press in range(3):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") != "meeting_date":
                break
        assert page.evaluate("document.activeElement.name") == "document_reference"
        page.keyboard.type("Drucksache 17/2025")
        page.keyboard.press("Tab")
        page.keyboard.type("Der Ausschuss stimmt zu.")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.locator(
            ".message-success", has_text="Der Ausschussbeschluss wurde erfasst."
        ).wait_for()
        record = Transition.objects.get(idea=idea, name="committee_approve")
        assert record.document_reference == "Drucksache 17/2025"
        assert Idea.objects.get(pk=idea.pk).state == "in_development"
        page.goto(f"{site.live_url}/staff/committee/")
        assert_accessible(page)
    finally:
        page.context.close()
