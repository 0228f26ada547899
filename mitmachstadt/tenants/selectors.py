"""Reads of municipality configuration. Every selector takes the municipality first."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from mitmachstadt.core import pagecache

from .models import Cluster, Criterion, Domain, FieldOfAction, Municipality

_HOST_CACHE_SECONDS = 60


def normalize_host(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal with port: [::1]:8000
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def municipality_for_host(host: str) -> Municipality | None:
    """The active municipality answering for `host`, or None."""
    host = normalize_host(host)
    key = f"tenant-host:{host}"
    municipality_id = cache.get(key)
    if municipality_id is None:
        municipality_id = (
            Domain.objects.filter(host=host, municipality__is_active=True)
            .values_list("municipality_id", flat=True)
            .first()
        ) or 0
        cache.set(key, municipality_id, _HOST_CACHE_SECONDS)
    if not municipality_id:
        return None
    # The row is needed by every request: kept per page-cache generation, which every save of it
    # (or of anything the municipality owns) renews (core/pagecache.py).
    token = pagecache.generation(municipality_id)
    row_key = f"tenant-row:{municipality_id}:{token}"
    municipality = cache.get(row_key)
    if municipality is None:
        municipality = Municipality.objects.filter(pk=municipality_id, is_active=True).first()
        if municipality is not None and pagecache.may_store(token):
            cache.set(row_key, municipality, _HOST_CACHE_SECONDS)
    return municipality


def forget_host(host: str) -> None:
    cache.delete(f"tenant-host:{normalize_host(host)}")


def fields_of_action(municipality: Municipality) -> QuerySet[FieldOfAction]:
    return FieldOfAction.objects.filter(municipality=municipality)


def clusters(municipality: Municipality) -> QuerySet[Cluster]:
    return Cluster.objects.filter(municipality=municipality)


def criteria(municipality: Municipality) -> QuerySet[Criterion]:
    return Criterion.objects.filter(municipality=municipality)


def primary_host(municipality: Municipality) -> str:
    domain = municipality.domains.order_by("-is_primary", "host").first()
    return domain.host if domain else "localhost"
