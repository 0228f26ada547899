from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def municipality(request: HttpRequest) -> dict[str, Any]:
    return {
        "municipality": getattr(request, "municipality", None),
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
    }
