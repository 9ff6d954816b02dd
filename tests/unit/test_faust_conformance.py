"""Conformance of the installed faust-streaming / aiokafka with what `streams/faust_adapter.py` works around.

Each test pins one behaviour of faust-streaming 0.15.3 (or aiokafka 0.14.0) that the project depends on or
works around. When an upgrade changes one of them, its test fails here, in-process and without a broker,
instead of the workaround quietly going stale in production. Every docstring names the behaviour, where it
lives in the library's source, and why the project cares.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from types import SimpleNamespace
from unittest import mock

import aiokafka
import faust
import pytest
from faust.exceptions import PartitionsMismatch
from faust.stores.rocksdb import Store as RocksDBStore
from faust.types import TP, Message
from mode import Service

UNREACHABLE_BROKER = "kafka://127.0.0.1:1"  # nothing listens there: no test may need a broker
SOURCE = "conformance-source"


def make_message(app: faust.App, partition: int, offset: int = 0, topic: str = SOURCE) -> Message:
    """A consumed record as faust builds it, stamped with the app's current consumer generation."""
    return Message(topic, partition, offset, 0.0, 0, None, b"k", b"v", None,
                   tp=TP(topic, partition), generation_id=app.consumer_generation_id)


def make_event(app: faust.App, partition: int, offset: int = 0, topic: str = SOURCE) -> faust.Event:
    """A real faust event for `make_message`'s record (its value is the offset, to tell events apart)."""
    return faust.Event(app, b"k", offset, None, make_message(app, partition, offset, topic))


@pytest.fixture
async def app(tmp_path):
    """An app whose broker URL points nowhere; tables live in memory."""
    return faust.App("conformance", broker=UNREACHABLE_BROKER, store="memory://", datadir=tmp_path)


@pytest.fixture
async def rocks_app(tmp_path):
    """Like `app`, but tables use faust's rocksdb store under tmp_path."""
    return faust.App("conformance-rocks", broker=UNREACHABLE_BROKER, store="rocksdb://", datadir=tmp_path)


@pytest.fixture
async def stream(app):
    """A stream over an in-memory channel; the current event is cleared afterwards."""
    s = app.stream(app.channel())
    yield s
    s._set_current_event(None)
    if s.state == "running":
        await s.stop()


async def register_acking_topic(app: faust.App, topic: str = SOURCE) -> None:
    """Subscribe `topic` the way the conductor does, so the consumer tracks acks for it."""
    app.topics.add(app.topic(topic))
    await app.topics._update_indices()


def test_01_versions_are_the_pinned_ones():
    """The pin: faust-streaming 0.15.3 and aiokafka 0.14.0 (`faust.__version__`, `aiokafka.__version__`).

    Every other test in this file describes these exact versions; `streams/faust_adapter.py` lists the
    workarounds that depend on them, so each must be re-checked before the pin moves.
    """
    message = ("faust/aiokafka version changed: re-check every workaround listed in streams/faust_adapter.py "
               "(and this file) before moving the pin")
    assert (faust.__version__, aiokafka.__version__) == ("0.15.3", "0.14.0"), message


async def test_02_set_current_event_makes_it_faust_current_event(app, stream):
    """`Stream._set_current_event(event)` (faust/streams.py) sets the context variable behind
    `faust.current_event()` (and `stream.current_event`); `None` clears it.

    The adapter makes each event of a batch current before the table reads and writes made for it, because
    faust picks the table partition from `faust.current_event()` (tests 3 and 4).
    """
    event = make_event(app, partition=1)
    stream._set_current_event(event)
    assert faust.current_event() is event
    assert stream.current_event is event

    stream._set_current_event(None)
    assert faust.current_event() is None


