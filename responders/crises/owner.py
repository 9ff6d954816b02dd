"""The crisis owner's decisions: signals correlated into crises, and quiet crises closed, per input partition.

The owner keeps an in-memory `CrisisIndex` per partition of its input, derived from its table (crises by id) and
rebuilt after every rebalance and recovery (`Indexes`). For each input in order it decides on the index, then lays
the decision on the index at once, so the next signal of the batch sees it. Every crisis it writes goes out with
its event as one `CrisisRecorded` on rrc.crises (what read views and planning consume) and a public CloudEvent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime

from config.topics import CRISES, SIGNALS_BY_CORRELATION
from responders.crises.closing import sweep
from responders.crises.correlation import apply_signal
from responders.crises.index import CrisisIndex
from responders.crises.models import Crisis, CrisisEvent, Outcome
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
    """A crisis event with the crisis as written (rrc.crises, keyed by crisis id)."""

    topic = CRISES
    event: CrisisEvent
    crisis: Crisis

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

    def rebuild(self, pending: Iterable[tuple[Crisis, int]] = ()) -> None:
        """From the table, then with `pending` (decided in this batch, not in the table yet) laid on top."""
        grouped: dict[int, list[Crisis]] = defaultdict(list)
        for crisis in self.load_all():
            grouped[self.partition_of(crisis)].append(crisis)
        self.by_partition = {p: CrisisIndex(crises) for p, crises in grouped.items()}
        self.stale = False
        for crisis, partition in pending:
            self.of(partition).upsert(crisis)

    def of(self, partition: int) -> CrisisIndex:
        if self.stale:
            self.rebuild()
        return self.by_partition.setdefault(partition, CrisisIndex())


def decide(indexes: Indexes, table: StateReader[Crisis], batch: list[Received], now: datetime,
           quiet_periods: dict[str, timedelta] | None = None) -> Decision:
    book: Book[Crisis] = Book(table)
    decision = Decision()
    for received in batch:
        if indexes.stale:  # a rebalance or recovery landed while this batch was being decided
            indexes.rebuild((c, p) for c, p in book.writes.values() if c is not None)
        try:
            outcome = _decide_one(indexes, book, received, now, quiet_periods)
        except Exception as exc:  # noqa: BLE001 - the one bad input is dead-lettered, the batch goes on
            decision.rejected.append(Rejected(received, exc))
            continue
        index = indexes.of(received.partition)
        written = {c.crisis_id: c for c in outcome.crises_to_write}
        for crisis in outcome.crises_to_write:
            index.upsert(crisis)
            book.put(crisis.crisis_id, crisis, received.partition)
        for event in outcome.events:
            decision.emits += [CrisisRecorded(event=event, crisis=written[event.crisis_id]), public_event(event)]
    decision.writes = book.writes
    return decision


def _decide_one(indexes: Indexes, book: Book[Crisis], received: Received, now: datetime,
                quiet_periods: dict[str, timedelta] | None) -> Outcome:
    return HANDLERS[type(received.message)](indexes, book, received, now, quiet_periods)


def on_close_quiet(indexes: Indexes, book: Book[Crisis], received: Received, now: datetime,
                   quiet_periods: dict[str, timedelta] | None) -> Outcome:
    """The sweep's time (the command's `now`) decides which crises of the partition have been quiet long enough."""
    crises = list(indexes.of(received.partition).open_crises())
    return sweep(crises, received.message.now, quiet_periods or None)


def on_signal(indexes: Indexes, book: Book[Crisis], received: Received, now: datetime,
              quiet_periods: dict[str, timedelta] | None) -> Outcome:
    """A signal joins, updates or opens a crisis of its partition."""
    signal: Signal = received.message
    partition = received.partition
    outcome = apply_signal(indexes.of(partition), signal, now)
    if _behind_table(outcome, indexes.of(partition), book, partition):
        # The index holds an older version of a crisis than the table (or misses one): decide again on a fresh
        # index, so a write never replaces a richer version of a crisis with a poorer one.
        indexes.rebuild((c, p) for c, p in book.writes.values() if c is not None)
        outcome = apply_signal(indexes.of(partition), signal, now)
    return outcome


HANDLERS: dict[type, Callable[..., Outcome]] = {Signal: on_signal, CloseQuietCrises: on_close_quiet}


def _behind_table(outcome: Outcome, index: CrisisIndex, book: Book[Crisis], partition: int) -> bool:
    for crisis in outcome.crises_to_write:
        if crisis.crisis_id in book.writes:
            continue  # written earlier in this batch: the index is ahead of the table by design
        known = index.get(crisis.crisis_id)
        stored = book.get(crisis.crisis_id, partition)
        if (stored.signal_count if stored is not None else 0) != (known.signal_count if known is not None else 0):
            return True
    return False
