"""Reads of ideas. Every selector takes the municipality first and never crosses it."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.core.cache import cache
from django.db import connection, connections, router
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _

from mitmachstadt.geo.models import District
from mitmachstadt.tenants.models import Municipality

from .models import (
    Comment,
    Follow,
    Idea,
    IdeaAttachment,
    IdeaImage,
    IdeaLink,
    Reaction,
)
from .states import PROJECT_STATES, PUBLIC_STATES, State

ORDERINGS = ("newest", "supported", "rated", "discussed", "controversial", "trending", "random")
PAGE_SIZE = 15
MAX_PAGE_SIZE = 100
# How strongly earlier exposure pushes an idea back in the random order (0 = uniform shuffle).
EXPOSURE_ALPHA = 0.5
RANDOM_CACHE_SECONDS = 3600

_ORDER_FIELDS = {
    "newest": ("-submitted_at", "-id"),
    "supported": ("-up_count", "-id"),
    "rated": ("-rated_score", "-id"),
    "discussed": ("-comment_count", "-id"),
    "controversial": ("-controversy", "-id"),
    "trending": ("-trending", "-id"),
}


@dataclass
class IdeaFilter:
    field: str = ""
    district: str = ""
    state: str = ""
    q: str = ""
    cluster: str = ""
    ids: list[int] | None = dc_field(default=None, repr=False)

    def key(self) -> str:
        return f"{self.field}|{self.district}|{self.state}|{self.q}|{self.cluster}"


class _Paged:
    """Page arithmetic for a result that knows its count, page and page size."""

    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass
class IdeaPage(_Paged):
    items: list[Idea]
    count: int
    page: int
    page_size: int
    order: str
    seed: str
    # A search matched more ideas than it ranks (search.POOL): `count` is a lower bound.
    more: bool = False


def public_ideas(municipality: Any) -> QuerySet[Idea]:
    return Idea.objects.filter(municipality=municipality).public()


def _filtered(municipality: Any, flt: IdeaFilter) -> QuerySet[Idea]:
    qs = public_ideas(municipality)
    if flt.field:
        # A semi-join: no row per field, so nothing needs DISTINCT (which over whole idea rows,
        # texts included, cost more than the page itself).
        qs = qs.filter(
            Exists(
                Idea.fields.through.objects.filter(
                    idea_id=OuterRef("pk"), fieldofaction__slug=flt.field
                )
            )
        )
    if flt.district:
        qs = qs.filter(district__slug=flt.district)
    if flt.cluster:
        qs = qs.filter(cluster__slug=flt.cluster)
    if flt.state:
        states = [s for s in flt.state.split(",") if s in PUBLIC_STATES]
        qs = qs.filter(state__in=states or ["-"])
    if flt.ids is not None:
        qs = qs.filter(pk__in=flt.ids)
    return qs


def _list_queryset(qs: QuerySet[Idea]) -> QuerySet[Idea]:
    # The search document (the stems for full-text search) is never shown.
    return (
        qs.select_related("district", "created_by", "cluster")
        .prefetch_related("fields")
        .defer("search_document")
    )


def _random_keys(seed: str, ids: Any, exposure: Any, alpha: float = EXPOSURE_ALPHA) -> Any:
    """Sort keys of the fair random order (numpy arrays in, one float per idea out)."""
    import numpy as np

    key = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    z = ids.astype(np.uint64) ^ np.uint64(key)
    # SplitMix64's finaliser; unsigned arithmetic wraps modulo 2^64 as intended.
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    u = ((z >> np.uint64(11)).astype(np.float64) + 1.0) / (2.0**53 + 2.0)
    return -np.log(u) * (1.0 + exposure) ** alpha


def fair_random_order(
    seed: str, rows: list[tuple[int, int]], alpha: float = EXPOSURE_ALPHA
) -> list[int]:
    """Ids ordered by a seeded weighted shuffle: less-shown ideas tend to come first.

    Each idea draws u from a keyed 64-bit mix (SplitMix64) of SHA-256(seed) and its id and sorts
    by -ln(u) * (1 + exposure)^alpha, the exponential-clock form of weighted sampling without
    replacement (Efraimidis-Spirakis) with weight (1 + exposure)^-alpha. A pure function of the
    seed and the frozen exposure counts; vectorised, so 100,000 ideas take milliseconds.
    """
    import numpy as np

    if not rows:
        return []
    ids = np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows))
    exposure = np.fromiter((e for _, e in rows), dtype=np.float64, count=len(rows))
    order = np.lexsort((ids, _random_keys(seed, ids, exposure, alpha)))  # by key, ties by id
    return [int(pk) for pk in ids[order]]


def random_window(seed: str, ids: Any, exposure: Any, start: int, size: int) -> list[int]:
    """Positions start..start+size of fair_random_order, without sorting every idea.

    Ideas with a negative exposure (newer than the epoch's snapshot) come after all others,
    in their own random order: so they never push the pages a visitor is reading.
    """
    import numpy as np

    end = min(start + size, len(ids))
    if start >= end:
        return []
    late = exposure < 0
    keys = _random_keys(seed, ids, np.where(late, 0.0, exposure))
    keys[late] += LATE_OFFSET
    # The `end` smallest keys in linear time, then only those sorted (by key, ties by id).
    head = np.argpartition(keys, end - 1)[:end] if end < len(ids) else np.arange(len(ids))
    head = head[np.lexsort((ids[head], keys[head]))]
    return [int(pk) for pk in ids[head[start:end]]]


# The exposure counts the random order weighs with are frozen for this long (one snapshot per
# municipality), so a visitor's order keeps still while others' views count up. The set of
# ideas follows every change (per generation): hidden ones drop out at once, new ones queue up
# behind the others until the next epoch weighs them in.
RANDOM_EPOCH_SECONDS = 3600
# Added to the sort keys of ideas newer than the snapshot (keys are below ~50 otherwise).
LATE_OFFSET = 1e12


def cache_may_store(token: str) -> bool:
    """Whether a result read now may be cached under generation `token`: not while a replica
    may not have replayed the write that started it (see core.dbrouter)."""
    from django.conf import settings

    from mitmachstadt.core import pagecache

    if "replica" not in settings.DATABASES:
        return True
    pin = float(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 5))
    return pagecache.generation_age(token) >= pin


def _exposure_snapshot(municipality: Any, epoch: int) -> tuple[Any, Any]:
    """(sorted ids, exposure) of the municipality's public ideas as of this epoch."""
    import numpy as np

    key = f"ideas-random-exposure:{municipality.pk}"
    stored = cache.get(key)
    if stored is not None and stored[0] == epoch:
        return np.frombuffer(stored[1], dtype=np.int64), np.frombuffer(stored[2], np.float64)
    rows = public_ideas(municipality).order_by("pk").values_list("pk", "exposure")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pairs = cursor.fetchall()
    ids = np.fromiter((pk for pk, _ in pairs), dtype=np.int64, count=len(pairs))
    exposure = np.fromiter((e for _, e in pairs), dtype=np.float64, count=len(pairs))
    cache.set(key, (epoch, ids.tobytes(), exposure.tobytes()), 2 * RANDOM_EPOCH_SECONDS)
    return ids, exposure


def _random_set(municipality: Any, flt: IdeaFilter) -> tuple[Any, Any]:
    """(ids, frozen exposure) of the ideas the random order shuffles, current per generation.

    Only the latest set per filter is kept (the generation and epoch are in the value), so
    frequent writes never pile up outdated arrays in a worker's memory.
    """
    import numpy as np

    from mitmachstadt.core import pagecache

    token = pagecache.generation(municipality.pk)
    epoch = int(time.time() // RANDOM_EPOCH_SECONDS)
    digest = hashlib.sha256(flt.key().encode() + repr(flt.ids).encode()).hexdigest()[:32]
    key = f"ideas-random-set:{municipality.pk}:{digest}"
    stored = cache.get(key)
    if stored is not None and stored[:2] == (token, epoch):
        return np.frombuffer(stored[2], dtype=np.int64), np.frombuffer(stored[3], np.float64)
    rows = _filtered(municipality, flt).order_by("pk").values_list("pk", flat=True)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64)
    known, counts = _exposure_snapshot(municipality, epoch)
    exposure = np.full(len(ids), -1.0)  # newer than the snapshot (see random_window)
    if len(known):
        at = np.minimum(np.searchsorted(known, ids), len(known) - 1)
        found = known[at] == ids
        exposure[found] = counts[at[found]]
    if cache_may_store(token):
        cache.set(key, (token, epoch, ids.tobytes(), exposure.tobytes()), RANDOM_CACHE_SECONDS)
    return ids, exposure


def idea_page(
    municipality: Any,
    *,
    flt: IdeaFilter | None = None,
    order: str = "newest",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    seed: str = "",
) -> IdeaPage:
    """One page of public ideas in the given order (a constant number of queries)."""
    from . import search

    flt = flt or IdeaFilter()
    order = order if order in ORDERINGS else "newest"
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (page - 1) * page_size

    ranked_ids: list[int] | None = None
    more = False
    if flt.q.strip():
        # The search runs on the filtered public ideas, so its bounded pool holds only ideas
        # that the filters let through.
        unsearched = IdeaFilter(**{**flt.__dict__, "q": ""})
        base = _filtered(municipality, unsearched)
        found = search.search(municipality, flt.q, base, key=unsearched.key())
        ranked_ids, more = found.ids, found.more
        flt = IdeaFilter(**{**flt.__dict__, "ids": ranked_ids})

    if order == "random":
        seed = seed or "0"
        ids, exposure = _random_set(municipality, flt)
        count = len(ids)
        page_ids = random_window(seed, ids, exposure, start, page_size)
        rows = Idea.objects.filter(municipality=municipality, pk__in=page_ids)
        by_id = {i.pk: i for i in _list_queryset(rows)}
        items = [by_id[pk] for pk in page_ids if pk in by_id]
    elif ranked_ids is not None and order == "newest" and flt.q:
        # A text search lists the best matches first unless another order was asked for; the
        # ranked ids passed the filters already.
        count = len(ranked_ids)
        page_ids = ranked_ids[start : start + page_size]
        rows = Idea.objects.filter(municipality=municipality, pk__in=page_ids)
        by_id = {i.pk: i for i in _list_queryset(rows)}
        items = [by_id[pk] for pk in page_ids if pk in by_id]
    else:
        qs = _filtered(municipality, flt)
        count = _count(municipality, flt, qs)
        ordering = _ORDER_FIELDS[order]
        # The page's ids are picked in a subquery along the order's covering index (deep pages
        # skip index entries, not rows); only these rows are read and joined. One query.
        window = qs.order_by(*ordering).values("pk")[start : start + page_size]
        items = list(_list_queryset(Idea.objects.filter(pk__in=window)).order_by(*ordering))
    return IdeaPage(
        items=items,
        count=count,
        page=page,
        page_size=page_size,
        order=order,
        seed=seed,
        more=more,
    )


# What the idea page shows of an idea's own relations (loaded with it by idea_for_view); the idea
# an idea was merged into is read only on the pages of merged ideas (joining it costs on all).
_DETAIL_RELATED = ("district", "created_by", "cluster")


def idea_for_view(municipality: Any, pk: int, user: Any) -> Idea | None:
    """One idea as `user` may see it (public, or their own draft), else None."""
    qs = Idea.objects.filter(municipality=municipality, pk=pk).select_related(*_DETAIL_RELATED)
    idea = qs.first()
    if idea is None:
        return None
    if isinstance(municipality, Municipality):
        idea.municipality = municipality  # the request's own: no join of the big settings row
    if idea.is_public:
        return idea
    if idea.state == State.MERGED:
        return idea
    if getattr(user, "is_authenticated", False) and idea.author_links.filter(user=user).exists():
        return idea
    from mitmachstadt.accounts.models import Role
    from mitmachstadt.accounts.selectors import has_role

    if has_role(municipality, user, Role.MODERATOR) and idea.state != State.DRAFT:
        return idea
    return None


@dataclass
class IdeaDetail:
    idea: Idea
    authors: list[Any]
    comments: list[Comment]
    thread: list[tuple[Comment, list[Comment]]]
    answers: list[Any]
    links: list[tuple[str, Idea, IdeaLink]]
    transitions: list[Any]
    my_reaction: int | None
    following: bool
    merged: list[Idea] = dc_field(default_factory=list)


def _relation_flags(idea_id: int, user_id: int | None) -> dict[str, Any]:
    """Which of the idea's rarely filled relations have rows, and the viewer's reaction and
    follow: one small query, no ORM.

    The ORM would build the EXISTS subqueries on every page view; compiling them cost more CPU
    than the queries they spare. Plain SQL that SQLite and PostgreSQL both understand.
    """
    db = connections[router.db_for_read(Idea)]
    q = db.ops.quote_name
    checks = {
        "images": (IdeaImage._meta.db_table, "idea_id = %s"),
        "attachments": (IdeaAttachment._meta.db_table, "idea_id = %s"),
        "partners": (Idea.partners.through._meta.db_table, "idea_id = %s"),
        "links": (IdeaLink._meta.db_table, "source_id = %s OR target_id = %s"),
        "merged": (Idea._meta.db_table, "merged_into_id = %s"),
    }
    # Table names from the models, values as parameters: nothing from outside enters the text.
    parts = [
        f"EXISTS (SELECT 1 FROM {q(table)} WHERE {where})"  # noqa: S608
        for table, where in checks.values()
    ]
    params: list[Any] = [idea_id] * sum(where.count("%s") for _table, where in checks.values())
    if user_id is not None:
        reactions, follows = q(Reaction._meta.db_table), q(Follow._meta.db_table)
        parts += [
            f"(SELECT value FROM {reactions} WHERE idea_id = %s AND user_id = %s LIMIT 1)",  # noqa: S608
            f"EXISTS (SELECT 1 FROM {follows} WHERE idea_id = %s AND user_id = %s)",  # noqa: S608
        ]
        params += [idea_id, user_id, idea_id, user_id]
    with db.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    flags: dict[str, Any] = {name: bool(value) for name, value in zip(checks, row, strict=False)}
    flags["my_reaction"] = row[len(checks)] if user_id is not None else None
    flags["following"] = bool(row[len(checks) + 1]) if user_id is not None else False
    return flags


_RELATED_SQL: dict[Any, tuple[Any, str]] = {}


def _related_rows(descriptor: Any, idea_id: int) -> list[Any]:
    """What `idea.<relation>.all()` gives (same rows, order and instances) for a one-to-many
    or many-to-many relation of Idea, from SQL written once per process.

    Compiling the ORM's query cost ~0.3 ms of CPU on every page view, several times the query.
    """
    cached = _RELATED_SQL.get(descriptor)
    if cached is None:
        cached = _RELATED_SQL[descriptor] = _related_sql(descriptor)
    model, sql = cached
    return list(model.objects.raw(sql, [idea_id]))


def _related_sql(descriptor: Any) -> tuple[Any, str]:
    # Identifiers only from the models' metadata; the idea's id is a parameter.
    q = connection.ops.quote_name
    if hasattr(descriptor, "through"):  # many-to-many (ManyToManyDescriptor)
        field = descriptor.field
        model = field.related_model
        join = (
            f"INNER JOIN {q(field.m2m_db_table())} AS x "
            f"ON x.{q(field.m2m_reverse_name())} = t.{q(model._meta.pk.column)} "
            f"WHERE x.{q(field.m2m_column_name())} = %s"
        )
    else:  # the reverse side of a foreign key (ReverseManyToOneDescriptor)
        model = descriptor.rel.related_model
        join = f"WHERE t.{q(descriptor.field.column)} = %s"
    columns = ", ".join(f"t.{q(f.column)}" for f in model._meta.concrete_fields)
    order = []
    for name in model._meta.ordering:
        attr = name.lstrip("-")
        column = model._meta.pk.column if attr == "pk" else model._meta.get_field(attr).column
        order.append(f"t.{q(column)}{' DESC' if name.startswith('-') else ''}")
    sql = f"SELECT {columns} FROM {q(model._meta.db_table)} AS t {join}"  # noqa: S608
    return model, sql + (" ORDER BY " + ", ".join(order) if order else "")


_JOINED_SQL: dict[Any, Any] = {}


def _related_rows_joined(descriptor: Any, fk_name: str, idea_id: int) -> list[Any]:
    """Like _related_rows for a one-to-many relation of Idea, with the object of each row's
    foreign key `fk_name` attached, as select_related(fk_name) does (None where it is null).

    Values pass through the database backend's converters, as the ORM's do (dates on SQLite).
    """
    plan = _JOINED_SQL.get(descriptor)
    if plan is None:
        plan = _JOINED_SQL[descriptor] = _joined_plan(descriptor, fk_name)
    model, fk, target, sql, own, others = plan
    db = router.db_for_read(model)
    conn = connections[db]
    with conn.cursor() as cursor:
        cursor.execute(sql, [idea_id])
        rows = cursor.fetchall()
    columns = own + others
    width = len(own)
    own_names = [field.attname for field, _col, _conv in own]
    other_names = [field.attname for field, _col, _conv in others]
    items = []
    for row in rows:
        values = list(row)
        for i, (_field, col, converters) in enumerate(columns):
            for converter in converters:
                values[i] = converter(values[i], col, conn)
        item = model.from_db(db, own_names, values[:width])
        related = None
        if values[width] is not None:  # the target's primary key comes first
            related = target.from_db(db, other_names, values[width:])
        fk.set_cached_value(item, related)
        items.append(item)
    return items


def _joined_plan(descriptor: Any, fk_name: str) -> tuple[Any, ...]:
    # Identifiers only from the models' metadata; the idea's id is a parameter.
    q = connection.ops.quote_name
    model = descriptor.rel.related_model
    fk = model._meta.get_field(fk_name)
    target = fk.related_model
    pk = target._meta.pk
    target_fields = [pk, *(f for f in target._meta.concrete_fields if f is not pk)]

    def described(fields: list[Any], alias: str) -> list[tuple[Any, Any, list[Any]]]:
        out = []
        for field in fields:
            col = field.get_col(alias)
            converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            out.append((field, col, converters))
        return out

    own_fields = list(model._meta.concrete_fields)
    columns = [f"t.{q(f.column)}" for f in own_fields]
    columns += [f"r.{q(f.column)}" for f in target_fields]
    order = []
    for name in model._meta.ordering:
        attr = name.lstrip("-")
        column = model._meta.pk.column if attr == "pk" else model._meta.get_field(attr).column
        order.append(f"t.{q(column)}{' DESC' if name.startswith('-') else ''}")
    join = "LEFT OUTER JOIN" if fk.null else "INNER JOIN"
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(model._meta.db_table)} AS t "  # noqa: S608
        f"{join} {q(target._meta.db_table)} AS r "
        f"ON t.{q(fk.column)} = r.{q(pk.column)} "
        f"WHERE t.{q(descriptor.field.column)} = %s"
    )
    if order:
        sql += " ORDER BY " + ", ".join(order)
    return model, fk, target, sql, described(own_fields, "t"), described(target_fields, "r")


