from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.factories import make_idea

from .helpers import login_staff, make_moderator


@pytest.fixture
def moderator(municipality: Any) -> Any:
    return make_moderator(municipality)


@pytest.fixture
def mod_client(moderator: Any) -> Client:
    return login_staff("alpha.test", moderator)


@pytest.fixture
def author(municipality: Any) -> Any:
    return UserFactory(municipality=municipality, display_name="Ideengeberin")


@pytest.fixture
def idea(municipality: Any, author: Any) -> Any:
    return make_idea(municipality=municipality, author=author)


@pytest.fixture
def comment(idea: Any, participant: Any) -> Any:
    return idea_services.comment_create(
        idea=idea, author=participant, text="Gute Idee, aber bitte auch am Bahnhof."
    )