async def test_03_rocksdb_reads_only_the_current_events_partition(rocks_app):
    """faust/stores/rocksdb.py `Store._set` writes into the database of the current event's partition and
    `Store._get` / `Store._contains` read only that partition's database (for a non-global table without
    `use_partitioner`); faust uses the rocksdict driver here (rocksdict is installed, python-rocksdb not).

    A key written for an event of partition 1 is "missing" while an event of partition 0 is current, so the
    adapter must make the right event current before every read or it sees a key as absent.
    """
    app = rocks_app
    table = app.Table("conformance-rocks-table", partitions=2, default=None)
    assert isinstance(table.data, RocksDBStore)
    stream = app.stream(app.channel())
    on_p0, on_p1 = make_event(app, partition=0), make_event(app, partition=1)
    try:
        with mock.patch.object(table, "send_changelog"):  # the changelog is test 4's business
            stream._set_current_event(on_p1)
            table["key"] = "written-for-p1"

        # the table read the project does; then the store's `_get` and `_contains` one by one
        stream._set_current_event(on_p0)
        assert table.get("key") is None
        assert table.data.get("key") is None
        assert "key" not in table.data

        stream._set_current_event(on_p1)
        assert table.get("key") == "written-for-p1"
        assert table.data.get("key") == "written-for-p1"
        assert "key" in table.data
        assert set(table.data._dbs) == {0, 1}  # one rocksdb database per partition
    finally:
        stream._set_current_event(None)
        await table.data.stop()


async def test_04_table_write_sends_changelog_to_current_events_partition(app, stream):
    """faust/tables/table.py `Table.on_key_set` calls `send_changelog(partition_for_key(key), ...)` and
    faust/tables/base.py `Collection.partition_for_key` returns the current event's partition.

    The changelog record of a write goes to the partition of the event that is current, not the partition
    the key hashes to, so the adapter writes each row with the event that decided it made current.
    """
    table = app.Table("conformance-table", partitions=4)
    with mock.patch.object(table, "send_changelog", wraps=table.send_changelog) as send_changelog:
        for partition, key in ((3, "a"), (1, "b")):
            stream._set_current_event(make_event(app, partition=partition))
            table[key] = partition

    assert [c.args[:3] for c in send_changelog.call_args_list] == [(3, "a", 3), (1, "b", 1)]
    buffered = [fut.message for fut in app.producer.buffer.pending._queue]  # not started: records wait here
    assert [(m.channel.get_topic_name(), m.partition, m.key) for m in buffered] == [
        (table.changelog_topic_name, 3, b'"a"'), (table.changelog_topic_name, 1, b'"b"')]


async def test_05_missing_changelog_partitions_raise_partitions_mismatch(app, stream, monkeypatch):
    """faust/tables/base.py `Collection._verify_source_topic_partitions` (called from `partition_for_key` on
    the first write per source topic) raises `faust.exceptions.PartitionsMismatch` when the consumer's
    metadata (`consumer.topic_partitions`) gives the source topic N partitions and the changelog topic 0
    (aiokafka's group coordinator counts a subscribed topic the cluster does not have yet as 0 partitions).

    That killed a worker on a fresh start: at the first assignment the changelog topic did not exist yet, so
    the first table write crashed the agent. The adapter makes sure the changelog topics exist first.
    """
    table = app.Table("conformance-table", partitions=4)
    changelog = table.changelog_topic_name
    counts = {SOURCE: 4, "conformance-other-source": 4, changelog: 0}
    monkeypatch.setattr(app.consumer, "topic_partitions", lambda topic: counts.get(topic))

    with pytest.raises(PartitionsMismatch):
        table._verify_source_topic_partitions(SOURCE)

    stream._set_current_event(make_event(app, partition=2, topic="conformance-other-source"))
    with mock.patch.object(table, "send_changelog"), pytest.raises(PartitionsMismatch):
        table["key"] = "value"  # the path a worker takes: the first write of an agent

    counts[changelog] = 4  # control: matching counts pass (and are then cached per source topic)
    table._verify_source_topic_partitions(SOURCE)


