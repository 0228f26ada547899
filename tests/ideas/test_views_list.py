"""The idea list (/ideas/) and the map page (/map/) through HTTP on the real database."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.selectors import ORDERINGS, PAGE_SIZE
from mitmachstadt.tenants.services import cluster_create, field_of_action_create

from .test_views_common import (  # noqa: F401
    author_fixture,
    district_fixture,
    draft_fixture,
    field_fixture,
    html,
    idea_fixture,
)

pytestmark = pytest.mark.django_db


def card_titles(page: str) -> list[str]:
    return re.findall(
        r'<h3 id="idea-\d+-title" class="idea-card-title">\s*<a href="[^"]+">([^<]+)</a>', page
    )


def card_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<h3 id="idea-(\d+)-title"', page)]


def test_list_shows_public_ideas_but_no_drafts(client_a: Client, idea: Any, draft: Any) -> None:
    page = html(client_a.get("/ideas/"))
    assert card_titles(page) == [idea.title]
    assert draft.title not in page


def test_list_of_another_municipality_is_empty(
    client_b: Client, idea: Any, other_municipality: Any
) -> None:
    response = client_b.get("/ideas/")
    assert response.status_code == 200
    assert idea.title not in html(response)


def test_card_shows_state_fields_district_author_figures_and_excerpt(
    client_a: Client, municipality: Any, author: Any, field: Any, district: Any
) -> None:
    shown = make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Sitzbänke mit Solardach",
        text="Bänke mit **Solardach** zum Laden von Handys.\n\nZweiter Absatz.",
        district=district,
    )
    voter = UserFactory(municipality=municipality)
    services.reaction_set(idea=shown, user=voter, value=1)
    services.comment_create(idea=shown, author=voter, text="Gute Idee!")
    page = html(client_a.get("/ideas/"))
    assert "Sitzbänke mit Solardach" in page
    assert "Projektvorschlag" in page  # the state, in German
    assert "Mobilität" in page and "Innenstadt" in page
    assert "Ada Autorin" in page
    assert "Bänke mit Solardach zum Laden von Handys. Zweiter Absatz." in page
    assert "1 dafür" in page and "0 dagegen" in page  # updown is the default mode
    assert "1 Kommentar" in page


def test_anonymous_idea_shows_anonymous_not_the_name(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Anonyme Idee für den Park",
        anonymous=True,
    )
    page = html(client_a.get("/ideas/"))
    assert "Anonyme Idee für den Park" in page
    assert "anonym" in page
    assert "Ada Autorin" not in page


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [("support", 1, "1 Unterstützer:in"), ("updown", -1, "1 dagegen"), ("stars", 4, "4,0 von 5")],
)
def test_figures_follow_the_reaction_mode(
    client_a: Client, municipality: Any, idea: Any, mode: str, value: int, expected: str
) -> None:
    municipality.reaction_mode = mode
    municipality.save()
    services.reaction_set(idea=idea, user=UserFactory(municipality=municipality), value=value)
    assert expected in html(client_a.get("/ideas/"))


def test_filters_by_field_district_state_cluster_and_text(
    client_a: Client, municipality: Any, author: Any, field: Any, district: Any
) -> None:
    other_field = field_of_action_create(municipality=municipality, slug="bildung", name="Bildung")
    cluster = cluster_create(municipality=municipality, slug="green-lab", name="Green Lab")
    a = make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Fahrradständer am Bahnhof",
        text="Mehr überdachte Fahrradständer am Bahnhof für Pendlerinnen und Pendler.",
        district=district,
    )
    b = make_idea(
        municipality=municipality,
        author=author,
        fields=[other_field],
        title="Tablets für die Grundschule",
        text="Jede Grundschule bekommt einen Klassensatz Tablets für den Unterricht.",
        citywide=True,
    )
    Idea.objects.filter(pk=b.pk).update(cluster=cluster)
    assert card_titles(html(client_a.get("/ideas/?field=bildung"))) == [b.title]
    assert card_titles(html(client_a.get("/ideas/?district=innenstadt"))) == [a.title]
    assert card_titles(html(client_a.get("/ideas/?cluster=green-lab"))) == [b.title]
    assert card_titles(html(client_a.get("/ideas/?q=Fahrradst%C3%A4nde"))) == [a.title]
    assert card_titles(html(client_a.get("/ideas/?state=in_review"))) == []
    both = card_titles(html(client_a.get("/ideas/?state=submitted")))
    assert sorted(both) == sorted([a.title, b.title])


def test_unknown_filter_values_filter_nothing_and_show_an_error(
    client_a: Client, idea: Any
) -> None:
    response = client_a.get("/ideas/?field=gibt-es-nicht&order=quatsch")
    assert response.status_code == 200
    page = html(response)
    assert idea.title in page
    assert 'class="field-errors"' in page


def test_the_order_selector_offers_all_seven_orders(client_a: Client, idea: Any) -> None:
    page = html(client_a.get("/ideas/"))
    select = re.search(r'<select name="order".*?</select>', page, re.S)
    assert select is not None
    values = re.findall(r'<option value="([a-z]+)"', select.group(0))
    assert values == list(ORDERINGS)


@pytest.mark.parametrize("order", [o for o in ORDERINGS if o != "random"])
def test_every_order_lists_the_ideas(client_a: Client, idea: Any, order: str) -> None:
    response = client_a.get(f"/ideas/?order={order}")
    assert response.status_code == 200
    assert card_titles(html(response)) == [idea.title]


def test_supported_order_puts_the_most_supported_first(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    quiet = make_idea(municipality=municipality, author=author, fields=[field], title="Ruhige Idee")
    loud = make_idea(municipality=municipality, author=author, fields=[field], title="Laute Idee")
    for _ in range(3):
        services.reaction_set(idea=loud, user=UserFactory(municipality=municipality), value=1)
    assert card_titles(html(client_a.get("/ideas/?order=supported"))) == [loud.title, quiet.title]


def _many(municipality: Any, author: Any, field: Any, n: int) -> list[Any]:
    return [
        make_idea(
            municipality=municipality,
            author=author,
            fields=[field],
            title=f"Idee Nummer {i:02d} für alle",
        )
        for i in range(n)
    ]


def test_random_order_puts_a_seed_into_the_address_and_keeps_it_in_the_session(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    _many(municipality, author, field, 3)
    first = client_a.get("/ideas/?order=random")
    assert first.status_code == 302
    seed = parse_qs(urlparse(first["Location"]).query)["seed"][0]
    assert re.fullmatch(r"[0-9a-f]{8}", seed)
    second = client_a.get("/ideas/?order=random")
    assert parse_qs(urlparse(second["Location"]).query)["seed"][0] == seed
    shuffled = client_a.get(f"/ideas/?order=random&seed={seed}&shuffle=1")
    new_seed = parse_qs(urlparse(shuffled["Location"]).query)["seed"][0]
    assert new_seed != seed
    assert client_a.get(shuffled["Location"]).status_code == 200


def test_random_paging_is_stable_and_shows_every_idea_exactly_once(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    ideas = _many(municipality, author, field, PAGE_SIZE + 7)
    url = "/ideas/?order=random&seed=abcd1234"
    page1 = card_ids(html(client_a.get(url)))
    page2 = card_ids(html(client_a.get(url + "&page=2")))
    assert len(page1) == PAGE_SIZE and len(page2) == 7
    assert sorted(page1 + page2) == sorted(i.pk for i in ideas)
    # Exposure counts changed after page 1, but the order for this seed is frozen.
    assert card_ids(html(client_a.get(url))) == page1
    other = card_ids(html(Client(HTTP_HOST="alpha.test").get("/ideas/?order=random&seed=zzzz9999")))
    assert other != page1


def test_random_first_page_counts_exposure_once_per_visitor(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    _many(municipality, author, field, PAGE_SIZE + 3)
    url = "/ideas/?order=random&seed=feed1234"
    shown = card_ids(html(client_a.get(url)))
    exposure = dict(Idea.objects.values_list("pk", "exposure"))
    assert all(exposure[pk] == 1 for pk in shown)
    assert sum(exposure.values()) == PAGE_SIZE
    client_a.get(url)  # a reload does not count again
    client_a.get(url + "&page=2")  # later pages never count
    assert dict(Idea.objects.values_list("pk", "exposure")) == exposure
    Client(HTTP_HOST="alpha.test").get(url)  # another visitor does
    assert sum(Idea.objects.values_list("exposure", flat=True)) == 2 * PAGE_SIZE


def test_numbered_pagination_marks_the_current_page(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    _many(municipality, author, field, 2 * PAGE_SIZE + 1)
    page = html(client_a.get("/ideas/?page=2&field=mobilitaet"))
    nav = re.search(r'<nav class="pager".*?</nav>', page, re.S)
    assert nav is not None
    links = re.findall(r'href="\?([^"]+)"', nav.group(0))
    assert {parse_qs(q.replace("&amp;", "&"))["page"][0] for q in links} == {"1", "2", "3"}
    assert all("field=mobilitaet" in q for q in links)
    current = re.search(
        r'<a href="\?[^"]*" aria-current="page"[^>]*>.*?(\d+)</a>', nav.group(0), re.S
    )
    assert current is not None and current.group(1) == "2"
    assert len(card_ids(html(client_a.get("/ideas/?page=3")))) == 1
    # A page beyond the end shows the last page instead of nothing.
    assert len(card_ids(html(client_a.get("/ideas/?page=99")))) == 1


def test_empty_list_invites_to_write_the_first_idea(client_a: Client) -> None:
    page = html(client_a.get("/ideas/"))
    assert "/ideas/new/" in page
    assert "Noch keine Ideen" in page or "noch keine Ideen" in page


# --- Map ----------------------------------------------------------------------------------


def test_map_lists_located_ideas_by_district_without_javascript(
    client_a: Client, municipality: Any, author: Any, field: Any, district: Any
) -> None:
    inside = make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Idee im Viertel",
        lat=51.05,
        lon=8.05,
    )
    outside = make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Idee draußen am Feld",
        lat=52.5,
        lon=9.5,
    )
    make_idea(municipality=municipality, author=author, fields=[field], title="Idee ohne Ort")
    make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Entwurf mit Ort",
        lat=51.05,
        lon=8.06,
        submit=False,
    )
    response = client_a.get("/map/")
    assert response.status_code == 200
    page = html(response)
    assert inside.title in page and outside.title in page
    assert "Idee ohne Ort" not in page and "Entwurf mit Ort" not in page
    assert page.index("Innenstadt") < page.index(inside.title)
    assert "Außerhalb der Stadtteile" in page
    assert page.index("Außerhalb der Stadtteile") < page.index(outside.title)
    assert 'data-geojson="/api/v1/ideas.geojson"' in page
    assert 'id="idea-map"' in page and "leaflet.js" in page and "ideas/map.js" in page
    assert 'data-lat="51.1657"' in page  # never a decimal comma in data for scripts


def test_map_filter_narrows_the_list_and_the_geojson_address(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    other = field_of_action_create(municipality=municipality, slug="umwelt", name="Umwelt")
    make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Radweg am Kanal",
        lat=51.05,
        lon=8.05,
    )
    make_idea(
        municipality=municipality,
        author=author,
        fields=[other],
        title="Blühwiese am Kanal",
        lat=51.06,
        lon=8.06,
    )
    page = html(client_a.get("/map/?field=umwelt"))
    assert "Blühwiese am Kanal" in page and "Radweg am Kanal" not in page
    assert 'data-geojson="/api/v1/ideas.geojson?field=umwelt"' in page
    geojson = client_a.get("/api/v1/ideas.geojson?field=umwelt").json()
    assert [f["properties"]["title"] for f in geojson["features"]] == ["Blühwiese am Kanal"]


def test_map_of_another_municipality_does_not_show_our_ideas(
    client_b: Client, municipality: Any, author: Any, field: Any
) -> None:
    make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Idee mit Punkt",
        lat=51.05,
        lon=8.05,
    )
    assert "Idee mit Punkt" not in html(client_b.get("/map/"))
