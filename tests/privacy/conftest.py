from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _private_root(settings: Any, tmp_path: Path) -> None:
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def moderator(municipality: Any) -> Any:
    from tests.moderation.helpers import make_moderator

    return make_moderator(municipality)


@pytest.fixture
def idea(municipality: Any) -> Any:
    from mitmachstadt.accounts.factories import UserFactory
    from mitmachstadt.ideas.factories import make_idea

    return make_idea(municipality=municipality, author=UserFactory(municipality=municipality))


@pytest.fixture
def comment(idea: Any, participant: Any) -> Any:
    from mitmachstadt.ideas import services

    return services.comment_create(idea=idea, author=participant, text="Ein Kommentar")
