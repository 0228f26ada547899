"""Plain-Python planar geometry on WGS84 coordinates; enough for city-sized areas.

Kept free of GDAL/SpatiaLite so that SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...]

EARTH_RADIUS_M = 6_371_008.8


class GeometryError(ValueError):
    pass


def _point_in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_geometry(lon: float, lat: float, geometry: dict[str, Any]) -> bool:
    """True if the point lies inside a GeoJSON Polygon or MultiPolygon (holes respected)."""
    kind = geometry.get("type")
    polygons = (
        [geometry["coordinates"]]
        if kind == "Polygon"
        else geometry["coordinates"]
        if kind == "MultiPolygon"
        else []
    )
    for polygon in polygons:
        inside = bool(polygon) and _point_in_ring(lon, lat, polygon[0])
        if inside and not any(_point_in_ring(lon, lat, hole) for hole in polygon[1:]):
            return True
    return False


def bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a Polygon or MultiPolygon."""
    kind = geometry.get("type")
    polygons = [geometry["coordinates"]] if kind == "Polygon" else geometry["coordinates"]
    lons = [p[0] for poly in polygons for ring in poly for p in ring]
    lats = [p[1] for poly in polygons for ring in poly for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def validate_polygon(geometry: Any) -> dict[str, Any]:
    """Check a GeoJSON Polygon/MultiPolygon: closed rings of valid WGS84 positions."""
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise GeometryError("geometry must be a GeoJSON Polygon or MultiPolygon")
    polygons = (
        [geometry.get("coordinates")]
        if geometry["type"] == "Polygon"
        else geometry.get("coordinates")
    )
    if not isinstance(polygons, list) or not polygons:
        raise GeometryError("geometry has no coordinates")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError("polygon has no rings")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise GeometryError("a ring needs at least four positions")
            if list(ring[0])[:2] != list(ring[-1])[:2]:
                raise GeometryError("a ring must be closed (first position equals last)")
            for position in ring:
                lon, lat = float(position[0]), float(position[1])
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise GeometryError("positions must be [longitude, latitude] in WGS84")
    return geometry


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bbox_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lat/lon box containing the circle; used to pre-filter in SQL before haversine."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6)))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat
