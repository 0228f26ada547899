"""Reactions through the API: the lean write path keeps its answers, refusals and counters."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.api.models import ApiToken
from mitmachstadt.api.services import api_token_create
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea, Reaction
from mitmachstadt.moderation.services import content_hide

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(municipality: Any, participant: Any) -> str:
    return api_token_create(user=participant, municipality=municipality, name="test")[1]


def _react(client: Client, idea_id: int, token: str, value: Any) -> Any:
    return client.put(
        f"/api/v1/ideas/{idea_id}/reaction",
        json.dumps({"value": value}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_answer_is_the_idea_with_its_new_counts(
    client_a: Client, municipality: Any, participant: Any, token: str
) -> None:
    idea = make_idea(municipality=municipality, author=participant, lat=51.5, lon=8.5)
    answer = _react(client_a, idea.pk, token, 1)
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == idea.pk and body["supports"] == 1 and body["opposes"] == 0
    assert body["fields"] == [f.slug for f in idea.fields.all()]
    assert body["location"] == {"lat": 51.5, "lon": 8.5}
    assert body["author"] == participant.display_name
    assert body["url"] == f"http://alpha.test/ideas/{idea.pk}/"
    assert _react(client_a, idea.pk, token, -1).json()["opposes"] == 1
    stored = Idea.objects.get(pk=idea.pk)
    assert (stored.up_count, stored.down_count) == (0, 1)
    assert Reaction.objects.get(idea=idea).value == -1
    # The same value again changes nothing and answers the same.
    assert _react(client_a, idea.pk, token, -1).json()["opposes"] == 1
    gone = client_a.delete(
        f"/api/v1/ideas/{idea.pk}/reaction", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert gone.status_code == 200 and gone.json()["opposes"] == 0
    assert not Reaction.objects.filter(idea=idea).exists()


def test_ideas_nobody_may_see_do_not_exist_for_reactions(
    client_a: Client, client_b: Client, municipality: Any, participant: Any, token: str
) -> None:
    draft = make_idea(municipality=municipality, author=participant, submit=False)
    stranger = UserFactory(municipality=municipality)
    stranger_token = api_token_create(user=stranger, municipality=municipality, name="s")[1]
    # Someone else's draft: not found. One's own draft: found, but not open for reactions.
    assert _react(client_a, draft.pk, stranger_token, 1).status_code == 404
    assert _react(client_a, draft.pk, token, 1).status_code == 400
    hidden = make_idea(municipality=municipality, author=participant, title="Bald versteckt hier")
    moderator = UserFactory(municipality=municipality, roles=(Role.MODERATOR,))
    content_hide(target=hidden, actor=moderator, public_reason="Doppelt eingereicht.")
    assert _react(client_a, hidden.pk, stranger_token, 1).status_code == 404
    assert _react(client_a, 999_999, token, 1).status_code == 404
    # The token belongs to the other host's municipality: refused before anything is read.
    public = make_idea(municipality=municipality, author=participant, title="Öffentlich hier")
    assert _react(client_b, public.pk, token, 1).status_code == 401
    assert not Reaction.objects.exists()


def test_a_blocked_account_cannot_react(
    client_a: Client, municipality: Any, participant: Any, token: str
) -> None:
    from mitmachstadt.moderation.services import account_block

    idea = make_idea(municipality=municipality, author=UserFactory(municipality=municipality))
    moderator = UserFactory(municipality=municipality, roles=(Role.MODERATOR,))
    account_block(municipality=municipality, user=participant, actor=moderator, reason="Spam")
    assert _react(client_a, idea.pk, token, 1).status_code == 403
    assert not Reaction.objects.exists()


def test_the_token_is_stamped_at_most_every_few_minutes(
    client_a: Client, municipality: Any, participant: Any, token: str
) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    row = ApiToken.objects.get()
    assert row.last_used is None
    _react(client_a, idea.pk, token, 1)
    first = ApiToken.objects.get().last_used
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        _react(client_a, idea.pk, token, -1)
    assert not any('UPDATE "api_apitoken"' in q["sql"] for q in queries.captured_queries)
    assert ApiToken.objects.get().last_used == first
    ApiToken.objects.update(last_used=timezone.now() - dt.timedelta(minutes=6))
    _react(client_a, idea.pk, token, 1)
    assert ApiToken.objects.get().last_used > first


def test_the_write_locks_only_the_idea(
    client_a: Client, municipality: Any, participant: Any, token: str
) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    with CaptureQueriesContext(connection) as queries:
        assert _react(client_a, idea.pk, token, 1).status_code == 200
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(locks) == 1 and locks[0].endswith('FOR UPDATE OF "ideas_idea"')
    else:
        assert locks == []  # SQLite serialises writers itself
    assert len(queries.captured_queries) <= 14


@pytest.mark.django_db(transaction=True)
def test_counts_stay_exact_under_concurrent_reactions(municipality: Any) -> None:
    author = UserFactory(municipality=municipality)
    idea = make_idea(municipality=municipality, author=author)
    people = [UserFactory(municipality=municipality) for _ in range(12)]
    keys = [api_token_create(user=p, municipality=municipality, name="t")[1] for p in people]
    errors: list[Any] = []

    def react(key: str, value: int) -> None:
        try:
            client = Client(HTTP_HOST="alpha.test")
            for _ in range(3):
                answer = _react(client, idea.pk, key, value)
                if answer.status_code != 200:
                    errors.append(answer.status_code)
                value = -value
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=react, args=(key, 1 if n % 2 else -1)) for n, key in enumerate(keys)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] or connection.vendor == "sqlite"  # SQLite may refuse a busy writer
    stored = Idea.objects.get(pk=idea.pk)
    rows = list(Reaction.objects.filter(idea=idea).values_list("value", flat=True))
    assert stored.up_count == rows.count(1) and stored.down_count == rows.count(-1)
