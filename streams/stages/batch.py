"""A stateless Kafka stage as an aiokafka batch loop: consume a batch, transform, produce, then commit.

Why not a Faust agent: for stateless per-message work (parsing, validation, fan-out) Faust's per-event
overhead costs an order of magnitude in throughput (see FAUST-KAFKA-NOTES.md); stateful steps stay Faust
agents. Guarantee: at least once. Offsets are committed only after every output of the batch is acknowledged
by the broker (acks=all, idempotent producer), so a crash redelivers, never loses; consumers downstream are
idempotent by `signal_id`. A handler exception on one record dead-letters that record; it never stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from streams import metrics
from streams.deadletter import deadletter_headers
from streams.health import Health, detached
from streams.partitioning import partition_for

log = logging.getLogger("rrc.stage")

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Output:
    """One message to produce."""

    topic: str
    value: bytes
    key: bytes | None = None
    headers: Headers = field(default_factory=list)
    partition: int | None = None


@dataclass(frozen=True)
class Failure:
    """Why a record (or a part of it) could not be processed; becomes a dead-letter message."""

    reason: str
    error_type: str
    record: str | None = None


@dataclass
class Result:
    outputs: list[Output] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


Handler = Callable[[ConsumerRecord], Result]


def deadletter_message(topic: str, msg: ConsumerRecord, failure: Failure) -> Output:
    """The original bytes as the value; reason, error type and source position as headers (replayable as is)."""
    return Output(topic=topic, value=msg.value or b"", key=msg.key,
                  headers=deadletter_headers(msg, failure.reason, failure.error_type, failure.record))


async def rewind_to_committed(consumer: AIOKafkaConsumer) -> None:
    """After a failed batch: seek every assigned partition back to its committed offset, to fetch it again."""
    for tp in consumer.assignment():
        with contextlib.suppress(Exception):
            committed = await consumer.committed(tp)
            if committed is not None:
                consumer.seek(tp, committed)


async def shut_down(tasks: Iterable[asyncio.Task | None], clients: Iterable[Any]) -> None:
    """Cancel a stage's tasks and wait for them, then stop its Kafka (or HTTP) clients, ignoring their errors."""
    for task in tasks:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    for client in clients:
        if client is not None:
            with contextlib.suppress(Exception):
                await (client.aclose() if hasattr(client, "aclose") else client.stop())


