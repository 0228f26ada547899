"""The number of database queries of the list, the idea page (with 200 comments), the map
fallback and the home page does not grow with the number of ideas, comments or reactions."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.core import pagecache
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.tenants.services import cluster_create, field_of_action_create

from .test_views_common import SQUARE, logged_in

pytestmark = pytest.mark.django_db

# Upper bounds, so that a change that adds queries per page (not per row) is noticed too.
LIST_MAX = 8
DETAIL_MAX = 9
MAP_MAX = 6
HOME_MAX = 13


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm-up: caches, session, search vocabulary
    pagecache.clear()  # count what rendering costs, not a page cache hit
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


class World:
    """A municipality whose ideas, comments and reactions grow between two measurements."""

    def __init__(self, municipality: Any) -> None:
        self.municipality = municipality
        self.fields = [
            field_of_action_create(municipality=municipality, slug=f"f{n}", name=f"Feld {n}")
            for n in range(3)
        ]
        self.district = district_create(
            municipality=municipality, slug="mitte", name="Mitte", geometry=SQUARE
        )
        self.cluster = cluster_create(municipality=municipality, slug="netz", name="NETZ.werk")
        self.people = [UserFactory(municipality=municipality) for _ in range(6)]
        self.ideas: list[Any] = []

    def add_ideas(self, n: int) -> None:
        for _ in range(n):
            k = len(self.ideas)
            idea = make_idea(
                municipality=self.municipality,
                author=self.people[k % len(self.people)],
                fields=self.fields[: 1 + k % 3],
                title=f"Idee Nummer {k} für die Stadt",
                text=f"Beschreibung der Idee {k} mit genug Worten für die Suche.",
                lat=51.01 + k / 1000,
                lon=8.01 + k / 1000,
                anonymous=k % 4 == 0,
            )
            for person in self.people[: 1 + k % len(self.people)]:
                services.reaction_set(idea=idea, user=person, value=1 if k % 3 else -1)
            services.comment_create(idea=idea, author=self.people[0], text=f"Kommentar zu {k}")
            self.ideas.append(idea)


def test_list_map_and_home_query_counts_do_not_grow_with_the_ideas(municipality: Any) -> None:
    world = World(municipality)
    urls = [
        "/ideas/",
        "/ideas/?order=supported",
        "/ideas/?order=random&seed=abcd1234",
        "/ideas/?field=f0&district=mitte",
        "/ideas/?q=Idee",
        "/map/",
        "/",
    ]

    def measure() -> dict[str, tuple[int, int]]:
        # Fresh visitors each time: a random list starts a session, which costs a query later.
        visitor, member = Client(HTTP_HOST="alpha.test"), logged_in(world.people[1])
        return {url: (count_queries(visitor, url), count_queries(member, url)) for url in urls}

    world.add_ideas(4)
    small = measure()
    world.add_ideas(36)
    large = measure()
    assert small == large
    for url, (visitor, signed_in) in large.items():
        limit = {"/map/": MAP_MAX, "/": HOME_MAX}.get(url, LIST_MAX)
        assert visitor <= limit and signed_in <= limit + 4, (url, visitor, signed_in)


def test_idea_page_query_count_is_the_same_with_5_and_200_comments(municipality: Any) -> None:
    world = World(municipality)
    world.add_ideas(3)
    idea, other = world.ideas[0], world.ideas[1]
    services.link_create(source=idea, target=other, kind="related", actor=world.people[0])
    anonymous = Client(HTTP_HOST="alpha.test")
    member = logged_in(world.people[0])
    url = f"/ideas/{idea.pk}/"

    def add_comments(n: int) -> None:
        parent = None
        for k in range(n):
            author = world.people[k % len(world.people)]
            parent = services.comment_create(
                idea=idea,
                author=author,
                text=f"Beitrag {k}",
                parent=parent if k % 3 else None,
                anonymous=k % 5 == 0,
            )

    add_comments(5)
    small = (count_queries(anonymous, url), count_queries(member, url))
    add_comments(195)  # 200 comments in all, threaded, some anonymous
    for person in [UserFactory(municipality=municipality) for _ in range(20)]:
        services.reaction_set(idea=idea, user=person, value=-1)
    large = (count_queries(anonymous, url), count_queries(member, url))
    assert small == large
    assert large[0] <= DETAIL_MAX and large[1] <= DETAIL_MAX + 6, large
