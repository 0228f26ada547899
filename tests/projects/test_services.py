"""Project data, milestones (with their event), KPIs and spending."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.core import bus
from mitmachstadt.ideas.models import Idea
from mitmachstadt.projects import services
from mitmachstadt.projects.models import Measurement, Project
from mitmachstadt.tenants.factories import ClusterFactory
from tests.reviews.helpers import idea_in, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(municipality: Any) -> Any:
    return staff(municipality, Role.ADMIN)


@pytest.fixture
def project(municipality: Any) -> Project:
    return services.project_ensure(idea=idea_in("in_development", municipality=municipality))


def test_only_projects_carry_project_data(municipality: Any) -> None:
    with pytest.raises(ValidationError):
        services.project_ensure(idea=idea_in("candidate", municipality=municipality))


def test_approval_creates_the_project_record(
    municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        idea = idea_in("in_development", municipality=municipality)
    assert Project.objects.filter(idea=idea, municipality=municipality).exists()


def test_project_update_stores_everything_and_sets_the_cluster_on_the_idea(
    municipality: Any, project: Project, team: Any
) -> None:
    cluster = ClusterFactory(municipality=municipality, name="Green Lab")
    origin = idea_in("submitted", municipality=municipality, title="Urban Farming im Quartier")
    data = dataclasses.replace(
        services.ProjectData.of(project),
        target_groups=["alle", " Schulen ", "alle", ""],
        actors=["Stadtwerke"],
        approach="Erst klein, dann stadtweit.",
        location_note="Innenstadt",
        cost_concept=Decimal("50000"),
        cost_investment=Decimal("500000.50"),
        cost_operation=None,
        cost_note="Schätzung",
        progress=40,
        status_note="Konzept in Arbeit.",
        repository_url="https://git.example.org/stadt/projekt",
        cluster=cluster,
        origin_ideas=[origin],
    )
    services.project_update(project=project, actor=team, data=data)
    project.refresh_from_db()
    assert project.target_groups == ["alle", "Schulen"]
    assert project.cost_planned == Decimal("550000.50")
    assert project.has_cost_estimate and project.cost_operation is None
    assert list(project.origin_ideas.all()) == [origin]
    assert Idea.objects.get(pk=project.idea_id).cluster == cluster
    entry = AuditEntry.objects.get(action="project.update")
    assert "cluster" in entry.data["changed"] and "cost_concept" in entry.data["changed"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cost_concept": Decimal("-1")}, "cost_concept"),
        ({"cost_investment": Decimal("1.005")}, "cost_investment"),
        ({"progress": 101}, "progress"),
        ({"repository_url": "javascript:alert(1)"}, "repository_url"),
        ({"target_groups": ["x" * 201]}, "target_groups"),
    ],
)
def test_project_update_validates(
    change: dict[str, Any], field: str, project: Project, team: Any
) -> None:
    data = dataclasses.replace(services.ProjectData.of(project), **change)
    with pytest.raises(ValidationError) as caught:
        services.project_update(project=project, actor=team, data=data)
    assert field in caught.value.message_dict
    assert not AuditEntry.objects.filter(action="project.update").exists()


def test_foreign_clusters_and_origins_are_refused(
    municipality: Any, other_municipality: Any, project: Project, team: Any
) -> None:
    foreign_cluster = ClusterFactory(municipality=other_municipality)
    foreign_idea = idea_in("submitted", municipality=other_municipality, title="Idee aus Beta")
    data = dataclasses.replace(
        services.ProjectData.of(project), cluster=foreign_cluster, origin_ideas=[foreign_idea]
    )
    with pytest.raises(ValidationError) as caught:
        services.project_update(project=project, actor=team, data=data)
    assert {"cluster", "origin_ideas"} <= set(caught.value.message_dict)


def test_only_the_project_team_of_the_municipality_edits(
    municipality: Any, other_municipality: Any, project: Project
) -> None:
    for outsider in [
        UserFactory(municipality=municipality),
        staff(municipality, Role.MODERATOR),
        staff(municipality, Role.COMMITTEE_CLERK),
        staff(other_municipality, Role.ADMIN, Role.REVIEWER),
    ]:
        with pytest.raises(PermissionDenied):
            services.milestone_create(
                project=project,
                actor=outsider,
                title="Fremder Meilenstein",
                due=dt.date(2030, 1, 1),
            )
    reviewer = staff(municipality, Role.REVIEWER)
    services.milestone_create(
        project=project, actor=reviewer, title="Meilenstein des Teams", due=dt.date(2030, 1, 1)
    )


def test_a_done_milestone_publishes_its_event(
    project: Project, team: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[bus.Event] = []
    bus.subscribe("project.milestone_done", seen.append)
    try:
        milestone = services.milestone_create(
            project=project, actor=team, title="Konzept fertig", due=dt.date(2025, 1, 31)
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.milestone_set_done(
                milestone=milestone, actor=team, done_on=dt.date(2025, 1, 20)
            )
            # Marking it done again on another day is no new event.
            services.milestone_set_done(
                milestone=milestone, actor=team, done_on=dt.date(2025, 1, 21)
            )
    finally:
        bus.unsubscribe("project.milestone_done", seen.append)
    assert len(seen) == 1
    event = seen[0]
    assert event.object_id == project.idea_id
    assert event.municipality_id == project.municipality_id
    assert event.data["milestone_id"] == milestone.pk and event.data["title"] == "Konzept fertig"
    with pytest.raises(ValidationError):
        services.milestone_set_done(
            milestone=milestone, actor=team, done_on=timezone.localdate() + dt.timedelta(days=1)
        )
    services.milestone_set_done(milestone=milestone, actor=team, done_on=None)
    milestone.refresh_from_db()
    assert milestone.done_on is None and milestone.is_overdue(dt.date(2025, 2, 1))


def test_measurements_one_per_day_and_not_in_the_future(project: Project, team: Any) -> None:
    indicator = services.indicator_create(
        project=project, actor=team, name="Teilnahmen", unit="Personen", baseline=0, target=100
    )
    services.measurement_record(
        indicator=indicator, actor=team, measured_on=dt.date(2025, 3, 1), value="12"
    )
    services.measurement_record(
        indicator=indicator, actor=team, measured_on=dt.date(2025, 3, 1), value="15.5"
    )
    assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("15.5")]
    with pytest.raises(ValidationError):
        services.measurement_record(
            indicator=indicator,
            actor=team,
            measured_on=timezone.localdate() + dt.timedelta(days=1),
            value=1,
        )
    with pytest.raises(ValidationError):
        services.measurement_record(
            indicator=indicator, actor=team, measured_on=dt.date(2025, 3, 2), value="viele"
        )
    with pytest.raises(ValidationError):
        services.indicator_create(
            project=project, actor=team, name="X", unit="", baseline=0, target=1
        )


def test_spent_is_the_sum_of_the_bookings(project: Project, team: Any) -> None:
    first = services.expenditure_record(
        project=project,
        actor=team,
        spent_on=dt.date(2025, 2, 1),
        amount="1200.50",
        category="concept",
        note="Workshop",
    )
    services.expenditure_record(
        project=project,
        actor=team,
        spent_on=dt.date(2025, 4, 1),
        amount=Decimal("800"),
        category="investment",
    )
    project.refresh_from_db()
    assert project.spent == Decimal("2000.50")
    services.expenditure_delete(expenditure=first, actor=team)
    project.refresh_from_db()
    assert project.spent == Decimal("800")
    for amount, category, day in [
        ("0", "concept", dt.date(2025, 1, 1)),
        ("-5", "concept", dt.date(2025, 1, 1)),
        ("10", "other", dt.date(2025, 1, 1)),
        ("10", "concept", timezone.localdate() + dt.timedelta(days=2)),
    ]:
        with pytest.raises(ValidationError):
            services.expenditure_record(
                project=project, actor=team, spent_on=day, amount=amount, category=category
            )
    project.refresh_from_db()
    assert project.spent == Decimal("800")
