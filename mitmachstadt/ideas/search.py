"""German full-text search and similar-idea suggestions on SQLite (FTS5) and PostgreSQL.

Each idea stores `search_document`: stems and compound parts from core.textsim, so both
databases match the same terms ("Parkplätze" and "Parkplatzfinder" both yield "parkplatz").
SQLite indexes it in an FTS5 table; PostgreSQL stores to_tsvector('simple', ...) in a generated
column with a GIN index (migration 0005), and the search page on PostgreSQL also matches the raw
text with the 'german' configuration (a second stored vector).
Candidates from the index are re-ranked in Python by textsim.rank.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db import connection, transaction

from mitmachstadt.core import textsim

from .models import Idea, SearchVocabulary

CANDIDATES = 100
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


def _fts_ids(
    municipality_id: int, terms: list[str], raw: str, limit: int, prefixes: list[str] | None = None
) -> list[int]:
    """Idea ids matching any term (or prefix), best first (bm25 / ts_rank), at most `limit`."""
    terms = [t for t in (_clean_term(t) for t in terms) if t]
    prefixes = [p for p in (_clean_term(p) for p in prefixes or []) if len(p) >= 3]
    if not terms and not prefixes and not raw:
        return []
    if connection.vendor == "sqlite":
        if not terms and not prefixes:
            return []
        match = " OR ".join([f'"{t}"' for t in terms] + [f'"{p}"*' for p in prefixes])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM ideas_idea_fts WHERE ideas_idea_fts MATCH %s "
                "AND municipality_id = %s ORDER BY bm25(ideas_idea_fts) LIMIT %s",
                [match, municipality_id, limit],
            )
            return [row[0] for row in cursor.fetchall()]
    tsquery = " | ".join([f"'{t}'" for t in terms] + [f"'{p}':*" for p in prefixes]) or "''"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id FROM ideas_idea
            WHERE municipality_id = %s AND (
                search_vector @@ to_tsquery('simple', %s)
                OR search_vector_german @@ websearch_to_tsquery('german', %s)
            )
            ORDER BY ts_rank(search_vector, to_tsquery('simple', %s)) DESC, id DESC
            LIMIT %s
            """,
            [municipality_id, tsquery, raw, tsquery, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def matching_ids(municipality: Any, text: str, limit: int = 1000) -> list[int]:
    """Ids of ideas matching a search text, best first (for the search page and API `q`)."""
    terms = textsim.query_terms(text, vocabulary(municipality.pk))
    return _fts_ids(municipality.pk, terms, text.strip(), limit)


def similar(
    municipality: Any, text: str, *, limit: int = 5, exclude_id: int | None = None
) -> list[tuple[Idea, float]]:
    """Public ideas similar to `text`, best first, with their similarity in [0, 1]."""
    text = (text or "").strip()[:2000]
    if len(text) < 3:
        return []
    vocab = vocabulary(municipality.pk)
    ids = _fts_ids(
        municipality.pk,
        textsim.query_terms(text, vocab),
        text,
        CANDIDATES,
        prefixes=textsim.query_prefixes(text, vocab),
    )
    candidates = list(
        Idea.objects.public()
        .filter(municipality=municipality, pk__in=ids)
        .exclude(pk=exclude_id or 0)
        .only("pk", "title", "text", "state", "municipality_id")
    )
    by_id = {idea.pk: idea for idea in candidates}
    ranked = textsim.rank(
        text, [(idea.pk, idea.title, idea.text) for idea in candidates], vocab, limit=limit
    )
    return [(by_id[pk], score) for pk, score in ranked]
