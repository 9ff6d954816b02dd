"""Geometry helpers: CAP circles and polygons, 'lat,lon' points, centroids that survive the antimeridian."""

from __future__ import annotations

import math
import re

from vocabulary.signals import Location

_NUM = r"[-+]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"({_NUM})\s*,\s*({_NUM})")


def location(lat: float, lon: float) -> Location | None:
    """A Location when the numbers are finite and in range, else None."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Location(lat=round(lat, 6), lon=round(lon, 6))


def parse_point(text: str) -> Location | None:
    """The first 'lat,lon' pair in a text (CAP circle centre, 'EventLatLon' parameter)."""
    match = _PAIR.search(text or "")
    return location(float(match.group(1)), float(match.group(2))) if match else None


def parse_polygon(text: str) -> list[tuple[float, float]]:
    """CAP polygon text ('lat,lon lat,lon ...') as (lat, lon) pairs."""
    return [(float(a), float(b)) for a, b in _PAIR.findall(text or "")]


def centroid(points: list[tuple[float, float]]) -> Location | None:
    """Area centroid of a polygon given as (lat, lon) pairs, or the vertex mean when it has no area."""
    if not points:
        return None
    lon0 = points[0][1]
    # Unwrap longitudes next to the first vertex so a ring crossing 180 degrees stays contiguous.
    pts = [(lat, lon0 + ((lon - lon0 + 180) % 360) - 180) for lat, lon in points]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    area2 = cx = cy = 0.0
    for (y1, x1), (y2, x2) in zip(pts, pts[1:] + pts[:1]):
        cross = x1 * y2 - x2 * y1
        area2 += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area2) < 1e-12:
        lat = sum(p[0] for p in pts) / len(pts)
        lon = sum(p[1] for p in pts) / len(pts)
    else:
        lat, lon = cy / (3 * area2), cx / (3 * area2)
    lon = ((lon + 180) % 360) - 180
    return location(lat, lon)
