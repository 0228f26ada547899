"""The map's GeoJSON: content and filters, gzip, ETag/304, and the cache per generation."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.api import geojson
from mitmachstadt.core import pagecache
from mitmachstadt.geo.models import District
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.moderation.services import content_hide
from mitmachstadt.tenants.factories import FieldOfActionFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/ideas.geojson"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[8.0, 51.0], [9.0, 51.0], [9.0, 52.0], [8.0, 52.0], [8.0, 51.0]]],
}


@pytest.fixture
def located(municipality: Any, participant: Any) -> list[Any]:
    centre = District.objects.create(
        municipality=municipality, slug="centre", name="Centre", geometry=SQUARE
    )
    water = FieldOfActionFactory(municipality=municipality, slug="wasser")
    other = FieldOfActionFactory(municipality=municipality, slug="anderes")
    return [
        make_idea(
            municipality=municipality,
            author=participant,
            title="Trinkbrunnen am Markt",
            fields=[water],
            lat=51.5,
            lon=8.5,
            district=centre,
        ),
        make_idea(
            municipality=municipality,
            author=participant,
            title='Bänke mit "Lehne" im Park',
            fields=[other],
            lat=51.25,
            lon=7.123456,
        ),
    ]


def _features(response: Any) -> list[dict[str, Any]]:
    return json.loads(response.content)["features"]  # type: ignore[no-any-return]


def test_features_carry_what_the_map_shows(
    client_a: Client, municipality: Any, participant: Any, located: list[Any]
) -> None:
    make_idea(municipality=municipality, author=participant, title="Ohne Ort für die Karte")
    make_idea(
        municipality=municipality,
        author=participant,
        title="Entwurf mit Ort auf der Karte",
        lat=51.1,
        lon=8.1,
        submit=False,
    )
    response = client_a.get(URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    first, second = body["features"]  # newest first, no unlocated idea, no draft
    bench = located[1]
    assert first == {
        "type": "Feature",
        "id": bench.pk,
        "geometry": {"type": "Point", "coordinates": [7.123456, 51.25]},
        "properties": {
            "id": bench.pk,
            "title": 'Bänke mit "Lehne" im Park',
            "state": "submitted",
            "url": f"http://alpha.test/ideas/{bench.pk}/",
            "supports": 0,
            "comments": 0,
        },
    }
    assert second["id"] == located[0].pk


def test_filters(client_a: Client, located: list[Any]) -> None:
    water = located[0]
    assert [f["id"] for f in _features(client_a.get(URL, {"field": "wasser"}))] == [water.pk]
    assert [f["id"] for f in _features(client_a.get(URL, {"district": "centre"}))] == [water.pk]
    assert _features(client_a.get(URL, {"state": "in_review"})) == []
    assert len(_features(client_a.get(URL, {"state": "submitted"}))) == 2


def test_other_hosts_never_see_it(client_b: Client, located: list[Any]) -> None:
    assert _features(client_b.get(URL)) == []


def test_gzip_when_accepted(client_a: Client, located: list[Any]) -> None:
    plain = client_a.get(URL)
    packed = client_a.get(URL, HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert gzip.decompress(packed.content) == plain.content
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    refused = client_a.get(URL, HTTP_ACCEPT_ENCODING="gzip;q=0, deflate")
    assert "Content-Encoding" not in refused and refused.content == plain.content
    # From the cache, too (the second request was a hit, the cache holds only gzip).
    assert client_a.get(URL).content == plain.content


def test_etag_and_not_modified(client_a: Client, located: list[Any], participant: Any) -> None:
    first = client_a.get(URL)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "public, no-cache"
    again = client_a.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client_a.get(URL, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    # A write that changes nothing on the map: new generation, same document, same ETag.
    services.comment_create(
        idea=Idea.objects.create(
            municipality=located[0].municipality, title="Ohne Ort", text="x" * 30, state="submitted"
        ),
        author=participant,
        text="Ein Kommentar ohne Bezug zur Karte.",
    )
    assert client_a.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A reaction changes the supports of a feature: a new ETag, the full document.
    services.reaction_set(idea=located[0], user=participant, value=1)
    changed = client_a.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert _features(changed)[1]["properties"]["supports"] == 1


def test_a_write_shows_at_once(
    client_a: Client, municipality: Any, participant: Any, located: list[Any]
) -> None:
    assert len(_features(client_a.get(URL))) == 2
    new = make_idea(
        municipality=municipality, author=participant, title="Neue Idee mit Ort", lat=51.7, lon=8.7
    )
    assert _features(client_a.get(URL))[0]["id"] == new.pk
    moderator = UserFactory(municipality=municipality, roles=(Role.MODERATOR,))
    content_hide(target=new, actor=moderator, public_reason="Doppelt eingereicht.")
    assert new.pk not in [f["id"] for f in _features(client_a.get(URL))]


def test_the_cache_keeps_one_document_per_address(
    client_a: Client, municipality: Any, located: list[Any]
) -> None:
    client_a.get(URL)
    keys = [k for k in cache._cache if "api-geojson" in k]  # type: ignore[attr-defined]
    assert len(keys) == 1
    pagecache.bump(municipality.pk)
    client_a.get(URL)
    assert [k for k in cache._cache if "api-geojson" in k] == keys  # type: ignore[attr-defined]


def test_the_benchmark_can_ask_for_a_fresh_build(
    client_a: Client, municipality: Any, located: list[Any], settings: Any
) -> None:
    client_a.get(URL)
    Idea.objects.filter(pk=located[0].pk).update(title="Umbenannt ohne Service")  # no bump
    assert "Umbenannt" not in client_a.get(URL).content.decode()
    settings.PAGECACHE_BENCH_BYPASS = False
    assert "Umbenannt" not in client_a.get(URL, HTTP_X_BENCH_CACHE="bypass").content.decode()
    settings.PAGECACHE_BENCH_BYPASS = True
    assert "Umbenannt" in client_a.get(URL, HTTP_X_BENCH_CACHE="bypass").content.decode()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_nothing_is_stored_while_a_replica_may_lag(settings: Any, municipality: Any) -> None:
    token = pagecache.generation(municipality.pk)
    assert geojson.may_store(token)
    settings.DATABASE_REPLICA_PIN_SECONDS = 5
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    pagecache.bump(municipality.pk)
    assert not geojson.may_store(pagecache.generation(municipality.pk))
    settings.DATABASE_REPLICA_PIN_SECONDS = 0
    assert geojson.may_store(pagecache.generation(municipality.pk))


def test_the_document_is_written_in_pieces_that_join_up() -> None:
    rows = [(n, f'Idee "{n}"', "submitted", 51.0 + n / 1000, 8.0, n, 0) for n in range(1, 8)]
    whole = "".join(geojson.chunks(rows, "https://x.test/ideas/", size=3))
    body = json.loads(whole)
    assert [f["id"] for f in body["features"]] == list(range(1, 8))
    assert body["features"][2]["properties"]["title"] == 'Idee "3"'
    assert json.loads("".join(geojson.chunks([], "https://x.test/ideas/"))) == {
        "type": "FeatureCollection",
        "features": [],
    }
    doc = geojson.build(rows, "https://x.test/ideas/")
    assert doc.text().decode() == "".join(geojson.chunks(rows, "https://x.test/ideas/"))
    assert geojson.build(rows, "https://x.test/ideas/") == doc  # same bytes, same ETag
