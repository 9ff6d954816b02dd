"""The crisis owner's decide over an in-memory table: signals into crises per partition, sweeps, refusals,
rebuilds of a stale index that keep this batch's decisions, and what goes out."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from responders.crises.models import CrisisEventType
from responders.crises.owner import MEMBERS, CloseQuietCrises, CrisisRecorded, Indexes, decide
from responders.crises.rules import HISTORY_LIMIT, RECENT_SIGNALS, REFERENCES_LIMIT
from responders.messages import MemoryTable, Public, Received
from vocabulary.signals import Signal

from .factories import T0, days, make_signal


def owner() -> tuple[MemoryTable, Indexes, Callable]:
    table = MemoryTable()
    indexes = Indexes(lambda: list(table.rows.values()), lambda crisis: 0)  # one partition

    def run(*messages, partition: int = 0, now=T0):
        decision = decide(indexes, table, [Received(m, partition, i) for i, m in enumerate(messages)], now)
        table.apply(decision)
        return decision

    return table, indexes, run


def test_signals_of_one_batch_see_each_other_and_go_out_as_recorded_crises_with_public_copies():
    table, _indexes, run = owner()
    first = make_signal("EQ:1", references=("gdacs:EQ:1",))
    second = make_signal("EQ:1b", references=("gdacs:EQ:1",), at=T0 + days(1))
    decision = run(first, second)
    recorded = [e for e in decision.emits if isinstance(e, CrisisRecorded)]
    assert [r.event.type for r in recorded] == [CrisisEventType.OPENED, CrisisEventType.UPDATED]
    assert len(table.rows) == 1
    crisis = next(iter(table.rows.values()))
    assert crisis.signal_count == 2
    assert recorded[-1].crisis == crisis.model_copy(update={"history": crisis.history[-1:]})
    assert [h.change for h in crisis.history] == ["opened", "signal_added"], "the table keeps the (bounded) history"
    publics = [e for e in decision.emits if isinstance(e, Public)]
    assert [p.event.type for p in publics] == ["rrc.crisis.opened", "rrc.crisis.updated"]
    record = recorded[0].record()
    assert record.key == crisis.crisis_id.encode() and ("rrc-event-type", b"rrc.crisis.opened") in record.headers


def test_a_repeated_signal_changes_nothing_and_a_bad_one_is_refused_alone():
    table, _indexes, run = owner()
    signal = make_signal("EQ:2", references=("gdacs:EQ:2",))
    run(signal)
    again = run(signal)
    assert again.writes == {} and again.emits == []

    class Broken:
        signal_id = "broken"
        observed_at = "not a time"

    decision = run(Broken(), make_signal("EQ:3", references=("gdacs:EQ:3",)), partition=1)
    assert [r.received.offset for r in decision.rejected] == [0]
    assert len(decision.writes) == 1 and all(p == 1 for _c, p in decision.writes.values())


def test_the_sweep_closes_quiet_crises_of_its_partition_once():
    table, _indexes, run = owner()
    run(make_signal("EQ:4", references=("gdacs:EQ:4",)))
    assert run(CloseQuietCrises(now=T0 + days(400)), partition=1, now=T0 + days(400)).emits == []  # not its partition
    decision = run(CloseQuietCrises(now=T0 + days(400)), now=T0 + days(400))
    assert [e.event.type for e in decision.emits if isinstance(e, CrisisRecorded)] == [CrisisEventType.CLOSED]
    assert next(iter(table.rows.values())).status.value == "closed"
    assert run(CloseQuietCrises(now=T0 + days(800)), now=T0 + days(800)).emits == []


def test_a_stale_index_is_rebuilt_from_the_table_with_this_batchs_decisions_on_top():
    table, indexes, run = owner()
    run(make_signal("EQ:5", references=("gdacs:EQ:5",)))
    first_id = next(iter(table.rows))
    indexes.stale = True  # a rebalance landed
    decision = run(make_signal("EQ:5b", references=("gdacs:EQ:5",), at=T0 + days(1)),
                   make_signal("EQ:5c", references=("gdacs:EQ:5",), at=T0 + days(2)))
    assert list(decision.writes) == [first_id]
    assert table.rows[first_id].signal_count == 3


def test_members_are_rows_of_their_own_and_a_repeat_of_a_closed_crisis_changes_nothing():
    table, indexes, run = owner()
    signal = make_signal("EQ:6", references=("gdacs:EQ:6",))
    run(signal)
    crisis_id = next(iter(table.rows))
    member = table.table(MEMBERS).rows[signal.signal_id]
    assert member.crisis_id == crisis_id and member.title == signal.title and member.observed_at == signal.observed_at
    run(CloseQuietCrises(now=T0 + days(400)), now=T0 + days(400))
    assert len(indexes.of(0)) == 0, "a closed crisis leaves the in-memory index"
    indexes.stale = True
    indexes.rebuild()
    assert len(indexes.of(0)) == 0 and not indexes.of(0).track_members
    again = run(signal, now=T0 + days(401))
    assert again.writes == {} and again.emits == [] and again.table_writes[MEMBERS] == {}


def test_a_long_crisis_stays_bounded_and_counts_every_signal():
    table, _indexes, run = owner()
    signals = [make_signal(f"EQ:7-{i}", references=("gdacs:EQ:7", f"usgs:x{i}"), at=T0 + days(i / 100))
               for i in range(300)]
    for chunk in range(0, 300, 50):
        run(*signals[chunk:chunk + 50])
    [crisis] = table.rows.values()
    assert crisis.signal_count == 300
    assert crisis.signal_ids == [s.signal_id for s in signals[-RECENT_SIGNALS:]]
    assert len(crisis.history) <= HISTORY_LIMIT and crisis.history_dropped == 300 - HISTORY_LIMIT
    assert len(crisis.references) <= REFERENCES_LIMIT and "gdacs:EQ:7" in crisis.references
    assert len(table.table(MEMBERS).rows) == 300


def test_close_quiet_crises_round_trips_its_wire_form():
    command = CloseQuietCrises(now=T0)
    record = command.record()
    assert ("rrc-type", b"CloseQuietCrises") in record.headers
    assert CloseQuietCrises.model_validate_json(record.value) == command
    try:
        Signal.model_validate_json(record.value)
    except ValidationError:
        pass
    else:
        raise AssertionError("a sweep command must not read as a signal")


def test_a_crash_between_the_two_table_writes_neither_counts_a_signal_twice_nor_loses_it():
    """Without transactions, a SIGKILL can land after one table's changelog records and before the other's."""
    table, indexes, run = owner()
    first = make_signal("EQ:9", references=("gdacs:EQ:9",))
    second = make_signal("EQ:9b", references=("gdacs:EQ:9",), at=T0 + days(1))
    run(first, second)
    [crisis_id] = table.rows
    members = table.table(MEMBERS).rows
    assert members[second.signal_id].count == 2

    del members[second.signal_id]  # the crisis write landed, the membership record did not
    indexes.stale = True
    again = run(second)
    assert table.rows[crisis_id].signal_count == 2 and again.emits == [], "not counted twice"

    third = make_signal("EQ:9c", references=("gdacs:EQ:9",), at=T0 + days(2))
    run(third)
    assert table.rows[crisis_id].signal_count == 3
    before = table.rows[crisis_id]
    # the membership record landed, the crisis write did not: the crisis is back at two signals
    table.rows[crisis_id] = before.model_copy(update={"signal_count": 2, "signal_ids": before.signal_ids[:-1]})
    indexes.stale = True
    run(third)
    assert table.rows[crisis_id].signal_count == 3 and third.signal_id in table.rows[crisis_id].signal_ids, \
        "not lost"
