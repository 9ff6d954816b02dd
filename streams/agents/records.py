"""An owner's records: inputs decoded into message classes, table values loaded into state, outputs sent."""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import faust

from responders.messages import TYPE_HEADER, Record
from streams import faust_adapter as fa


def headers_of(ev: Any) -> Iterable[tuple[str, bytes]]:
    """An event's headers as (key, value) pairs (faust gives a list of pairs or a mapping)."""
    headers = ev.message.headers or ()
    return headers.items() if hasattr(headers, "items") else headers


def typed_decoder(*classes: type) -> Callable[[Any], Any]:
    """Decode a record into the message class its `rrc-type` header names (one of `classes`)."""
    by_name = {c.__name__: c for c in classes}

    def decode(ev: Any) -> Any:
        name = next((v.decode() for k, v in headers_of(ev) if k == TYPE_HEADER), None)
        cls = by_name.get(name or "")
        if cls is None:
            raise ValueError(f"{TYPE_HEADER}: {name!r} is not one of {sorted(by_name)}")
        return cls.model_validate_json(ev.value)

    return decode


MISSING = object()


class StateCache:
    """The owner's most recently used states as loaded (frozen models), by key: a state read or written in one
    batch is not read from the store and parsed again in the next (a sweep re-reads every state it wrote at the
    last sweep). Bounded to `entries` keys (0: off). It mirrors the store, so the owner puts what it writes right
    after the store has it, and clears it when a rebalance may have changed what the store holds or an attempt
    failed halfway."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._states: OrderedDict[str, Any] = OrderedDict()
        self.generation: int | None = None

    def __len__(self) -> int:
        return len(self._states)

    def get(self, key: str) -> Any:
        """The state of `key` (None: the store has none), or MISSING when the cache does not know."""
        state = self._states.get(key, MISSING)
        if state is not MISSING:
            self._states.move_to_end(key)
        return state

    def put(self, key: str, state: Any) -> None:
        if not self.entries:
            return
        self._states[key] = state
        self._states.move_to_end(key)
        while len(self._states) > self.entries:
            self._states.popitem(last=False)

    def clear(self, generation: int | None = None) -> None:
        self._states.clear()
        self.generation = generation

    def follow(self, generation: int) -> None:
        """Before a batch reads: a new consumer generation (a rebalance) empties the cache, since partitions may
        have gone and come back, restored anew."""
        if generation != self.generation:
            self.clear(generation)

    def wrote(self, states: dict[str, Any], generation: int) -> None:
        """After the store has `states`: put them, unless a rebalance came meanwhile (then keep nothing)."""
        if generation != self.generation:
            self.clear()
            return
        for key, state in states.items():
            self.put(key, state)


class TableReader:
    """An owner's table as decide reads it: each key read in the partition of the input that asks for it;
    `table(name)` reads another table of the same owner the same way. With `states`, the owner's cache of its
    main table, a state it holds is not read from the store."""

    def __init__(self, stream: Any, table: Any, events: dict[int, Any], load: Callable[[bytes], Any],
                 others: dict[str, tuple[Any, Callable[[bytes], Any]]] | None = None,
                 states: StateCache | None = None) -> None:
        self.stream, self._table, self.events, self.load = stream, table, events, load
        self.others = others or {}
        self.states = states
        self.cache: dict[str, Any] = {}
        self._readers: dict[str, TableReader] = {}

    def get(self, key: str, partition: int) -> Any:
        if key not in self.cache:
            state = MISSING if self.states is None else self.states.get(key)
            if state is MISSING:
                raw = fa.read_as(self.stream, self._table, self.events[partition], key)
                state = None if raw is None else self.load(raw)
                if self.states is not None:
                    self.states.put(key, state)
            self.cache[key] = state
        return self.cache[key]

    def table(self, name: str) -> "TableReader":
        if name not in self._readers:
            table, load = self.others[name]
            self._readers[name] = TableReader(self.stream, table, self.events, load)
        return self._readers[name]


def load_model(model: Any) -> Callable[[bytes], Any]:
    """A table-value loader for a pydantic model (values written by earlier releases were JSON strings)."""

    def load(raw: bytes | str) -> Any:
        if isinstance(raw, str) or raw[:1] == b'"':
            raw = json.loads(raw)
        return model.model_validate_json(raw)

    return load


Outgoing = tuple[str, bytes | None, bytes | None, int | None, list]  # topic name, key, value, partition, headers


async def send_records(app: faust.App, settings: Any, records: Sequence[Record]) -> None:
    """Send records with the app's producer and wait for the broker's acks, within RRC_PRODUCER_TIMEOUT_S."""
    await send_out(app, settings, outgoing_of(settings, records))


def outgoing_of(settings: Any, records: Sequence[Record]) -> list[Outgoing]:
    """Records as `send_out` takes them: (topic name with the prefix, key, value, partition, headers)."""
    name = settings.topic_name
    return [(name(r.topic.name), r.key, r.value, r.partition, r.headers) for r in records]


async def send_out(app: faust.App, settings: Any, outgoing: Sequence[Outgoing]) -> list[Any]:
    """Send (topic name, key, value, partition, headers) messages with the app's producer, in order within each
    partition and in record batches (`faust_adapter.send_batched`), and return the broker's record metadata of the
    last message of each batch once all are acknowledged; a timeout past RRC_PRODUCER_TIMEOUT_S."""
    if not outgoing:
        return []

    async def send_all() -> list[Any]:
        return await fa.acked(await fa.send_batched(app, outgoing))

    try:
        return await asyncio.wait_for(send_all(), settings.producer_timeout_s)
    except asyncio.TimeoutError as exc:
        raise TimeoutError(f"the broker did not acknowledge {len(outgoing)} messages within "
                           f"{settings.producer_timeout_s:g} s") from exc
