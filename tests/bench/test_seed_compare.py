"""The compare-2000 data set, exactly as issue #4 specifies it for comparisons."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from mitmachstadt.accounts.models import User
from mitmachstadt.demo.seed_compare import seed_compare
from mitmachstadt.ideas.models import Comment, Idea, Reaction
from mitmachstadt.ideas.states import State
from mitmachstadt.tenants.models import FieldOfAction, Municipality

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def compare(db: Any) -> Municipality:
    return seed_compare(now=NOW)


def _ideas(municipality: Municipality) -> list[Idea]:
    ideas = list(Idea.objects.filter(municipality=municipality).order_by("created", "pk"))
    assert len(ideas) == 2000
    return ideas


def _accounts_fields_and_ideas(compare: Municipality) -> None:
    users = list(User.objects.filter(memberships__municipality=compare).order_by("display_name"))
    assert [u.display_name for u in users] == [f"user{n:03d}" for n in range(200)]
    fields = list(FieldOfAction.objects.filter(municipality=compare).order_by("position"))
    assert len(fields) == 5
    ideas = _ideas(compare)
    assert {i.state for i in ideas} == {State.SUBMITTED}
    start = NOW - dt.timedelta(days=59)
    for i in (0, 1, 7, 13, 999, 1999):
        idea = ideas[i]
        assert idea.title.startswith(f"Idea {i}: ")
        assert len(idea.title.removeprefix(f"Idea {i}: ").rstrip(".").split()) == 6
        paragraphs = idea.text.split("\n\n")
        assert len(paragraphs) == 3
        assert all(p.count(".") == 5 for p in paragraphs)
        assert idea.created_by.display_name == f"user{i % 200:03d}"
        assert [f.pk for f in idea.fields.all()] == [fields[i % 5].pk]
        assert idea.created == start + dt.timedelta(days=58) * i / 2000
        assert idea.submitted_at == idea.created


def _comments_and_reactions_follow_the_rules(compare: Municipality) -> None:
    ideas = _ideas(compare)
    assert Comment.objects.filter(idea__municipality=compare).count() == sum(
        i % 7 for i in range(2000)
    )
    assert Reaction.objects.filter(idea__municipality=compare).count() == sum(
        i % 13 for i in range(2000)
    )
    for i in (0, 6, 12, 13, 20, 1998):
        idea = ideas[i]
        comments = list(idea.comments.select_related("author").order_by("created"))
        assert len(comments) == idea.comment_count == i % 7
        for j, comment in enumerate(comments):
            assert comment.parent_id is None
            assert comment.author.display_name == f"user{(i + j + 1) % 200:03d}"
            assert comment.created == idea.created + dt.timedelta(hours=j + 1)
            assert comment.text.count(".") == 3
        reactions = {r.user.display_name: r.value for r in idea.reactions.select_related("user")}
        expected = {
            f"user{(i + 7 * k + 3) % 200:03d}": (1 if (i + k) % 3 else -1) for k in range(i % 13)
        }
        assert reactions == expected
        assert idea.up_count == sum(v > 0 for v in expected.values())
        assert idea.down_count == sum(v < 0 for v in expected.values())


def _followers_are_authors_and_commenters(compare: Municipality) -> None:
    for idea in Idea.objects.filter(municipality=compare).annotate(n=Count("follows"))[:300]:
        commenters = set(idea.comments.values_list("author_id", flat=True))
        assert idea.follower_count == idea.n == len(commenters | {idea.created_by_id})


def _faker_content_is_reproducible(compare: Municipality) -> None:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(42)
    title = "Idea 0: " + fake.sentence(nb_words=6, variable_nb_words=False)
    text = "\n\n".join(
        fake.paragraph(nb_sentences=5, variable_nb_sentences=False) for _ in range(3)
    )
    first = _ideas(compare)[0]
    assert (first.title, first.text) == (title, text)
    # Idea 1 has one comment, drawn right after its own paragraphs.
    fake.sentence(nb_words=6, variable_nb_words=False)
    for _ in range(3):
        fake.paragraph(nb_sentences=5, variable_nb_sentences=False)
    comment = fake.paragraph(nb_sentences=3, variable_nb_sentences=False)
    assert _ideas(compare)[1].comments.get().text == comment


def test_compare_2000_matches_the_specification(compare: Municipality) -> None:
    # One seed for all checks: the data set takes a while to write.
    _accounts_fields_and_ideas(compare)
    _comments_and_reactions_follow_the_rules(compare)
    _followers_are_authors_and_commenters(compare)
    _faker_content_is_reproducible(compare)


def test_the_command_profile(db: Any) -> None:
    call_command("seed", "--profile", "compare-2000")
    assert Municipality.objects.get(slug="compare-2000").domains.get().host == "compare.localhost"
    call_command("seed", "--profile", "compare-2000", "--if-empty")
    with pytest.raises(CommandError):
        call_command("seed", "--profile", "compare-2000")
