"""Messages between the owners of state, and what an owner's `decide(state, batch, now)` returns.

A command asks the owner of a piece of state to change it (imperative: `ApprovePlan`); an event says what
happened (past tense: `HoldDecided`). Each message class names the topic it travels on and the key that routes it
to its owner, and encodes itself, so the runtime that carries them needs to know nothing about any of them.

An owner's decide is a plain function: it reads state through a `StateReader`, decides for every message of the
batch in order, and returns a `Decision`: the state to write (per key), the messages to emit, and the inputs it
refused (dead letters, with the error). It reads no clock and talks to no broker; tests run it over a dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from config.topics import RESPONSE_EVENTS, TopicSpec
from vocabulary.cloudevents import CloudEvent

TYPE_HEADER = "rrc-type"
WEIGHT_HEADER = "rrc-weight"  # a record that stands for several inputs (a command naming N states) counts N in a batch
Headers = list[tuple[str, bytes]]
S = TypeVar("S")


@dataclass(frozen=True)
class Record:
    """One message as it goes on a topic."""

    topic: TopicSpec
    key: bytes | None
    value: bytes
    headers: Headers = field(default_factory=list)
    partition: int | None = None  # None: by the key, as Kafka's default partitioner places it


class Message(BaseModel):
    """A typed message on a topic; `type` names the class on the wire (also in the `rrc-type` header)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    topic: ClassVar[TopicSpec]

    @property
    def key(self) -> str:
        """The routing key: the id of the state the message is about (its owner's table key)."""
        raise TypeError(f"{type(self).__name__} names no routing key")

    def record(self) -> Record:
        type_ = getattr(self, "type", type(self).__name__)
        return Record(self.topic, self.key.encode(), self.model_dump_json(exclude_none=True).encode(),
                      [(TYPE_HEADER, str(type_).encode())])


class Command(Message):
    """A request to the owner of some state (imperative name)."""


class Event(Message):
    """A fact (past-tense name)."""


@dataclass(frozen=True)
class Public:
    """A public CloudEvent for partners on rrc.response-events (binary mode), keyed by crisis id."""

    event: CloudEvent
    key: str

    def record(self) -> Record:
        headers, value = self.event.to_kafka_binary()
        return Record(RESPONSE_EVENTS, self.key.encode(), value, headers)


class Emitted(Protocol):
    def record(self) -> Record: ...


@dataclass(frozen=True)
class Received(Generic[S]):
    """An input as decide sees it: the decoded message, and where it came from (`ref` is the runtime's own)."""

    message: Any
    partition: int
    offset: int = 0
    ref: Any = None


@dataclass(frozen=True)
class Rejected:
    """An input the owner refused: it goes to the dead-letter topic with the error's name and message."""

    received: Received
    error: Exception


Writes = dict[str, tuple[Any, int]]  # key -> (new state, or None to delete; the partition of the deciding input)


@dataclass
class Decision:
    writes: Writes = field(default_factory=dict)  # to the owner's (first) table
    emits: list[Emitted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    table_writes: dict[str, Writes] = field(default_factory=dict)  # to its other tables, by name


class StateReader(Protocol[S]):
    """An owner's table as decide reads it; `table(name)` is another table of the same owner."""

    def get(self, key: str, partition: int) -> S | None: ...

    def table(self, name: str) -> "StateReader": ...


class MemoryTable(Generic[S]):
    """Dicts as an owner's tables (unit tests): reads ignore the partition, `apply` stores a decision's writes."""

    def __init__(self, rows: dict[str, S] | None = None, **others: dict) -> None:
        self.rows: dict[str, S] = dict(rows or {})
        self.others: dict[str, MemoryTable] = {name: MemoryTable(r) for name, r in others.items()}

    def get(self, key: str, partition: int) -> S | None:  # noqa: ARG002 - same protocol as the real table
        return self.rows.get(key)

    def table(self, name: str) -> "MemoryTable":
        return self.others.setdefault(name, MemoryTable())

    def apply(self, decision: Decision) -> None:
        self._store(decision.writes)
        for name, writes in decision.table_writes.items():
            self.table(name)._store(writes)

    def _store(self, writes: Writes) -> None:
        for key, (value, _partition) in writes.items():
            if value is None:
                self.rows.pop(key, None)
            else:
                self.rows[key] = value


class Book(Generic[S]):
    """A batch's view of an owner's table: what decide wrote so far, over what the table holds."""

    def __init__(self, table: StateReader[S]) -> None:
        self.table = table
        self.writes: dict[str, tuple[S | None, int]] = {}

    def get(self, key: str, partition: int) -> S | None:
        if key in self.writes:
            return self.writes[key][0]
        return self.table.get(key, partition)

    def put(self, key: str, value: S | None, partition: int) -> None:
        self.writes[key] = (value, partition)


# A handler decides for one message: (the state it addresses or None, the message) -> (new state, what to emit).
Step = tuple[Any, Sequence[Emitted]]


def decide_each(table: StateReader, batch: Iterable[Received], key_of: Callable[[Any], str],
                handle: Callable[[Any, Any], Step]) -> Decision:
    """Decide for each message in order over one `Book`; a message whose handler raises is rejected alone.

    The handler returns the new state (the same object when nothing changed) and what to emit; the state is put
    only when the handler returns, so a refused message leaves no partial write behind.
    """
    book: Book = Book(table)
    decision = Decision()
    for received in batch:
        try:
            key = key_of(received.message)
            state = book.get(key, received.partition)
            new_state, emits = handle(state, received.message)
        except Exception as exc:  # noqa: BLE001 - the one bad message is dead-lettered, the batch goes on
            decision.rejected.append(Rejected(received, exc))
            continue
        if new_state is not state:
            book.put(key, new_state, received.partition)
        decision.emits.extend(emits)
    decision.writes = book.writes
    return decision
