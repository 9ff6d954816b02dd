"""Offset contiguity for an agent that must not skip a record, and a reader that fills the holes.

Why: the owners' inputs (rrc.signals.by-correlation, rrc.crises, rrc.commands, rrc.ledger) are neither compacted
nor transactional, so their offsets are contiguous; yet right after a restart the Faust consumer was seen handing
over offset 210 without 209. Faust's
recovery resumes the flow and then seeks the stream partitions to their committed offsets while the fetch loop is
still handing over records fetched before the seek; its per-partition "read offset" is overwritten by those, and
the re-fetched records below it are dropped as already read (faust/transport/consumer.py, "DROPPED MESSAGE
ROFF"). The skipped signal was lost. Seeking back does not help (the same bookkeeping drops the re-read), so the
agent reads the missing records itself with a plain consumer (`HoleReader`), applies them in order before the
record that revealed the hole, and marks them done in Faust's commit bookkeeping (`streams.faust_adapter`).

A hole that cannot be filled (records removed by retention while the group was away) is logged and counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger("rrc.offsets")


class OffsetGuard:
    """Per partition, the next offset expected; `check` returns the offsets missing before the one seen."""

    def __init__(self) -> None:
        self.expected: dict[Hashable, int] = {}
        self.holes = 0

    def reset(self) -> None:
        """After a rebalance: positions restart from the committed offsets."""
        self.expected.clear()

    def check(self, tp: Hashable, offset: int, committed: int | None = None) -> range:
        """`committed` (the group's committed offset) stands in for the expected offset of a partition's first
        record. Re-deliveries of earlier offsets are not holes (the domain below is idempotent)."""
        expected = self.expected.get(tp, committed)
        self.expected[tp] = offset + 1 if expected is None else max(expected, offset + 1)
        if expected is not None and offset > expected:
            self.holes += 1
            return range(expected, offset)
        return range(0)


@dataclass(frozen=True)
class HoleMessage:
    topic: str
    partition: int
    offset: int
    headers: tuple
    tp: Any


@dataclass(frozen=True)
class HoleEvent:
    """A record read by `HoleReader`, shaped like the Faust event the agent would have had; `carrier` is the real
    event of the same partition (its context decides the changelog partition of table writes)."""

    key: bytes | None
    value: bytes
    message: HoleMessage
    carrier: Any


class HoleReader:
    """Reads given offsets of a partition with a group-less consumer (started on first use)."""

    def __init__(self, bootstrap: str, *, timeout_s: float = 10.0) -> None:
        self.bootstrap = bootstrap
        self.timeout_s = timeout_s
        self.consumer: AIOKafkaConsumer | None = None

    async def read(self, topic: str, partition: int, offsets: range) -> list[Any]:
        if self.consumer is None:
            self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None,
                                             enable_auto_commit=False)
            await self.consumer.start()
        tp = TopicPartition(topic, partition)
        self.consumer.assign([tp])
        self.consumer.seek(tp, offsets.start)
        out = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        while loop.time() < deadline:
            batch = await self.consumer.getmany(tp, timeout_ms=200, max_records=max(1, len(offsets)))
            records = [r for r in batch.get(tp, []) if r.offset in offsets]
            out.extend(records)
            if any(r.offset >= offsets.stop - 1 for r in batch.get(tp, [])):
                break
        return out

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
            self.consumer = None


async def fill_hole(reader: HoleReader, ev: Any, missing: range) -> list[HoleEvent]:
    """The records `missing` before `ev` on its partition, as events carried by `ev`."""
    msg = ev.message
    records = await reader.read(msg.topic, msg.partition, missing)
    found = {r.offset for r in records}
    lost = [o for o in missing if o not in found]
    if lost:
        log.error("offsets missing from the partition (removed by retention?)",
                  extra={"topic": msg.topic, "partition": msg.partition, "offsets": lost[:20]})
    log.warning("offset hole filled by reading the partition directly",
                extra={"topic": msg.topic, "partition": msg.partition, "from": missing.start, "to": missing.stop,
                       "read": len(records)})
    return [HoleEvent(key=r.key, value=r.value, carrier=ev,
                      message=HoleMessage(topic=r.topic, partition=r.partition, offset=r.offset,
                                          headers=tuple(r.headers or ()), tp=msg.tp))
            for r in sorted(records, key=lambda r: r.offset)]
