"""Reads whole topics (every partition, from the beginning, no consumer group) into the read views, with one
consumer for all of them.

Why one: every consumer polls the broker on its own, and a fetch response is decoded in Python whatever it
holds. Eight view consumers each fetching the trickle of new records cost more than the views themselves (a
quarter of the worker's time in aiokafka's protocol decoding, measured in bench/correlation.py). One consumer
fetches for all views and waits up to `FETCH_WAIT_MS` for a fuller response, which views can afford. Each view
keeps its own `caught_up` (its topics read to the end they had at start).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streams import metrics
from streams.faust_adapter import refresh_metadata
from streams.health import Health, detached

log = logging.getLogger("rrc.view")
FETCH_WAIT_MS = 50
FETCH_MIN_BYTES = 64 * 1024
STAGE = "views"


@dataclass
class ViewFeed:
    """What one view reads: plain handlers get the value; keyed handlers get (key, value), tombstones included
    (compacted topics); record handlers get the whole record (headers, offset: e.g. CloudEvents in binary mode)."""

    name: str
    handlers: dict[str, Callable[[bytes], None]] = field(default_factory=dict)
    keyed_handlers: dict[str, Callable[[bytes | None, bytes | None], None]] = field(default_factory=dict)
    record_handlers: dict[str, Callable[[object], None]] = field(default_factory=dict)
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def topics(self) -> set[str]:
        return {*self.handlers, *self.keyed_handlers, *self.record_handlers}

    def apply(self, record) -> None:
        topic = record.topic
        if topic in self.record_handlers:
            self.record_handlers[topic](record)
        elif topic in self.keyed_handlers:
            self.keyed_handlers[topic](record.key, record.value)
        elif record.value is not None:
            self.handlers[topic](record.value)


class ViewsReader:
    """Feeds every record of every view's topics to that view, from the beginning of each partition."""

    def __init__(self, bootstrap: str, feeds: list[ViewFeed], health: Health | None = None) -> None:
        self.bootstrap = bootstrap
        self.feeds = feeds
        self.health = health or detached()
        self.by_topic: dict[str, list[ViewFeed]] = {}
        for feed in feeds:
            for topic in feed.topics:
                self.by_topic.setdefault(topic, []).append(feed)
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task | None = None
        self._end: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
                                          auto_offset_reset="earliest", client_id="rrc-views",
                                          fetch_max_wait_ms=FETCH_WAIT_MS, fetch_min_bytes=FETCH_MIN_BYTES,
                                          max_partition_fetch_bytes=8 * 1024 * 1024,
                                          fetch_max_bytes=32 * 1024 * 1024)
        await self._consumer.start()
        tps = []
        for topic in self.by_topic:
            parts = self._consumer.partitions_for_topic(topic) or set()
            if not parts:
                await refresh_metadata(self._consumer)  # topics were just created
                parts = self._consumer.partitions_for_topic(topic) or set()
            tps.extend(TopicPartition(topic, p) for p in sorted(parts))
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._end = await self._consumer.end_offsets(tps) if tps else {}
        self._task = asyncio.create_task(self._loop(), name="views")
        self.health.watch(STAGE, self._task)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._consumer:
            with contextlib.suppress(Exception):
                await self._consumer.stop()

    async def _loop(self) -> None:
        assert self._consumer is not None
        await self._check_caught_up()
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=10_000)
            except KafkaError as exc:
                self.health.failing(STAGE, exc)
                log.warning("view read failed, retrying", extra={"error": repr(exc)})
                await asyncio.sleep(1)
                continue
            self.health.done(STAGE)
            for tp, records in batches.items():
                feeds = self.by_topic[tp.topic]
                for record in records:
                    for feed in feeds:
                        try:
                            feed.apply(record)
                        except Exception as exc:  # noqa: BLE001 - one bad record never stops a view
                            metrics.ERRORS.labels(f"view-{feed.name}", type(exc).__name__).inc()
                            log.warning("view skipped a record", extra={"view": feed.name, "topic": tp.topic,
                                                                         "offset": record.offset, "error": repr(exc)})
                for feed in feeds:
                    metrics.MESSAGES_IN.labels(f"view-{feed.name}").inc(len(records))
            if batches or not all(f.caught_up.is_set() for f in self.feeds):
                await self._check_caught_up()

    async def _check_caught_up(self) -> None:
        assert self._consumer is not None
        pending = [f for f in self.feeds if not f.caught_up.is_set()]
        if not pending:
            return
        positions = {tp: await self._consumer.position(tp) for tp in self._end}
        for feed in pending:
            if all(positions[tp] >= end for tp, end in self._end.items() if tp.topic in feed.topics):
                feed.caught_up.set()

    async def refresh_metrics(self) -> None:
        consumer = self._consumer
        if consumer is None:
            return
        for tp in consumer.assignment():
            with contextlib.suppress(Exception):
                end = consumer.highwater(tp)
                if end is not None:
                    metrics.LAG.labels(STAGE, tp.topic, str(tp.partition)).set(
                        max(0, end - await consumer.position(tp)))
