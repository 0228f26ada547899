"""German full-text search and similar-idea suggestions on SQLite (FTS5) and PostgreSQL.

Each idea stores `search_document`: stems and compound parts from core.textsim, so both
databases match the same terms ("Parkplätze" and "Parkplatzfinder" both yield "parkplatz").
SQLite indexes it in an FTS5 table; PostgreSQL stores to_tsvector('simple', ...) in a generated
column with a GIN index (migration 0005), and the search on PostgreSQL also matches the raw
text with the 'german' configuration (a second stored vector, websearch syntax).

Search (the list's `q`) finds the ideas that contain every word of the query (a word matches
by its stem or by all of its compound parts); only if none does, ideas with any of the words.
Similar ideas take the ideas sharing two informative words with the text first, then those
sharing one; textsim.rank re-ranks them in Python.

Cost is bounded whatever the data: the index finds the matches, but only the newest
POOL matching ideas (after all filters) are ranked by the database (ts_rank / bm25), so a word
in half of 100,000 ideas costs no more than a rare one. A search lists at most POOL ideas and
says when there were more. Results are cached per municipality generation (core.pagecache), so
any write that can change them makes them stale at once.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

from mitmachstadt.core import pagecache, textsim

from . import selectors
from .models import Idea, SearchVocabulary

# Matching ideas ranked per search or similar-ideas tier: the newest this many.
POOL = 300
# Candidates handed to textsim.rank for similar ideas.
CANDIDATES = 100
# Terms in more than this share of a municipality's ideas ("stadt", "platz") do not select
# similar candidates on their own; they still count when textsim ranks them.
COMMON_SHARE = 0.25
COMMON_MIN_DOCS = 1000
# The most informative terms of a text whose pairs select the first similar candidates.
PAIR_TERMS = 6
MAX_QUERY_CHARS = 500
MAX_SEARCH_WORDS = 10
RESULT_CACHE_SECONDS = 600
_VOCAB_TTL = 300.0
_vocab_cache: dict[int, tuple[float, textsim.Vocabulary]] = {}
_vocab_lock = threading.Lock()


def vocabulary(municipality_id: int) -> textsim.Vocabulary:
    """The municipality's vocabulary (process cache, then database, else built now)."""
    now = time.monotonic()
    cached = _vocab_cache.get(municipality_id)
    if cached and now - cached[0] < _VOCAB_TTL:
        return cached[1]
    row = SearchVocabulary.objects.filter(municipality_id=municipality_id).first()
    vocab = (
        textsim.Vocabulary.from_dict(row.data)
        if row and row.data
        else rebuild_vocabulary(municipality_id)
    )
    with _vocab_lock:
        _vocab_cache[municipality_id] = (now, vocab)
    return vocab


def rebuild_vocabulary(municipality_id: int) -> textsim.Vocabulary:
    """Recount the words of all ideas of a municipality and store the result."""
    docs = Idea.objects.filter(municipality_id=municipality_id).values_list("title", "text")
    vocab = textsim.Vocabulary.build(list(docs.iterator(chunk_size=2000)))
    SearchVocabulary.objects.update_or_create(
        municipality_id=municipality_id, defaults={"data": vocab.to_dict(), "n_docs": vocab.n_docs}
    )
    with _vocab_lock:
        _vocab_cache[municipality_id] = (time.monotonic(), vocab)
    return vocab


def forget_vocabulary() -> None:
    with _vocab_lock:
        _vocab_cache.clear()


def document_for(idea: Idea) -> str:
    return textsim.index_document(idea.title, idea.text, vocabulary(idea.municipality_id))


def index_idea(idea: Idea) -> None:
    """Store the idea's search document and update the full-text index."""
    idea.search_document = document_for(idea)
    Idea.objects.filter(pk=idea.pk).update(search_document=idea.search_document)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ideas_idea_fts WHERE rowid = %s", [idea.pk])
            cursor.execute(
                "INSERT INTO ideas_idea_fts(rowid, document, municipality_id) VALUES (%s, %s, %s)",
                [idea.pk, idea.search_document, idea.municipality_id],
            )


