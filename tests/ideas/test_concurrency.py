"""200 accounts react to one idea at the same time: the counts must be exact."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea, Reaction


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_reactions_give_exact_counts(municipality: Any) -> None:
    author = UserFactory(municipality=municipality)
    idea = make_idea(municipality=municipality, author=author)
    voters = [UserFactory(municipality=municipality) for _ in range(200)]
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def work(chunk: list[Any]) -> None:
        try:
            start.wait(timeout=30)
            for n, voter in enumerate(chunk):
                services.reaction_set(idea=idea, user=voter, value=1 if voter.pk % 4 else -1)
                if n % 5 == 0:  # some change their mind
                    services.reaction_set(idea=idea, user=voter, value=-1 if voter.pk % 4 else 1)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(voters[i::20],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    idea.refresh_from_db()
    up = Reaction.objects.filter(idea=idea, value=1).count()
    down = Reaction.objects.filter(idea=idea, value=-1).count()
    assert up + down == 200
    assert (idea.up_count, idea.down_count) == (up, down)
    assert Idea.objects.get(pk=idea.pk).rated_score > 0
