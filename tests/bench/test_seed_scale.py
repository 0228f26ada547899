"""The synthetic city-scale seed: what it writes is what the services would have written."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q
from django.test import Client

from mitmachstadt.core.markup import render_markdown
from mitmachstadt.demo import seed_scale
from mitmachstadt.demo.seed_scale import TextGenerator, allocate, hex_districts, paragraphs_html
from mitmachstadt.geo.models import District
from mitmachstadt.geo.selectors import district_for_point
from mitmachstadt.ideas import scoring, search
from mitmachstadt.ideas.models import (
    Comment,
    Follow,
    Idea,
    IdeaAuthor,
    IdeaVersion,
    OfficialAnswer,
    Reaction,
    Transition,
)
from mitmachstadt.ideas.states import PUBLIC_STATES, State
from mitmachstadt.tenants.models import Municipality


@pytest.fixture
def seeded(db: Any) -> seed_scale.ScaleResult:
    return seed_scale.seed_scale(
        ideas=150,
        comments=900,
        reactions=2500,
        accounts=90,
        municipalities=3,
        seed=7,
        parallel=False,
    )


def test_counts_and_demo_marks(seeded: seed_scale.ScaleResult) -> None:
    towns = Municipality.objects.filter(slug__startswith="scale-").order_by("slug")
    assert [t.slug for t in towns] == ["scale-1", "scale-2", "scale-3"]
    assert all(t.is_demo for t in towns)
    # Each town gets a third; reaction modes rotate so that all three are exercised.
    assert [t.reaction_mode for t in towns] == ["updown", "stars", "support"]
    assert Idea.objects.filter(municipality__in=towns).count() == 150
    assert set(Idea.objects.values_list("is_demo", flat=True)) == {True}
    assert Comment.objects.count() == seeded.counts["comments"] == 900
    assert Reaction.objects.count() == seeded.counts["reactions"]
    assert seeded.counts["reactions"] == pytest.approx(2500, abs=3)
    for town in towns:
        assert District.objects.filter(municipality=town).count() == 19
        assert town.memberships.filter(role="participant").count() >= 30


def test_counters_equal_the_rows(seeded: seed_scale.ScaleResult) -> None:
    ideas = Idea.objects.select_related("municipality").annotate(
        visible_comments=Count(
            "comments", filter=Q(comments__deleted_at__isnull=True), distinct=True
        ),
        n_follows=Count("follows", distinct=True),
    )
    for idea in ideas:
        assert idea.comment_count == idea.visible_comments, idea.pk
        assert idea.follower_count == idea.n_follows, idea.pk
        values = list(Reaction.objects.filter(idea=idea).values_list("value", flat=True))
        mode = idea.municipality.reaction_mode
        if mode == "stars":
            assert idea.star_count == len(values)
            assert idea.star_sum == sum(values)
            assert idea.up_count == sum(v >= 4 for v in values)
            assert idea.down_count == sum(v <= 2 for v in values)
        else:
            assert idea.up_count == sum(v > 0 for v in values)
            assert idea.down_count == sum(v < 0 for v in values)
            if mode == "support":
                assert set(values) <= {1}
        assert idea.rated_score == pytest.approx(
            scoring.rated(mode, idea.up_count, idea.down_count, idea.star_sum, idea.star_count)
        )
        assert idea.controversy == pytest.approx(
            scoring.controversy(idea.up_count, idea.down_count)
        )
        assert idea.trending == pytest.approx(
            scoring.trending(idea.net_support, idea.comment_count, idea.submitted_at)
        )


def test_private_and_hidden_ideas_get_no_discussion(seeded: seed_scale.ScaleResult) -> None:
    closed = Idea.objects.filter(Q(is_hidden=True) | ~Q(state__in=PUBLIC_STATES))
    assert closed.exists()
    assert not Comment.objects.filter(idea__in=closed).exists()
    assert not Reaction.objects.filter(idea__in=closed).exists()


def test_history_is_consistent(seeded: seed_scale.ScaleResult) -> None:
    for idea in Idea.objects.all():
        steps = list(Transition.objects.filter(idea=idea).order_by("created", "pk"))
        if idea.state == State.DRAFT:
            assert steps == [] and idea.submitted_at is None
            continue
        assert steps[0].name == "submit" and steps[0].from_state == State.DRAFT
        assert steps[-1].to_state == idea.state
        assert all(a.to_state == b.from_state for a, b in itertools.pairwise(steps))
        assert idea.created <= idea.submitted_at <= idea.updated
        if idea.state == State.MERGED:
            assert idea.merged_into is not None and idea.merged_into.is_public
    assert IdeaAuthor.objects.filter(is_owner=True).count() == 150
    assert IdeaVersion.objects.filter(number=1).count() == 150
    answered = Idea.objects.filter(first_answer_at__isnull=False)
    assert answered.count() == OfficialAnswer.objects.count() > 0
    for idea in answered[:20]:
        assert idea.answers.get().created == idea.first_answer_at


def test_replies_and_follows(seeded: seed_scale.ScaleResult) -> None:
    replies = Comment.objects.filter(parent__isnull=False).select_related("parent")
    assert replies.exists()
    assert all(r.parent.idea_id == r.idea_id and r.parent.created <= r.created for r in replies)
    assert not Follow.objects.values("idea", "user").annotate(n=Count("pk")).filter(n__gt=1)
    for comment in Comment.objects.filter(deleted_at__isnull=True)[:200]:
        assert Follow.objects.filter(idea=comment.idea_id, user=comment.author_id).exists()
    deleted = Comment.objects.filter(deleted_at__isnull=False)
    assert all(c.text == "" and c.text_html == "" for c in deleted)


def test_locations_lie_in_their_district(seeded: seed_scale.ScaleResult) -> None:
    located = Idea.objects.filter(lat__isnull=False).select_related("municipality")
    assert located.count() > 40
    for idea in located:
        assert idea.lat is not None and idea.lon is not None
        found = district_for_point(idea.municipality, idea.lat, idea.lon)
        assert found is not None and found.pk == idea.district_id
    assert Idea.objects.filter(citywide=True, district__isnull=True).exists()


def test_html_is_what_the_markdown_renderer_makes(seeded: seed_scale.ScaleResult) -> None:
    for idea in Idea.objects.all()[:60]:
        assert idea.text_html == render_markdown(idea.text)
    for comment in Comment.objects.filter(deleted_at__isnull=True)[:300]:
        assert comment.text_html == render_markdown(comment.text)


def test_the_search_index_is_built(seeded: seed_scale.ScaleResult) -> None:
    town = Municipality.objects.get(slug="scale-1")
    assert not Idea.objects.filter(municipality=town, search_document="").exists()
    idea = Idea.objects.filter(municipality=town).public().order_by("pk").first()
    assert idea is not None
    assert idea.pk in search.matching_ids(town, idea.title)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM ideas_idea_fts WHERE municipality_id = %s", [town.pk]
            )
            assert cursor.fetchone()[0] == Idea.objects.filter(municipality=town).count()


def test_one_idea_has_200_comments_for_the_benchmark(db: Any) -> None:
    seed_scale.seed_scale(
        ideas=30, comments=450, reactions=100, accounts=40, municipalities=1, parallel=False
    )
    idea = Idea.objects.get(comment_count=200)
    assert idea.comments.count() == 200


def test_the_api_and_pages_serve_the_synthetic_town(seeded: seed_scale.ScaleResult) -> None:
    client = Client(HTTP_HOST="scale-2.localhost")
    data = client.get("/api/v1/ideas?order=supported").json()
    town = Municipality.objects.get(slug="scale-2")
    assert data["count"] == Idea.objects.filter(municipality=town).public().count() > 0
    supports = [item["supports"] for item in data["items"]]
    assert supports == sorted(supports, reverse=True)
    assert client.get("/ideas/").status_code == 200
    assert client.get("/api/v1/ideas.geojson").json()["features"]


def test_the_command_and_if_empty(db: Any) -> None:
    call_command(
        "seed", "--ideas", "12", "--comments", "20", "--reactions", "30", "--accounts", "10"
    )
    assert Idea.objects.count() == 12
    call_command("seed", "--ideas", "12", "--if-empty")
    assert Idea.objects.count() == 12
    with pytest.raises(CommandError):
        call_command("seed", "--ideas", "12")


def test_text_is_german_like_and_deterministic() -> None:
    first = TextGenerator(random.Random(3), ["Heide"], ["Gutes Stadtklima"])
    second = TextGenerator(random.Random(3), ["Heide"], ["Gutes Stadtklima"])
    texts = [(first.title(), first.idea_text(), first.comment_text()) for _ in range(50)]
    assert texts == [(second.title(), second.idea_text(), second.comment_text()) for _ in range(50)]
    words = " ".join(" ".join(t) for t in texts)
    assert any(w in words for w in ("Radweg", "Spielplatz", "Bushaltestelle", "Ladesäule"))
    assert all(5 <= len(title) <= 160 for title, _, _ in texts)
    for _title, text, comment in texts:
        assert paragraphs_html(text) == render_markdown(text)
        assert paragraphs_html(comment) == render_markdown(comment)


def test_allocation_is_skewed_exact_and_capped() -> None:
    rng = random.Random(1)
    weights = [rng.lognormvariate(0, 1.3) for _ in range(1000)]
    counts = allocate(50_000, weights, rng, cap=400)
    assert sum(counts) == 50_000
    assert max(counts) <= 400
    top = sorted(counts, reverse=True)
    assert sum(top[:100]) > 3 * sum(top[-100:] or [1])  # the popular tenth dominates


def test_hex_districts_are_valid_and_do_not_overlap() -> None:
    from mitmachstadt.geo.geometry import point_in_geometry, validate_polygon

    polygons = hex_districts(51.9, 8.4)
    assert len(polygons) == 19
    for polygon in polygons:
        validate_polygon(polygon)
    ring = polygons[0]["coordinates"][0]
    centre = (sum(p[0] for p in ring[:-1]) / 6, sum(p[1] for p in ring[:-1]) / 6)
    assert [point_in_geometry(*centre, p) for p in polygons].count(True) == 1
