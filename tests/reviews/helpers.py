"""Helpers shared by the review, project and dashboard tests."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client

from mitmachstadt.accounts.factories import UserFactory, enable_totp
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.reviews import services as reviews
from mitmachstadt.tenants.factories import CriterionFactory


def staff_client(user: Any, host: str = "alpha.test") -> Client:
    """A client signed in as `user` in a session that passed the second factor.

    The full login with a TOTP code is tested in tests/reviews/test_views.py; this helper sets
    the same session records allauth writes after the code step, to keep the table tests fast.
    """
    from allauth.mfa.utils import is_mfa_enabled

    if not is_mfa_enabled(user):
        enable_totp(user)
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    session = client.session
    now = time.time()
    session["account_authentication_methods"] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def staff(municipality: Any, *roles: str) -> Any:
    return UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, *roles))


def criteria(municipality: Any, n: int = 3) -> list[Any]:
    return [
        CriterionFactory(municipality=municipality, name=f"Kriterium {i}", position=i)
        for i in range(n)
    ]


def assess_all(idea: Idea, reviewer: Any, verdict: str = "met") -> None:
    """Record a verdict with a justification on every criterion of the idea's municipality."""
    from mitmachstadt.tenants.models import Criterion

    reviews.assessment_save(
        idea=idea,
        actor=reviewer,
        entries=[
            reviews.VerdictInput(c, verdict, f"Begründung zu {c.name}: nachvollziehbar erfüllt.")
            for c in Criterion.objects.filter(municipality=idea.municipality)
        ],
    )


def idea_in(
    state: str,
    *,
    municipality: Any,
    author: Any | None = None,
    reviewer: Any | None = None,
    clerk: Any | None = None,
    title: str = "Digitale Bürgersprechstunde im Quartier",
    **kwargs: Any,
) -> Idea:
    """An idea walked to `state` through the real transitions (with assessments on the way)."""
    author = author or UserFactory(municipality=municipality)
    reviewer = reviewer or staff(municipality, Role.REVIEWER)
    clerk = clerk or staff(municipality, Role.COMMITTEE_CLERK)
    idea = make_idea(
        municipality=municipality, author=author, title=title, submit=state != "draft", **kwargs
    )
    paths = {
        "draft": [],
        "submitted": [],
        "in_review": ["start_review"],
        "returned": ["start_review", "return"],
        "candidate": ["start_review", "accept"],
        "revision_requested": ["start_review", "accept", "committee_revise"],
        "in_development": ["start_review", "accept", "committee_approve"],
        "in_implementation": ["start_review", "accept", "committee_approve", "funding_approved"],
    }
    import datetime as dt

    for name in paths[state]:
        if name == "start_review":
            reviews.review_start(idea=idea, actor=reviewer)
        elif name in {"accept", "return"}:
            if name == "accept":
                assess_all(idea, reviewer)
            reviews.review_decide(
                idea=idea, actor=reviewer, decision=name, reason="Begründung der Prüfung."
            )
        else:
            workflow.FUNCTIONS[name](
                idea=idea,
                actor=clerk,
                reason="Beschluss des Ausschusses.",
                document_reference="Drucksache 12/2025",
                meeting_date=dt.date(2025, 3, 4),
            )
    idea.refresh_from_db()
    return idea
