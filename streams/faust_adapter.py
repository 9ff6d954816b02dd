"""Every use of a faust-streaming (and aiokafka) internal, in one place, each with the behaviour it works around.

The project runs on faust-streaming 0.15.3 and aiokafka 0.14.0; `tests/unit/test_faust_conformance.py` fails when
one of the behaviours below changes. Nothing outside this module touches a private attribute of either library.

1. **A table write needs its changelog topic in the consumer's metadata.** `Collection._verify_source_topic_
   partitions` (faust/tables/base.py) raises `PartitionsMismatch` at the first write when the consumer's metadata
   lists the changelog with 0 partitions. Faust declares a changelog only when its table starts, after it has
   handed the changelog to the conductor, so the first group assignment can run before the broker's metadata has
   the topic (`Ignoring missing topic: 'rrc-ledgers-changelog'`, faust/assignor/partition_assignor.py). Seen on a
   fresh start (../shared/evidence/fresh-start-stall.log; reproduced by delaying the declaration): the ledger's
   first table write raised, the batch was never acked, and 5 minutes later (aiokafka's metadata_max_age) a
   rebalance waited for it forever. So `changelog_specs` lists every table's changelog, and the bootstrap creates
   them, with the source partition count, before the app starts.
2. **A rebalance waits for every unacked event, without a timeout** (`Consumer.wait_empty`,
   faust/transport/consumer.py, with `stream_wait_empty` on by default), and the wait cannot even be cancelled
   (`_wait_for_ack` swallows `CancelledError`). An agent that holds an event it never acks freezes every agent of
   the worker at the next rebalance, and the worker's stop with it. The owner runtime (`streams.agents.owner`)
   therefore never lets a batch die: it retries, reports the stage on /health/ready, and acks every event it took;
   the worker's stop leaves a part that overruns its budget instead of cancelling it.
3. **The rocksdb store reads and writes a key in the partition of the *current* event** (faust/stores/rocksdb.py
   `_get`/`_set`), and a table write sends its changelog record to that partition (`Table.on_key_set`). A read for
   a key of another partition finds nothing (seen: the planning agent answered 404 for crises on another
   partition). `read_as` and `write_as` make the right event current first (`Stream._set_current_event`).
4. **`stream.take_events` pairs a value with the previous event during a hand-over** (it records the stream's
   current event when it buffers a value): one record was handled twice and the next never (seen in
   test_crisis_recovery, offsets 253/254). The owners read `stream.noack().events()` and batch themselves.
5. **After a recovery faust drops re-fetched records below its read offset** (strictly below: "DROPPED MESSAGE ROFF",
   faust/transport/consumer.py): a signal was skipped (offset 210 handed over without 209). The owner runtime reads
   such holes itself (`streams.agents.offsets.HoleReader`) and marks them done in faust's commit bookkeeping
   (`committed_offset`, `mark_done`: `Consumer._committed_offset` and the per-partition gap tree `Consumer._gap`).
6. **A table write goes to the changelog one message at a time through `ProducerBuffer`** (faust/tables/base.py
   `send_changelog` -> `send_soon`; faust/transport/producer.py `_handle_pending`), and
   **`ProducerBuffer.flush_atmost` gives up after 0.1 s without progress**, so faust's own flush before a commit
   can leave table writes buffered: a crash then lost them (seen in test_crisis_recovery). Waiting on that buffer
   was also most of the crisis owner's time (13 of 26 s for 30,000 signals, bench/correlation.py). `apply_rows`
   therefore writes the local store itself (`Table.data`, in the partition of each row's event) and returns the
   changelog records, which the owner sends with its other output in one batch and waits for; `mark_persisted`
   then records the newest changelog offset per partition in the store, as faust's `_on_changelog_sent` does, so
   a restart recovers only what came after. Faust's changelog format is kept: raw key, raw value, same
   partition.
7. **Events fetched before a rebalance can still arrive after it** with the old generation
   (`event.message.generation_id` vs `app.consumer_generation_id`): `current_generation` tells them apart.
8. **aiokafka caches topic metadata** for `metadata_max_age_ms` (5 minutes): a consumer that starts right after
   its topics were created may not see their partitions; `refresh_metadata` forces an update
   (`AIOKafkaConsumer._client.force_metadata_update`, a plain function returning an awaitable).
9. **`table.get(key)` reads the rocksdb store twice** (faust's `Table` is a `FastUserDict`: `key in self.data`,
   then `self.data[key]`, and the store's `_contains` is a full `db.get`), and calls faust's sensors on the way.
   An owner reads every state it decides on, so `read_as` reads the store once (`SerializedStore._get`, with its
   own key and value codecs); the memory store (a plain dict) is read as before.
10. **Faust's rocksdb store writes each key with its own `db.put`, through RocksDB's write-ahead log**
   (faust/stores/rocksdb.py `Store._set`, the database's default write options). The owners' tables are restored
   from their changelogs (behaviour 6), so the log only writes every state a second time: `apply_rows` writes each
   partition's rows as one write batch, and every write to an owner's partition database (faust's own too: the
   persisted offset, a restore) goes without the log. After a crash such a database holds a prefix of its writes
   (memtables are flushed in order; a clean close flushes them all), and its persisted offset, written after the
   rows it covers, is never ahead of them, so faust replays the rest from the changelog. Logged and unlogged writes
   must not mix: a logged offset would survive the unlogged rows before it. In a delivery sweep the puts took
   22-30 ms of each batch of 1,000 states (3 KB each): the log, and the flushes of small write buffers competing
   for the two cores.
11. **A message sent through faust's producer passes three coroutines and a future of its own** (faust's
   `Producer.send`, aiokafka's `AIOKafkaProducer.send` and `MessageAccumulator.add_message`), about 12 us each,
   while aiokafka's public batch API (`create_batch`, `BatchBuilder.append`, `send_batch`) fills the same record
   batches directly. An owner sends thousands at once (a delivery sweep: 10,000 states and 10,000 events), so
   `send_batched` takes faust's aiokafka producer (`Producer._ensure_producer`) and sends them as batches; a
   batch's acknowledgement carries its first offset, so the last record's is that plus its count less one. An
   empty builder takes a record of any size, as the producer's own path does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import rocksdict
from aiokafka.partitioner import DefaultPartitioner
from faust.types import TP

PINNED_FAUST = "0.15.3"
PINNED_AIOKAFKA = "0.14.0"
UNLOGGED = rocksdict.WriteOptions()
UNLOGGED.disable_wal = True


@dataclass(frozen=True)
class ChangelogSpec:
    name: str
    partitions: int
    config: dict[str, str]


def changelog_specs(app: Any) -> list[ChangelogSpec]:
    """Every table's changelog topic (behaviour 1): created before the app starts, with its table's partitions."""
    out = []
    for table in app.tables.values():
        topic = table.changelog_topic
        out.append(ChangelogSpec(name=topic.get_topic_name(), partitions=table.partitions or app.conf.topic_partitions,
                                 config={"cleanup.policy": "compact", **{k: str(v) for k, v in
                                                                          (topic.config or {}).items()}}))
    return out


def set_current_event(stream: Any, event: Any) -> None:
    """Make `event` the stream's current event (behaviour 3): table reads and writes then use its partition."""
    stream._set_current_event(event)  # noqa: SLF001 - the one place (see behaviour 3)


