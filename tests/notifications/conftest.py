"""Fixtures for notification tests: fields, districts, staff, ideas made through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.geo.models import District
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas import workflow
from mitmachstadt.tenants.factories import FieldOfActionFactory

# Alphastadt's centre for these tests (Gütersloh's coordinates, for plausibility).
CENTRE = (51.9060, 8.3780)


def square(lat: float, lon: float, half: float = 0.01) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Call a function and run what it left for after the commit (the bus, queued tasks)."""

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def field(municipality: Any) -> Any:
    return FieldOfActionFactory(municipality=municipality, slug="mobility", name="Mobility")


@pytest.fixture
def other_field(municipality: Any) -> Any:
    return FieldOfActionFactory(municipality=municipality, slug="education", name="Education")


@pytest.fixture
def district(municipality: Any) -> District:
    return District.objects.create(
        municipality=municipality, slug="centre", name="Centre", geometry=square(*CENTRE)
    )


@pytest.fixture
def reviewer(municipality: Any) -> Any:
    return UserFactory(municipality=municipality, roles=(Role.REVIEWER,))


@pytest.fixture
def make_idea(municipality: Any, field: Any, run_commits: Callable[..., Any]) -> Callable[..., Any]:
    """Create (and by default submit) an idea through the services, running the bus."""

    def make(author: Any, *, title: str = "Bike lanes on the ring road", **kwargs: Any) -> Any:
        kwargs.setdefault("fields", [field])
        kwargs.setdefault(
            "text", "Safe, separated bike lanes along the whole ring road, with clear signs."
        )
        kwargs.setdefault("submit", True)
        return run_commits(
            idea_services.idea_create,
            municipality=kwargs.pop("municipality", municipality),
            author=author,
            title=title,
            **kwargs,
        )

    return make


@pytest.fixture
def start_review(reviewer: Any, run_commits: Callable[..., Any]) -> Callable[..., Any]:
    def go(idea: Any, reason: str = "We look at it now.") -> Any:
        return run_commits(workflow.start_review, idea=idea, actor=reviewer, reason=reason)

    return go


@pytest.fixture
def mailbox(settings: Any) -> Iterator[list[Any]]:
    """Django's in-memory outbox (the default in tests)."""
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    yield mail.outbox
