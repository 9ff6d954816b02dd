"""The quiet-crisis sweep: stabilising, closing, configurable quiet periods."""

from datetime import timedelta

import pytest

from responders.crises import (
    CrisisClosedError,
    CrisisEventType,
    CrisisIndex,
    CrisisStatus,
    HazardFamily,
    InvalidTransition,
    close_crisis,
    correlate,
    mark_stabilising,
    quiet_crises,
    stabilising_crises,
    sweep,
)
from vocabulary.signals import Hazard

from .factories import T0, days, make_signal


def build():
    """A seismic crisis last heard of at T0, one at T0+25d, a drought at T0."""
    index = CrisisIndex()
    old = correlate(index, make_signal("old"), T0).crises_to_write[0]
    recent = correlate(index, make_signal("recent", lat=10.0, lon=10.0, countries=("NGA",), at=T0 + days(25)),
                       T0 + days(25)).crises_to_write[0]
    drought = correlate(index, make_signal("dry", hazard=Hazard.DROUGHT, countries=("SOM",)), T0).crises_to_write[0]
    return index, old, recent, drought


def test_quiet_crises_are_only_the_quiet_ones():
    index, old, recent, drought = build()
    now = T0 + days(31)
    assert quiet_crises(index.open_crises(), now) == [old.crisis_id]
    assert stabilising_crises(index.open_crises(), now) == []  # recent is 6 days quiet (< 15)
    assert stabilising_crises(index.open_crises(), T0 + days(41)) == [recent.crisis_id]
    assert quiet_crises(index.open_crises(), now, {"drought": days(20)}) == [
        old.crisis_id, drought.crisis_id
    ]


def test_sweep_closes_quiet_and_stabilises_half_quiet():
    index, old, recent, drought = build()
    now = T0 + days(41)  # old: 41 d quiet (>= 30); recent: 16 d (>= 15); drought: 41 d (< 182.5)
    out = sweep(index.open_crises(), now)
    by_id = {c.crisis_id: c for c in out.crises_to_write}
    assert by_id[old.crisis_id].status is CrisisStatus.CLOSED
    assert by_id[old.crisis_id].closed_at == now
    assert by_id[recent.crisis_id].status is CrisisStatus.STABILISING
    assert drought.crisis_id not in by_id
    types = {e.crisis_id: e.type for e in out.events}
    assert types == {old.crisis_id: CrisisEventType.CLOSED, recent.crisis_id: CrisisEventType.UPDATED}
    for c in out.crises_to_write:
        index.upsert(c)
    assert len(index) == 2 and index.get(old.crisis_id) is None
    # a second sweep at the same time changes nothing more
    assert sweep(index.open_crises(), now).crises_to_write == ()


def test_new_signal_reactivates_a_stabilising_crisis():
    index = CrisisIndex()
    crisis = correlate(index, make_signal("a"), T0).crises_to_write[0]
    marked, event = mark_stabilising(crisis, T0 + days(16))
    assert event.type is CrisisEventType.UPDATED and marked.status is CrisisStatus.STABILISING
    index.upsert(marked)
    # out of order: observed within 7 days of the crisis, received later
    out = correlate(index, make_signal("b", at=T0 + days(5)), T0 + days(17))
    assert out.crises_to_write[0].status is CrisisStatus.OPEN


def test_quiet_is_measured_from_the_later_of_observed_and_received_time():
    """A backfilled crisis (observed 20 days ago, within its 30-day quiet period; received now) is not closed on
    arrival. (Older than the quiet period it would be history: test_history.)"""
    index = CrisisIndex()
    correlate(index, make_signal("a", at=T0 - days(20)), T0)
    assert quiet_crises(index.open_crises(), T0 + days(1)) == []
    assert len(quiet_crises(index.open_crises(), T0 + days(30))) == 1


def test_close_and_stabilise_events_have_stable_ids():
    index, old, _, _ = build()
    _, first = close_crisis(old, T0 + days(40))
    _, again = close_crisis(old, T0 + days(41))
    assert first.event_id == again.event_id
    _, s1 = mark_stabilising(old, T0 + days(16))
    assert s1.event_id != first.event_id


def test_closed_crisis_cannot_close_or_stabilise_again():
    _, old, _, _ = build()
    closed, _ = close_crisis(old, T0 + days(40))
    with pytest.raises(CrisisClosedError):
        close_crisis(closed, T0 + days(41))
    with pytest.raises(InvalidTransition):
        mark_stabilising(closed, T0 + days(41))


def test_quiet_periods_must_be_positive():
    with pytest.raises(ValueError):
        quiet_crises([], T0, {HazardFamily.SEISMIC: timedelta(0)})


def test_closing_history_records_the_status_change():
    _, old, _, _ = build()
    closed, event = close_crisis(old, T0 + days(40))
    assert closed.history[-1].change == "closed"
    assert [(c.field, c.old, c.new) for c in event.changes] == [("status", "open", "closed")]