def _cache_related(instance: Any, name: str, items: list[Any]) -> None:
    """Keep `items` as `instance.<name>.all()`, as prefetch_related would (no later query)."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = items
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def idea_detail(
    municipality: Any, idea: Idea, user: Any, *, with_comments: bool = True
) -> IdeaDetail:
    """Everything the idea page shows, in a fixed number of queries.

    `with_comments=False` skips the discussion (the API serves it from its own endpoint).
    """
    # One plain query tells which of the rarely used relations exist; only those are read, and
    # every relation is stored on the idea as if prefetched (prefetch_related's machinery costs
    # more CPU here than the queries). A typical idea page: 8 queries, the tenant's included.
    if not all(getattr(Idea, name).is_cached(idea) for name in _DETAIL_RELATED):
        idea = (
            Idea.objects.filter(pk=idea.pk, municipality=municipality)
            .select_related(*_DETAIL_RELATED, "municipality")
            .get()
        )
    elif idea.municipality_id != getattr(municipality, "pk", municipality):
        raise Idea.DoesNotExist
    signed_in = getattr(user, "is_authenticated", False)
    has = _relation_flags(idea.pk, user.pk if signed_in else None)
    my_reaction, following = has["my_reaction"], has["following"]
    _cache_related(idea, "fields", _related_rows(Idea.fields, idea.pk))
    _cache_related(idea, "images", list(idea.images.all()) if has["images"] else [])
    _cache_related(idea, "attachments", list(idea.attachments.all()) if has["attachments"] else [])
    _cache_related(idea, "partners", list(idea.partners.all()) if has["partners"] else [])
    _cache_related(idea, "author_links", _related_rows_joined(Idea.author_links, "user", idea.pk))
    _cache_related(idea, "answers", _related_rows(Idea.answers, idea.pk))
    _cache_related(idea, "transitions", _related_rows(Idea.transitions, idea.pk))
    # Both directions of links in one query (ordered by id, as the two prefetches were).
    links_out: list[IdeaLink] = []
    links_in: list[IdeaLink] = []
    if has["links"]:
        for link in (
            IdeaLink.objects.filter(Q(source=idea) | Q(target=idea))
            .select_related("source", "target")
            .order_by("pk")
        ):
            (links_out if link.source_id == idea.pk else links_in).append(link)
    # In the model's order (created, id), with their authors.
    comments = _related_rows_joined(Idea.comments, "author", idea.pk) if with_comments else []
    children: dict[int, list[Comment]] = {}
    roots: list[Comment] = []
    for comment in comments:
        if comment.parent_id is None:
            roots.append(comment)
        else:
            children.setdefault(comment.parent_id, []).append(comment)

    def flatten(comment: Comment) -> list[Comment]:
        out: list[Comment] = []
        for child in children.get(comment.pk, []):
            out.append(child)
            out.extend(flatten(child))
        return out

    thread = [(root, flatten(root)) for root in roots]
    links: list[tuple[str, Idea, IdeaLink]] = []
    for link in links_out:
        if link.target.is_public:
            links.append((link.get_kind_display(), link.target, link))
    inverse: dict[str, str] = {
        IdeaLink.Kind.RELATED: str(IdeaLink.Kind.RELATED.label),
        IdeaLink.Kind.BUILDS_ON: str(_("is built on by")),
        IdeaLink.Kind.DUPLICATE_OF: str(_("has as duplicate")),
        IdeaLink.Kind.PART_OF: str(_("has as part")),
    }
    for link in links_in:
        if link.source.is_public:
            links.append((str(inverse.get(link.kind, link.kind)), link.source, link))
    return IdeaDetail(
        idea=idea,
        authors=[link.user for link in idea.author_links.all()],
        comments=comments,
        thread=thread,
        answers=list(idea.answers.all()),
        links=links,
        transitions=list(idea.transitions.all()),
        my_reaction=my_reaction,
        following=bool(following),
        merged=merged_ideas(municipality, idea) if has["merged"] else [],
    )


def _located(municipality: Any, flt: IdeaFilter) -> QuerySet[Idea]:
    return _filtered(municipality, flt).filter(lat__isnull=False, lon__isnull=False)


def located_rows(
    municipality: Any, flt: IdeaFilter | None = None
) -> list[tuple[int, str, str, float | None, float | None, int, int]]:
    """Located public ideas as (pk, title, state, lat, lon, up_count, comment_count) tuples,
    newest id first: one query without joins unless a filter needs them (the GeoJSON feed)."""
    qs = _located(municipality, flt or IdeaFilter())
    rows = qs.values_list("pk", "title", "state", "lat", "lon", "up_count", "comment_count")
    rows = rows.order_by("-pk")
    # Tens of thousands of rows: the driver's tuples as they are (the ORM's row handling would
    # cost more than the query, which reads a covering index, ideas 0007).
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class DistrictCount:
    """How many located public ideas lie in a district (no pk, slug or name: outside all)."""

    pk: int | None
    slug: str
    name: str
    count: int


@dataclass
class LocatedPage(_Paged):
    """The map page without JavaScript: a summary per district and one page of the ideas."""

    districts: list[DistrictCount]
    total: int  # located ideas matching the filter, every district
    rows: list[dict[str, Any]]  # this page: pk, title, state, comment_count, district name
    count: int  # located ideas matching the filter, the chosen district only
    page: int
    page_size: int


def located_by_district(municipality: Any, flt: IdeaFilter | None = None) -> list[DistrictCount]:
    """Located public ideas per district (the filter's district ignored), districts by name,
    then those outside every district; counted once per generation (two queries on a miss)."""
    flt = IdeaFilter(**{**(flt or IdeaFilter()).__dict__, "district": ""})
    key, token = _generation_key("located-by-district", municipality, flt.key())
    found: list[DistrictCount] | None = cache.get(key)
    if found is not None:
        return found
    # Grouped by id, not joined to the districts: a partial index (ideas 0008) answers it.
    grouped = _located(municipality, flt).values("district_id").annotate(n=Count("pk")).order_by()
    counts: dict[int | None, int] = {row["district_id"]: row["n"] for row in grouped}
    districts = District.objects.filter(municipality=municipality).order_by("name", "pk")
    found = [
        DistrictCount(pk, slug, name, counts.get(pk, 0))
        for pk, slug, name in districts.values_list("pk", "slug", "name")
    ]
    if counts.get(None):
        found.append(DistrictCount(None, "", "", counts[None]))
    if cache_may_store(token):
        cache.set(key, found, RANDOM_CACHE_SECONDS)
    return found


def located_page(
    municipality: Any, flt: IdeaFilter | None = None, *, page: int = 1, page_size: int = PAGE_SIZE
) -> LocatedPage:
    """One page of the located public ideas matching `flt`, newest first, with the summary per
    district: whatever the number of ideas, one query plus the summary (cached per generation).
    A page beyond the last is the last."""
    flt = flt or IdeaFilter()
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    districts = located_by_district(municipality, flt)
    total = sum(d.count for d in districts)
    qs = _located(municipality, IdeaFilter(**{**flt.__dict__, "district": ""}))
    count = total
    if flt.district:
        chosen = next((d for d in districts if d.pk is not None and d.slug == flt.district), None)
        count = chosen.count if chosen else 0
        # By the district's id from the summary: no join to the districts.
        qs = qs.filter(district_id=chosen.pk if chosen and chosen.pk else 0)
    pages = max(1, math.ceil(count / page_size))
    page = max(1, min(page, pages))
    names = {d.pk: d.name for d in districts}
    rows: list[dict[str, Any]] = []
    if count:
        start = (page - 1) * page_size
        # Names come from the summary (no join); later pages skip index entries (ideas 0007,
        # or 0008 in a district), not table rows.
        # The page's ids are picked in a subquery that reads only the index; then only these
        # rows are read. One query.
        window = qs.order_by("-pk").values("pk")[start : start + page_size]
        columns = ("pk", "title", "state", "comment_count", "district_id")
        shown = Idea.objects.filter(pk__in=window).order_by("-pk").values_list(*columns)
        for pk, title, state, comments, district_id in shown:
            rows.append(
                {
                    "pk": pk,
                    "title": title,
                    "state": state,
                    "comment_count": comments,
                    "district": names.get(district_id, ""),
                }
            )
    return LocatedPage(
        districts=districts,
        total=total,
        rows=rows,
        count=count,
        page=page,
        page_size=page_size,
    )


def user_drafts(municipality: Any, user: Any) -> QuerySet[Idea]:
    return Idea.objects.filter(
        municipality=municipality, author_links__user=user, state=State.DRAFT
    ).order_by("-updated")


def ideas_of_author(municipality: Any, user: Any) -> QuerySet[Idea]:
    return (
        Idea.objects.filter(municipality=municipality, author_links__user=user)
        .filter(~Q(state=State.WITHDRAWN))
        .order_by("-updated")
    )


def viewer_state(idea: Idea, user: Any) -> tuple[int | None, bool]:
    """The account's reaction to the idea (or None) and whether it follows it."""
    if not getattr(user, "is_authenticated", False):
        return None, False
    reaction = Reaction.objects.filter(idea=idea, user=user).values_list("value", flat=True).first()
    return reaction, Follow.objects.filter(idea=idea, user=user).exists()


def idea_versions(idea: Idea) -> list[Any]:
    """Every saved version of an idea, oldest first."""
    return list(idea.versions.select_related("author").order_by("number"))


def comment_of(idea: Idea, pk: int) -> Comment | None:
    return Comment.objects.filter(idea=idea, pk=pk).select_related("author").first()


def merged_ideas(municipality: Any, idea: Idea) -> list[Idea]:
    """Ideas that moderators merged into `idea`."""
    return list(
        Idea.objects.filter(municipality=municipality, merged_into=idea).only("pk", "title")
    )


def _generation_key(kind: str, municipality: Any, *parts: Any) -> tuple[str, str]:
    """(cache key, generation token) for a small result that is current per generation."""
    from mitmachstadt.core import pagecache

    token = pagecache.generation(municipality.pk)
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"ideas-{kind}:{municipality.pk}:{token}:{digest}", token


def _count(municipality: Any, flt: IdeaFilter, qs: QuerySet[Idea]) -> int:
    """How many ideas `qs` (the filtered public ideas) holds, counted once per generation."""
    key, token = _generation_key("count", municipality, flt.key(), flt.ids)
    count: int | None = cache.get(key)
    if count is None:
        count = qs.count()
        if cache_may_store(token):
            cache.set(key, count, RANDOM_CACHE_SECONDS)
    return count


@dataclass(frozen=True)
class ProjectLink:
    """A project as the home page links it: no text, no relations."""

    pk: int
    title: str
    state: str
    cluster_id: int | None

    def get_absolute_url(self) -> str:
        return f"/ideas/{self.pk}/"

    def get_state_display(self) -> str:
        return str(State(self.state).label)


def project_links(municipality: Any, limit: int = MAX_PAGE_SIZE) -> tuple[list[ProjectLink], int]:
    """The newest public projects as plain rows, and how many there are (at most two queries)."""
    flt = IdeaFilter(state=",".join(sorted(PROJECT_STATES)))
    qs = _filtered(municipality, flt)
    rows = qs.order_by(*_ORDER_FIELDS["newest"]).values_list("pk", "title", "state", "cluster_id")
    return [ProjectLink(*row) for row in rows[:limit]], _count(municipality, flt, qs)


def public_counts_by_field(municipality: Any) -> dict[int, int]:
    """Number of public ideas per field of action id (one query, once per generation)."""
    from django.db.models import Count

    key, token = _generation_key("counts-by-field", municipality)
    counts: dict[int, int] | None = cache.get(key)
    if counts is None:
        # From the link table: one row per idea and field, so no DISTINCT over every idea.
        links = Idea.fields.through.objects.filter(
            idea__municipality=municipality,
            idea__state__in=PUBLIC_STATES,
            idea__is_hidden=False,
        )
        rows = links.values("fieldofaction_id").annotate(n=Count("pk")).order_by()
        counts = {row["fieldofaction_id"]: row["n"] for row in rows}
        if cache_may_store(token):
            cache.set(key, counts, RANDOM_CACHE_SECONDS)
    return counts