def reindex(municipality_id: int) -> int:
    """Rebuild vocabulary and index of one municipality; returns the number of ideas."""
    vocab = rebuild_vocabulary(municipality_id)
    count = 0
    last = 0
    ideas = Idea.objects.filter(municipality_id=municipality_id).order_by("pk")
    while True:
        # Batches by id, each read completely before it is written: on SQLite, writing while a
        # read is still open fails as soon as another process has written in between.
        rows = list(ideas.filter(pk__gt=last).values_list("pk", "title", "text")[:1000])
        if not rows:
            return count
        batch = [(pk, textsim.index_document(title, text, vocab)) for pk, title, text in rows]
        count += _write_documents(municipality_id, batch)
        last = rows[-1][0]


@transaction.atomic
def _write_documents(municipality_id: int, batch: list[tuple[int, str]]) -> int:
    # One transaction: the stored documents and the FTS5 rows never disagree.
    if not batch:
        return 0
    ideas = [Idea(pk=pk, search_document=doc) for pk, doc in batch]
    Idea.objects.bulk_update(ideas, ["search_document"], batch_size=500)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(
                "DELETE FROM ideas_idea_fts WHERE rowid = %s", [(pk,) for pk, _ in batch]
            )
            cursor.executemany(
                "INSERT INTO ideas_idea_fts(rowid, document, municipality_id) VALUES (%s, %s, %s)",
                [(pk, doc, municipality_id) for pk, doc in batch],
            )
    return len(batch)


def _clean_term(term: str) -> str:
    # Terms are [a-z0-9]+ from textsim already; strip anything else defensively.
    return "".join(ch for ch in term if ch.isalnum())


# --- Full-text conditions, written for both databases ---------------------------------------


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class All:
    parts: tuple[Expr, ...]
    # The parts come from one word (a compound and its own parts, "marktplatz" + "markt"), so
    # an idea with one mostly has all: a hint for the estimate of how many ideas match.
    together: bool = False


@dataclass(frozen=True)
class Any_:
    parts: tuple[Expr, ...]


Expr = Term | All | Any_


def _any(parts: list[Expr]) -> Expr | None:
    unique = list(dict.fromkeys(parts))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else Any_(tuple(unique))


def _all(parts: list[Expr]) -> Expr | None:
    unique = list(dict.fromkeys(parts))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else All(tuple(unique))


def _terms(terms: list[str], prefixes: list[str] | None = None) -> Expr | None:
    words = [Term(t) for t in (_clean_term(t) for t in terms) if t]
    stems = [Term(p, prefix=True) for p in (_clean_term(p) for p in prefixes or []) if len(p) >= 3]
    return _any([*words, *stems])


def to_tsquery(expr: Expr) -> str:
    """The condition as a PostgreSQL tsquery (for to_tsquery('simple', ...))."""
    if isinstance(expr, Term):
        return f"'{expr.text}':*" if expr.prefix else f"'{expr.text}'"
    joiner = " & " if isinstance(expr, All) else " | "
    return "(" + joiner.join(to_tsquery(part) for part in expr.parts) + ")"


def to_fts5(expr: Expr) -> str:
    """The condition as an SQLite FTS5 query."""
    if isinstance(expr, Term):
        return f'"{expr.text}"*' if expr.prefix else f'"{expr.text}"'
    joiner = " AND " if isinstance(expr, All) else " OR "
    return "(" + joiner.join(to_fts5(part) for part in expr.parts) + ")"


def _content_words(text: str) -> list[str]:
    # As textsim tokenises: normalised, no stopwords, no single letters.
    return [
        w
        for w in textsim.normalize(text).split()
        if w not in textsim.STOPWORDS and (len(w) > 1 or w.isdigit())
    ]


def search_conditions(text: str, vocab: textsim.Vocabulary) -> tuple[Expr | None, Expr | None]:
    """(every word, any word) conditions of a search text.

    A word matches by its stem or by all of its compound parts, so "Radweg" also finds
    "Radwegenetz" and "Rad- und Fußweg".
    """
    groups: list[Expr] = []
    for word in _content_words(text)[:MAX_SEARCH_WORDS]:
        info = vocab.analyse(word)
        alternatives: list[Expr] = [Term(_clean_term(info.stem))]
        parts = [Term(_clean_term(p.term)) for p in info.parts if _clean_term(p.term)]
        if len(parts) >= 2:
            alternatives.append(All(tuple(dict.fromkeys(parts))))
        if alternatives[0].text:  # type: ignore[union-attr]
            group = _any(alternatives)
            if group is not None:
                groups.append(group)
    every = _all(groups)
    anything = _terms(textsim.query_terms(text, vocab), textsim.query_prefixes(text, vocab))
    return every, anything