def read_as(stream: Any, table: Any, event: Any, key: str) -> Any:
    """The stored value of `key` in the partition of `event` (behaviour 3), read once (behaviour 9); None if none."""
    set_current_event(stream, event)
    store = table.data
    get = getattr(store, "_get", None)
    if get is None:
        return table.get(key)  # the memory store
    raw = get(store._encode_key(key))  # noqa: SLF001 - see behaviour 9
    return None if raw is None else store._decode_value(raw)  # noqa: SLF001


def write_as(stream: Any, table: Any, rows: Iterable[tuple[Any, str, Any]]) -> None:
    """Write (event, key, value) rows, each in and to the changelog partition of its event; None deletes."""
    for event, key, value in rows:
        set_current_event(stream, event)
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value


def apply_rows(stream: Any, table: Any, rows: Iterable[tuple[Any, str, bytes | None]],
               headers: Sequence[tuple[str, bytes]] = ()) -> list[tuple]:
    """Apply (event, key, value) rows to the table's local store, each in the partition of its event, without
    faust's changelog path (behaviour 6); return the changelog messages to send: (topic, key, value, partition,
    headers), each with `headers`. None deletes (a tombstone in the changelog). In the rocksdb store each
    partition's rows go in as one write batch, without the write-ahead log (behaviour 10)."""
    store, topic, out = table.data, table.changelog_topic.get_topic_name(), []
    rows = list(rows)
    if not _rocksdb(store):  # the memory store: faust's own writes
        for event, key, value in rows:
            set_current_event(stream, event)
            if value is None:
                with contextlib.suppress(KeyError):
                    del store[key]
            else:
                store[key] = value
    else:
        batches: dict[int, Any] = {}
        index = store._key_index  # noqa: SLF001 - what `Store._set` keeps: the partition a key was last written in
        for event, key, value in rows:
            partition = event.message.partition
            batch = batches.get(partition)
            if batch is None:
                batch = batches[partition] = rocksdict.WriteBatch(raw_mode=True)
            raw = store._encode_key(key)  # noqa: SLF001 - the store's own codecs (behaviour 9)
            if value is None:
                batch.delete(raw)
            else:
                batch.put(raw, store._encode_value(value))  # noqa: SLF001
                index[raw] = partition
        for partition, batch in batches.items():
            _unlogged(store, partition).write(batch)
    for event, key, value in rows:
        out.append((topic, key.encode(), value, event.message.partition, list(headers)))
    return out