class BatchStage:
    """Runs `handler` over every record of `source` in consumer group `group`, writing outputs and dead letters."""

    def __init__(self, *, name: str, bootstrap: str, source: str, group: str, deadletter: str, handler: Handler,
                 max_records: int = 2000, poll_ms: int = 100, client_id: str | None = None,
                 session_timeout_s: float = 30.0, health: Health | None = None) -> None:
        self.name = name
        self.bootstrap = bootstrap
        self.source = source
        self.group = group
        self.deadletter = deadletter
        self.handler = handler
        self.max_records = max_records
        self.poll_ms = poll_ms
        self.client_id = client_id or f"rrc-{name}"
        self.session_timeout_ms = int(session_timeout_s * 1000)
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._task: asyncio.Task | None = None
        self.processed = 0
        self.health = health or detached()

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
                                          linger_ms=5, max_batch_size=256 * 1024, client_id=self.client_id,
                                          compression_type=None)
        self._consumer = AIOKafkaConsumer(self.source, bootstrap_servers=self.bootstrap, group_id=self.group,
                                          enable_auto_commit=False, auto_offset_reset="earliest",
                                          max_poll_records=self.max_records, client_id=self.client_id,
                                          fetch_max_bytes=32 * 1024 * 1024, max_partition_fetch_bytes=8 * 1024 * 1024,
                                          # a fuller fetch every 20 ms at most, not one per trickle of records:
                                          # each fetch response is decoded in Python (see streams.views.reader)
                                          fetch_max_wait_ms=20, fetch_min_bytes=64 * 1024,
                                          session_timeout_ms=self.session_timeout_ms,
                                          heartbeat_interval_ms=max(1000, self.session_timeout_ms // 10))
        await self._producer.start()
        await self._consumer.start()
        self._task = asyncio.create_task(self._loop(), name=f"stage-{self.name}")
        self.health.watch(self.name, self._task)
        log.info("stage started", extra={"stage": self.name, "source": self.source, "group": self.group})

    async def stop(self) -> None:
        await shut_down([self._task], [self._consumer, self._producer])

    async def _loop(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=self.poll_ms, max_records=self.max_records)
                if batches:
                    self.health.busy(self.name)
                    await self.process(batches)
                    self.health.done(self.name)
            except asyncio.CancelledError:
                raise
            except KafkaError as exc:
                # Broker trouble: nothing was committed for this batch, so it is fetched again after the pause.
                self.health.failing(self.name, exc)
                metrics.ERRORS.labels(self.name, type(exc).__name__).inc()
                log.warning("stage kafka error, retrying", extra={"stage": self.name, "error": repr(exc)})
                await rewind_to_committed(self._consumer)
                await asyncio.sleep(1.0)

    async def process(self, batches: dict[TopicPartition, Sequence[ConsumerRecord]]) -> None:
        """Handle a fetched batch, produce every output, and commit only once the broker has them all."""
        assert self._producer is not None and self._consumer is not None
        started = time.perf_counter()
        outputs: list[Output] = []
        n_in = 0
        for records in batches.values():
            for msg in records:
                n_in += 1
                outputs.extend(self._handle(msg))
        if outputs:
            await asyncio.gather(*await self._send_batched(outputs))
        offsets = {tp: records[-1].offset + 1 for tp, records in batches.items() if records}
        await self._consumer.commit(offsets)
        self.processed += n_in
        metrics.MESSAGES_IN.labels(self.name).inc(n_in)
        metrics.MESSAGES_OUT.labels(self.name).inc(len(outputs))
        metrics.BATCH_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        metrics.LAST_PROCESSED.labels(self.name).set(time.time())

    async def _send_batched(self, outputs: list[Output]) -> list[Awaitable]:
        """Record batches built per topic partition (aiokafka's batch API), keeping each partition's order.

        Keyed outputs without an explicit partition go where Kafka's default partitioner puts them
        (murmur2 of the key), so this is the same placement as a plain `send` with that key.
        """
        producer = self._producer
        assert producer is not None
        counts: dict[str, int] = {}
        open_batches: dict[tuple[str, int], Any] = {}
        futures: list[Awaitable] = []
        now_ms = int(time.time() * 1000)
        for out in outputs:
            partition = out.partition
            if partition is None:
                n = counts.get(out.topic)
                if n is None:
                    n = counts[out.topic] = len(await producer.partitions_for(out.topic))
                partition = partition_for(out.key, n) if out.key is not None else random.randrange(n)
            slot = (out.topic, partition)
            batch = open_batches.get(slot)
            if batch is None:
                batch = open_batches[slot] = producer.create_batch()
            if batch.append(key=out.key, value=out.value, timestamp=now_ms, headers=out.headers) is None:
                futures.append(await producer.send_batch(batch, out.topic, partition=partition))
                batch = open_batches[slot] = producer.create_batch()
                if batch.append(key=out.key, value=out.value, timestamp=now_ms, headers=out.headers) is None:
                    raise ValueError(f"a message to {out.topic} is larger than the producer's batch size")
        for (topic, partition), batch in open_batches.items():
            if batch.record_count():
                futures.append(await producer.send_batch(batch, topic, partition=partition))
        return futures

    def _handle(self, msg: ConsumerRecord) -> Iterable[Output]:
        try:
            result = self.handler(msg)
        except Exception as exc:  # noqa: BLE001 - a poison message must never stop the stage
            log.exception("handler failed", extra={"stage": self.name, "offset": msg.offset,
                                                   "partition": msg.partition})
            result = Result(failures=[Failure(reason=str(exc) or repr(exc), error_type=type(exc).__name__)])
        for failure in result.failures:
            metrics.DEADLETTERED.labels(self.name, failure.error_type).inc()
            log.info("dead-lettered", extra={"stage": self.name, "reason": failure.reason[:300],
                                             "error_type": failure.error_type, "record": failure.record,
                                             "partition": msg.partition, "offset": msg.offset})
            yield deadletter_message(self.deadletter, msg, failure)
        yield from result.outputs

    async def refresh_metrics(self) -> None:
        """Consumer lag per partition: log end offset minus our position."""
        consumer = self._consumer
        if consumer is None:
            return
        for tp in consumer.assignment():
            with contextlib.suppress(Exception):
                end = consumer.highwater(tp)
                pos = await consumer.position(tp)
                if end is not None:
                    metrics.LAG.labels(self.name, tp.topic, str(tp.partition)).set(max(0, end - pos))