def similar_tiers(text: str, vocab: textsim.Vocabulary) -> tuple[list[Expr], Expr | None]:
    """Conditions that select similar-idea candidates, best first, and the ranking terms.

    First the ideas that share two of the text's most informative terms, then those that share
    one (or a prefix of a word being typed); a term in more than COMMON_SHARE of the ideas
    selects nothing on its own unless the text has no other.
    """
    terms = textsim.query_terms(text, vocab)
    prefixes = textsim.query_prefixes(text, vocab)
    ranking = _terms(terms, prefixes)
    # A small town has no common terms in this sense: every term selects.
    common = max(COMMON_SHARE * vocab.n_docs, COMMON_MIN_DOCS)
    informative = [t for t in terms if vocab.doc_freq.get(t, 0) <= common]
    prefixes = [p for p in prefixes if share(Term(p, prefix=True), vocab) * vocab.n_docs <= common]
    known = [t for t in informative if vocab.doc_freq.get(t, 0) > 0][:PAIR_TERMS]
    tiers: list[Expr] = []
    if len(known) >= 2:
        words = _word_terms(text, vocab)
        pairs = [
            All((Term(a), Term(b)), together=any(a in w and b in w for w in words))
            for a, b in itertools.combinations(known, 2)
        ]
        tiers.append(_any(list(pairs)))  # type: ignore[arg-type]
    one = _terms(informative, prefixes) if informative or prefixes else ranking
    if one is not None:
        tiers.append(one)
    return tiers, ranking


def _word_terms(text: str, vocab: textsim.Vocabulary) -> list[set[str]]:
    """Per content word of `text`, the terms it puts into an index document (stem and parts)."""
    out = []
    for word in _content_words(text):
        info = vocab.analyse(word)
        if info.part_weights:
            out.append({info.stem, *(term for term, _ in info.part_weights)})
    return out


# --- Bounded candidate queries --------------------------------------------------------------


def share(expr: Expr, vocab: textsim.Vocabulary) -> float:
    """Estimated share of the municipality's ideas matching `expr` (terms as independent)."""
    n = max(vocab.n_docs, 1)
    if isinstance(expr, Term):
        if expr.prefix:
            df = sum(f for term, f in vocab.doc_freq.items() if term.startswith(expr.text))
        else:
            df = vocab.doc_freq.get(expr.text, 0)
        return min(1.0, df / n)
    shares = [share(part, vocab) for part in expr.parts]
    if isinstance(expr, All):
        # Terms of one word occur together: as independent terms their shares would multiply,
        # and a pair in 13 % of the ideas was taken for a rare one (its matches collected from
        # the index one by one, 10 ms, instead of meeting POOL of them early on a walk).
        return min(shares) if expr.together else math.prod(shares)
    return min(1.0, sum(shares))


def walk_share(n_docs: int) -> float:
    """Above this share of matching ideas, walking the ideas newest first and testing each one
    finds POOL matches sooner than collecting every match from the index and sorting them.

    Measured on PostgreSQL (vectors inline, migration 0006): testing a row while walking costs
    ~0.9 µs, collecting a match from the bitmap ~1.3 µs; walking costs 0.9·POOL/share and
    collecting 1.3·share·n, equal at share = sqrt(0.7·POOL/n) (4.6 % of 100,000 ideas).
    """
    return min(1.0, math.sqrt(0.7 * POOL / max(n_docs, 1)))


def _candidates(
    base: QuerySet[Idea],
    municipality_id: int,
    condition: Expr,
    ranking: Expr | None,
    *,
    limit: int,
    common: bool,
    raw: str = "",
) -> tuple[list[int], bool]:
    """Ids in `base` matching `condition`: of the newest POOL matches the best `limit` by the
    database's rank; and whether more than POOL ideas matched.

    PostgreSQL ranks by ts_rank of `ranking` and also matches `raw` text with the German
    configuration; SQLite ranks by FTS5's bm25 of `condition`. `common`: the condition matches
    a large share of the ideas (see walk_share).
    """
    if connection.vendor == "postgresql":
        return _pg_candidates(base, condition, ranking, limit=limit, common=common, raw=raw)
    return _fts5_candidates(base, municipality_id, condition, limit=limit)