def _rocksdb(store: Any) -> bool:
    """The rocksdb store (one database per partition), not the memory store of the integration tests."""
    return hasattr(store, "_db_for_partition")


def _unlogged(store: Any, partition: int) -> Any:
    """The partition's database, set to write without the write-ahead log (behaviour 10): every write through it,
    faust's own (its persisted offset, a restore) too, since a logged offset over unlogged rows would outlive them."""
    db = store._db_for_partition(partition)  # noqa: SLF001 - opens it when needed, as `Store._set` does
    db.set_write_options(UNLOGGED)
    return db


def mark_persisted(table: Any, sent: Iterable[Any]) -> None:
    """After the changelog messages of `apply_rows` are acknowledged (their record metadata in `sent`): the newest
    offset per partition goes into the store, as faust's own changelog callback records it."""
    topic = table.changelog_topic.get_topic_name()
    newest: dict[int, int] = {}
    for meta in sent:
        if meta.topic == topic:
            newest[meta.partition] = max(newest.get(meta.partition, -1), meta.offset)
    store = table.data
    for partition, offset in newest.items():
        if _rocksdb(store):
            _unlogged(store, partition)
        store.set_persisted_offset(TP(topic, partition), offset)


async def send_batched(app: Any, outgoing: Sequence[tuple]) -> list[tuple[Any, int]]:
    """Send (topic, key, value, partition, headers) messages through the app's producer as record batches, one per
    topic partition at a time, in order within each partition (behaviour 11); returns each batch's future of its
    acknowledgement with its count of records, for `acked`. A message without a partition goes where the
    producer's partitioner puts its key; a topic not yet in the producer's metadata is sent message by message
    (the producer waits for its metadata)."""
    producer = app.producer._ensure_producer()  # noqa: SLF001 - faust's aiokafka producer (behaviour 11)
    cluster, partitioner = producer.client.cluster, app.conf.producer_partitioner or DefaultPartitioner()
    open_: dict[tuple[str, int], Any] = {}
    pending: list[tuple[Any, int]] = []
    for topic, key, value, partition, headers in outgoing:
        if partition is None:
            known = cluster.partitions_for_topic(topic)
            if not known:
                pending.append((await app.producer.send(topic, key, value, None, None, headers), 1))
                continue
            partition = partitioner(key, sorted(known), sorted(cluster.available_partitions_for_topic(topic)))
        batch = open_.get((topic, partition))
        if batch is not None and batch.append(key=key, value=value, timestamp=None, headers=headers or []) is not None:
            continue
        if batch is not None:  # full: it goes, and a new one starts with this message
            pending.append((await producer.send_batch(batch, topic, partition=partition), batch.record_count()))
        batch = open_[(topic, partition)] = producer.create_batch()
        batch.append(key=key, value=value, timestamp=None, headers=headers or [])  # an empty one takes any size
    for (topic, partition), batch in open_.items():
        pending.append((await producer.send_batch(batch, topic, partition=partition), batch.record_count()))
    return pending


async def acked(pending: Sequence[tuple[Any, int]]) -> list[Any]:
    """The record metadata of the last record of each batch `send_batched` sent, once the broker acknowledged them
    all (a batch's acknowledgement carries its first offset)."""
    metas = await asyncio.gather(*(future for future, _ in pending))
    return [meta._replace(offset=meta.offset + records - 1) for meta, (_, records) in zip(metas, pending)]


def current_generation(app: Any, event: Any) -> bool:
    """False for an event fetched before the latest rebalance (behaviour 7)."""
    return event.message.generation_id == generation(app)


def generation(app: Any) -> int:
    """The consumer group generation the app is in now (behaviour 7)."""
    return app.consumer_generation_id


def committed_offset(app: Any, tp: Any) -> int | None:
    """The group's committed offset (the next to read) as faust keeps it; None for 0 or unknown (behaviour 5)."""
    return app.consumer._committed_offset.get(tp)  # noqa: SLF001 - no public accessor in faust 0.15


def mark_done(app: Any, tp: Any, offsets: range) -> None:
    """Count records faust never handed over as done (behaviour 5): they go into its per-partition gap tree, which
    it folds into the acked offsets (not `_add_gap`, whose `committed + 1` would leave out the first of them)."""
    start = max(offsets.start, committed_offset(app, tp) or 0)
    if start < offsets.stop:
        app.consumer._gap[tp].addi(start, offsets.stop)  # noqa: SLF001 - no public API for this


async def refresh_metadata(consumer: Any) -> None:
    """Fetch the cluster's metadata now (behaviour 8), e.g. for topics created a moment ago."""
    await consumer._client.force_metadata_update()  # noqa: SLF001 - no public API in aiokafka 0.14
