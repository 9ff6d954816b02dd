"""CrisisIndex: agrees with a brute-force scan, survives rebuilds, keeps its bookkeeping straight."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from responders.crises import (
    Crisis,
    CrisisAlreadyIndexed,
    CrisisIndex,
    ListLookup,
    UnknownCrisis,
    apply_signal,
    close_crisis,
    correlate,
    sweep,
)

from .factories import T0, days, make_signal, usgs_signals
from .strategies import signal_streams


def dump(outcome):
    return (
        [c.model_dump(mode="json") for c in outcome.crises_to_write],
        [e.model_dump(mode="json") for e in outcome.events],
        outcome.duplicate_of,
    )


@settings(max_examples=150, deadline=None)
@given(signals=signal_streams(), sweep_at=st.integers(0, 40))
def test_index_decides_exactly_like_a_full_scan(signals, sweep_at):
    """The sub-linear index must never miss a crisis a full scan would match."""
    index, table = CrisisIndex(), {}
    for i, s in enumerate(signals):
        now = T0 + timedelta(days=i)
        if i == sweep_at:  # a sweep closes some crises midway
            swept = sweep(list(table.values()), now)
            for c in swept.crises_to_write:
                table[c.crisis_id] = c
                index.upsert(c)
        expected = apply_signal(ListLookup(table.values()), s, now)
        got = correlate(index, s, now)
        assert dump(got) == dump(expected)
        for c in got.crises_to_write:
            table[c.crisis_id] = c
    # the index holds what may still be joined: open crises, and historical ones (for other historical signals)
    assert {c.crisis_id for c in index.open_crises()} == {c.crisis_id for c in table.values() if c.joinable}


@settings(max_examples=100, deadline=None)
@given(signals=signal_streams(), cut=st.integers(0, 45))
def test_rebuilt_index_makes_the_same_decisions(signals, cut):
    """After recovery the agent rebuilds the index from the table (JSON values)."""
    live, table = CrisisIndex(), {}
    for i, s in enumerate(signals[:cut]):
        for c in correlate(live, s, T0 + timedelta(days=i)).crises_to_write:
            table[c.crisis_id] = c.to_json_dict()
    rebuilt = CrisisIndex.from_crises(Crisis.from_json_dict(v) for v in table.values())
    for i, s in enumerate(signals[cut:], start=cut):
        now = T0 + timedelta(days=i)
        assert dump(correlate(rebuilt, s, now)) == dump(correlate(live, s, now))


def test_rebuild_on_the_real_usgs_feed_with_a_closing_sweep():
    signals = sorted(usgs_signals(), key=lambda s: s.observed_at)
    live, table = CrisisIndex(), {}
    for s in signals[:9]:
        for c in correlate(live, s, s.observed_at).crises_to_write:
            table[c.crisis_id] = c.to_json_dict()
    swept = sweep(live.open_crises(), signals[8].observed_at + days(20))  # Sept quakes close
    for c in swept.crises_to_write:
        live.upsert(c)
        table[c.crisis_id] = c.to_json_dict()
    rebuilt = CrisisIndex(Crisis.from_json_dict(v) for v in table.values())
    assert len(rebuilt) == len(live)
    for s in signals[9:] + signals[:3]:  # the rest, then three redeliveries
        assert dump(correlate(rebuilt, s, s.observed_at)) == dump(correlate(live, s, s.observed_at))


def test_json_round_trip_is_lossless():
    index = CrisisIndex()
    for s in usgs_signals():
        correlate(index, s, s.observed_at)
    for c in index.open_crises():
        again = Crisis.from_json_dict(c.to_json_dict())
        assert again.to_json_dict() == c.to_json_dict()


def test_add_update_remove_bookkeeping():
    index = CrisisIndex()
    a = correlate(index, make_signal("a", references=("gdacs:EQ:1",)), T0).crises_to_write[0]
    with pytest.raises(CrisisAlreadyIndexed):
        index.add(a)
    with pytest.raises(UnknownCrisis):
        index.update(a.model_copy(update={"crisis_id": "cri-nope"}))
    assert index.owner_of(a.signal_ids[0]) == a.crisis_id
    index.remove(a.crisis_id)
    assert len(index) == 0 and index.owner_of(a.signal_ids[0]) is None
    assert index.candidates(make_signal("b", references=("gdacs:EQ:1",))) == []
    with pytest.raises(UnknownCrisis):
        index.remove(a.crisis_id)


def test_closed_crisis_leaves_the_matching_structures_but_keeps_its_signals():
    index = CrisisIndex()
    a = correlate(index, make_signal("a", references=("gdacs:EQ:1",)), T0).crises_to_write[0]
    closed, _ = close_crisis(a, T0 + days(40))
    index.upsert(closed)
    assert len(index) == 0 and a.crisis_id in index
    assert index.candidates(make_signal("b", references=("gdacs:EQ:1",))) == []
    assert index.owner_of(a.signal_ids[0]) == a.crisis_id
    rebuilt = CrisisIndex([closed])
    assert len(rebuilt) == 0 and rebuilt.owner_of(a.signal_ids[0]) == a.crisis_id


def test_candidates_do_not_scan_unrelated_crises():
    index = CrisisIndex()
    for i in range(200):  # separate earthquakes long ago in the same country
        correlate(index, make_signal(f"old{i}", at=T0 - days(100 + 10 * i)), T0)
    for i in range(200):  # separate ones elsewhere, some recent
        correlate(index, make_signal(f"far{i}", countries=("CHL",), lat=-33, lon=-70, at=T0 - days(10 * i)), T0)
    correlate(index, make_signal("near", at=T0 - days(1)), T0)
    assert len(index) == 401
    (candidate,) = index.candidates(make_signal("probe", at=T0))
    assert candidate[0].signal_count == 1 and candidate[1] == 0
