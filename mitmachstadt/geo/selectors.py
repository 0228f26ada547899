from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import District


def districts(municipality: Any) -> QuerySet[District]:
    return District.objects.filter(municipality=municipality)


def district_for_point(municipality: Any, lat: float, lon: float) -> District | None:
    """The district of `municipality` containing the point, if any."""
    candidates = District.objects.filter(
        municipality=municipality,
        min_lon__lte=lon,
        max_lon__gte=lon,
        min_lat__lte=lat,
        max_lat__gte=lat,
    )
    return next((d for d in candidates if d.contains(lat, lon)), None)
