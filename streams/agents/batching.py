"""Batched, manually acked consumption for Faust agents that must neither skip nor double-handle a record.

Why not `stream.take_events`: it records the stream's *current* event for each buffered value, and a value that
arrives while the previous batch is being handed over gets the previous event, so one event is handled twice and
the next one never (seen in test_crisis_recovery: offset 253 handled twice, 254 lost, and its signal with it).

`run_batched` reads `stream.noack()` into a bounded queue; a second task takes up to `max_events` (or what came
within `within_s` of the first), drops events fetched before a rebalance (they are fetched again by whoever owns
their partition now), fills offset holes (`streams.agents.offsets`), calls `handle(stream, batch)` and acks the
batch only after it returns and the table writes it made are flushed (`flush_changelog`): `handle` emits, waits
for the acks and writes the table, so a committed offset never runs ahead of what was applied.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from streams import metrics
from streams.agents.offsets import HoleEvent, HoleReader, OffsetGuard, committed_offset, fill_hole, mark_done

Handler = Callable[[Any, list], Awaitable[None]]


async def flush_changelog(app: Any) -> None:
    """Wait until every table write so far is on the broker, before the batch's offsets can be committed.

    Faust commits offsets after `producer.flush()`, but its buffer flush gives up when one hand-off takes
    longer than 0.1 s (faust/transport/producer.py, flush_atmost), so under load it could commit offsets whose
    changelog writes were still buffered; a crash then lost them (seen in test_crisis_recovery). The events of
    a batch are acknowledged only after this returns, so committed offsets never run ahead of the changelog.
    """
    producer = app.producer
    while producer.buffer.size:
        await producer.buffer.flush()
    await producer.flush()


def each_event(stream: Any, batch: list):
    """The batch's events, each made the stream's current event while it is handled.

    Faust's rocksdb store reads a key from the partition of the *current* event (not from wherever the key was
    written), and the changelog partition of a write is the current event's too. A handler that reads the table
    for an event must therefore make that event current first, or a key of another partition is not found.
    """
    for ev in batch:
        stream._set_current_event(getattr(ev, "carrier", ev))  # a hole's record: the event that carried it
        yield ev


def write_table(stream: Any, table: Any, rows) -> None:
    """Write (event, key, value) rows, each to the changelog partition of the event that decided it."""
    for ev, key, value in rows:
        stream._set_current_event(getattr(ev, "carrier", ev))
        table[key] = value


class BatchRunner:
    def __init__(self, app: Any, stage: str, bootstrap: str, *, max_events: int = 500, within_s: float = 0.05) -> None:
        self.app = app
        self.stage = stage
        self.max_events = max_events
        self.within_s = within_s
        self.guard = OffsetGuard()
        self.holes = HoleReader(bootstrap)
        app.on_rebalance_complete.connect(self._on_rebalance)

    async def _on_rebalance(self, sender: Any = None, **kwargs: Any) -> None:  # noqa: ARG002 - signal signature
        self.guard.reset()  # positions restart from the committed offsets

    async def run(self, stream: Any, handle: Handler) -> None:
        """The agent body: returns (or raises) when the stream ends or the batch task fails."""
        manual = stream.noack()
        queue: asyncio.Queue = asyncio.Queue(maxsize=self.max_events)
        batches = asyncio.ensure_future(self._batches(manual, queue, handle))
        try:
            async for ev in manual.events():
                while True:
                    try:
                        queue.put_nowait(ev)
                        break
                    except asyncio.QueueFull:
                        if batches.done():
                            batches.result()  # the batch task failed: crash the agent with its error
                        await asyncio.sleep(0.005)
        finally:
            batches.cancel()
            await self.holes.stop()

    async def _batches(self, manual: Any, queue: asyncio.Queue, handle: Handler) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            deadline = loop.time() + self.within_s
            while len(batch) < self.max_events:
                if not queue.empty():
                    batch.append(queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), remaining))
                except asyncio.TimeoutError:
                    break
            stamps = [ev.message.timestamp for ev in batch if ev.message.timestamp]  # seconds
            if stamps:
                metrics.INPUT_AGE.labels(self.stage).observe(max(0.0, time.time() - min(stamps)))
            current = await self._checked(batch)
            if current:
                await handle(manual, current)
                await flush_changelog(self.app)
                for ev in current:
                    if not isinstance(ev, HoleEvent):
                        await manual.ack(ev)

    async def _checked(self, batch: list) -> list:
        app, current = self.app, []
        for ev in batch:
            if ev.message.generation_id != app.consumer_generation_id:
                continue  # fetched before a rebalance: left unacked, fetched again by the partition's owner
            tp = ev.message.tp
            missing = self.guard.check(tp, ev.message.offset, committed_offset(app, tp))
            if missing:
                metrics.OFFSET_HOLES.labels(self.stage).inc()
                current.extend(await fill_hole(self.holes, ev, missing))
                mark_done(app, tp, missing)
            current.append(ev)
        return current
