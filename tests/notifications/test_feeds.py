"""Atom feeds parse without errors, list only public ideas of the host's municipality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import feedparser
import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.factories import FieldOfActionFactory

from .conftest import CENTRE

pytestmark = pytest.mark.django_db


def parse(client: Any, path: str, language: str = "en") -> Any:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_all_field_and_district_feeds(
    municipality: Any,
    other_municipality: Any,
    participant: Any,
    field: Any,
    other_field: Any,
    district: Any,
    make_idea: Callable[..., Any],
    client_a: Any,
) -> None:
    located = make_idea(
        participant, title="Trees & benches <in> the centre", lat=CENTRE[0], lon=CENTRE[1]
    )
    other = make_idea(participant, title="Coding club for pupils", fields=[other_field])
    draft = make_idea(participant, title="My secret draft idea", submit=False)
    hidden = make_idea(participant, title="A hidden idea here")
    Idea.objects.filter(pk=hidden.pk).update(is_hidden=True)
    beta_author = UserFactory(municipality=other_municipality)
    beta_field = FieldOfActionFactory(municipality=other_municipality, slug=field.slug)
    make_idea(
        beta_author,
        title="Betadorf's own idea",
        fields=[beta_field],
        municipality=other_municipality,
    )

    feed = parse(client_a, "/feeds/ideas.atom")
    titles = [entry.title for entry in feed.entries]
    assert titles == [other.title, located.title]
    assert draft.title not in titles and hidden.title not in titles
    entry = feed.entries[1]
    assert entry.link == f"http://alpha.test/ideas/{located.pk}/"
    assert entry.author == participant.display_name
    assert "Alphastadt" in feed.feed.title

    by_field = parse(client_a, f"/feeds/fields/{other_field.slug}.atom")
    assert [e.title for e in by_field.entries] == [other.title]
    # The same slug in B's host lists only B's idea.
    mobility_b = parse(Client(HTTP_HOST="beta.test"), f"/feeds/fields/{field.slug}.atom")
    assert [e.title for e in mobility_b.entries] == ["Betadorf's own idea"]

    by_district = parse(client_a, f"/feeds/districts/{district.slug}.atom")
    assert [e.title for e in by_district.entries] == [located.title]
    assert client_a.get("/feeds/districts/nowhere.atom").status_code == 404


def test_idea_feed_tells_its_story(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    run_commits: Callable[..., Any],
    client_a: Any,
    client_b: Any,
) -> None:
    idea = make_idea(participant)
    staff = UserFactory(municipality=municipality, roles=(Role.MODERATOR,))
    run_commits(idea_services.answer_create, idea=idea, actor=staff, text="We will look at it.")
    start_review(idea, reason="Die Prüfung beginnt & läuft.")
    commenter = UserFactory(municipality=municipality)
    run_commits(idea_services.comment_create, idea=idea, author=commenter, text="Yes, please!")
    gone = run_commits(idea_services.comment_create, idea=idea, author=commenter, text="Oops")
    idea_services.comment_delete(comment=gone, actor=commenter)

    feed = parse(client_a, f"/feeds/ideas/{idea.pk}.atom")
    titles = [entry.title for entry in feed.entries]
    assert f"Comment by {commenter.display_name}" in titles
    assert "Official answer" in titles
    assert "Start review" in titles and "Submit" in titles
    assert len(titles) == 4  # the deleted comment is not there
    review = next(e for e in feed.entries if e.title == "Start review")
    assert "<p>Die Prüfung beginnt &amp; läuft.</p>" in review.summary
    assert len({e.id for e in feed.entries}) == 4
    assert all(e.id.startswith("http://alpha.test/ideas/") for e in feed.entries)
    # Not from another municipality's host, not for drafts.
    assert client_b.get(f"/feeds/ideas/{idea.pk}.atom").status_code == 404
    draft = make_idea(participant, title="Still a draft here", submit=False)
    assert client_a.get(f"/feeds/ideas/{draft.pk}.atom").status_code == 404


def test_feeds_in_german(client_a: Any, participant: Any, make_idea: Callable[..., Any]) -> None:
    make_idea(participant)
    feed = parse(client_a, "/feeds/ideas.atom", language="de")
    assert feed.feed.title == "Alphastadt: neue Ideen"
