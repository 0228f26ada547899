"""Public project pages, the project team's edit pages, and the projects API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.api.services import api_token_create
from mitmachstadt.ideas.models import Idea
from mitmachstadt.projects import services
from mitmachstadt.projects.models import Expenditure, Milestone, Project
from mitmachstadt.tenants.factories import ClusterFactory
from tests.reviews import a11y
from tests.reviews.helpers import criteria, idea_in, staff, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(municipality: Any) -> Any:
    return staff(municipality, Role.ADMIN)


@pytest.fixture
def project(municipality: Any, team: Any) -> Project:
    criteria(municipality, 2)
    cluster = ClusterFactory(municipality=municipality, slug="green-lab", name="Green Lab")
    idea = idea_in("in_development", municipality=municipality, title="Grünes Reallabor")
    origin = idea_in("submitted", municipality=municipality, title="Urban Farming")
    project = services.project_ensure(idea=idea)
    services.project_update(
        project=project,
        actor=team,
        data=dataclasses.replace(
            services.ProjectData.of(project),
            target_groups=["Landwirte", "Einzelhandel"],
            actors=["Stadtwerke"],
            approach="Gewächshaus mit Sensorik.",
            cost_concept=Decimal("100000"),
            cost_investment=Decimal("1400000"),
            cost_note="Schätzung aus der Strategie.",
            progress=30,
            cluster=cluster,
            origin_ideas=[origin],
            repository_url="https://git.example.org/green-lab",
        ),
    )
    services.milestone_create(
        project=project, actor=team, title="Standort geprüft", due=dt.date(2024, 6, 30)
    )
    done = services.milestone_create(
        project=project, actor=team, title="Konzept erstellt", due=dt.date(2024, 3, 31)
    )
    services.milestone_set_done(milestone=done, actor=team, done_on=dt.date(2024, 3, 20))
    indicator = services.indicator_create(
        project=project, actor=team, name="Erntemenge", unit="kg", baseline=0, target=1200
    )
    services.measurement_record(
        indicator=indicator, actor=team, measured_on=dt.date(2024, 6, 1), value=80
    )
    services.measurement_record(
        indicator=indicator, actor=team, measured_on=dt.date(2024, 9, 1), value=240
    )
    services.expenditure_record(
        project=project,
        actor=team,
        spent_on=dt.date(2024, 3, 20),
        amount="25000",
        category="concept",
        note="Konzeptstudie",
    )
    return project


def test_project_list_groups_by_cluster_and_filters(
    municipality: Any, client_a: Client, client_b: Client, project: Project
) -> None:
    idea_in("in_implementation", municipality=municipality, title="Offene Daten Hub")
    idea_in("candidate", municipality=municipality, title="Nur ein Kandidat")
    response = client_a.get("/projects/")
    html = response.content.decode()
    assert response.status_code == 200
    a11y.check(html)
    assert "Grünes Reallabor" in html and "Offene Daten Hub" in html
    assert "Nur ein Kandidat" not in html
    assert "Green Lab" in html and "1.500.000 €" in html
    filtered = client_a.get("/projects/?cluster=green-lab").content.decode()
    assert "Grünes Reallabor" in filtered and "Offene Daten Hub" not in filtered
    by_state = client_a.get("/projects/?state=in_implementation").content.decode()
    assert "Offene Daten Hub" in by_state and "Grünes Reallabor" not in by_state
    assert "Grünes Reallabor" not in client_b.get("/projects/").content.decode()


def test_project_page_is_the_idea_page_plus_project_data(
    client_a: Client, client_b: Client, project: Project
) -> None:
    idea = project.idea
    response = client_a.get(f"/projects/{idea.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    a11y.check(html)
    assert f'href="/ideas/{idea.pk}/"' in html
    assert idea.text in html or idea.text_html in html
    for text in [
        "Landwirte, Einzelhandel",
        "Stadtwerke",
        "Gewächshaus mit Sensorik.",
        "100.000 €",
        "1.400.000 €",
        "1.500.000 €",
        "25.000 €",
        "1.475.000 €",
        "Standort geprüft",
        "überfällig",
        "Erntemenge",
        "240",
        "Urban Farming",
        "https://git.example.org/green-lab",
        f'href="/assessments/{idea.pk}/"',
        'aria-current="step"',
        "Drucksache 12/2025",
    ]:
        assert text in html, text
    # The KPI chart is an image with a name; its values are also in a table.
    assert 'role="img"' in html and "<polyline" in html
    geometry = re.findall(r'\s(?:x|y|x1|x2|y1|y2|cx|cy)="([^"]*)"', html)
    assert geometry and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in geometry)
    assert client_b.get(f"/projects/{idea.pk}/").status_code == 404


def test_project_page_in_english(client_a: Client, project: Project) -> None:
    client_a.cookies["django_language"] = "en"
    html = client_a.get(f"/projects/{project.idea_id}/").content.decode()
    assert "Milestones" in html and "€1,500,000" in html


def test_ideas_that_are_no_projects_have_no_project_page(
    municipality: Any, client_a: Client
) -> None:
    candidate = idea_in("candidate", municipality=municipality)
    assert client_a.get(f"/projects/{candidate.pk}/").status_code == 404
    hidden = idea_in("in_development", municipality=municipality, title="Versteckt")
    Idea.objects.filter(pk=hidden.pk).update(is_hidden=True, hidden_reason="Test")
    assert client_a.get(f"/projects/{hidden.pk}/").status_code == 404


@pytest.mark.parametrize("path", ["/staff/projects/", "/staff/projects/{pk}/"])
def test_staff_pages_need_the_project_team(
    path: str, municipality: Any, other_municipality: Any, client_a: Client, project: Project
) -> None:
    url = path.format(pk=project.idea_id)
    assert client_a.get(url).status_code == 302
    for outsider in [
        staff(municipality, Role.MODERATOR),
        staff(municipality, Role.COMMITTEE_CLERK),
        staff(other_municipality, Role.ADMIN),
    ]:
        assert staff_client(outsider).get(url).status_code == 403
    for member in [staff(municipality, Role.REVIEWER), staff(municipality, Role.ADMIN)]:
        page = staff_client(member).get(url)
        assert page.status_code == 200
        a11y.check(page.content.decode())


def test_staff_edits_a_project(municipality: Any, team: Any, project: Project) -> None:
    client = staff_client(team)
    url = f"/staff/projects/{project.idea_id}/"
    data = {
        "cluster": "",
        "status_note": "Pilot läuft.",
        "progress": "55",
        "target_groups": "Schulen\nVereine",
        "approach": "",
        "actors": "",
        "location_note": "",
        "cost_concept": "1000",
        "cost_investment": "",
        "cost_operation": "200",
        "cost_note": "",
        "repository_url": "",
    }
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.progress == 55 and project.target_groups == ["Schulen", "Vereine"]
    assert project.cost_planned == Decimal("1200") and project.cost_investment is None
    assert Idea.objects.get(pk=project.idea_id).cluster is None
    response = client.post(url, {**data, "progress": "150", "cost_concept": "-3"})
    assert response.status_code == 400
    html = response.content.decode()
    a11y.check(html)
    assert 'id="id_progress_errors"' in html and 'id="id_cost_concept_errors"' in html


def test_staff_milestones_kpis_spending_and_status(
    municipality: Any, team: Any, project: Project
) -> None:
    client = staff_client(team)
    base = f"/staff/projects/{project.idea_id}"
    response = client.post(
        f"{base}/milestones/", {"milestone-title": "Pilot gestartet", "milestone-due": "2026-01-31"}
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(title="Pilot gestartet")
    response = client.post(
        f"{base}/milestones/{milestone.pk}/", {"action": "done", "done-done_on": "2025-12-01"}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2025, 12, 1)
    page = client.get(f"{base}/milestones/{milestone.pk}/")
    a11y.check(page.content.decode())

    response = client.post(
        f"{base}/indicators/",
        {
            "indicator-name": "Nutzende",
            "indicator-unit": "Personen",
            "indicator-baseline": "0",
            "indicator-target": "500",
        },
    )
    assert response.status_code == 302
    indicator = project.indicators.get(name="Nutzende")
    response = client.post(
        f"{base}/indicators/{indicator.pk}/",
        {"action": "measure", "measure-measured_on": "2025-11-01", "measure-value": "42"},
    )
    assert response.status_code == 302
    assert indicator.measurements.get().value == Decimal("42")
    a11y.check(client.get(f"{base}/indicators/{indicator.pk}/").content.decode())

    response = client.post(
        f"{base}/spending/",
        {
            "expenditure-spent_on": "2025-10-01",
            "expenditure-amount": "999.99",
            "expenditure-category": "investment",
            "expenditure-note": "Sensoren",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.spent == Decimal("25999.99")
    booking = Expenditure.objects.get(note="Sensoren")
    assert client.post(f"{base}/spending/{booking.pk}/cancel/").status_code == 302
    project.refresh_from_db()
    assert project.spent == Decimal("25000")

    response = client.post(
        f"{base}/status/",
        {
            "status-transition": "funding_approved",
            "status-reason": "Der Fördermittelgeber hat zugestimmt.",
            "status-document_reference": "Bescheid 2025/17",
            "status-meeting_date": "2025-11-03",
        },
    )
    assert response.status_code == 302
    assert Idea.objects.get(pk=project.idea_id).state == "in_implementation"


def test_projects_api_contract(
    municipality: Any, client_a: Client, client_b: Client, project: Project
) -> None:
    idea_in("in_implementation", municipality=municipality, title="Offene Daten Hub")
    data = client_a.get("/api/v1/projects").json()
    assert data["count"] == 2 == len(data["items"])
    for item in data["items"]:
        assert {"id", "title", "state", "cluster", "url"} <= set(item)
    mine = next(i for i in data["items"] if i["id"] == project.idea_id)
    assert mine["cluster"] == "green-lab"
    assert mine["url"] == f"http://alpha.test/projects/{project.idea_id}/"
    assert mine["idea_url"] == f"http://alpha.test/ideas/{project.idea_id}/"
    assert mine["costs"]["planned"] == 1500000.0 and mine["costs"]["spent"] == 25000.0
    assert client_a.get("/api/v1/projects?cluster=green-lab").json()["count"] == 1
    assert client_b.get("/api/v1/projects").json()["count"] == 0
    detail = client_a.get(f"/api/v1/projects/{project.idea_id}").json()
    assert detail["target_groups"] == ["Landwirte", "Einzelhandel"]
    assert [m["title"] for m in detail["milestones"]] == ["Konzept erstellt", "Standort geprüft"]
    assert detail["indicators"][0]["measurements"][-1]["value"] == 240.0
    assert [o["title"] for o in detail["origin_ideas"]] == ["Urban Farming"]
    assert {t["name"] for t in detail["timeline"] if t["kind"] == "transition"} >= {
        "submit",
        "accept",
        "committee_approve",
    }
    assert client_b.get(f"/api/v1/projects/{project.idea_id}").status_code == 404


def test_projects_api_writes(
    municipality: Any, client_a: Client, team: Any, project: Project
) -> None:
    token = api_token_create(user=team, municipality=municipality, name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def send(method: str, path: str, body: Any, **headers: str) -> Any:
        return getattr(client_a, method)(
            path, data=json.dumps(body), content_type="application/json", **headers
        )

    url = f"/api/v1/projects/{project.idea_id}"
    assert send("patch", url, {"progress": 70}).status_code == 401
    participant = UserFactory(municipality=municipality)
    other_token = api_token_create(user=participant, municipality=municipality, name="t")[1]
    response = send("patch", url, {"progress": 70}, HTTP_AUTHORIZATION=f"Bearer {other_token}")
    assert response.status_code == 403
    response = send("patch", url, {"progress": 70, "cluster": "", "cost_operation": "5000"}, **auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["progress"] == 70 and body["cluster"] is None
    assert body["costs"]["operation"] == 5000.0 and body["costs"]["concept"] == 100000.0
    assert send("patch", url, {"progress": 170}, **auth).status_code == 400
    response = send(
        "post", f"{url}/milestones", {"title": "Eröffnung", "due": "2027-05-01"}, **auth
    )
    assert response.status_code == 201
    milestone_id = response.json()["id"]
    response = send(
        "patch", f"{url}/milestones/{milestone_id}", {"done": True, "done_on": "2025-01-02"}, **auth
    )
    assert response.status_code == 200 and response.json()["done_on"] == "2025-01-02"
    response = send(
        "post",
        f"{url}/indicators",
        {"indicator": "Besuche", "unit": "pro Monat", "baseline": 0, "target": 300},
        **auth,
    )
    assert response.status_code == 201
    indicator_id = response.json()["id"]
    response = send(
        "post",
        f"{url}/indicators/{indicator_id}/measurements",
        {"date": "2025-02-01", "value": 17},
        **auth,
    )
    assert response.status_code == 201
    response = send(
        "post",
        f"{url}/expenditures",
        {"date": "2025-02-01", "amount": "1000", "category": "operation"},
        **auth,
    )
    assert response.status_code == 201
    assert Project.objects.get(pk=project.pk).spent == Decimal("26000")
    assert send("delete", f"{url}/milestones/{milestone_id}", {}, **auth).status_code == 204


def test_project_list_and_api_are_paged(municipality: Any, client_a: Client) -> None:
    for n in range(27):
        idea = idea_in("submitted", municipality=municipality, title=f"Projekt Nummer {n:02d}")
        Idea.objects.filter(pk=idea.pk).update(state="in_development")
    first = client_a.get("/projects/").content.decode()
    assert first.count('class="card project-card"') == 24
    assert 'rel="next"' in first and "27 Projekte" in first
    second = client_a.get("/projects/?page=2").content.decode()
    assert second.count('class="card project-card"') == 3 and 'rel="prev"' in second
    data = client_a.get("/api/v1/projects?page=2&page_size=10").json()
    assert data["count"] == 27 and len(data["items"]) == 10 and data["page"] == 2
    titles = [i["title"] for i in client_a.get("/api/v1/projects?page_size=200").json()["items"]]
    assert titles == sorted(titles)
