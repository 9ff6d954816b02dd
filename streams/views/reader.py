"""Reads whole topics (every partition, from the beginning, no consumer group) into a read view."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streams import metrics
from streams.faust_adapter import refresh_metadata
from streams.health import Health, detached

log = logging.getLogger("rrc.view")


class TopicReader:
    """Feeds every record of `topics` to its handler; `caught_up` tells when the initial load is done."""

    def __init__(self, name: str, bootstrap: str, handlers: dict[str, Callable[[bytes], None]],
                 keyed_handlers: dict[str, Callable[[bytes | None, bytes | None], None]] | None = None,
                 record_handlers: dict[str, Callable[[object], None]] | None = None,
                 health: Health | None = None) -> None:
        self.name = name
        self.health = health or detached()
        self.bootstrap = bootstrap
        # Plain handlers get the value; keyed handlers get (key, value), tombstones included (compacted topics).
        self.handlers: dict[str, Callable[[bytes | None, bytes | None], None]] = {
            topic: (lambda h: (lambda _key, value: h(value) if value is not None else None))(handler)
            for topic, handler in handlers.items()}
        self.handlers.update(keyed_handlers or {})
        # Record handlers get the whole ConsumerRecord (headers, offset): e.g. CloudEvents in binary mode.
        self.record_handlers = dict(record_handlers or {})
        for topic in self.record_handlers:
            self.handlers[topic] = self._unused
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task | None = None
        self.caught_up = asyncio.Event()
        self._end: dict[TopicPartition, int] = {}

    @staticmethod
    def _unused(_key: bytes | None, _value: bytes | None) -> None:
        return None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
                                          auto_offset_reset="earliest", client_id=f"rrc-view-{self.name}")
        await self._consumer.start()
        tps = []
        for topic in self.handlers:
            parts = self._consumer.partitions_for_topic(topic) or set()
            if not parts:
                await refresh_metadata(self._consumer)  # topics were just created
                parts = self._consumer.partitions_for_topic(topic) or set()
            tps.extend(TopicPartition(topic, p) for p in sorted(parts))
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._end = await self._consumer.end_offsets(tps) if tps else {}
        self._task = asyncio.create_task(self._loop(), name=f"view-{self.name}")
        self.health.watch(f"view-{self.name}", self._task)

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
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            except KafkaError as exc:
                self.health.failing(f"view-{self.name}", exc)
                log.warning("view read failed, retrying", extra={"view": self.name, "error": repr(exc)})
                await asyncio.sleep(1)
                continue
            self.health.done(f"view-{self.name}")
            for tp, records in batches.items():
                whole = self.record_handlers.get(tp.topic)
                handler = self.handlers[tp.topic]
                for record in records:
                    try:
                        if whole is not None:
                            whole(record)
                        else:
                            handler(record.key, record.value)
                    except Exception as exc:  # noqa: BLE001 - one bad record never stops the view
                        metrics.ERRORS.labels(f"view-{self.name}", type(exc).__name__).inc()
                        log.warning("view skipped a record", extra={"view": self.name, "offset": record.offset,
                                                                     "error": repr(exc)})
                metrics.MESSAGES_IN.labels(f"view-{self.name}").inc(len(records))
            if not self.caught_up.is_set():
                positions = {tp: await self._consumer.position(tp) for tp in self._end}
                if all(positions[tp] >= end for tp, end in self._end.items()):
                    self.caught_up.set()

    async def refresh_metrics(self) -> None:
        consumer = self._consumer
        if consumer is None:
            return
        for tp in consumer.assignment():
            with contextlib.suppress(Exception):
                end = consumer.highwater(tp)
                if end is not None:
                    metrics.LAG.labels(f"view-{self.name}", tp.topic, str(tp.partition)).set(
                        max(0, end - await consumer.position(tp)))
