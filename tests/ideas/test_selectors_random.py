"""The fair random order: pages cut from the full permutation, cached per generation with the
exposure counts frozen per epoch, so paging stays stable while the municipality changes."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from django.core.cache import cache

from mitmachstadt.core import pagecache
from mitmachstadt.ideas import selectors, services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.factories import FieldOfActionFactory


def test_a_window_is_a_slice_of_the_whole_permutation() -> None:
    rng = random.Random(4)
    rows = [(pk, rng.randrange(5)) for pk in rng.sample(range(1, 100_000), 3000)]
    ids = np.array([pk for pk, _ in rows], dtype=np.int64)
    exposure = np.array([e for _, e in rows], dtype=np.float64)
    for seed in ("a", "visitor-17", ""):
        whole = selectors.fair_random_order(seed, rows)
        for start, size in ((0, 15), (15, 15), (2990, 15), (0, 3000), (3000, 15), (1234, 1)):
            window = selectors.random_window(seed, ids, exposure, start, size)
            assert window == whole[start : start + size]


def _ideas(municipality: Any, author: Any, n: int, **kwargs: Any) -> list[Any]:
    return [
        make_idea(municipality=municipality, author=author, title=f"Zufallsidee {k}", **kwargs)
        for k in range(n)
    ]


@pytest.mark.django_db
def test_paging_stays_stable_while_the_town_changes(municipality: Any, participant: Any) -> None:
    ideas = _ideas(municipality, participant, 20)

    def page(number: int) -> list[int]:
        result = selectors.idea_page(
            municipality, order="random", seed="s1", page=number, page_size=6
        )
        return [i.pk for i in result.items]

    first = page(1)
    services.record_exposure(first)  # counted, but frozen for this epoch
    services.reaction_set(idea=ideas[3], user=participant, value=1)  # a new generation
    late = make_idea(municipality=municipality, author=participant, title="Eine ganz neue Idee")
    seen = first + page(2) + page(3) + page(4)
    # Every idea exactly once, the old ones in the same order as before, the new one behind
    # them (it was not there when this epoch's exposure counts were taken).
    before = selectors.fair_random_order("s1", [(i.pk, 0) for i in ideas])
    assert seen == [*before, late.pk]


@pytest.mark.django_db
def test_the_set_follows_every_write(municipality: Any, participant: Any) -> None:
    ideas = _ideas(municipality, participant, 5)
    result = selectors.idea_page(municipality, order="random", seed="x", page_size=10)
    assert result.count == 5
    Idea.objects.filter(pk=ideas[0].pk).update(is_hidden=True)
    pagecache.bump(municipality.pk)  # what every service does after its write
    result = selectors.idea_page(municipality, order="random", seed="x", page_size=10)
    assert result.count == 4 and ideas[0].pk not in [i.pk for i in result.items]


@pytest.mark.django_db
def test_filters_and_one_cached_set_per_filter(municipality: Any, participant: Any) -> None:
    water = FieldOfActionFactory(municipality=municipality, slug="wasser")
    in_water = _ideas(municipality, participant, 3, fields=[water])
    _ideas(municipality, participant, 4)
    flt = selectors.IdeaFilter(field="wasser")
    result = selectors.idea_page(municipality, flt=flt, order="random", seed="y", page_size=10)
    assert sorted(i.pk for i in result.items) == sorted(i.pk for i in in_water)
    selectors.idea_page(municipality, order="random", seed="y")
    keys = {k for k in cache._cache if "ideas-random-set" in k}  # type: ignore[attr-defined]
    assert len(keys) == 2
    pagecache.bump(municipality.pk)
    selectors.idea_page(municipality, flt=flt, order="random", seed="z")
    selectors.idea_page(municipality, order="random", seed="z")
    assert {k for k in cache._cache if "ideas-random-set" in k} == keys  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_new_epoch_weighs_the_new_exposure(
    municipality: Any, participant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ideas = _ideas(municipality, participant, 40)
    now = 1_800_000_000.0
    monkeypatch.setattr(selectors.time, "time", lambda: now)
    ids, exposure = selectors._random_set(municipality, selectors.IdeaFilter())
    assert len(ids) == 40 and not exposure.any()
    # An idea newer than the snapshot: in the set, marked to come after the others.
    newer = make_idea(municipality=municipality, author=participant, title="Nach dem Schnappschuss")
    ids, exposure = selectors._random_set(municipality, selectors.IdeaFilter())
    assert exposure[list(ids).index(newer.pk)] == -1 and (exposure >= 0).sum() == 40
    window = selectors.random_window("v", ids, exposure, 0, 41)
    assert window[-1] == newer.pk
    Idea.objects.filter(pk__in=[i.pk for i in ideas[:20]]).update(exposure=50)
    pagecache.bump(municipality.pk)
    _ids, exposure = selectors._random_set(municipality, selectors.IdeaFilter())
    assert not (exposure > 0).any()  # same epoch: still the frozen counts
    monkeypatch.setattr(selectors.time, "time", lambda: now + selectors.RANDOM_EPOCH_SECONDS)
    ids, exposure = selectors._random_set(municipality, selectors.IdeaFilter())
    shown = {i.pk for i in ideas[:20]}
    assert all((e == 50) == (int(pk) in shown) for pk, e in zip(ids, exposure, strict=True))
    assert exposure[list(ids).index(newer.pk)] == 0  # weighed in as unseen from now on
