"""Assembly pages in a real browser: keyboard only, without JavaScript, axe (WCAG 2.1 AA)."""

from __future__ import annotations

from typing import Any

import pytest

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.assemblies import services
from mitmachstadt.assemblies.factories import invite, make_assembly, respond
from mitmachstadt.assemblies.models import Response, Seed, Selection
from tests.browser.conftest import assert_accessible, browser, new_page, site  # noqa: F401

pytestmark = pytest.mark.browser


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with the keyboard")


def _answerable(municipality: Any) -> tuple[Any, Any]:
    organiser = UserFactory(municipality=municipality, roles=(Role.ADMIN,))
    assembly = make_assembly(municipality)
    services.assembly_publish(assembly=assembly, actor=organiser)
    return assembly, invite(assembly, organiser)[0]


def test_answering_the_invitation_with_the_keyboard_only(
    browser: Any,  # noqa: F811
    site: Any,  # noqa: F811
) -> None:
    assembly, invitation = _answerable(site)
    page = new_page(browser)
    try:
        page.goto(site.live_url + assembly.get_absolute_url())
        assert_accessible(page)
        tab_to(page, "a[href$='/respond/']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert_accessible(page)
        tab_to(page, "input[name=code]")
        page.keyboard.type(invitation.code.lower().replace("-", " "))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/respond/answer/")
        assert_accessible(page)
        tab_to(page, "input[name=willing]")
        page.keyboard.press("Space")  # the first option: yes
        tab_to(page, "main button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        # Errors are announced and tied to their fields.
        assert page.locator("main [role=alert]").first.is_visible()
        assert_accessible(page)
        for name in ("gender", "age"):
            category = assembly.categories.get(name=name)
            tab_to(page, f"input[name=feature_{category.pk}]")
            page.keyboard.press("Space")
        tab_to(page, "input[name=consent]")
        page.keyboard.press("Space")
        tab_to(page, "main button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        response = Response.objects.get(invitation=invitation)
        assert response.in_pool
        assert page.get_by_text(response.pseudonym).is_visible()
        assert_accessible(page)
    finally:
        page.context.close()


def test_answering_the_invitation_without_javascript(
    browser: Any,  # noqa: F811
    site: Any,  # noqa: F811
) -> None:
    assembly, invitation = _answerable(site)
    page = new_page(browser, javascript=False)
    try:
        page.goto(site.live_url + f"/assemblies/{assembly.pk}/respond/?code={invitation.code}")
        page.locator("main form button[type=submit]").click()
        page.get_by_label("Ja, ich möchte teilnehmen.").check()
        page.get_by_label("Mann").check()
        page.get_by_label("40 Jahre und älter").check()
        page.locator("input[name=consent]").check()
        page.locator("main form button[type=submit]").click()
        response = Response.objects.get(invitation=invitation)
        assert response.answers == {"gender": "male", "age": "40+"}
        assert page.get_by_text(response.pseudonym).is_visible()
    finally:
        page.context.close()


def test_the_audit_record_and_the_progress_page_work_without_javascript(
    browser: Any,  # noqa: F811
    site: Any,  # noqa: F811
) -> None:
    organiser = UserFactory(municipality=site, roles=(Role.ADMIN,))
    assembly = make_assembly(site)
    services.assembly_publish(assembly=assembly, actor=organiser)
    invite(assembly, organiser)
    respond(assembly, share=0.6)
    services.responses_close(assembly=assembly, actor=organiser)
    seed, _secret = services.seed_announce(
        assembly=assembly,
        actor=organiser,
        purpose=Seed.Purpose.SELECTION,
        kind=Seed.Kind.PUBLIC,
        source="Die im Ratssaal gezogene Zahl",
    )
    # Committed right away (transactional test): the immediate task backend solves it now.
    selection = services.selection_start(assembly=assembly, actor=organiser)
    selection.refresh_from_db()
    assert selection.status == Selection.Status.READY, selection.error
    page = new_page(browser, javascript=False)
    try:
        page.goto(site.live_url + selection.get_absolute_url())
        assert page.get_by_text(selection.lottery_sha256).is_visible()
        services.seed_reveal(seed=seed, actor=organiser, value="1234")
        services.selection_draw(selection=selection, actor=organiser)
        selection.refresh_from_db()
        assert selection.status == Selection.Status.DRAWN
        # While a lottery runs, people without JavaScript get a link to refresh.
        Selection.objects.filter(pk=selection.pk).update(
            status=Selection.Status.SOLVING, progress=0.5
        )
        page.goto(site.live_url + selection.get_absolute_url())
        refresh = page.locator("#draw-progress a")
        assert refresh.get_attribute("href") == selection.get_absolute_url()
        assert page.locator("progress").get_attribute("value") == "50"
        Selection.objects.filter(pk=selection.pk).update(status=Selection.Status.DRAWN, progress=1)
        refresh.click()
        assert page.locator(f"#panel-{selection.audit['draw']['panel']}").is_visible()
        page.fill("input[name=pseudonym]", selection.selected[0])
        page.locator("main form button[type=submit]").first.click()
        assert page.locator("[role=status]").is_visible()
    finally:
        page.context.close()
    checked = new_page(browser)  # axe itself needs JavaScript
    try:
        for path in (assembly.get_absolute_url(), selection.get_absolute_url()):
            checked.goto(site.live_url + path)
            assert_accessible(checked)
    finally:
        checked.context.close()
