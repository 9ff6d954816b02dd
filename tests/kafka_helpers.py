"""Produce and consume helpers for integration tests over the real broker."""

from __future__ import annotations

import asyncio
import time
from typing import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord


async def produce(bootstrap: str, topic: str, messages: Iterable[tuple[bytes | None, bytes, list | None]]) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    n = 0
    try:
        futures = []
        for key, value, headers in messages:
            futures.append(await producer.send(topic, value, key=key, headers=headers or []))
            n += 1
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return n


async def consume(bootstrap: str, topic: str, *, expect: int, timeout: float = 60.0,
                  idle: float = 0.0) -> list[ConsumerRecord]:
    """Read `topic` from the beginning until `expect` records arrived (then `idle` more seconds) or timeout."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    out: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(out) < expect:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batches.values():
                out.extend(records)
        if idle:
            settle = time.monotonic() + idle
            while time.monotonic() < settle:
                batches = await consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    out.extend(records)
    finally:
        await consumer.stop()
    return out
