"""Search and similar ideas through ideas.search, on whichever database the tests run (SQLite
FTS5 or PostgreSQL tsvector: run this module on both)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.core import textsim
from mitmachstadt.ideas import search, selectors, services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.factories import FieldOfActionFactory

pytestmark = pytest.mark.django_db


def _ideas(municipality: Any, author: Any, rows: list[tuple[str, str]], **kwargs: Any) -> list[Any]:
    ideas = [
        make_idea(municipality=municipality, author=author, title=title, text=text, **kwargs)
        for title, text in rows
    ]
    # As after the nightly rebuild: every document indexed with the whole town's vocabulary.
    search.reindex(municipality.pk)
    return ideas


def _titles(ids: list[int]) -> list[str]:
    by_id = dict(Idea.objects.filter(pk__in=ids).values_list("pk", "title"))
    return [by_id[pk] for pk in ids]


def test_every_word_must_match_and_compound_parts_count(
    municipality: Any, participant: Any
) -> None:
    both, radweg_only, bahnhof_only, compound = _ideas(
        municipality,
        participant,
        [
            ("Sicherer Radweg zum Bahnhof", "Der Radweg endet vor dem Bahnhof im Nichts."),
            ("Radweg an der Schule", "Kinder brauchen einen sicheren Radweg."),
            ("Fahrradständer am Bahnhof", "Am Bahnhof fehlen überdachte Stellplätze."),
            ("Radwegenetz bis zum Bahnhof", "Ein Netz aus Wegen für Räder bis zum Bahnhof."),
        ],
    )
    found = search.search(municipality, "Radweg Bahnhof")
    assert set(found.ids) == {both.pk, compound.pk}
    assert not found.more
    # One word: every idea with it, the one that says it most first.
    radweg = search.search(municipality, "Radwege").ids
    assert set(radweg) == {both.pk, radweg_only.pk, compound.pk}
    assert bahnhof_only.pk not in radweg


def test_without_an_idea_matching_every_word_any_word_matches(
    municipality: Any, participant: Any
) -> None:
    bench, tree = _ideas(
        municipality,
        participant,
        [
            ("Mehr Sitzbänke am Markt", "Zum Ausruhen auf dem Weg zum Markt."),
            ("Schattige Bäume im Park", "Im Sommer fehlt überall Schatten."),
        ],
    )
    assert set(search.search(municipality, "Sitzbänke Schatten").ids) == {bench.pk, tree.pk}
    assert search.search(municipality, "Hubschrauberlandeplatz").ids == []
    assert search.search(municipality, "  ").ids == []
    # A typo still finds the idea through the prefix of the word.
    assert search.search(municipality, "Sitzbänkke").ids == [bench.pk]


def test_titles_rank_first(municipality: Any, participant: Any) -> None:
    mention, title = _ideas(
        municipality,
        participant,
        [
            ("Mehr Grün in der Stadt", "Auch ein Trinkbrunnen wäre schön."),
            ("Trinkbrunnen am Markt", "Ein Trinkbrunnen am Markt, denn Trinkbrunnen helfen."),
        ],
    )
    assert search.search(municipality, "Trinkbrunnen").ids == [title.pk, mention.pk]


def test_only_public_ideas_of_the_municipality(
    municipality: Any, other_municipality: Any, participant: Any
) -> None:
    public, hidden = _ideas(
        municipality,
        participant,
        [
            ("Trinkbrunnen am Markt", "Wasser für alle, die vorbeikommen."),
            ("Trinkbrunnen im Park", "Wasser im Park für Spaziergänger."),
        ],
    )
    Idea.objects.filter(pk=hidden.pk).update(is_hidden=True)
    draft = make_idea(
        municipality=municipality,
        author=participant,
        title="Trinkbrunnen an der Schule",
        text="Wasser für die Kinder in der Pause.",
        submit=False,
    )
    elsewhere = make_idea(
        municipality=other_municipality,
        author=UserFactory(municipality=other_municipality),
        title="Trinkbrunnen am Bahnhof",
        text="Wasser am Bahnhof für Reisende.",
    )
    search.reindex(other_municipality.pk)
    assert search.search(municipality, "Trinkbrunnen").ids == [public.pk]
    assert search.search(other_municipality, "Trinkbrunnen").ids == [elsewhere.pk]
    assert draft.pk not in search.matching_ids(municipality, "Trinkbrunnen")


def test_the_pool_holds_the_newest_matches_that_pass_the_filters(
    municipality: Any, participant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "POOL", 3)
    water = FieldOfActionFactory(municipality=municipality, slug="wasser")
    other = FieldOfActionFactory(municipality=municipality, slug="anderes")
    in_field = _ideas(
        municipality,
        participant,
        [("Brunnen am Markt", "Ein Brunnen für alle am Platz.")] * 2,
        fields=[water],
    )
    newer = _ideas(
        municipality,
        participant,
        [("Brunnen im Park", "Noch ein Brunnen für alle im Park.")] * 5,
        fields=[other],
    )
    everything = search.search(municipality, "Brunnen")
    assert everything.more and len(everything.ids) == 3
    assert set(everything.ids) <= {i.pk for i in newer}
    page = selectors.idea_page(municipality, flt=selectors.IdeaFilter(q="Brunnen", field="wasser"))
    assert {i.pk for i in page.items} == {i.pk for i in in_field}
    assert page.count == 2 and not page.more
    page = selectors.idea_page(municipality, flt=selectors.IdeaFilter(q="Brunnen"))
    assert page.count == 3 and page.more


def test_both_ways_to_collect_matches_agree(
    municipality: Any, participant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "POOL", 4)
    _ideas(
        municipality,
        participant,
        [
            (
                f"Brunnen Nummer {n}",
                "Ein Brunnen für alle am Platz." if n % 2 else "Eine Bank zum Sitzen am Platz.",
            )
            for n in range(9)
        ],
    )
    base = Idea.objects.filter(municipality=municipality).public()
    condition = search.Term("brunn")
    ranking = search.Term("brunn")
    walked = search._candidates(base, municipality.pk, condition, ranking, limit=10, common=True)
    collected = search._candidates(
        base, municipality.pk, condition, ranking, limit=10, common=False
    )
    assert walked == collected
    assert walked[1] is True and len(walked[0]) == 4
    newest_four = list(base.order_by("-pk").values_list("pk", flat=True)[:4])
    assert set(walked[0]) == set(newest_four)


def test_results_are_cached_until_the_municipality_changes(
    municipality: Any, participant: Any
) -> None:
    (first,) = _ideas(
        municipality, participant, [("Bücherschrank am Markt", "Bücher tauschen und ausleihen.")]
    )
    assert search.search(municipality, "Bücherschrank").ids == [first.pk]
    Idea.objects.filter(pk=first.pk).update(is_hidden=True)  # bypasses every service
    assert search.search(municipality, "Bücherschrank").ids == [first.pk]  # cached
    second = make_idea(
        municipality=municipality,
        author=participant,
        title="Bücherschrank im Park",
        text="Noch ein Bücherschrank für alle.",
    )
    # Creating the idea went through a service: a new generation, a fresh search.
    assert search.search(municipality, "Bücherschrank").ids == [second.pk]


def test_conditions_are_written_for_both_databases() -> None:
    expr = search.All(
        (
            search.Any_(
                (search.Term("radweg"), search.All((search.Term("rad"), search.Term("weg"))))
            ),
            search.Term("bahnh", prefix=True),
        )
    )
    assert search.to_tsquery(expr) == "(('radweg' | ('rad' & 'weg')) & 'bahnh':*)"
    assert search.to_fts5(expr) == '(("radweg" OR ("rad" AND "weg")) AND "bahnh"*)'


def test_shares_are_estimated_from_the_vocabulary() -> None:
    vocab = textsim.Vocabulary(doc_freq={"rad": 50, "weg": 20, "radweg": 10}, n_docs=100)
    assert search.share(search.Term("radweg"), vocab) == pytest.approx(0.1)
    assert search.share(search.All((search.Term("rad"), search.Term("weg"))), vocab) == (
        pytest.approx(0.1)
    )
    assert search.share(search.Any_((search.Term("rad"), search.Term("weg"))), vocab) == (
        pytest.approx(0.7)
    )
    # A prefix counts every term it starts ("rad", "radweg").
    assert search.share(search.Term("ra", prefix=True), vocab) == pytest.approx(0.6)
    assert search.walk_share(100_000) == pytest.approx(0.0458, abs=0.001)
    assert search.walk_share(10) == 1.0


def test_similar_ideas_share_informative_words(municipality: Any, participant: Any) -> None:
    park, bench, _other = _ideas(
        municipality,
        participant,
        [
            ("Freie Parkplätze in der Innenstadt anzeigen", "Eine Anzeige spart Suchverkehr."),
            ("Mehr Sitzbänke in der Innenstadt", "Zum Ausruhen beim Einkaufen."),
            ("Tablets für die Grundschule", "Ein Klassensatz für den Unterricht."),
        ],
    )
    found = search.similar(municipality, "Parkplatzfinder-App für die Innenstadt")
    assert found[0][0].pk == park.pk
    assert (
        found[0][0].title == park.title and found[0][0].get_absolute_url() == f"/ideas/{park.pk}/"
    )
    assert all(0 < score <= 1 for _idea, score in found)
    assert [i.pk for i, _ in search.similar(municipality, park.title, exclude_id=park.pk)] != [
        park.pk
    ]
    assert search.similar(municipality, "ab") == []
    Idea.objects.filter(pk=bench.pk).update(is_hidden=True)
    services_free = search.similar(municipality, "Sitzbänke zum Ausruhen", limit=3)
    # Cached per generation: the update above bypassed the services, nothing changed yet...
    make_idea(
        municipality=municipality,
        author=participant,
        title="Bänke im Park",
        text="Ruhe und Erholung im Grünen.",
    )
    # ...and a write through a service starts a new one.
    assert bench.pk not in [i.pk for i, _ in search.similar(municipality, "Sitzbänke zum Ausruhen")]
    del services_free


def test_similar_candidates_pairs_first(municipality: Any) -> None:
    vocab = textsim.Vocabulary(
        doc_freq={"radweg": 40, "bahnhof": 30, "stadt": 5000, "kind": 100},
        n_docs=10_000,
    )
    tiers, ranking = search.similar_tiers("Radweg zum Bahnhof für Kinder in der Stadt", vocab)
    assert len(tiers) == 2
    pairs = search.to_tsquery(tiers[0])
    assert "'bahnhof' & 'radweg'" in pairs and "stadt" not in pairs
    assert "stadt" not in search.to_tsquery(tiers[1])
    assert ranking is not None and "stadt" in search.to_tsquery(ranking)


def test_pairs_from_one_word_are_estimated_as_common_as_the_word(municipality: Any) -> None:
    # "Marktplatz" puts "marktplatz", "markt" and "platz" into every idea that has it: the pair
    # of the compound and its own part matches as many ideas as the compound, not the product
    # of the shares (which sent a pair in 13 % of the ideas to the index as if it were rare).
    vocab = textsim.Vocabulary(
        word_freq={"markt": 200, "platz": 300, "marktplatz": 100, "brunnen": 50},
        doc_freq={"markt": 2000, "platz": 2500, "marktplatz": 1500, "brunn": 40},
        n_docs=10_000,
    )
    tiers, _ranking = search.similar_tiers("Brunnen auf dem Marktplatz", vocab)
    pairs = {
        frozenset(t.text for t in pair.parts): pair
        for pair in tiers[0].parts  # type: ignore[union-attr]
    }
    same_word = pairs[frozenset({"marktplatz", "markt"})]
    assert same_word.together
    assert search.share(same_word, vocab) == pytest.approx(0.15)
    other = pairs[frozenset({"marktplatz", "brunn"})]
    assert not other.together
    assert search.share(other, vocab) == pytest.approx(0.15 * 0.004)
    # The condition itself is the same either way.
    assert search.to_tsquery(same_word) in {"('marktplatz' & 'markt')", "('markt' & 'marktplatz')"}


@pytest.mark.parametrize("pool", [2, 300])
def test_walking_and_collecting_from_the_index_find_the_same(
    municipality: Any, participant: Any, monkeypatch: pytest.MonkeyPatch, pool: int
) -> None:
    # The database either walks the ideas newest first (ranking each match as it meets it) or
    # collects every match from the index; which one is a matter of cost, never of results.
    monkeypatch.setattr(search, "POOL", pool)
    _ideas(
        municipality,
        participant,
        [
            ("Brunnen am Markt", "Ein Brunnen für alle am Marktplatz."),
            ("Trinkbrunnen im Park", "Wasser für alle im Sommer."),
            ("Bänke am Marktplatz", "Zum Ausruhen am Brunnen."),
            ("Marktplatz beleben", "Ein Wochenmarkt am Samstag."),
            ("Radweg zum Bahnhof", "Sicher mit dem Rad zum Zug."),
        ],
    )
    results = {}
    for walk_above in (0.0, 1.0):  # walk always, or never
        monkeypatch.setattr(search, "walk_share", lambda n_docs, share=walk_above: share)
        search.cache.clear()
        results[walk_above] = (
            [search.search(municipality, q) for q in ("Brunnen", "Marktplatz", "Brunnen Markt")],
            [
                [(i.pk, s) for i, s in search.similar(municipality, q)]
                for q in ("Brunnen am Markt",)
            ],
        )
    assert results[0.0] == results[1.0]
    assert results[0.0][0][0].ids and results[0.0][1][0]


def test_api_search_says_when_there_are_more(
    client_a: Client, municipality: Any, participant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "POOL", 2)
    _ideas(municipality, participant, [("Brunnen am Markt", "Ein Brunnen für alle am Platz.")] * 3)
    body = client_a.get("/api/v1/ideas", {"q": "Brunnen"}).json()
    assert body["count"] == 2 and body["more"] is True and len(body["items"]) == 2
    body = client_a.get("/api/v1/ideas", {"q": "Brunnen", "page_size": 1, "page": 2}).json()
    assert len(body["items"]) == 1 and body["more"] is True
    body = client_a.get("/api/v1/ideas").json()
    assert body["count"] == 3 and body["more"] is False


def test_a_reindex_keeps_search_working(municipality: Any, participant: Any) -> None:
    (idea,) = _ideas(
        municipality, participant, [("Hundewiese im Park", "Auslauf für Hunde ohne Leine.")]
    )
    services.idea_update(
        idea=idea,
        actor=participant,
        title="Hundewiese am Fluss",
        text="Auslauf für Hunde am Fluss.",
        fields=list(idea.fields.all()),
    )
    assert search.search(municipality, "Fluss").ids == [idea.pk]
    assert connection.vendor in {"sqlite", "postgresql"}
