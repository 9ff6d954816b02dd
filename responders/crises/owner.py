"""The crisis owner's decisions: signals correlated into crises, and quiet crises closed, per input partition.

The owner keeps an in-memory `CrisisIndex` of the open crises per partition of its input, derived from its table
(crises by id) and rebuilt after every rebalance and recovery (`Indexes`); which crisis holds each signal is its
second table (`MEMBERS`, keyed by signal id), read per signal, so memory follows the open crises and not the
signals ever seen. For each input in order it decides on the index, then lays the decision on the index at once,
so the next signal of the batch sees it. Every crisis it writes goes out with its event as one `CrisisRecorded` on
rrc.crises (what read views and planning consume), with the signal that made the change as a `CrisisMember`, and a
public CloudEvent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime

from config.topics import CRISES, SIGNALS_BY_CORRELATION
from responders.crises.closing import resolve_quiet_periods, sweep
from responders.crises.correlation import apply_signal
from responders.crises.rules import HISTORY_JOINABLE
from responders.crises.index import CrisisIndex
from responders.crises.models import Crisis, CrisisEvent, CrisisMember, Outcome, replaced
from responders.messages import Book, Command, Decision, Event, Public, Received, Record, Rejected, StateReader
from vocabulary.cloudevents import CloudEvent
from vocabulary.signals import Signal


class CloseQuietCrises(Command):
    """Close (or mark stabilising) the crises of one input partition that have been quiet long enough."""

    topic = SIGNALS_BY_CORRELATION
    type: Literal["CloseQuietCrises"] = "CloseQuietCrises"
    now: AwareDatetime

    @property
    def key(self) -> str:
        return "__sweep__"


class CrisisRecorded(Event):
    """A crisis event with the crisis as written (rrc.crises, keyed by crisis id); of its history the crisis carries
    only the entry for this change, and `member` is the signal that made the change (views keep both)."""

    topic = CRISES
    event: CrisisEvent
    crisis: Crisis
    member: CrisisMember | None = None

    @classmethod
    def of(cls, event: CrisisEvent, crisis: Crisis, member: CrisisMember | None = None) -> "CrisisRecorded":
        return cls(event=event, crisis=replaced(crisis, {"history": crisis.history[-1:]}), member=member)

    @property
    def key(self) -> str:
        return self.crisis.crisis_id

    def record(self) -> Record:
        value = self.model_dump_json().encode()
        return Record(CRISES, self.key.encode(), value, [("rrc-event-type", self.event.type.value.encode())])


def public_event(event: CrisisEvent) -> Public:
    ce = CloudEvent(id=event.event_id, type=event.type.value, time=event.occurred_at, subject=event.crisis_id,
                    data={"crisis": event.crisis.model_dump(mode="json"),
                          "changes": [c.model_dump(mode="json") for c in event.changes], "exercise": event.exercise},
                    extensions={"rrcexercise": "true" if event.exercise else "false", "rrccrisisid": event.crisis_id})
    return Public(ce, event.crisis_id)


class Indexes:
    """This worker's crisis index per input partition, derived from the table and rebuilt when marked stale."""

    def __init__(self, load_all: Callable[[], Iterable[Crisis]], partition_of: Callable[[Crisis], int]) -> None:
        self.load_all, self.partition_of = load_all, partition_of
        self.by_partition: dict[int, CrisisIndex] = {}
        self.stale = True
        self.now: datetime | None = None  # the time of the batch being decided (set by `decide`)

    def rebuild(self, pending: Iterable[tuple[Crisis, int]] = ()) -> None:
        """From the table's open crises (and the historical ones still joinable at the batch's time), then with
        `pending` (decided in this batch, not in the table yet) on top."""
        grouped: dict[int, list[Crisis]] = defaultdict(list)
        for crisis in self.load_all():
            if crisis.is_open or (crisis.historical and self.now is not None
                                  and self.now - crisis.last_received_at < HISTORY_JOINABLE):
                grouped[self.partition_of(crisis)].append(crisis)
        self.by_partition = {p: CrisisIndex(crises, track_members=False) for p, crises in grouped.items()}
        self.stale = False
        for crisis, partition in pending:
            self.of(partition).upsert(crisis)

    def of(self, partition: int) -> CrisisIndex:
        if self.stale:
            self.rebuild()
        return self.by_partition.setdefault(partition, CrisisIndex(track_members=False))


