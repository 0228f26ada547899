"""A municipality with a varied history: ideas in every state, answers, projects, spending.

Built through the real services and transitions, with random (seeded) choices, then dated in
the past by updating the stored times, as the records of a running installation would be.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea, OfficialAnswer, Transition
from mitmachstadt.projects import services as projects
from mitmachstadt.tenants.factories import ClusterFactory, FieldOfActionFactory
from tests.reviews.helpers import criteria, idea_in, staff

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[8.0, 51.0], [8.1, 51.0], [8.1, 51.1], [8.0, 51.1], [8.0, 51.0]]],
}
TARGETS = [
    "draft",
    "submitted",
    "in_review",
    "candidate",
    "returned",
    "revision_requested",
    "in_development",
    "in_implementation",
    "completed",
    "scaled_citywide",
    "discontinued",
    "merged",
    "withdrawn",
]
NOW = timezone.make_aware(dt.datetime(2026, 3, 15, 12, 0))


@dataclass
class Town:
    municipality: Any
    clusters: list[Any]
    fields: list[Any]
    districts: list[Any]
    admin: Any
    reviewer: Any
    ideas: list[Idea]


def build_town(municipality: Any, seed: int, n: int = 36) -> Town:
    rng = random.Random(seed)
    criteria(municipality, 2)
    clusters = [ClusterFactory(municipality=municipality, position=i) for i in range(3)]
    fields = [FieldOfActionFactory(municipality=municipality, position=i) for i in range(4)]
    districts = [
        district_create(
            municipality=municipality, slug=f"bezirk-{i}", name=f"Bezirk {i}", geometry=SQUARE
        )
        for i in range(3)
    ]
    admin = staff(municipality, Role.ADMIN)
    reviewer = staff(municipality, Role.REVIEWER)
    clerk = staff(municipality, Role.COMMITTEE_CLERK)
    moderator = staff(municipality, Role.MODERATOR)
    author = UserFactory(municipality=municipality)
    ideas: list[Idea] = []
    for index in range(n):
        target = TARGETS[index % len(TARGETS)] if index < len(TARGETS) else rng.choice(TARGETS)
        place = rng.choice(["district", "citywide", "none"])
        base = {
            "draft": "draft",
            "withdrawn": "submitted",
            "merged": "submitted",
            "completed": "in_implementation",
            "scaled_citywide": "in_implementation",
            "discontinued": "in_implementation",
        }.get(target, target)
        idea = idea_in(
            base,
            municipality=municipality,
            author=author,
            reviewer=reviewer,
            clerk=clerk,
            title=f"Idee Nummer {index} für die Stadt",
            fields=rng.sample(fields, rng.randint(1, 2)),
            district=rng.choice(districts) if place == "district" else None,
            citywide=place == "citywide",
        )
        if target == "withdrawn":
            workflow.withdraw(idea=idea, actor=author)
        elif target == "merged":
            into = next(i for i in ideas if i.is_public and i.state != "merged")
            workflow.merge(idea=idea, into=into, actor=moderator, reason="Doppelt.")
        elif target in {"completed", "scaled_citywide", "discontinued"}:
            name = {
                "completed": "complete",
                "scaled_citywide": "scale_citywide",
                "discontinued": "discontinue",
            }[target]
            workflow.FUNCTIONS[name](idea=idea, actor=admin, reason="Abschluss.")
        if rng.random() < 0.6:
            Idea.objects.filter(pk=idea.pk).update(cluster=rng.choice(clusters))
        idea.refresh_from_db()
        # A history: submitted some days to months ago, steps after that.
        if idea.submitted_at is not None:
            submitted = NOW - dt.timedelta(days=rng.randint(1, 400), hours=rng.randint(0, 23))
            Idea.objects.filter(pk=idea.pk).update(submitted_at=submitted)
            for step, record in enumerate(Transition.objects.filter(idea=idea).order_by("pk")):
                Transition.objects.filter(pk=record.pk).update(
                    created=submitted + dt.timedelta(days=step * 3)
                )
            if idea.is_public and rng.random() < 0.65:
                answer = idea_services.answer_create(
                    idea=idea, actor=reviewer, text="Danke, wir prüfen die Idee sorgfältig."
                )
                answered = min(
                    submitted + dt.timedelta(days=rng.uniform(0.2, 40)),
                    NOW - dt.timedelta(hours=1),
                )
                OfficialAnswer.objects.filter(pk=answer.pk).update(created=answered)
                Idea.objects.filter(pk=idea.pk).update(first_answer_at=answered)
        if rng.random() < 0.08:
            Idea.objects.filter(pk=idea.pk).update(is_hidden=True, hidden_reason="Test")
        idea.refresh_from_db()
        ideas.append(idea)

    for idea in ideas:
        if idea.state not in {
            "in_development",
            "in_implementation",
            "completed",
            "scaled_citywide",
            "discontinued",
        }:
            continue
        project = projects.project_ensure(idea=idea)
        data = projects.ProjectData.of(project)
        data.cost_concept = Decimal(rng.choice([None, 10000, 25000.5]) or 0) or None
        data.cost_investment = Decimal(rng.randint(0, 900) * 1000)
        data.cost_operation = rng.choice([None, Decimal("1234.56")])
        projects.project_update(project=project, actor=admin, data=data)
        for m in range(rng.randint(0, 4)):
            due = NOW.date() + dt.timedelta(days=rng.randint(-200, 200))
            milestone = projects.milestone_create(
                project=project, actor=admin, title=f"Meilenstein {m}", due=due
            )
            if rng.random() < 0.4:
                projects.milestone_set_done(
                    milestone=milestone, actor=admin, done_on=min(due, timezone.localdate())
                )
        for _booking in range(rng.randint(0, 3)):
            projects.expenditure_record(
                project=project,
                actor=admin,
                spent_on=NOW.date() - dt.timedelta(days=rng.randint(0, 500)),
                amount=Decimal(rng.randint(1, 5000)) + Decimal("0.25"),
                category=rng.choice(["concept", "investment", "operation"]),
            )
    return Town(municipality, clusters, fields, districts, admin, reviewer, ideas)


@pytest.fixture
def town(municipality: Any) -> Town:
    return build_town(municipality, seed=5)
