from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.api.services import api_token_create
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.factories import FieldOfActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(municipality: Any) -> Any:
    return FieldOfActionFactory(municipality=municipality, slug="mobilitaet")


@pytest.fixture
def token(municipality: Any, participant: Any) -> str:
    return api_token_create(user=participant, municipality=municipality, name="test")[1]


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_list_contract(client_a: Client, municipality: Any, participant: Any, field: Any) -> None:
    for n in range(3):
        make_idea(
            municipality=municipality, author=participant, fields=[field], title=f"Idee {n} hier"
        )
    make_idea(municipality=municipality, author=participant, fields=[field], submit=False)
    data = client_a.get("/api/v1/ideas").json()
    assert data["count"] == 3
    for item in data["items"]:
        assert {"id", "title", "state", "url"} <= set(item)
        assert item["url"] == f"http://alpha.test/ideas/{item['id']}/"
        assert item["fields"] == ["mobilitaet"]
    assert [i["title"] for i in data["items"]] == ["Idee 2 hier", "Idee 1 hier", "Idee 0 hier"]


@pytest.mark.parametrize(
    "order", ["newest", "supported", "rated", "discussed", "controversial", "trending", "random"]
)
def test_every_order_answers(
    client_a: Client, municipality: Any, participant: Any, order: str
) -> None:
    make_idea(municipality=municipality, author=participant)
    response = client_a.get(f"/api/v1/ideas?order={order}&seed=42")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_unknown_order_is_a_clear_error(client_a: Client, municipality: Any) -> None:
    response = client_a.get("/api/v1/ideas?order=loudest")
    assert response.status_code == 422


def test_random_paging_with_seed_is_stable(
    client_a: Client, municipality: Any, participant: Any, field: Any
) -> None:
    for n in range(12):
        make_idea(
            municipality=municipality, author=participant, fields=[field], title=f"Zufall {n} Idee"
        )
    pages = [
        [
            i["id"]
            for i in client_a.get(f"/api/v1/ideas?order=random&seed=x&page={p}&page_size=5").json()[
                "items"
            ]
        ]
        for p in (1, 2, 3)
    ]
    flat = [i for page in pages for i in page]
    assert len(flat) == 12 and len(set(flat)) == 12
    again = client_a.get("/api/v1/ideas?order=random&seed=x&page=2&page_size=5").json()
    assert [i["id"] for i in again["items"]] == pages[1]


def test_detail_similar_and_geojson(
    client_a: Client, municipality: Any, participant: Any, field: Any
) -> None:
    park = make_idea(
        municipality=municipality,
        author=participant,
        fields=[field],
        title="Freie Parkplätze in der Innenstadt anzeigen",
        text="Eine Anzeige der freien Parkplätze spart Suchverkehr.",
        lat=51.9,
        lon=8.38,
    )
    make_idea(
        municipality=municipality,
        author=participant,
        fields=[field],
        title="Mehr Bäume am Marktplatz",
        text="Schatten und Kühlung im Sommer für alle.",
    )
    detail = client_a.get(f"/api/v1/ideas/{park.pk}").json()
    assert detail["title"] == park.title and detail["location"] == {"lat": 51.9, "lon": 8.38}
    assert [t["name"] for t in detail["transitions"]] == ["submit"]
    similar = client_a.get("/api/v1/ideas/similar", {"text": "Parkplatzfinder-App"}).json()
    assert similar["items"][0]["id"] == park.pk
    geo = client_a.get("/api/v1/ideas.geojson").json()
    assert geo["type"] == "FeatureCollection"
    assert [f["geometry"]["coordinates"] for f in geo["features"]] == [[8.38, 51.9]]


def test_other_municipality_sees_nothing(
    client_a: Client, client_b: Client, municipality: Any, participant: Any
) -> None:
    idea = make_idea(municipality=municipality, author=participant, lat=51.9, lon=8.3)
    assert client_b.get("/api/v1/ideas").json()["count"] == 0
    assert client_b.get(f"/api/v1/ideas/{idea.pk}").status_code == 404
    assert client_b.get(f"/api/v1/ideas/{idea.pk}/comments").status_code == 404
    assert client_b.get("/api/v1/ideas.geojson").json()["features"] == []
    assert client_b.get("/api/v1/ideas/similar", {"text": idea.title}).json()["items"] == []


