"""Correlation of the real USGS "significant earthquakes, past month" feed of 11 October 2023."""

import random
from datetime import timedelta

from responders.crises import CrisisIndex, correlate

from .factories import USGS_SIGNIFICANT, by_source_id, usgs_signals

HERAT_IDS = {"us6000ldpg", "us6000ldph", "us6000ldpm", "us6000ldpv", "us6000len8"}
PNG_IDS = {"us6000ldqd", "us6000ldqf"}


def correlate_all(signals, *, index=None):
    index = index or CrisisIndex()
    for s in signals:
        correlate(index, s, s.observed_at + timedelta(minutes=5))
    return index


def partition(index: CrisisIndex, signals) -> set[frozenset[str]]:
    """The crises as sets of USGS event ids."""
    source_of = {s.signal_id: s.source_id for s in signals}
    return {frozenset(source_of[sid] for sid in c.signal_ids) for c in index.open_crises()}


def test_sample_is_the_real_file():
    signals = usgs_signals()
    assert USGS_SIGNIFICANT.exists() and len(signals) == 18
    assert HERAT_IDS | PNG_IDS <= set(by_source_id(signals))


def test_herat_sequence_is_one_crisis_in_feed_order():
    """The feed lists newest first, so this is also out-of-order arrival."""
    signals = usgs_signals()
    index = correlate_all(signals)
    crises = partition(index, signals)
    assert frozenset(HERAT_IDS) in crises
    herat = next(c for c in index.open_crises() if len(c.signal_ids) == 5)
    assert herat.countries == ["AFG"]
    assert herat.severity == "extreme"  # the PAGER red alert of 11 October
    assert herat.lead.signal_id == by_source_id(signals)["us6000len8"].signal_id
    assert herat.title == "M 6.3 - western Afghanistan"
    assert herat.magnitude.value == 6.3
    assert str(herat.first_signal_at.date()) == "2023-10-07"
    assert str(herat.last_signal_at.date()) == "2023-10-11"


def test_herat_sequence_is_one_crisis_in_time_order():
    signals = sorted(usgs_signals(), key=lambda s: s.observed_at)
    assert frozenset(HERAT_IDS) in partition(correlate_all(signals), signals)


def test_papua_new_guinea_pair_is_its_own_crisis():
    signals = usgs_signals()
    crises = partition(correlate_all(signals), signals)
    assert frozenset(PNG_IDS) in crises
    assert frozenset(HERAT_IDS) in crises


def test_unrelated_quakes_in_one_country_stay_separate():
    """Philippines 12 Sep and 4 Oct (22 days, ~1,600 km apart); USA events in Washington,
    Alaska and California days or weeks apart and hundreds to thousands of km away."""
    signals = usgs_signals()
    crises = partition(correlate_all(signals), signals)
    for single in ["us7000kv90", "us6000lcri", "uw61965081", "ak023ctna5d5", "nc73943821", "nc73938736"]:
        assert frozenset({single}) in crises


def test_whole_file_gives_thirteen_crises_in_any_order():
    signals = usgs_signals()
    expected = partition(correlate_all(signals), signals)
    assert len(expected) == 13  # 18 events: Herat 5 -> 1, Papua New Guinea 2 -> 1
    rng = random.Random(20231011)
    for _ in range(20):
        shuffled = signals[:]
        rng.shuffle(shuffled)
        assert partition(correlate_all(shuffled), signals) == expected
