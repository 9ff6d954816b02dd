"""An owner's cache of parsed states: bounded, most recently used kept, and consulted before the store, whose
value is parsed only when the cache does not know the key (None, 'the store has none', is known too)."""

from __future__ import annotations

from streams.agents.records import MISSING, StateCache, TableReader


class Stream:
    def _set_current_event(self, event) -> None:
        self.event = event


class Table:
    """A memory store as faust's memory driver shows it (no `_get`): reads counted."""

    def __init__(self, rows: dict[str, bytes]) -> None:
        self.rows, self.reads, self.data = rows, [], object()

    def get(self, key: str):
        self.reads.append(key)
        return self.rows.get(key)


def test_the_cache_keeps_the_most_recently_used_states_up_to_its_bound():
    cache = StateCache(2)
    cache.put("a", "A")
    cache.put("b", None)  # known: the store has no state for b
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") is MISSING
    cache.put("c", "C")  # b was used before a was: b goes
    assert cache.get("b") is MISSING and cache.get("a") == "A" and cache.get("c") == "C" and len(cache) == 2
    cache.clear(generation=7)
    assert len(cache) == 0 and cache.generation == 7 and cache.get("a") is MISSING


def test_a_cache_of_no_entries_keeps_nothing():
    cache = StateCache(0)
    cache.put("a", "A")
    assert cache.get("a") is MISSING


def test_the_reader_parses_a_stored_state_once_and_reads_what_the_cache_holds_without_the_store():
    table, loads = Table({"a": b"1", "b": b"2"}), []

    def load(raw: bytes) -> int:
        loads.append(raw)
        return int(raw)

    cache = StateCache(10)
    cache.put("b", 20)  # as the owner puts what it wrote
    reader = TableReader(Stream(), table, {0: "event"}, load, states=cache)
    assert reader.get("a", 0) == 1 and reader.get("b", 0) == 20 and reader.get("z", 0) is None
    assert table.reads == ["a", "z"] and loads == [b"1"]
    again = TableReader(Stream(), table, {0: "event"}, load, states=cache)  # the next batch
    assert again.get("a", 0) == 1 and again.get("z", 0) is None
    assert table.reads == ["a", "z"] and loads == [b"1"]  # neither read nor parsed again
    plain = TableReader(Stream(), table, {0: "event"}, load)  # without a cache: the store, every batch
    assert plain.get("b", 0) == 2 and table.reads == ["a", "z", "b"]


def test_a_rebalance_empties_the_cache_and_writes_it_did_not_see_are_not_kept():
    cache = StateCache(10)
    cache.follow(1)
    cache.wrote({"a": "A"}, 1)
    cache.follow(1)  # the same generation: kept
    assert cache.get("a") == "A"
    cache.wrote({"b": "B"}, 2)  # a rebalance while the batch was out: nothing kept
    assert cache.get("a") is MISSING and cache.get("b") is MISSING
    cache.follow(2)
    cache.wrote({"c": "C"}, 2)
    cache.follow(3)  # the next batch after another rebalance
    assert len(cache) == 0 and cache.generation == 3
