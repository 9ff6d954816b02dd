"""Distances and the lat/lon grid that finds crises near a point."""

from hypothesis import given, settings
from hypothesis import strategies as st

from responders.crises.geo import GeoGrid, distance_km
from vocabulary.signals import Location

HERAT = Location(lat=34.35, lon=62.20)
KABUL = Location(lat=34.53, lon=69.17)


def test_distance_herat_kabul():
    assert 630 < distance_km(HERAT, KABUL) < 650
    assert distance_km(HERAT, HERAT) == 0


def test_distance_across_the_antimeridian():
    assert distance_km(Location(lat=0, lon=179.9), Location(lat=0, lon=-179.9)) < 25


locations = st.builds(
    Location,
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(
    radius=st.sampled_from([50.0, 100.0, 300.0, 1000.0]),
    points=st.lists(locations, min_size=1, max_size=40),
    centre=locations,
)
def test_grid_near_finds_every_point_within_the_radius(radius, points, centre):
    grid = GeoGrid(radius)
    for i, p in enumerate(points):
        grid.add(str(i), p)
    near = set(grid.near(centre))
    within = {str(i) for i, p in enumerate(points) if distance_km(p, centre) <= radius}
    assert within <= near


def test_grid_remove():
    grid = GeoGrid(100)
    grid.add("a", HERAT)
    grid.remove("a", HERAT)
    assert list(grid.near(HERAT)) == [] and len(grid) == 0


@settings(max_examples=300, deadline=None)
@given(
    radius=st.sampled_from([50.0, 100.0, 300.0, 1000.0]),
    centre=locations,
    offsets=st.lists(
        st.tuples(st.floats(-12, 12, allow_nan=False), st.floats(-40, 40, allow_nan=False)),
        min_size=1,
        max_size=40,
    ),
)
def test_grid_near_points_close_to_the_centre(radius, centre, offsets):
    """Points a few degrees away, also near the poles and across the antimeridian."""
    points = [
        Location(lat=max(-90.0, min(90.0, centre.lat + dlat)), lon=((centre.lon + dlon + 180.0) % 360.0) - 180.0)
        for dlat, dlon in offsets
    ]
    grid = GeoGrid(radius)
    for i, p in enumerate(points):
        grid.add(str(i), p)
    near = set(grid.near(centre))
    assert {str(i) for i, p in enumerate(points) if distance_km(p, centre) <= radius} <= near


def test_grid_wraps_at_the_antimeridian_when_cells_do_not_divide_360():
    """Regression (found by hypothesis): 1,000 km cells are not a divisor of 360 degrees."""
    grid = GeoGrid(1000.0)
    grid.add("east", Location(lat=0.0, lon=179.0))
    assert "east" in set(grid.near(Location(lat=0.0, lon=-173.0)))