def _pg_candidates(
    base: QuerySet[Idea],
    condition: Expr,
    ranking: Expr | None,
    *,
    limit: int,
    common: bool,
    raw: str,
) -> tuple[list[int], bool]:
    # Placeholders only: the terms are parameters, never part of the SQL text.
    where = "ideas_idea.search_vector @@ to_tsquery('simple', %s)"
    params: list[Any] = [to_tsquery(condition)]
    if raw:
        german = "ideas_idea.search_vector_german @@ websearch_to_tsquery('german', %s)"
        where = f"({where} OR {german})"
        params.append(raw)
    pool = base.filter(RawSQL(where, params, output_field=BooleanField()))  # noqa: S611
    if common:
        # Walking the ideas newest first meets POOL matches early. Each match is ranked as it
        # is met and sorted here: reading the POOL rows a second time to rank them in SQL cost
        # about as much as the walk.
        rank_sql = "ts_rank(ideas_idea.search_vector, to_tsquery('simple', %s))"
        ranked = pool.order_by("-pk").annotate(
            match_rank=RawSQL(rank_sql, [to_tsquery(ranking)], output_field=FloatField())  # noqa: S611
            if ranking
            else Value(0.0, output_field=FloatField())
        )
        walk_sql, walk_params = ranked.values_list("pk", "match_rank")[
            : POOL + 1
        ].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(walk_sql, walk_params)
            found = cursor.fetchall()
        # The one match beyond POOL (the oldest) only tells that there are more.
        best = sorted(found[:POOL], key=lambda row: (-row[1], -row[0]))
        return [row[0] for row in best[:limit]], len(found) > POOL
    # Every match from the GIN index (a bitmap), then the newest of them. OFFSET 0 keeps
    # PostgreSQL from walking the primary key instead, testing row after row.
    every_sql, sub_params = pool.order_by().values_list("pk", flat=True).query.sql_with_params()
    sub_sql = (
        f"SELECT m.id FROM ({every_sql} OFFSET 0) AS m(id) "  # noqa: S608
        f"ORDER BY m.id DESC LIMIT {POOL + 1}"
    )
    rank = "ts_rank(i.search_vector, to_tsquery('simple', %s))" if ranking else "0"
    sql = (
        "SELECT i.id, COUNT(*) OVER (), MIN(i.id) OVER () FROM ideas_idea i "  # noqa: S608
        f"WHERE i.id IN ({sub_sql}) "
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql + f"ORDER BY {rank} DESC, i.id DESC LIMIT %s",
            [*sub_params, *([to_tsquery(ranking)] if ranking else []), limit + 1],
        )
        rows = cursor.fetchall()
    more = bool(rows) and rows[0][1] > POOL
    # The one match beyond POOL (the oldest) only told that there are more.
    ids = [row[0] for row in rows if not (more and row[0] == row[2])]
    return ids[:limit], more


