"""The home page: a lively start with newest, most supported and random ideas, a call to
action, the fields of action with their numbers of ideas, and the projects by cluster."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas import services, workflow
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.services import cluster_create

from .test_views_common import author_fixture, field_fixture, html  # noqa: F401

pytestmark = pytest.mark.django_db


def section(page: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)
    assert match is not None, heading_id
    return match.group(1)


def test_empty_municipality_invites_to_start(client_a: Client, municipality: Any) -> None:
    response = client_a.get("/")
    assert response.status_code == 200
    page = html(response)
    assert 'href="/ideas/new/"' in page and "Idee einbringen" in page
    assert "Machen Sie den Anfang" in page
    assert "Von Ihrer Idee zum Projekt" in page


def test_home_shows_newest_supported_and_random_ideas(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    old = make_idea(
        municipality=municipality, author=author, fields=[field], title="Alte Idee hier"
    )
    ideas = [
        make_idea(municipality=municipality, author=author, fields=[field], title=f"Neue Idee {n}")
        for n in range(5)
    ]
    for person in [UserFactory(municipality=municipality) for _ in range(3)]:
        services.reaction_set(idea=old, user=person, value=1)
    make_idea(
        municipality=municipality, author=author, fields=[field], title="Privat", submit=False
    )
    page = html(client_a.get("/"))
    newest = section(page, "newest-heading")
    assert "Neue Idee 4" in newest and "Alte Idee hier" not in newest  # four newest only
    supported = section(page, "supported-heading")
    assert "Alte Idee hier" in supported and "Neue Idee 4" not in supported  # no zero support
    random_part = section(page, "random-heading")
    assert len(re.findall(r'class="idea-card"', random_part)) == 4
    seed = re.search(r'\?order=random&amp;seed=([0-9a-f]{8})"', random_part)
    assert seed is not None
    assert "Privat" not in page
    assert re.search(r'<span class="hero-number">6</span>', page)
    # The random pick counts as exposure once, and it is the start of the visitor's random list.
    assert sum(Idea.objects.values_list("exposure", flat=True)) == 4
    client_a.get("/")
    assert sum(Idea.objects.values_list("exposure", flat=True)) == 4
    listed = html(client_a.get(f"/ideas/?order=random&seed={seed.group(1)}"))
    first_four = re.findall(r'<h3 id="idea-(\d+)-title"', listed)[:4]
    assert first_four == re.findall(r'<h3 id="idea-(\d+)-title"', random_part)
    assert sum(Idea.objects.values_list("exposure", flat=True)) == len(ideas) + 1


def test_fields_of_action_with_counts_and_projects_by_cluster(
    client_a: Client, municipality: Any, author: Any, field: Any
) -> None:
    cluster = cluster_create(municipality=municipality, slug="green-lab", name="Green Lab")
    cluster_create(municipality=municipality, slug="leer", name="Leerer Cluster")
    project = make_idea(
        municipality=municipality, author=author, fields=[field], title="Smarte Bewässerung"
    )
    make_idea(municipality=municipality, author=author, fields=[field], title="Nur eine Idee")
    clerk = UserFactory(municipality=municipality, roles=(Role.COMMITTEE_CLERK,))
    Idea.objects.filter(pk=project.pk).update(cluster=cluster, state="candidate")
    project.refresh_from_db()
    workflow.committee_approve(idea=project, actor=clerk, reason="Beschlossen.")
    page = html(client_a.get("/"))
    fields = section(page, "fields-heading")
    assert 'href="/ideas/?field=mobilitaet"' in fields and "2 Ideen" in fields
    projects = page[page.index('id="projects-heading"') :]
    green = projects[projects.index("Green Lab") :]
    assert "Smarte Bewässerung" in green and "Projekt in Entwicklung" in green
    assert "Nur eine Idee" not in projects
    assert "Noch kein Projekt in diesem Cluster." in projects
    assert "?cluster=green-lab&amp;state=" in projects
    listed = html(client_a.get("/ideas/?cluster=green-lab&state=" + _projects_filter()))
    assert "Smarte Bewässerung" in listed


def _projects_filter() -> str:
    from mitmachstadt.ideas.forms import PROJECTS_FILTER

    return PROJECTS_FILTER


def test_home_of_another_municipality_shows_nothing_of_ours(
    client_b: Client, municipality: Any, author: Any, field: Any
) -> None:
    make_idea(municipality=municipality, author=author, fields=[field], title="Nur in Alphastadt")
    page = html(client_b.get("/"))
    assert "Nur in Alphastadt" not in page and "Mobilität" not in page
