from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.test import Client

from mitmachstadt.accounts.models import Membership, Role, User
from mitmachstadt.demo.seed_demo import load_data, seed_demo
from mitmachstadt.geo.models import District
from mitmachstadt.ideas.models import Comment, Idea, IdeaLink
from mitmachstadt.ideas.states import State
from mitmachstadt.tenants.models import Cluster, Criterion, FieldOfAction

CLUSTERS = (
    "NETZ.werk",
    "Green Lab",
    "Stadt on demand",
    "UrbanLand MobilityHubs",
    "Zukunft im Quartier",
)


@pytest.mark.django_db
def test_demo_municipality_is_seeded_from_the_source_documents() -> None:
    # One seeding for all checks: it is the slowest thing in the suite.
    municipality = seed_demo()
    data = load_data()
    assert municipality.is_demo and municipality.name == "Stadt Gütersloh"
    assert sorted(municipality.domains.values_list("host", flat=True)) == [
        "127.0.0.1",
        "[::1]",
        "localhost",
    ]
    assert FieldOfAction.objects.filter(municipality=municipality).count() == 9
    cluster_names = list(
        Cluster.objects.filter(municipality=municipality).values_list("name", flat=True)
    )
    assert len(cluster_names) == 5
    for expected in CLUSTERS:
        assert any(name.startswith(expected) for name in cluster_names), expected
    assert Criterion.objects.filter(municipality=municipality).count() == len(data["criteria"])
    assert District.objects.filter(municipality=municipality).count() == 13
    titles = set(Idea.objects.filter(municipality=municipality).values_list("title", flat=True))
    assert {idea["title"] for idea in data["ideas"]} <= titles
    # Every stage of the state machine is shown somewhere.
    states = set(Idea.objects.filter(municipality=municipality).values_list("state", flat=True))
    assert states == set(State.values)
    assert Idea.objects.filter(is_demo=False).count() == 0
    assert Comment.objects.filter(idea__municipality=municipality).count() >= 40
    assert IdeaLink.objects.filter(source__municipality=municipality).count() >= 10
    # The cluster projects are real projects in their stage, with their origin ideas merged in.
    for cluster in data["clusters"]:
        project = (
            Idea.objects.filter(municipality=municipality, title=cluster["name"])
            .order_by("pk")
            .first()
        )
        assert project is not None
        assert project.state == cluster["stage"] and project.cluster is not None
    assert Idea.objects.filter(state=State.MERGED, merged_into__isnull=False).count() >= 5
    _demo_accounts_per_role_with_second_factor_for_staff(municipality)
    _demo_home_page_in_german()


def _demo_accounts_per_role_with_second_factor_for_staff(municipality: Any) -> None:
    for role in (Role.MODERATOR, Role.REVIEWER, Role.COMMITTEE_CLERK, Role.ADMIN):
        member = Membership.objects.get(municipality=municipality, role=role).user
        assert member.is_demo and is_mfa_enabled(member)
    assert User.objects.filter(is_operator=True, is_demo=True).count() == 1
    assert Membership.objects.filter(municipality=municipality, role=Role.PARTICIPANT).count() >= 12
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/accounts/login/",
        {"login": "buerger01@demo.mitmachstadt.de", "password": "mitmachen-demo"},
    )
    assert response.status_code == 302


def _demo_home_page_in_german() -> None:
    body = Client(HTTP_HOST="localhost").get("/").content.decode()
    assert '<html lang="de">' in body
    assert "Gütersloh" in body and "Handlungsfelder" in body and "Demodaten" in body
