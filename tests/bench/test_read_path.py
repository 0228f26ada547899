"""The faster read path keeps what it returns: pages, the idea page, GeoJSON, random order."""

from __future__ import annotations

import random
from statistics import mean
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Organisation, Role
from mitmachstadt.demo import seed_scale
from mitmachstadt.ideas import selectors, services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.selectors import IdeaFilter, fair_random_order, idea_page
from mitmachstadt.tenants.models import Municipality

HOST = "scale-1.localhost"


@pytest.fixture
def town(db: Any) -> Municipality:
    seed_scale.seed_scale(
        ideas=120, comments=300, reactions=900, accounts=40, municipalities=1, parallel=False
    )
    return Municipality.objects.get(slug="scale-1")


@pytest.mark.parametrize("order", ["newest", "supported", "rated", "discussed", "trending"])
def test_every_page_is_the_plain_offset_slice(town: Municipality, order: str) -> None:
    fields = dict(selectors._ORDER_FIELDS)
    expected = list(
        Idea.objects.filter(municipality=town)
        .public()
        .order_by(*fields[order])
        .values_list("pk", flat=True)
    )
    seen: list[int] = []
    page = 1
    while True:
        result = idea_page(town, order=order, page=page, page_size=15)
        assert result.count == len(expected)
        seen += [idea.pk for idea in result.items]
        if not result.has_next:
            break
        page += 1
    assert seen == expected


def test_filtered_pages_stay_distinct_and_ordered(town: Municipality) -> None:
    from mitmachstadt.tenants.models import FieldOfAction

    field = FieldOfAction.objects.filter(municipality=town).first()
    assert field is not None
    result = idea_page(town, flt=IdeaFilter(field=field.slug), order="supported", page_size=100)
    pks = [i.pk for i in result.items]
    assert len(pks) == len(set(pks)) == min(result.count, 100)
    supports = [(i.up_count, i.pk) for i in result.items]
    assert supports == sorted(supports, reverse=True)
    assert all(field in i.fields.all() for i in result.items)


def test_geojson_is_the_same_document(town: Municipality) -> None:
    data = Client(HTTP_HOST=HOST).get("/api/v1/ideas.geojson").json()
    rows = (
        selectors.public_ideas(town)
        .filter(lat__isnull=False, lon__isnull=False)
        .values("pk", "title", "state", "lat", "lon", "up_count", "comment_count")
        .order_by("-pk")
    )
    assert data["type"] == "FeatureCollection"
    assert data["features"] == [
        {
            "type": "Feature",
            "id": row["pk"],
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": {
                "id": row["pk"],
                "title": row["title"],
                "state": row["state"],
                "url": f"http://{HOST}/ideas/{row['pk']}/",
                "supports": row["up_count"],
                "comments": row["comment_count"],
            },
        }
        for row in rows
    ]
    assert len(data["features"]) > 20


def test_geojson_escapes_titles(municipality: Any, client_a: Client) -> None:
    author = UserFactory(municipality=municipality)
    idea = make_idea(
        municipality=municipality,
        author=author,
        title='Ein "Zitat" </script> & Ümlaut',
        lat=51.9,
        lon=8.38,
    )
    feature = client_a.get("/api/v1/ideas.geojson").json()["features"][0]
    assert feature["properties"]["title"] == idea.title
    assert feature["geometry"]["coordinates"] == [8.38, 51.9]


def test_random_order_is_a_stable_fair_permutation() -> None:
    rows = [(pk, random.Random(pk).randrange(6)) for pk in range(1, 5001)]
    first = fair_random_order("visitor1", rows)
    assert first == fair_random_order("visitor1", list(reversed(rows)))
    assert sorted(first) == [pk for pk, _ in rows]
    assert first != fair_random_order("visitor2", rows)
    position = {pk: n for n, pk in enumerate(first)}
    unseen = mean(position[pk] for pk, e in rows if e == 0)
    shown = mean(position[pk] for pk, e in rows if e == 5)
    assert unseen < shown  # less-shown ideas come earlier
    assert fair_random_order("x", []) == []


def test_idea_page_with_images_attachments_partners_and_links(
    municipality: Any, client_a: Client, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    from io import BytesIO

    from PIL import Image

    author = UserFactory(municipality=municipality)
    moderator = UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, Role.MODERATOR))
    idea = make_idea(municipality=municipality, author=author)
    other = make_idea(municipality=municipality, author=author, title="Mehr Bäume am Markt")
    plain = make_idea(municipality=municipality, author=author, title="Ohne alles hier")
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    services.idea_add_image(
        idea=idea,
        actor=author,
        upload=SimpleUploadedFile("a.png", buffer.getvalue(), "image/png"),
        alt_text="Ein rotes Quadrat",
    )
    services.idea_add_attachment(
        idea=idea,
        actor=author,
        upload=SimpleUploadedFile("plan.txt", b"Der Plan.", "text/plain"),
    )
    partner = Organisation.objects.create(municipality=municipality, name="Verein")
    services.idea_add_partner(idea=idea, actor=author, organisation=partner)
    services.link_create(source=idea, target=other, kind="related", actor=moderator)
    services.link_create(source=other, target=idea, kind="builds_on", actor=moderator)
    services.reaction_set(idea=idea, user=author, value=1)

    detail = selectors.idea_detail(municipality, idea, author)
    assert [i.alt_text for i in detail.idea.images.all()] == ["Ein rotes Quadrat"]
    assert [a.name for a in detail.idea.attachments.all()] == ["plan.txt"]
    assert list(detail.idea.partners.all()) == [partner]
    assert [(link.kind, target.pk, link.source_id) for _, target, link in detail.links] == [
        ("related", other.pk, idea.pk),
        ("builds_on", other.pk, other.pk),
    ]
    assert detail.my_reaction == 1 and detail.following is True
    bare = selectors.idea_detail(municipality, plain, None)
    assert not bare.idea.images.all() and not bare.links and bare.my_reaction is None
    data = client_a.get(f"/api/v1/ideas/{idea.pk}").json()
    assert len(data["images"]) == 1 and len(data["attachments"]) == 1
    assert {link["direction"] for link in data["links"]} == {"out", "in"}
    page = client_a.get(f"/ideas/{idea.pk}/")
    assert page.status_code == 200
    assert "Ein rotes Quadrat" in page.content.decode() and "Verein" in page.content.decode()
