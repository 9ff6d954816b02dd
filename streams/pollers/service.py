"""The pollers as a worker service: owns the HTTP client and a Kafka producer, started and stopped with them."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from typing import Any, Callable, Iterable

import httpx

from streams.pollers.backoff import Backoff
from streams.pollers.config import FeedConfig
from streams.pollers.fetch import DEFAULT_MAX_BYTES, Fetcher
from streams.pollers.publish import kafka_publisher
from streams.pollers.scheduler import FeedPollers


def aiokafka_producer(bootstrap_servers: str) -> Any:
    from aiokafka import AIOKafkaProducer

    return AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=True,
                            compression_type="gzip", request_timeout_ms=30000)


class PollerService:
    """`start()` / `stop()` like the worker's other services; the producer factory is injectable for tests."""

    def __init__(self, feeds: Iterable[FeedConfig], *, bootstrap_servers: str, topic: str,
                 state_path: str | os.PathLike[str], clock: Callable[[], datetime],
                 max_body_bytes: int = DEFAULT_MAX_BYTES, backoff: Backoff | None = None,
                 producer_factory: Callable[[str], Any] = aiokafka_producer,
                 transport: httpx.AsyncBaseTransport | None = None, start_delay_s: float = 1.0) -> None:
        self.feeds = list(feeds)
        self.bootstrap_servers, self.topic, self.state_path, self.clock = bootstrap_servers, topic, state_path, clock
        self.max_body_bytes, self.backoff = max_body_bytes, backoff
        self.producer_factory, self.transport, self.start_delay_s = producer_factory, transport, start_delay_s
        self.producer: Any = None
        self.fetcher: Fetcher | None = None
        self.pollers: FeedPollers | None = None

    async def start(self) -> None:
        self.producer = self.producer_factory(self.bootstrap_servers)
        await self.producer.start()
        self.fetcher = Fetcher(transport=self.transport, max_bytes=self.max_body_bytes)
        self.pollers = FeedPollers(self.feeds, self.fetcher, kafka_publisher(self.producer, self.topic), self.clock,
                                   self.state_path, backoff=self.backoff, start_delay_s=self.start_delay_s)
        await self.pollers.start()

    async def stop(self) -> None:
        if self.pollers is not None:
            with contextlib.suppress(Exception):
                await self.pollers.stop()
        if self.fetcher is not None:
            with contextlib.suppress(Exception):
                await self.fetcher.aclose()
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
        self.pollers = self.fetcher = self.producer = None