async def test_06_producer_buffer_flush_gives_up_after_a_tenth_of_a_second(app):
    """faust/transport/producer.py `ProducerBuffer.flush_atmost(None)` (what `ProducerBuffer.flush` calls)
    waits at most 0.1 s for each message to be handed to the producer and returns as soon as one hand-off
    takes longer, with messages still pending.

    So a "flushed" buffer may still hold changelog records; faust commits offsets after that flush, and the
    adapter flushes until the buffer is really empty before acking a batch.
    """
    buffer = app.producer.buffer
    released = asyncio.Event()

    async def send_pending_never_completes(fut):
        await released.wait()

    buffer._send_pending = send_pending_never_completes  # read by the _handle_pending task when it starts
    await buffer.start()
    try:
        for _ in range(3):
            buffer.put(object())  # the first is taken by _handle_pending and hangs; two stay queued
        await asyncio.sleep(0.01)
        assert buffer.size == 2

        started = time.monotonic()
        flushed = await asyncio.wait_for(buffer.flush_atmost(None), timeout=2)
        elapsed = time.monotonic() - started

        assert flushed == 0
        assert buffer.size == 2  # returned without flushing anything
        assert 0.05 <= elapsed < 0.5, elapsed
    finally:
        released.set()
        while buffer.size:
            await asyncio.sleep(0.001)
        await buffer.stop()


async def test_07_gap_intervals_are_folded_into_the_next_commit_offset(app):
    """faust/transport/consumer.py: `Consumer._committed_offset` (TP -> committed offset) and `Consumer._gap`
    (TP -> IntervalTree) are the bookkeeping `Consumer._new_offset(tp)` uses to compute the offset to commit:
    it holds the commit back while the acked offsets do not start right after the committed one, and folds
    the `_gap` intervals (up to the highest acked offset) into the acked offsets.

    The adapter reads `_committed_offset` to find holes and `_gap[tp].addi(start, stop)`s the offsets it
    filled itself, so that faust's commit can move past records faust never handed over.
    """
    await register_acking_topic(app)
    consumer = app.consumer
    tp = TP(SOURCE, 0)
    consumer._committed_offset[tp] = 5
    for offset in (10, 11, 15, 16):
        assert consumer.ack(make_message(app, 0, offset))
    assert consumer._acked[tp] == [10, 11, 15, 16]

    assert consumer._new_offset(tp) is None  # 6..9 missing after the committed offset: nothing to commit

    consumer._gap[tp].addi(6, 10)
    consumer._gap[tp].addi(12, 15)
    assert consumer._new_offset(tp) == 17  # 6..9 and 12..14 from the gap tree, 10, 11, 15, 16 acked
    assert not consumer._gap[tp] and consumer._acked[tp] == []


async def test_08_wait_empty_waits_as_long_as_a_message_stays_unacked(app):
    """faust/transport/consumer.py `Consumer.wait_empty` loops while `consumer.unacked` is non-empty, with
    no timeout of its own (it re-checks every second); faust awaits it before revoking partitions.

    A rebalance therefore freezes while an agent holds an event it never acks. (Observed with
    `asyncio.wait`, not `asyncio.wait_for`: `_wait_for_ack` swallows `CancelledError`, so a cancelled
    `wait_empty` keeps looping and `wait_for` would never return.)
    """
    consumer = app.consumer
    message = make_message(app, 0, 5)
    consumer.track_message(message)  # what the conductor does before delivering a record to streams
    assert message in consumer.unacked

    waiting = asyncio.ensure_future(consumer.wait_empty())
    try:
        await asyncio.wait({waiting}, timeout=1.5)
        assert not waiting.done(), "wait_empty returned while a message was still unacked"

        consumer.ack(message)
        await asyncio.wait({waiting}, timeout=2.5)
        assert waiting.done() and waiting.exception() is None  # returns once it is acked
    finally:
        message.acked = True  # lets a still-running wait_empty end by itself