def _fts5_candidates(
    base: QuerySet[Idea], municipality_id: int, condition: Expr, *, limit: int
) -> tuple[list[int], bool]:
    # FTS5 hands out its matches newest first (rowid order) with their bm25; each is tested
    # against the filters by its primary key, and the scan stops after POOL of them passed.
    # (Testing a list of rowids against an OR of common terms instead makes FTS5 evaluate the
    # whole query again for every row: seconds.)
    allowed = base.filter(pk=RawSQL("ideas_idea_fts.rowid", [])).values("pk")
    allowed_sql, allowed_params = allowed.query.sql_with_params()
    sql = (
        "SELECT rowid, bm25(ideas_idea_fts) FROM ideas_idea_fts "  # noqa: S608
        f"WHERE ideas_idea_fts MATCH %s AND EXISTS ({allowed_sql}) "
        "ORDER BY rowid DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [to_fts5(condition), *allowed_params, POOL + 1])
        rows = cursor.fetchall()
    del municipality_id  # the filters of `base` hold the municipality
    # bm25: lower is better; ties newest first.
    best = sorted(rows[:POOL], key=lambda row: (row[1], -row[0]))
    return [rowid for rowid, _score in best[:limit]], len(rows) > POOL


def _cache_key(kind: str, municipality_id: int, *parts: Any) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"ideas-{kind}:{municipality_id}:{pagecache.generation(municipality_id)}:{digest}"


def _store(key: str, value: Any) -> None:
    # The generation is the third part of the key (see _cache_key).
    if selectors.cache_may_store(key.split(":", 3)[2]):
        cache.set(key, value, RESULT_CACHE_SECONDS)


@dataclass(frozen=True)
class SearchResult:
    ids: list[int]  # best first, at most POOL
    more: bool  # more than POOL ideas matched (only the newest POOL were ranked)


def search(
    municipality: Any, text: str, base: QuerySet[Idea] | None = None, *, key: str = ""
) -> SearchResult:
    """Ideas of `base` (default: the public ones) matching a search text, best first.

    `key` names the filters behind `base` for the result cache (same key, same filters).
    """
    text = " ".join((text or "").split())[:MAX_QUERY_CHARS]
    if not text:
        return SearchResult([], False)
    cache_key = _cache_key("search", municipality.pk, text, key if base is not None else "")
    cached = cache.get(cache_key)
    if cached is not None:
        return SearchResult(list(cached[0]), bool(cached[1]))
    if base is None:
        base = Idea.objects.filter(municipality=municipality).public()
    vocab = vocabulary(municipality.pk)
    every, anything = search_conditions(text, vocab)
    ids: list[int] = []
    more = False
    if every is not None:
        german = text if connection.vendor == "postgresql" else ""
        common = share(every, vocab) > walk_share(vocab.n_docs)
        ids, more = _candidates(
            base, municipality.pk, every, anything, limit=POOL, common=common, raw=german
        )
    if not ids and anything is not None:
        common = share(anything, vocab) > walk_share(vocab.n_docs)
        ids, more = _candidates(
            base, municipality.pk, anything, anything, limit=POOL, common=common
        )
    ids = ids[:POOL]
    _store(cache_key, (ids, more))
    return SearchResult(ids, more)


def matching_ids(municipality: Any, text: str, limit: int = POOL) -> list[int]:
    """Ids of public ideas matching a search text, best first."""
    return search(municipality, text).ids[:limit]


def similar(
    municipality: Any, text: str, *, limit: int = 5, exclude_id: int | None = None
) -> list[tuple[Idea, float]]:
    """Public ideas similar to `text`, best first, with their similarity in [0, 1].

    The ideas carry only id, title and state (all a suggestion shows).
    """
    text = (text or "").strip()[:2000]
    if len(text) < 3:
        return []
    cache_key = _cache_key("similar", municipality.pk, text, limit, exclude_id or 0)
    found: list[tuple[int, str, str, float]] | None = cache.get(cache_key)
    if found is None:
        found = _similar_ranked(municipality, text, limit=limit, exclude_id=exclude_id)
        _store(cache_key, found)
    return [
        (Idea(pk=pk, title=title, state=state, municipality_id=municipality.pk), score)
        for pk, title, state, score in found
    ]


def _similar_ranked(
    municipality: Any, text: str, *, limit: int, exclude_id: int | None
) -> list[tuple[int, str, str, float]]:
    vocab = vocabulary(municipality.pk)
    tiers, ranking = similar_tiers(text, vocab)
    base = Idea.objects.filter(municipality=municipality).public().exclude(pk=exclude_id or 0)
    ids: list[int] = []
    # Every tier runs (a constant number of queries); later tiers fill up to CANDIDATES.
    for condition in tiers:
        found, _more = _candidates(
            base.exclude(pk__in=ids) if ids else base,
            municipality.pk,
            condition,
            ranking,
            limit=max(CANDIDATES - len(ids), 1),
            common=share(condition, vocab) > walk_share(vocab.n_docs),
        )
        ids += found[: max(CANDIDATES - len(ids), 0)]
    if not ids:
        return []
    # Plain SQL: the ORM compiled a hundred-id IN list and an ORDER BY nobody needs here.
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, title, text, state FROM ideas_idea WHERE id IN ({marks})",  # noqa: S608
            ids,
        )
        rows = {pk: (title, text_, state) for pk, title, text_, state in cursor.fetchall()}
    # In candidate order, so that equal scores keep the database's ranking.
    candidates = [(pk, rows[pk][0], rows[pk][1]) for pk in ids if pk in rows]
    ranked = textsim.rank(text, candidates, vocab, limit=limit)
    return [(pk, rows[pk][0], rows[pk][2], score) for pk, score in ranked]
