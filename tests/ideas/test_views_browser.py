"""The idea pages in a real browser (Debian chromium): axe finds no WCAG 2.1 AA violation,
everything works with the keyboard alone, and without JavaScript; htmx only enhances."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory, enable_totp
from mitmachstadt.accounts.models import Role
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Comment, Idea, Reaction
from mitmachstadt.tenants.models import FieldOfAction
from tests.browser.conftest import assert_accessible, browser, login, new_page, site  # noqa: F401

pytestmark = pytest.mark.browser

GT_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[8.35, 51.89], [8.41, 51.89], [8.41, 51.93], [8.35, 51.93], [8.35, 51.89]]],
}


def _world(town: Any) -> dict[str, Any]:
    field = FieldOfAction.objects.get(municipality=town, slug="mobilitaet")
    district_create(municipality=town, slug="innenstadt", name="Innenstadt", geometry=GT_SQUARE)
    author = UserFactory(municipality=town, display_name="Radlerin")
    neighbour = UserFactory(municipality=town, display_name="Nachbar")
    reviewer = UserFactory(municipality=town, roles=(Role.PARTICIPANT, Role.REVIEWER))
    idea = make_idea(
        municipality=town,
        author=author,
        fields=[field],
        title="Fahrradparkplätze am Bahnhof",
        text="Am Bahnhof fehlen **sichere** Abstellplätze für Fahrräder und Lastenräder.",
        lat=51.906,
        lon=8.378,
    )
    other = make_idea(
        municipality=town,
        author=neighbour,
        fields=[field],
        title="Mehr Bänke am Markt",
        text="Am Markt fehlen Bänke zum Ausruhen, besonders für ältere Menschen.",
        citywide=True,
    )
    services.link_create(source=idea, target=other, kind="related", actor=author)
    first = services.comment_create(idea=idea, author=neighbour, text="Gute Idee, unbedingt!")
    services.comment_create(idea=idea, author=author, text="Danke!", parent=first)
    services.answer_create(idea=idea, actor=reviewer, text="Wir prüfen das bis zum Sommer.")
    services.idea_update(
        idea=idea,
        actor=author,
        title=idea.title,
        text=idea.text + "\n\nAuch überdacht, bitte.",
        fields=[field],
        lat=51.906,
        lon=8.378,
        note="Überdachung ergänzt",
    )
    return {
        "field": field,
        "author": author,
        "neighbour": neighbour,
        "reviewer": reviewer,
        "reviewer_secret": enable_totp(reviewer),
        "idea": idea,
        "other": other,
    }


def _tab_to(page: Any, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def test_idea_pages_are_accessible(browser: Any, site: Any) -> None:  # noqa: F811
    world = _world(site)
    base, idea = site.live_url, world["idea"]
    page = new_page(browser)
    try:
        for path in ["/", "/ideas/", "/ideas/?order=random", f"/ideas/{idea.pk}/", "/map/"]:
            page.goto(base + path)
            assert_accessible(page)
        page.goto(f"{base}/ideas/{idea.pk}/versions/")
        assert page.locator(".diff ins").first.is_visible()
        assert_accessible(page)
        login(page, base, world["author"].email, TEST_PASSWORD)
        for path in [
            f"/ideas/{idea.pk}/",
            f"/ideas/{idea.pk}/edit/",
            f"/ideas/{idea.pk}/withdraw/",
            "/ideas/mine/",
            "/ideas/new/",
        ]:
            page.goto(base + path)
            assert_accessible(page)
        page.locator("button[value=submit]").click()  # nothing typed: errors at the fields
        page.wait_for_selector(".form-errors")
        assert page.locator("#id_title_error").is_visible()
        assert page.locator("#id_title").get_attribute("aria-invalid") == "true"
        assert_accessible(page)
        page.context.clear_cookies()
        login(page, base, world["reviewer"].email, TEST_PASSWORD, world["reviewer_secret"])
        page.goto(f"{base}/ideas/{idea.pk}/")
        page.locator("#answer details summary").click()
        assert_accessible(page)
    finally:
        page.context.close()


def test_keyboard_only_voting_commenting_and_writing(browser: Any, site: Any) -> None:  # noqa: F811
    world = _world(site)
    base, idea = site.live_url, world["idea"]
    page = new_page(browser)
    try:
        login(page, base, world["neighbour"].email, TEST_PASSWORD)
        page.goto(f"{base}/ideas/{idea.pk}/")
        _tab_to(page, "#react-up")
        page.keyboard.press("Enter")
        page.wait_for_selector("#participation .inline-notice")
        assert page.locator("#react-up").get_attribute("aria-pressed") == "true"
        # htmx swapped the box; the focus is back on the same button.
        assert page.evaluate("document.activeElement.id") == "react-up"
        assert Reaction.objects.get(idea=idea, user=world["neighbour"]).value == 1

        _tab_to(page, "#id_comment_text")
        page.keyboard.type("Mit der Tastatur geschrieben.")
        _tab_to(page, "#comment-submit")
        page.keyboard.press("Enter")
        page.wait_for_selector("#discussion .inline-notice")
        assert Comment.objects.filter(text="Mit der Tastatur geschrieben.").exists()

        page.goto(f"{base}/ideas/new/")
        _tab_to(page, "#id_title")
        page.keyboard.type("Abstellplätze für Lastenräder")
        _tab_to(page, "#id_text")
        page.keyboard.type("Lastenräder brauchen breitere Fahrradparkplätze am Bahnhof.")
        # Similar ideas appear while typing (htmx), so people can join instead of duplicating.
        page.wait_for_selector("#similar-ideas .similar-list")
        assert "Fahrradparkplätze am Bahnhof" in page.locator("#similar-ideas").inner_text()
        _tab_to(page, "input[name=fields_of_action]")
        page.keyboard.press("Space")
        _tab_to(page, "button[value=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/ideas/\d+/$"))
        created = Idea.objects.get(title="Abstellplätze für Lastenräder")
        assert created.state == "submitted" and created.created_by == world["neighbour"]
    finally:
        page.context.close()


def test_everything_works_without_javascript(browser: Any, site: Any) -> None:  # noqa: F811
    world = _world(site)
    base, idea = site.live_url, world["idea"]
    page = new_page(browser, javascript=False)
    try:
        page.goto(f"{base}/map/")
        assert page.locator("#idea-map").is_hidden()  # no empty map box
        assert "Fahrradparkplätze am Bahnhof" in page.locator(".located-list").inner_text()
        login(page, base, world["neighbour"].email, TEST_PASSWORD)
        page.goto(f"{base}/ideas/{idea.pk}/")
        page.locator("#react-down").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/ideas/{idea.pk}/#participation")
        assert Reaction.objects.get(idea=idea, user=world["neighbour"]).value == -1
        page.locator("details.comment-action summary").first.click()
        page.locator("details.comment-action[open] textarea").fill("Antwort ohne JavaScript.")
        page.locator("details.comment-action[open] button[type=submit]").click()
        page.wait_for_load_state()
        reply = Comment.objects.get(text="Antwort ohne JavaScript.")
        assert reply.parent is not None and page.url.endswith(f"#comment-{reply.pk}")
        page.goto(f"{base}/ideas/new/")
        page.fill("#id_title", "Lastenrad-Parkplatz")
        page.fill("#id_text", "Breite Parkplätze für Lastenräder am Bahnhof, bitte.")
        page.locator("button[value=similar]").click()
        page.wait_for_load_state()
        assert "Fahrradparkplätze am Bahnhof" in page.locator("#similar-ideas").inner_text()
        assert page.locator("#id_title").input_value() == "Lastenrad-Parkplatz"
        page.locator("button[value=preview]").click()
        page.wait_for_load_state()
        assert page.locator("#preview").is_visible()
        page.check("input[name=fields_of_action] >> nth=0")
        page.fill("#id_lat", "51,906")
        page.fill("#id_lon", "8,378")
        page.locator("button[value=draft]").click()
        page.wait_for_load_state()
        draft = Idea.objects.get(title="Lastenrad-Parkplatz")
        assert draft.state == "draft" and draft.district is not None
    finally:
        page.context.close()
