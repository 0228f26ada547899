"""API for criteria, assessments, review decisions, the agenda and committee decisions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.models import Role
from mitmachstadt.api.services import api_token_create
from mitmachstadt.ideas.models import Idea, Transition

from .helpers import assess_all, criteria, idea_in, staff

pytestmark = pytest.mark.django_db


def _bearer(user: Any, municipality: Any) -> dict[str, str]:
    token = api_token_create(user=user, municipality=municipality, name="test")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _send(client: Client, method: str, path: str, body: Any, **headers: str) -> Any:
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", **headers
    )


@pytest.fixture
def reviewer(municipality: Any) -> Any:
    return staff(municipality, Role.REVIEWER)


@pytest.fixture
def clerk(municipality: Any) -> Any:
    return staff(municipality, Role.COMMITTEE_CLERK)


def test_criteria_are_public(municipality: Any, client_a: Client, client_b: Client) -> None:
    checklist = criteria(municipality, 2)
    data = client_a.get("/api/v1/criteria").json()
    assert [c["slug"] for c in data] == [c.slug for c in checklist]
    assert client_b.get("/api/v1/criteria").json() == []


def test_assessing_and_deciding_through_the_api(
    municipality: Any, client_a: Client, reviewer: Any
) -> None:
    checklist = criteria(municipality, 2)
    idea = idea_in("submitted", municipality=municipality)
    auth = _bearer(reviewer, municipality)
    response = _send(client_a, "post", f"/api/v1/assessments/{idea.pk}/start", {}, **auth)
    assert response.status_code == 200, response.content
    assert response.json()["missing"] == [c.slug for c in checklist]
    response = _send(
        client_a,
        "put",
        f"/api/v1/assessments/{idea.pk}/verdicts/{checklist[0].slug}",
        {"verdict": "met", "justification": "Passt zu den Zielen der Agenda."},
        **auth,
    )
    assert response.status_code == 200
    assert response.json()["verdict_label"]
    # Accept is refused while a criterion is missing: 400 with the reason.
    response = _send(
        client_a,
        "post",
        f"/api/v1/assessments/{idea.pk}/decision",
        {"decision": "accept", "reason": "Erfüllt."},
        **auth,
    )
    assert response.status_code == 400
    assert checklist[1].name in json.dumps(response.json(), ensure_ascii=False)
    # Not public before the decision.
    assert client_a.get(f"/api/v1/assessments/{idea.pk}").json()["items"] == []
    _send(
        client_a,
        "put",
        f"/api/v1/assessments/{idea.pk}/verdicts/{checklist[1].slug}",
        {"verdict": "partly", "justification": "Teilweise klimarelevant."},
        **auth,
    )
    response = _send(
        client_a,
        "post",
        f"/api/v1/assessments/{idea.pk}/decision",
        {"decision": "accept", "reason": "Erfüllt.", "summary": "Empfohlen."},
        **auth,
    )
    assert response.status_code == 200
    assert Idea.objects.get(pk=idea.pk).state == "candidate"
    public = client_a.get(f"/api/v1/assessments/{idea.pk}").json()
    assert public["missing"] is None
    (item,) = public["items"]
    assert item["published"] and item["decision"] == "accept" and item["summary"] == "Empfohlen."
    assert [(v["criterion"], v["verdict"]) for v in item["verdicts"]] == [
        (checklist[0].slug, "met"),
        (checklist[1].slug, "partly"),
    ]
    agenda = client_a.get("/api/v1/agenda").json()
    assert [(a["id"], a["assessment"]["round"]) for a in agenda] == [(idea.pk, 1)]


def test_writes_need_the_role(
    municipality: Any, other_municipality: Any, client_a: Client, participant: Any
) -> None:
    checklist = criteria(municipality, 1)
    idea = idea_in("in_review", municipality=municipality)
    body = {"verdict": "met", "justification": "Ein Versuch ohne Rolle."}
    path = f"/api/v1/assessments/{idea.pk}/verdicts/{checklist[0].slug}"
    assert _send(client_a, "put", path, body).status_code == 401
    response = _send(client_a, "put", path, body, **_bearer(participant, municipality))
    assert response.status_code == 403
    foreign = staff(other_municipality, Role.REVIEWER)
    # A token of B is not valid on A's host; on B's host A's idea does not exist.
    response = _send(client_a, "put", path, body, **_bearer(foreign, other_municipality))
    assert response.status_code == 401
    client_b = Client(HTTP_HOST="beta.test")
    response = _send(client_b, "put", path, body, **_bearer(foreign, other_municipality))
    assert response.status_code == 404
    decision = {"decision": "return", "reason": "Nein."}
    response = _send(
        client_a,
        "post",
        f"/api/v1/assessments/{idea.pk}/decision",
        decision,
        **_bearer(participant, municipality),
    )
    assert response.status_code == 403
    assert Idea.objects.get(pk=idea.pk).state == "in_review"


def test_committee_decisions_through_the_api(
    municipality: Any, client_a: Client, client_b: Client, reviewer: Any, clerk: Any
) -> None:
    criteria(municipality, 1)
    idea = idea_in("candidate", municipality=municipality, reviewer=reviewer, clerk=clerk)
    body = {
        "idea": idea.pk,
        "decision": "committee_revise",
        "reason": "Der Ausschuss bittet um eine Kostenschätzung.",
        "meeting_date": "2025-09-16",
        "document_reference": "https://ratsinfo.example.org/oparl/v1/paper/815",
    }
    response = _send(client_a, "post", "/api/v1/decisions", body, **_bearer(reviewer, municipality))
    assert response.status_code == 403
    response = _send(client_a, "post", "/api/v1/decisions", body, **_bearer(clerk, municipality))
    assert response.status_code == 201, response.content
    assert response.json()["to_state"] == "revision_requested"
    listed = client_a.get("/api/v1/decisions").json()
    assert listed["count"] == 1
    (item,) = listed["items"]
    assert item["document_reference"] == body["document_reference"]
    assert item["meeting_date"] == "2025-09-16" and item["decision"] == "committee_revise"
    assert client_b.get("/api/v1/decisions").json()["count"] == 0
    assert client_a.get("/api/v1/decisions?since=2025-10-01").json()["count"] == 0
    # A second decision on the same idea is refused by its state.
    response = _send(client_a, "post", "/api/v1/decisions", body, **_bearer(clerk, municipality))
    assert response.status_code == 400
    assert Transition.objects.filter(idea=idea, name="committee_revise").count() == 1


def test_the_assessment_of_an_accepted_idea_is_in_the_ideas_api_flow(
    municipality: Any, client_a: Client, reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    criteria(municipality, 1)
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    assess_all(idea, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(
            client_a,
            "post",
            f"/api/v1/ideas/{idea.pk}/transitions/accept",
            {"reason": "Über die allgemeine Schnittstelle."},
            **_bearer(reviewer, municipality),
        )
    assert response.status_code == 200, response.content
    items = client_a.get(f"/api/v1/assessments/{idea.pk}").json()["items"]
    assert [i["decision"] for i in items] == ["accept"]
