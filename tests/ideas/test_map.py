"""The map page (/map/) without JavaScript: a summary per district and the located ideas page
by page, bounded whatever the number of ideas (issue #4: the full list was 16 MB at city scale).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.core import pagecache
from mitmachstadt.geo.models import District
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.selectors import PAGE_SIZE
from mitmachstadt.moderation.services import content_hide

from .test_query_budget import HOST, Data
from .test_views_common import (  # noqa: F401
    SQUARE,
    author_fixture,
    district_fixture,
    field_fixture,
    html,
)

pytestmark = pytest.mark.django_db

# Statements per render of the map page for a visitor (a page cache miss): the filter form's
# fields, districts and clusters, the municipality's generation-cached row and the page of
# ideas; the counts per district are cached per generation (two more on a miss).
MAP_BUDGET = 6


def listed_titles(page: str) -> list[str]:
    block = page.split('id="located-heading"', 1)[1]
    return re.findall(r'<li>\s*<a href="/ideas/\d+/">([^<]+)</a>', block)


def summary(page: str) -> dict[str, int]:
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">([\d.]+)</td>', page)
    return {name: int(n.replace(".", "")) for name, n in rows}


def located(municipality: Any, author: Any, field: Any, title: str, **place: Any) -> Idea:
    return make_idea(municipality=municipality, author=author, fields=[field], title=title, **place)


def test_summary_counts_located_public_ideas_per_district_with_links(
    client_a: Client, municipality: Any, author: Any, field: Any, district: Any
) -> None:
    district_create(
        municipality=municipality,
        slug="nord",
        name="Nordviertel",
        geometry={
            "type": "Polygon",
            "coordinates": [[[9.0, 52.0], [9.1, 52.0], [9.1, 52.1], [9.0, 52.1], [9.0, 52.0]]],
        },
    )
    located(municipality, author, field, "Idee im Viertel", lat=51.05, lon=8.05)
    located(municipality, author, field, "Zweite im Viertel", lat=51.06, lon=8.06)
    located(municipality, author, field, "Idee draußen am Feld", lat=52.5, lon=9.5)
    make_idea(municipality=municipality, author=author, fields=[field], title="Idee ohne Ort")
    make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Entwurf mit Ort",
        lat=51.05,
        lon=8.07,
        submit=False,
    )
    page = html(client_a.get("/map/"))
    assert summary(page) == {"Innenstadt": 2, "Nordviertel": 0, "Außerhalb der Stadtteile": 1}
    assert '<a href="/map/?district=innenstadt">' in page
    assert '<a href="/ideas/?district=innenstadt">' in page
    # Without JavaScript the same ideas as on the map, newest first; drafts and ideas without
    # a place are not on the map.
    assert listed_titles(page) == ["Idee draußen am Feld", "Zweite im Viertel", "Idee im Viertel"]
    assert "Idee ohne Ort" not in page and "Entwurf mit Ort" not in page
    assert "3 Ideen haben einen Ort auf der Karte." in page
    assert 'data-geojson="/api/v1/ideas.geojson"' in page


def test_choosing_a_district_lists_only_its_ideas_and_keeps_the_other_filters(
    client_a: Client, municipality: Any, author: Any, field: Any, district: Any
) -> None:
    from mitmachstadt.tenants.services import field_of_action_create

    other = field_of_action_create(municipality=municipality, slug="umwelt", name="Umwelt")
    located(municipality, author, field, "Radweg im Viertel", lat=51.05, lon=8.05)
    located(municipality, author, other, "Blühwiese im Viertel", lat=51.06, lon=8.06)
    located(municipality, author, other, "Blühwiese draußen", lat=52.5, lon=9.5)
    page = html(client_a.get("/map/?district=innenstadt"))
    assert listed_titles(page) == ["Blühwiese im Viertel", "Radweg im Viertel"]
    assert "Ideen mit Ort in Innenstadt" in page
    assert 'href="/map/?district=innenstadt" aria-current="true"' in page
    assert 'data-geojson="/api/v1/ideas.geojson?district=innenstadt"' in page

    page = html(client_a.get("/map/?field=umwelt"))
    assert listed_titles(page) == ["Blühwiese draußen", "Blühwiese im Viertel"]
    assert summary(page) == {"Innenstadt": 1, "Außerhalb der Stadtteile": 1}
    assert '<a href="/map/?field=umwelt&amp;district=innenstadt">' in page
    assert '<a href="/ideas/?field=umwelt&amp;district=innenstadt">' in page
    page = html(client_a.get("/map/?field=umwelt&district=innenstadt"))
    assert listed_titles(page) == ["Blühwiese im Viertel"]
    # An unknown district filters nothing (like the idea list's form).
    assert len(listed_titles(html(client_a.get("/map/?district=gibtsnicht")))) == 3


def test_the_list_is_paged_like_the_idea_list(
    client_a: Client, municipality: Any, author: Any, field: Any, district: Any
) -> None:
    ideas = [
        located(municipality, author, field, f"Ort Nummer {k}", lat=51.01 + k / 1000, lon=8.02)
        for k in range(PAGE_SIZE + 2)
    ]
    newest_first = [i.title for i in reversed(ideas)]
    first = html(client_a.get("/map/?district=innenstadt"))
    assert listed_titles(first) == newest_first[:PAGE_SIZE]
    assert 'aria-current="page"' in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert 'href="?district=innenstadt&amp;page=2"' in first
    second = html(client_a.get("/map/?district=innenstadt&page=2"))
    assert listed_titles(second) == newest_first[PAGE_SIZE:]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page beyond the last shows the last, never an empty page.
    assert (
        listed_titles(html(client_a.get("/map/?district=innenstadt&page=99")))
        == (newest_first[PAGE_SIZE:])
    )


def test_counts_change_with_the_next_write(
    client_a: Client, municipality: Any, author: Any, field: Any, district: Any
) -> None:
    """The counts per district are cached per generation: every write shows at once."""
    first = located(municipality, author, field, "Erste im Viertel", lat=51.05, lon=8.05)
    assert summary(html(client_a.get("/map/")))["Innenstadt"] == 1
    second = located(municipality, author, field, "Zweite im Viertel", lat=51.06, lon=8.06)
    assert summary(html(client_a.get("/map/")))["Innenstadt"] == 2
    content_hide(
        target=first,
        actor=UserFactory(municipality=municipality, roles=(Role.MODERATOR,)),
        public_reason="Beleidigende Inhalte entfernt.",
    )
    page = html(client_a.get("/map/"))
    assert summary(page)["Innenstadt"] == 1 and "Erste im Viertel" not in page
    services.idea_update(
        idea=second,
        actor=author,
        title="Zweite im Viertel",
        text="Nun ohne Ort, für die ganze Stadt gedacht und ausführlich beschrieben.",
        fields=[field],
    )
    page = html(client_a.get("/map/"))
    assert summary(page)["Innenstadt"] == 0 and listed_titles(page) == []


def _map_queries(client: Client, url: str) -> int:
    first = client.get(url)
    assert first.status_code == 200, url
    pagecache.clear()  # what a render costs, not a page cache hit
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def test_map_page_queries_and_size_do_not_grow_with_the_data() -> None:
    data = Data()
    data.grow(ideas=40, comments=40, reactions=40, seed=1)
    slug = District.objects.filter(municipality=data.town.municipality).order_by("pk")[0].slug
    urls = [
        "/map/",
        "/map/?page=2",
        f"/map/?district={slug}",
        f"/map/?district={slug}&page=2",
        "/map/?state=submitted",
    ]
    visitor = Client(HTTP_HOST=HOST)
    small = {url: _map_queries(visitor, url) for url in urls}
    small_size = len(visitor.get("/map/").content)

    data.grow(ideas=600, comments=200, reactions=200, seed=2)
    located_now = Idea.objects.filter(
        municipality=data.town.municipality, lat__isnull=False
    ).count()
    assert located_now > 10 * PAGE_SIZE
    large = {url: _map_queries(visitor, url) for url in urls}
    assert small == large
    assert max(large.values()) <= MAP_BUDGET, large
    # Bounded: fifteen times the located ideas, not fifteen times the page.
    assert len(visitor.get("/map/").content) < 1.5 * small_size
    page = html(visitor.get("/map/"))
    assert len(listed_titles(page)) == PAGE_SIZE