MEMBERS = "crisis-members"  # the owner's second table: which crisis holds each signal (keyed by signal id)


class PartitionLookup:
    """What correlation asks of one partition: open crises from the index, members from the members table."""

    def __init__(self, index: CrisisIndex, members: Book[CrisisMember], partition: int) -> None:
        self.index, self.members, self.partition = index, members, partition

    def owner_of(self, signal_id: str) -> str | None:
        """The crisis that holds the signal, by its membership record, unless that crisis's state shows the signal
        never counted (a crash wrote the membership and lost the crisis write: the signal is applied again)."""
        member = self.members.get(signal_id, self.partition)
        if member is None:
            return None
        crisis = self.index.get(member.crisis_id)
        if (crisis is not None and member.count is not None and crisis.signal_count < member.count
                and signal_id not in crisis.signal_ids):
            return None
        return member.crisis_id

    def candidates(self, signal: Signal):
        return self.index.candidates(signal)


def decide(indexes: Indexes, table: StateReader[Crisis], batch: list[Received], now: datetime,
           quiet_periods: dict[str, timedelta] | None = None) -> Decision:
    crises: Book[Crisis] = Book(table)
    members: Book[CrisisMember] = Book(table.table(MEMBERS))
    decision = Decision()
    periods = resolve_quiet_periods(quiet_periods or None)
    indexes.now = now
    for received in batch:
        if indexes.stale:  # a rebalance or recovery landed while this batch was being decided
            indexes.rebuild((c, p) for c, p in crises.writes.values() if c is not None)
        try:
            outcome = HANDLERS[type(received.message)](indexes, members, received, now, periods)
        except Exception as exc:  # noqa: BLE001 - the one bad input is dead-lettered, the batch goes on
            decision.rejected.append(Rejected(received, exc))
            continue
        index = indexes.of(received.partition)
        written = {c.crisis_id: c for c in outcome.crises_to_write}
        for crisis in outcome.crises_to_write:
            index.upsert(crisis)
            crises.put(crisis.crisis_id, crisis, received.partition)
        member = None
        if isinstance(received.message, Signal) and outcome.crises_to_write:
            joined = outcome.crises_to_write[0]
            member = CrisisMember.of(received.message, joined.crisis_id, joined.signal_count)
            members.put(member.signal_id, member, received.partition)
        for event in outcome.events:
            decision.emits.append(CrisisRecorded.of(event, written[event.crisis_id], member))
            if outcome.news:  # history is recorded for the views, never published as news
                decision.emits.append(public_event(event))
    decision.writes = crises.writes
    decision.table_writes[MEMBERS] = members.writes
    return decision


def on_close_quiet(indexes: Indexes, members: Book[CrisisMember], received: Received, now: datetime,
                   quiet_periods: dict) -> Outcome:
    """The sweep's time (the command's `now`) decides which crises of the partition have been quiet long enough.
    Historical crises no historical signal joined for `HISTORY_JOINABLE` (processing time) leave the index: a
    backfill is over, and memory follows the open crises again."""
    index = indexes.of(received.partition)
    crises = list(index.open_crises())
    for crisis in crises:
        if crisis.historical and received.message.now - crisis.last_received_at >= HISTORY_JOINABLE:
            index.remove(crisis.crisis_id)
    return sweep([c for c in crises if c.is_open], received.message.now, quiet_periods)


def on_signal(indexes: Indexes, members: Book[CrisisMember], received: Received, now: datetime,
              quiet_periods: dict) -> Outcome:
    """A signal joins, updates or opens a crisis of its partition (or is a repeat: nothing changes)."""
    lookup = PartitionLookup(indexes.of(received.partition), members, received.partition)
    return apply_signal(lookup, received.message, now, quiet_periods)


HANDLERS: dict[type, Callable[..., Outcome]] = {Signal: on_signal, CloseQuietCrises: on_close_quiet}
