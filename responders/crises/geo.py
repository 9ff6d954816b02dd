"""Great-circle distance and a coarse lat/lon grid for "crises near this point" lookups."""

from __future__ import annotations

import math
from collections.abc import Iterator

from vocabulary.signals import Location

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0


def distance_km(a: Location, b: Location) -> float:
    """Haversine distance between two points, in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


Cell = tuple[int, int]


class GeoGrid:
    """Ids bucketed by grid cell; ``near`` yields every id within ``radius_km`` (and some beyond).

    The cell side is ``radius_km`` in degrees of latitude, so a query touches 3 rows of cells and,
    away from the poles, a handful of columns; near the poles every column of the band is read.
    Longitude wraps at the antimeridian.
    """

    def __init__(self, radius_km: float) -> None:
        if radius_km <= 0:
            raise ValueError("radius_km must be positive")
        self.radius_km = radius_km
        self._cell_deg = min(radius_km / KM_PER_DEGREE, 90.0)
        self._lon_cells = max(1, math.ceil(360.0 / self._cell_deg))
        self._lon_deg = 360.0 / self._lon_cells  # divides 360 exactly, so columns wrap cleanly
        self._lat_cells = max(1, math.ceil(180.0 / self._cell_deg))
        self._cells: dict[Cell, set[str]] = {}

    def _lat_cell(self, lat: float) -> int:
        return min(self._lat_cells - 1, max(0, math.floor((lat + 90.0) / self._cell_deg)))

    def _lon_cell(self, lon: float) -> int:
        return math.floor((lon + 180.0) / self._lon_deg) % self._lon_cells

    def cell_of(self, loc: Location) -> Cell:
        return self._lat_cell(loc.lat), self._lon_cell(loc.lon)

    def add(self, item: str, loc: Location) -> None:
        self._cells.setdefault(self.cell_of(loc), set()).add(item)

    def remove(self, item: str, loc: Location) -> None:
        cell = self.cell_of(loc)
        bucket = self._cells.get(cell)
        if bucket is not None:
            bucket.discard(item)
            if not bucket:
                del self._cells[cell]

    def _cells_near(self, loc: Location) -> Iterator[Cell]:
        dlat = self.radius_km / KM_PER_DEGREE
        lat_lo, lat_hi = max(-90.0, loc.lat - dlat), min(90.0, loc.lat + dlat)
        rows = range(self._lat_cell(lat_lo), self._lat_cell(lat_hi) + 1)
        widest = max(abs(lat_lo), abs(lat_hi))
        cos = math.cos(math.radians(widest))
        dlon = 360.0 if cos < 1e-6 else self.radius_km / (KM_PER_DEGREE * cos)
        if dlon >= 180.0:
            cols: range | set[int] = range(self._lon_cells)
        else:
            first = math.floor((loc.lon - dlon + 180.0) / self._lon_deg)
            last = math.floor((loc.lon + dlon + 180.0) / self._lon_deg)
            cols = {c % self._lon_cells for c in range(first, last + 1)}
        for row in rows:
            for col in cols:
                yield row, col

    def near(self, loc: Location) -> Iterator[str]:
        """Ids in the cells that may hold points within ``radius_km`` of ``loc`` (a superset)."""
        for cell in self._cells_near(loc):
            bucket = self._cells.get(cell)
            if bucket:
                yield from bucket

    def __len__(self) -> int:
        return sum(len(b) for b in self._cells.values())