def test_drafts_are_not_in_the_api(client_a: Client, municipality: Any, participant: Any) -> None:
    draft = make_idea(municipality=municipality, author=participant, submit=False)
    assert client_a.get(f"/api/v1/ideas/{draft.pk}").status_code == 404


def test_create_update_submit_with_a_token(
    client_a: Client, municipality: Any, participant: Any, field: Any, token: str
) -> None:
    payload = {
        "title": "Trinkbrunnen im Stadtpark",
        "text": "Im Sommer fehlt frisches Wasser im Park.",
        "fields": ["mobilitaet"],
    }
    assert (
        client_a.post(
            "/api/v1/ideas", json.dumps(payload), content_type="application/json"
        ).status_code
        == 401
    )
    created = client_a.post(
        "/api/v1/ideas", json.dumps(payload), content_type="application/json", **_auth(token)
    )
    assert created.status_code == 201, created.content
    idea_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    update = {**payload, "title": "Trinkbrunnen im Stadtpark und am Markt", "note": "Markt ergänzt"}
    response = client_a.put(
        f"/api/v1/ideas/{idea_id}",
        json.dumps(update),
        content_type="application/json",
        **_auth(token),
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    response = client_a.post(
        f"/api/v1/ideas/{idea_id}/transitions/submit",
        "{}",
        content_type="application/json",
        **_auth(token),
    )
    assert response.json()["state"] == "submitted"


def test_bad_input_answers_400_with_field_errors(
    client_a: Client, municipality: Any, field: Any, token: str
) -> None:
    payload = {"title": "Kurz", "text": "zu kurz", "fields": ["gibt-es-nicht"]}
    response = client_a.post(
        "/api/v1/ideas", json.dumps(payload), content_type="application/json", **_auth(token)
    )
    assert response.status_code == 400
    assert "fields" in response.json()["errors"]
    assert not Idea.objects.exists()


def test_token_of_another_municipality_is_refused(
    client_b: Client, other_municipality: Any, field: Any, token: str
) -> None:
    payload = {
        "title": "Fremder Zugriff",
        "text": "Das sollte nicht gehen, nirgends.",
        "fields": [],
    }
    response = client_b.post(
        "/api/v1/ideas", json.dumps(payload), content_type="application/json", **_auth(token)
    )
    assert response.status_code == 401


def test_comments_reactions_links_follow(
    client_a: Client, municipality: Any, participant: Any, field: Any, token: str
) -> None:
    idea = make_idea(municipality=municipality, author=participant, fields=[field])
    other = make_idea(
        municipality=municipality, author=participant, fields=[field], title="Zweite Idee dazu"
    )
    r = client_a.post(
        f"/api/v1/ideas/{idea.pk}/comments",
        json.dumps({"text": "Super!"}),
        content_type="application/json",
        **_auth(token),
    )
    assert r.status_code == 201
    r = client_a.post(
        f"/api/v1/ideas/{idea.pk}/comments",
        json.dumps({"text": "Antwort", "parent": r.json()["id"], "anonymous": True}),
        content_type="application/json",
        **_auth(token),
    )
    assert r.json()["author"] is None and r.json()["parent"] is not None
    comments = client_a.get(f"/api/v1/ideas/{idea.pk}/comments").json()
    assert [c["text"] for c in comments] == ["Super!", "Antwort"]
    r = client_a.put(
        f"/api/v1/ideas/{idea.pk}/reaction",
        json.dumps({"value": -1}),
        content_type="application/json",
        **_auth(token),
    )
    assert r.json()["opposes"] == 1
    r = client_a.put(
        f"/api/v1/ideas/{idea.pk}/reaction",
        json.dumps({"value": 5}),
        content_type="application/json",
        **_auth(token),
    )
    assert r.status_code == 400
    r = client_a.delete(f"/api/v1/ideas/{idea.pk}/reaction", **_auth(token))
    assert r.json()["opposes"] == 0
    r = client_a.post(
        f"/api/v1/ideas/{idea.pk}/links",
        json.dumps({"target": other.pk, "kind": "related"}),
        content_type="application/json",
        **_auth(token),
    )
    assert r.status_code == 201
    assert client_a.get(f"/api/v1/ideas/{other.pk}/links").json()[0]["idea"] == idea.pk
    assert client_a.post(f"/api/v1/ideas/{other.pk}/follow", **_auth(token)).status_code == 204


def test_session_writes_need_csrf(municipality: Any, participant: Any, field: Any) -> None:
    idea = make_idea(municipality=municipality, author=participant, fields=[field])
    client = Client(HTTP_HOST="alpha.test", enforce_csrf_checks=True)
    client.force_login(participant)
    response = client.put(
        f"/api/v1/ideas/{idea.pk}/reaction",
        json.dumps({"value": 1}),
        content_type="application/json",
    )
    assert response.status_code in {401, 403}
    client.get("/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.put(
        f"/api/v1/ideas/{idea.pk}/reaction",
        json.dumps({"value": 1}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 200


def test_transitions_by_role(
    client_a: Client, municipality: Any, participant: Any, field: Any, token: str
) -> None:
    idea = make_idea(municipality=municipality, author=participant, fields=[field])
    r = client_a.post(
        f"/api/v1/ideas/{idea.pk}/transitions/start_review",
        "{}",
        content_type="application/json",
        **_auth(token),
    )
    assert r.status_code == 400 and Idea.objects.get(pk=idea.pk).state == "submitted"
    reviewer = UserFactory(municipality=municipality, roles=(Role.REVIEWER,))
    reviewer_token = api_token_create(user=reviewer, municipality=municipality, name="r")[1]
    r = client_a.post(
        f"/api/v1/ideas/{idea.pk}/transitions/start_review",
        "{}",
        content_type="application/json",
        **_auth(reviewer_token),
    )
    assert r.status_code == 200 and r.json()["state"] == "in_review"


def test_rate_limit_answers_429(
    client_a: Client, municipality: Any, settings: Any, field: Any, token: str
) -> None:
    settings.RATE_LIMITS = {"idea": "2/3600"}
    payload = {
        "title": "Eine Idee zum Limit",
        "text": "Genug Text für eine gültige Idee hier.",
        "fields": ["mobilitaet"],
    }
    codes = [
        client_a.post(
            "/api/v1/ideas", json.dumps(payload), content_type="application/json", **_auth(token)
        ).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]


def test_openapi_describes_the_contract(client_a: Client, municipality: Any) -> None:
    schema = client_a.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/ideas",
        "/api/v1/ideas/{idea_id}",
        "/api/v1/ideas/similar",
        "/api/v1/ideas.geojson",
    ):
        assert path in schema["paths"], path


def test_public_reads_come_from_the_page_cache_until_a_write(
    client_a: Client, municipality: Any, participant: Any, field: Any, token: str
) -> None:
    idea = make_idea(municipality=municipality, author=participant, fields=[field])
    first = client_a.get("/api/v1/ideas")
    assert first["X-Page-Cache"] == "miss" and first.json()["count"] == 1
    again = client_a.get("/api/v1/ideas")
    assert again["X-Page-Cache"] == "hit" and again.content == first.content
    assert client_a.get(f"/api/v1/ideas/{idea.pk}")["X-Page-Cache"] == "miss"
    assert client_a.get(f"/api/v1/ideas/{idea.pk}")["X-Page-Cache"] == "hit"
    # A write through the API (a token, never cached itself) outdates every cached answer.
    reacted = client_a.put(
        f"/api/v1/ideas/{idea.pk}/reaction",
        json.dumps({"value": 1}),
        content_type="application/json",
        **_auth(token),
    )
    assert "X-Page-Cache" not in reacted
    fresh = client_a.get(f"/api/v1/ideas/{idea.pk}")
    assert fresh["X-Page-Cache"] == "miss" and fresh.json()["supports"] == 1
    assert client_a.get("/api/v1/ideas").json()["items"][0]["supports"] == 1
    # Token holders are never served from (or stored in) the cache.
    assert "X-Page-Cache" not in client_a.get("/api/v1/ideas", **_auth(token))
    # Neither are the GeoJSON (its own cache) nor similar ideas.
    assert "X-Page-Cache" not in client_a.get("/api/v1/ideas.geojson")
    assert "X-Page-Cache" not in client_a.get("/api/v1/ideas/similar", {"text": "Bänke"})
