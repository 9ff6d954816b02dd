"""Arrival order does not change which signals form a crisis, when the crises are well separated
or strongly linked.

The property does NOT hold for arbitrary signals: windows are measured against a crisis's
growing span and crises never merge, so a chain A..B..C (A-B and B-C within the window, A-C not)
can form one crisis or two depending on order. The generated worlds therefore have clusters that
are either (a) compact: all members within the family's time window and half its distance of each
other, with one country, or (b) strongly linked: all members share one GDACS event id, spread
widely in time and space. Clusters lie 100 days apart (more than any window used here).
"""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from responders.crises import CrisisIndex, correlate
from vocabulary.signals import Hazard, Severity, SignalStatus

from .factories import T0, make_signal

# family members, time window in hours, half the distance window in degrees of latitude (conservative)
COMPACT = {
    "seismic": ([Hazard.EARTHQUAKE, Hazard.TSUNAMI], 7 * 24, 1.0),
    "hydromet": ([Hazard.FLOOD, Hazard.TROPICAL_CYCLONE, Hazard.STORM], 14 * 24, 3.0),
    "conflict": ([Hazard.ARMED_CONFLICT, Hazard.CIVIL_UNREST], 30 * 24, 0.3),
}


@st.composite
def cluster(draw, k: int):
    start = T0 + timedelta(days=100 * k)
    exercise = draw(st.booleans())
    status = SignalStatus.EXERCISE if exercise else SignalStatus.ACTUAL
    size = draw(st.integers(1, 6))
    severities = st.sampled_from(list(Severity))
    if draw(st.booleans()):  # compact cluster
        family = draw(st.sampled_from(sorted(COMPACT)))
        hazards, hours, half_deg = COMPACT[family]
        lat0, lon0 = draw(st.floats(-50, 50)), draw(st.floats(-170, 170))
        country = draw(st.sampled_from(["AFG", "PHL", "CHL", "MOZ"]))
        step = half_deg / 2  # |dlat|, |dlon| <= half/2: within half the window even at 60 degrees
        return [
            make_signal(
                f"c{k}-{i}",
                hazard=draw(st.sampled_from(hazards)),
                countries=(country,),
                at=start + timedelta(hours=draw(st.integers(0, hours))),
                lat=lat0 + draw(st.floats(-step, step)),
                lon=lon0 + draw(st.floats(-step, step)),
                severity=draw(severities),
                references=(f"usgs:c{k}x{i}",),
                status=status,
                magnitude=draw(st.one_of(st.none(), st.floats(4, 8))),
            )
            for i in range(size)
        ]
    return [  # strongly linked: same GDACS event, anywhere within 60 days and the region
        make_signal(
            f"s{k}-{i}",
            hazard=Hazard.EARTHQUAKE,
            countries=tuple(draw(st.lists(st.sampled_from(["AFG", "IRN", "TKM"]), max_size=2, unique=True))),
            at=start + timedelta(hours=draw(st.integers(0, 60 * 24))),
            lat=draw(st.floats(25, 40)),
            lon=draw(st.floats(55, 70)),
            severity=draw(severities),
            references=(f"gdacs:EQ:{1000 + k}:{i}",),
            status=status,
        )
        for i in range(size)
    ]


@st.composite
def worlds(draw):
    clusters = [draw(cluster(k)) for k in range(draw(st.integers(1, 6)))]
    signals = [s for c in clusters for s in c]
    redelivered = draw(st.lists(st.sampled_from(signals), max_size=4))
    arrival = draw(st.permutations(signals + redelivered))
    return clusters, arrival


@settings(max_examples=200, deadline=None)
@given(world=worlds())
def test_any_arrival_order_gives_the_clusters(world):
    clusters, arrival = world
    index = CrisisIndex()
    for i, s in enumerate(arrival):
        correlate(index, s, T0 + timedelta(minutes=i))
    got = {frozenset(c.signal_ids) for c in index.open_crises()}
    assert got == {frozenset(s.signal_id for s in c) for c in clusters}
    for crisis in index.open_crises():
        assert crisis.signal_count == len(crisis.signal_ids) == len(set(crisis.signal_ids))


@settings(max_examples=100, deadline=None)
@given(world=worlds(), data=st.data())
def test_crisis_aggregates_do_not_depend_on_order(world, data):
    """Severity, lead (title, hazard, location), magnitude, span and countries are order-free."""
    _, arrival = world
    other = data.draw(st.permutations(arrival))

    def facts(order):
        index = CrisisIndex()
        for s in order:
            correlate(index, s, T0)
        return {
            frozenset(c.signal_ids): (
                c.severity, c.lead.signal_id, c.title, c.hazard, c.location, c.magnitude,
                c.affected_population, c.first_signal_at, c.last_signal_at, frozenset(c.countries),
                frozenset(c.references),
            )
            for c in index.open_crises()
        }

    assert facts(arrival) == facts(other)
