from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas import scoring, selectors, services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.factories import FieldOfActionFactory


def test_wilson_lower_bound_prefers_more_evidence() -> None:
    assert scoring.wilson_lower_bound(0, 0) == 0.0
    assert scoring.wilson_lower_bound(100, 10) > scoring.wilson_lower_bound(10, 1)
    assert scoring.wilson_lower_bound(1, 0) < scoring.wilson_lower_bound(50, 5)
    # Known value: 9 up, 1 down at z = 1.96 is about 0.5958.
    assert scoring.wilson_lower_bound(9, 1) == pytest.approx(0.5958, abs=1e-3)


def test_bayesian_average_shrinks_small_samples() -> None:
    assert scoring.bayesian_average(10, 2) < scoring.bayesian_average(230, 50)
    assert scoring.bayesian_average(0, 0) == scoring.STAR_PRIOR_MEAN


def test_controversy_and_trending() -> None:
    assert scoring.controversy(10, 0) == 0
    assert scoring.controversy(10, 10) > scoring.controversy(18, 2)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert scoring.trending(10, 0, now) > scoring.trending(10, 0, now - dt.timedelta(days=3))
    assert scoring.trending(100, 0, now) > scoring.trending(1, 0, now)


def test_fair_random_order_is_a_pure_function_and_favours_the_less_shown() -> None:
    rows = [(i, 0) for i in range(1, 201)]
    assert selectors.fair_random_order("abc", rows) == selectors.fair_random_order("abc", rows)
    assert selectors.fair_random_order("abc", rows) != selectors.fair_random_order("xyz", rows)
    assert sorted(selectors.fair_random_order("abc", rows)) == list(range(1, 201))
    # Half the ideas were shown 100 times already: over many seeds they land later on average.
    shown = [(i, 100 if i <= 100 else 0) for i in range(1, 201)]
    mean_rank_shown = mean_rank_quiet = 0.0
    for seed in range(50):
        order = selectors.fair_random_order(str(seed), shown)
        ranks = {pk: n for n, pk in enumerate(order)}
        mean_rank_shown += sum(ranks[i] for i in range(1, 101)) / 100
        mean_rank_quiet += sum(ranks[i] for i in range(101, 201)) / 100
    assert mean_rank_quiet < mean_rank_shown * 0.7


@pytest.mark.django_db
def test_random_paging_is_stable_and_covers_every_idea_once(
    municipality: Any, participant: Any
) -> None:
    field = FieldOfActionFactory(municipality=municipality)
    for n in range(23):
        make_idea(
            municipality=municipality, author=participant, title=f"Idee Nummer {n}", fields=[field]
        )
    seen: list[int] = []
    for page in (1, 2, 3, 4):
        result = selectors.idea_page(
            municipality, order="random", seed="s1", page=page, page_size=7
        )
        seen += [i.pk for i in result.items]
        if page == 1:
            services.record_exposure([i.pk for i in result.items])  # must not reshuffle the paging
    assert len(seen) == 23 and len(set(seen)) == 23
    again = selectors.idea_page(municipality, order="random", seed="s1", page=2, page_size=7)
    assert [i.pk for i in again.items] == seen[7:14]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("order", "key"),
    [
        ("supported", lambda i: (i.up_count, i.pk)),
        ("rated", lambda i: (i.rated_score, i.pk)),
        ("discussed", lambda i: (i.comment_count, i.pk)),
        ("controversial", lambda i: (i.controversy, i.pk)),
        ("trending", lambda i: (i.trending, i.pk)),
        ("newest", lambda i: (i.submitted_at, i.pk)),
    ],
)
def test_orderings_sort_by_their_score(
    municipality: Any, participant: Any, order: str, key: Any
) -> None:
    field = FieldOfActionFactory(municipality=municipality)
    voters = [UserFactory(municipality=municipality) for _ in range(6)]
    for n in range(6):
        idea = make_idea(
            municipality=municipality,
            author=participant,
            title=f"Idee {n} zum Test",
            fields=[field],
        )
        for m, voter in enumerate(voters[: n + 1]):
            services.reaction_set(idea=idea, user=voter, value=1 if (m + n) % 3 else -1)
        for _ in range(n % 3):
            services.comment_create(idea=idea, author=voters[0], text="Kommentar")
    page = selectors.idea_page(municipality, order=order, page_size=50)
    ids = [i.pk for i in page.items]
    expected = [i.pk for i in sorted(Idea.objects.public(), key=key, reverse=True)]
    assert ids == expected


@pytest.mark.django_db
def test_filters(municipality: Any, participant: Any) -> None:
    a, b = (
        FieldOfActionFactory(municipality=municipality),
        FieldOfActionFactory(municipality=municipality),
    )
    in_a = make_idea(municipality=municipality, author=participant, fields=[a])
    in_b = make_idea(
        municipality=municipality, author=participant, fields=[b], title="Freies WLAN am Bahnhof"
    )
    both = make_idea(
        municipality=municipality, author=participant, fields=[a, b], title="Radweg zur Schule"
    )
    page = selectors.idea_page(municipality, flt=selectors.IdeaFilter(field=a.slug))
    assert {i.pk for i in page.items} == {in_a.pk, both.pk} and page.count == 2
    page = selectors.idea_page(municipality, flt=selectors.IdeaFilter(state="submitted"))
    assert page.count == 3
    page = selectors.idea_page(municipality, flt=selectors.IdeaFilter(q="WLAN"))
    assert [i.pk for i in page.items] == [in_b.pk]
