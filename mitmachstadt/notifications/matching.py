"""Which subscriptions an idea or an event matches. Reads only; one municipality at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from mitmachstadt.core import textsim
from mitmachstadt.geo.geometry import haversine_m
from mitmachstadt.ideas import search as idea_search
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import PUBLIC_STATES

from .models import Subscription

SEARCH_KEYS = ("field", "district", "cluster", "state", "q")


def clean_search(params: dict[str, Any]) -> dict[str, str]:
    """The idea list's filter parameters we keep for a saved search (strings, no empties)."""
    return {
        key: str(params.get(key, "")).strip()[:200]
        for key in SEARCH_KEYS
        if str(params.get(key, "")).strip()
    }


@dataclass
class IdeaFacts:
    """What matching needs to know about an idea, read once."""

    municipality_id: int
    field_ids: set[int]
    field_slugs: set[str]
    district_id: int | None
    district_slug: str
    cluster_slug: str
    state: str
    lat: float | None
    lon: float | None
    terms: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, idea: Idea) -> IdeaFacts:
        fields = list(idea.fields.values_list("pk", "slug"))
        return cls(
            municipality_id=idea.municipality_id,
            field_ids={pk for pk, _slug in fields},
            field_slugs={slug for _pk, slug in fields},
            district_id=idea.district_id,
            district_slug=idea.district.slug if idea.district else "",
            cluster_slug=idea.cluster.slug if idea.cluster else "",
            state=idea.state,
            lat=idea.lat,
            lon=idea.lon,
            terms=set((idea.search_document or "").split()),
        )


def search_matches(params: dict[str, Any], facts: IdeaFacts) -> bool:
    """True if the idea would appear in the idea list filtered by `params`.

    The text part matches like the list's full-text search on SQLite: any query term (stems and
    compound parts from core.textsim) among the idea's indexed terms; the same on PostgreSQL.
    """
    if params.get("field") and params["field"] not in facts.field_slugs:
        return False
    if params.get("district") and params["district"] != facts.district_slug:
        return False
    if params.get("cluster") and params["cluster"] != facts.cluster_slug:
        return False
    if params.get("state"):
        states = {s for s in str(params["state"]).split(",") if s in PUBLIC_STATES}
        if facts.state not in states:
            return False
    text = str(params.get("q", "")).strip()
    if text:
        wanted = set(textsim.query_terms(text, idea_search.vocabulary(facts.municipality_id)))
        if not wanted & facts.terms:
            return False
    return True


def in_radius(sub: Subscription, lat: float | None, lon: float | None) -> bool:
    if lat is None or lon is None or sub.lat is None or sub.lon is None or not sub.radius_m:
        return False
    return haversine_m(sub.lat, sub.lon, lat, lon) <= sub.radius_m


def _point_q(lat: float | None, lon: float | None) -> Q:
    if lat is None or lon is None:
        return Q(pk__in=[])
    return Q(
        type=Subscription.Type.RADIUS,
        min_lat__lte=lat,
        max_lat__gte=lat,
        min_lon__lte=lon,
        max_lon__gte=lon,
    )


def subscriptions_for_idea(idea: Idea, *, updates_only: bool = False) -> list[Subscription]:
    """Subscriptions in the idea's municipality that the idea matches."""
    facts = IdeaFacts.of(idea)
    query = Q(type=Subscription.Type.FIELD, field_id__in=facts.field_ids) | Q(
        type=Subscription.Type.SEARCH
    )
    if facts.district_id:
        query |= Q(type=Subscription.Type.DISTRICT, district_id=facts.district_id)
    query |= _point_q(facts.lat, facts.lon)
    candidates = Subscription.objects.filter(municipality_id=facts.municipality_id).filter(query)
    if updates_only:
        candidates = candidates.filter(include_updates=True)
    matched = []
    for sub in candidates.order_by("id"):
        if sub.type == Subscription.Type.RADIUS and not in_radius(sub, facts.lat, facts.lon):
            continue
        if sub.type == Subscription.Type.SEARCH and not search_matches(sub.search, facts):
            continue
        matched.append(sub)
    return matched


@dataclass
class EventFacts:
    """Where and what an event is about, from the bus data and, if present, the event row."""

    municipality_id: int
    idea_ids: set[int]
    field_slugs: set[str]
    district_slugs: set[str]
    lat: float | None
    lon: float | None


def subscriptions_for_event(facts: EventFacts) -> list[Subscription]:
    """Subscriptions to all events, and to the fields, districts and areas an event touches."""
    query = Q(type=Subscription.Type.EVENTS)
    if facts.field_slugs:
        query |= Q(type=Subscription.Type.FIELD, field__slug__in=facts.field_slugs)
    if facts.district_slugs:
        query |= Q(type=Subscription.Type.DISTRICT, district__slug__in=facts.district_slugs)
    query |= _point_q(facts.lat, facts.lon)
    candidates = Subscription.objects.filter(municipality_id=facts.municipality_id).filter(query)
    return [
        sub
        for sub in candidates.order_by("id")
        if sub.type != Subscription.Type.RADIUS or in_radius(sub, facts.lat, facts.lon)
    ]


def as_ints(values: Iterable[Any]) -> set[int]:
    out: set[int] = set()
    for value in values:
        try:
            out.add(int(value))
        except (TypeError, ValueError):
            continue
    return out
