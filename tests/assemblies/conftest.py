"""Fixtures of the assembly tests: an organiser, with and without a signed-in client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from tests.events.conftest import staff_login


@pytest.fixture
def organiser(municipality: Any) -> Any:
    return UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, Role.ADMIN))


@pytest.fixture
def organiser_client(organiser: Any) -> Client:
    return staff_login(Client(HTTP_HOST="alpha.test"), organiser)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit callbacks (the background tasks, immediate in tests) right away."""

    def run(function: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run