async def test_09_consumer_drops_refetched_records_below_the_read_offset(app):
    """faust/transport/consumer.py `Consumer._drain_messages` hands a fetched record to the conductor only
    if `offset >= read offset` of its partition (the offset of the last record handed over); older records
    are dropped ("DROPPED MESSAGE ROFF"). A record AT the read offset is handed over again.

    After a seek back or a re-fetch, faust silently skips what it has already handed over, so the adapter
    cannot rely on re-fetching to see an earlier record again and reads such holes itself.
    """
    consumer = app.consumer
    fetcher = Service()  # _drain_messages runs until its fetcher (or the consumer) is stopped
    fetches = [[5, 6, 7], [4, 6, 7, 8]]  # the second fetch repeats 4, 6 and 7

    async def getmany(timeout):
        if not fetches:
            fetcher._stopped.set()
            return
        for offset in fetches.pop(0):
            message = make_message(app, 0, offset)
            yield message.tp, message

    delivered = []

    async def callback(message):
        delivered.append(message.offset)

    consumer.getmany = getmany
    consumer.callback = callback
    await asyncio.wait_for(consumer._drain_messages(fetcher), timeout=5)

    assert delivered == [5, 6, 7, 7, 8]  # 4 and 6 dropped (below read offset 7), 7 handed over again
    assert consumer._read_offset[TP(SOURCE, 0)] == 8


async def test_10_take_events_pairs_values_with_the_streams_current_event(app, stream):
    """faust/streams.py `Stream.take_events` buffers, for each value, whatever `stream.current_event` is when
    its buffering processor (`add_to_buffer`) runs; a value arriving while the previous batch is being
    handed over waits, and then picks up the current event left by the handler.

    A handler that makes its batch's events current (as table access requires, tests 3 and 4) therefore gets
    one event twice and never the next one; this is why the project batches `stream.noack().events()`.
    """
    app.flow_control.resume()  # a started worker does this; paused flow makes streams skip every event
    channel = stream.channel  # already subscribed: `app.stream` iterates a clone of the channel
    first, second = make_event(app, 0, offset=10), make_event(app, 0, offset=11)
    batches = []

    async def agent():
        async for events in stream.take_events(10, within=0.1):
            batches.append([e.message.offset for e in events])
            if len(batches) == 2:
                return
            await channel.put(second)  # arrives while this batch is being handled
            while stream.current_event is not second:  # ... and is now waiting in add_to_buffer
                await asyncio.sleep(0.001)
            stream._set_current_event(events[0])  # the handler makes its own event current

    task = asyncio.ensure_future(agent())
    try:
        await channel.put(first)
        await asyncio.wait_for(asyncio.shield(task), timeout=3)
    finally:
        task.cancel()

    assert batches == [[10], [10]]  # offset 10 twice, 11 never


async def test_11_stream_wait_empty_default_and_consumer_generation_id(app):
    """faust/types/settings/settings.py `stream_wait_empty` defaults to True (faust/app/base.py
    `_consumer_wait_empty` then waits for in-flight events to be acked before partitions are revoked), and
    `app.consumer_generation_id` (faust/types/app.py) is an int that faust/transport/drivers/aiokafka.py
    `Consumer._to_message` stamps on every fetched record as `message.generation_id`.

    The project acks every event it keeps (or the rebalance waits) and drops events whose
    `message.generation_id` differs from `app.consumer_generation_id`: they were fetched before a rebalance.
    """
    assert app.conf.stream_wait_empty is True
    assert isinstance(app.consumer_generation_id, int)

    record = SimpleNamespace(topic=SOURCE, partition=0, offset=3, timestamp=1_000, timestamp_type=0,
                             headers=[], key=b"k", value=b"v", checksum=None,
                             serialized_key_size=1, serialized_value_size=1)
    before = app.consumer._to_message(TP(SOURCE, 0), record)
    assert before.generation_id == app.consumer_generation_id

    app.consumer_generation_id += 1  # what the rebalance listener does on assignment
    assert before.generation_id != app.consumer_generation_id
    assert app.consumer._to_message(TP(SOURCE, 0), record).generation_id == app.consumer_generation_id


