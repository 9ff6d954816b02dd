"""Hypothesis strategies: random signals in a small world, so that they often correlate."""

from datetime import timedelta

from hypothesis import strategies as st

from vocabulary.signals import Hazard, Severity, SignalStatus

from .factories import T0, make_signal

HAZARDS = [Hazard.EARTHQUAKE, Hazard.TSUNAMI, Hazard.FLOOD, Hazard.ARMED_CONFLICT, Hazard.DROUGHT,
           Hazard.GDP_CONTRACTION, Hazard.WILDFIRE]
COUNTRIES = ["AFG", "IRN", "PAK"]
REFS = ["gdacs:EQ:1", "gdacs:EQ:2", "glide:FL-2024-000001-AFG", "glide:FL-2024-000001-PAK", "usgs:abc",
        "cap:x1", "indicator:foo"]


@st.composite
def world_signal(draw, n: int):
    has_loc = draw(st.booleans())
    return make_signal(
        f"s{n}",
        hazard=draw(st.sampled_from(HAZARDS)),
        countries=tuple(draw(st.lists(st.sampled_from(COUNTRIES), max_size=2, unique=True))),
        at=T0 + timedelta(hours=draw(st.integers(0, 24 * 60))),
        lat=draw(st.floats(30, 36)) if has_loc else None,
        lon=draw(st.floats(60, 70)) if has_loc else None,
        severity=draw(st.sampled_from(list(Severity))),
        references=tuple(draw(st.lists(st.sampled_from(REFS), max_size=2, unique=True))),
        status=draw(st.sampled_from([SignalStatus.ACTUAL, SignalStatus.ACTUAL, SignalStatus.EXERCISE])),
        population=draw(st.one_of(st.none(), st.integers(0, 2_000_000))),
        magnitude=draw(st.one_of(st.none(), st.floats(4, 8))),
    )


@st.composite
def signal_streams(draw, max_size: int = 40):
    """A list of signals, some repeated (redelivery), arriving in any order."""
    size = draw(st.integers(1, max_size))
    signals = [draw(world_signal(i)) for i in range(size)]
    repeats = draw(st.lists(st.sampled_from(signals), max_size=5))
    return draw(st.permutations(signals + repeats))