async def test_12_aiokafka_force_metadata_update_is_awaitable():
    """aiokafka/client.py `AIOKafkaClient.force_metadata_update`, reached as `AIOKafkaConsumer._client`:
    calling it wakes the metadata synchronizer and returns an awaitable (a shielded future resolved when the
    metadata is refreshed). In 0.14.0 it is a plain function returning that future, not a coroutine function.

    The project's table views `await consumer._client.force_metadata_update()` to see topics created
    moments ago (`partitions_for_topic` is None for them until metadata is refreshed).
    """
    consumer = aiokafka.AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1", group_id=None,
                                        enable_auto_commit=False)
    try:
        force_metadata_update = consumer._client.force_metadata_update
        assert callable(force_metadata_update)
        assert not inspect.signature(force_metadata_update).parameters
        pending = force_metadata_update()
        assert inspect.isawaitable(pending)
        assert not pending.done()  # resolved only by the synchronizer (not running: never started)
        pending.cancel()
    finally:
        await consumer.stop()


async def test_13_table_get_reads_the_rocksdb_store_twice(rocks_app, monkeypatch):
    """faust/tables/table.py `Table` is a mode `FastUserDict`: `table.get(key)` asks `key in self.data` (the
    rocksdb store's `_contains`, a full `db.get`) and then `self.data[key]` (`_get`, a second `db.get`).

    Every owner reads the state of each input it decides on, so `faust_adapter.read_as` reads once through the
    store's `_get` with its `_encode_key` / `_decode_value`; this pins both the double read and those three.
    """
    from streams.faust_adapter import read_as

    app = rocks_app
    table = app.Table("conformance-rocks-reads", partitions=1, key_type=bytes, value_type=bytes, default=None)
    stream = app.stream(app.channel())
    event = make_event(app, partition=0)
    store = table.data
    try:
        with mock.patch.object(table, "send_changelog"):
            stream._set_current_event(event)
            table["key"] = b"value"
        reads: list[bytes] = []
        original = store._db_for_partition

        class Counting:
            def __init__(self, db):
                self.db = db

            def get(self, key):
                reads.append(key)
                return self.db.get(key)

        monkeypatch.setattr(store, "_db_for_partition", lambda partition: Counting(original(partition)))
        stream._set_current_event(event)
        assert table.get("key") == b"value"
        assert len(reads) == 2  # faust: `in`, then the value
        reads.clear()
        assert read_as(stream, table, event, "key") == b"value"
        assert len(reads) == 1  # the adapter: the value only
        assert read_as(stream, table, event, "absent") is None
        assert store._decode_value(store._encode_key("key")) == b"key"
    finally:
        stream._set_current_event(None)
        await store.stop()


def _wal_bytes(store: RocksDBStore, partition: int) -> int:
    return sum(f.stat().st_size for f in store.partition_path(partition).glob("*.log"))


async def test_14_rocksdb_writes_go_through_the_write_ahead_log_and_apply_rows_writes_without_it(rocks_app):
    """faust/stores/rocksdb.py `Store._set` puts each key with the database's default write options, which log it
    (behaviour 10). `faust_adapter.apply_rows` writes each partition's rows as one write batch (with `Store._set`'s
    key index and the store's codecs), and sets its database to write without the log, faust's own writes through
    it included (the persisted offset); a clean stop flushes what was written, so it is there after a reopen."""
    from streams.faust_adapter import apply_rows, mark_persisted, read_as

    app = rocks_app
    table = app.Table("conformance-rocks-rows", partitions=2, key_type=bytes, value_type=bytes, default=None)
    stream = app.stream(app.channel())
    on_p0, on_p1 = make_event(app, partition=0), make_event(app, partition=1)
    store = table.data
    try:
        with mock.patch.object(table, "send_changelog"):
            stream._set_current_event(on_p1)
            table["logged"] = b"x" * 20_000
        assert _wal_bytes(store, 1) > 20_000  # faust's own write: logged

        before = _wal_bytes(store, 0)
        rows = [(on_p0, "a", b"y" * 20_000), (on_p1, "b", b"2"), (on_p0, "gone", b"3")]
        sent = apply_rows(stream, table, rows, [("rrc-type", b"T")])
        changelog = table.changelog_topic.get_topic_name()
        assert sent == [(changelog, b"a", b"y" * 20_000, 0, [("rrc-type", b"T")]),
                        (changelog, b"b", b"2", 1, [("rrc-type", b"T")]),
                        (changelog, b"gone", b"3", 0, [("rrc-type", b"T")])]
        apply_rows(stream, table, [(on_p0, "gone", None)])
        assert read_as(stream, table, on_p0, "a") == b"y" * 20_000
        assert read_as(stream, table, on_p1, "b") == b"2"
        assert read_as(stream, table, on_p0, "gone") is None
        assert read_as(stream, table, on_p0, "b") is None  # each row in its event's partition only
        assert store._key_index[store._encode_key("a")] == 0 and store._key_index[store._encode_key("b")] == 1
        mark_persisted(table, [SimpleNamespace(topic=changelog, partition=0, offset=41)])
        assert _wal_bytes(store, 0) == before  # rows and offset alike: not logged
        assert store.persisted_offset(TP(changelog, 0)) == 41
        with mock.patch.object(table, "send_changelog"):
            stream._set_current_event(on_p0)
            table["later"] = b"z" * 20_000
        assert _wal_bytes(store, 0) == before  # faust's writes through that database: not logged either
    finally:
        stream._set_current_event(None)
        await store.stop()
    reopened = faust.App("conformance-rocks", broker=UNREACHABLE_BROKER, store="rocksdb://",
                         datadir=app.conf.datadir).Table("conformance-rocks-rows", partitions=2, key_type=bytes,
                                                         value_type=bytes, default=None)
    try:
        stream = reopened.app.stream(reopened.app.channel())
        assert read_as(stream, reopened, make_event(reopened.app, partition=0), "a") == b"y" * 20_000
        assert read_as(stream, reopened, make_event(reopened.app, partition=0), "later") == b"z" * 20_000
        assert reopened.data.persisted_offset(TP(changelog, 0)) == 41
    finally:
        await reopened.data.stop()


async def test_15_aiokafka_batches_are_filled_directly_and_acknowledged_with_their_first_offset():
    """aiokafka/producer/producer.py `create_batch` / `send_batch(batch, topic, partition=)` and its
    `BatchBuilder.append` (None once full, but an empty builder takes a record of any size), and
    message_accumulator.py `MessageBatch.done`, which resolves a batch's future with the metadata of its first
    offset (behaviour 11); faust's aiokafka `Producer._ensure_producer` is the producer `send_batched` fills."""
    from faust.transport.drivers.aiokafka import Producer as FaustProducer

    producer = aiokafka.AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", max_batch_size=64 * 1024)
    try:
        assert "partition" in inspect.signature(producer.send_batch).parameters
        batch = producer.create_batch()
        assert batch.append(key=b"k", value=b"x" * 200_000, timestamp=None, headers=[]) is not None  # oversize, alone
        assert batch.append(key=b"k", value=b"x", timestamp=None, headers=[]) is None  # full
        small = producer.create_batch()
        taken = 0
        while small.append(key=b"k", value=b"x" * 3000, timestamp=None, headers=[("h", b"v")]) is not None:
            taken += 1
        assert 10 < taken < 30 and small.record_count() == taken
        from aiokafka.producer.message_accumulator import MessageBatch

        done = MessageBatch(aiokafka.TopicPartition("t", 3), small, ttl=10, linger_time=0)
        done.done(base_offset=100)
        meta = done.future.result()
        assert (meta.topic, meta.partition, meta.offset) == ("t", 3, 100)
        assert meta._replace(offset=meta.offset + taken - 1).offset == 99 + taken
        assert callable(FaustProducer._ensure_producer)
    finally:
        await producer.stop()
