"""The stateful-agent primitive: one Faust agent and one table per owner, running decode -> decide -> emit -> write
-> ack for each batch.

An owner is declared by an `OwnerSpec` (its sources, table, decoder and pure `decide`); this module does the rest
the same way for all of them:
- batches with manual acks (`stream.noack()`, never `take_events`), dropping events fetched before a rebalance and
  filling offset holes (`streams.agents.offsets`);
- decodes each record; a record that does not decode, and every input decide refuses, goes to the owner's
  dead-letter topic with the original bytes and the same headers as every stage (`streams.deadletter`);
- emits what decide returned and waits for the broker's acks, then writes the table (each row in the partition of
  the input that decided it) and sends its changelog in one batch and waits for it, each wait bounded by
  RRC_PRODUCER_TIMEOUT_S; only then acks the batch, so a committed offset never runs ahead of what was applied
  (a spec may name the changelog topic: one the views read, so each state goes out once, as stored);
- never lets a batch die: a failed attempt is logged with its traceback, reported on /health/ready and retried
  with backoff (decisions are idempotent by derived ids, so a repeat is harmless); a changelog whose send failed
  after the local store was written goes out before the retry decides (the retry would find those rows written).
  Faust waits for every unacked event at a rebalance, so a batch that vanished would freeze the worker (see
  `streams.faust_adapter`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import faust

from config.topics import TopicSpec
from responders.messages import TYPE_HEADER, WEIGHT_HEADER, Decision, Received, Record, Rejected
from streams import faust_adapter as fa
from streams import metrics
from streams.agents.offsets import HoleEvent, HoleReader, OffsetGuard, fill_hole
from streams.agents.records import StateCache, TableReader, headers_of, outgoing_of, send_out
from streams.deadletter import deadletter_headers, reason_of
from streams.wiring import Wiring

log = logging.getLogger("rrc.owner")

Decide = Callable[[Any, list[Received], datetime], Decision]
# Per table partition (one RocksDB each): faust's defaults (64 MB x 3 write buffers, a 2 GB block cache) are sized
# for one big table; a worker holds a dozen, and their write buffers alone made most of its memory at 100,000 crises.
ROCKSDB_OPTIONS = {"write_buffer_size": 2 * 1024 * 1024, "max_write_buffer_number": 2,
                   "block_cache_size": 4 * 1024 * 1024}


@dataclass(frozen=True)
class OwnerSpec:
    """What makes an owner: its stage name, inputs, table, decoder, decide, and where dead letters go."""

    stage: str
    sources: tuple[TopicSpec, ...]
    table: str
    decode: Callable[[Any], Any | None]  # an event -> its message, or None when the owner has nothing to do with it
    decide: Decide
    load: Callable[[bytes], Any]  # a stored table value -> the state model
    deadletter: TopicSpec
    max_events: int = 500
    within_s: float = 0.05
    ready: Callable[[], bool] | None = None  # what decide needs is loaded (e.g. the roster view); the batch waits
    tables: dict[str, Callable[[bytes], Any]] = field(default_factory=dict)  # more tables: name -> value loader
    # The table's changelog is this topic (compacted, the table's partitions), each record with this type header:
    # the state for the views as the store holds it, sent once (a mirror topic next to the changelog sent every
    # delivery state twice, 3 KB each, 10,000 in a sweep).
    changelog: TopicSpec | None = None
    changelog_type: str = ""
    # States kept parsed between batches (`streams.agents.records.StateCache`), most recently used first; 0: none.
    cache_entries: int = 0


class Owner:
    """Registers the spec's table and agent on the app and runs its batches."""

    def __init__(self, wiring: Wiring, spec: OwnerSpec) -> None:
        self.app, self.settings, self.spec = wiring.app, wiring.settings, spec
        self.clock, self.health, self.faults = wiring.clock, wiring.health, wiring.faults
        app, settings, health = self.app, self.settings, self.health
        partitions = spec.sources[0].partitions or settings.topic_partitions
        changelog = None
        if spec.changelog is not None:
            if (spec.changelog.partitions or settings.topic_partitions) != partitions:
                raise ValueError(f"{spec.changelog.name} must have the {partitions} partitions of {spec.table}'s "
                                 f"sources to be its changelog")
            changelog = app.topic(settings.topic_name(spec.changelog.name), key_type=bytes, value_type=bytes,
                                  key_serializer="raw", value_serializer="raw", partitions=partitions,
                                  compacting=True)
        # Raw keys and values, in the store and the changelog alike (a schema would set only the changelog's):
        # values are the state's JSON, written and read by the owner's model.
        self.table = app.Table(spec.table, partitions=partitions, key_type=bytes, value_type=bytes, default=None,
                               options=ROCKSDB_OPTIONS, changelog_topic=changelog)
        self._changelog_headers = [(TYPE_HEADER, spec.changelog_type.encode())] if spec.changelog_type else []
        self.tables = {name: (app.Table(name, partitions=partitions, key_type=bytes, value_type=bytes, default=None,
                                        options=ROCKSDB_OPTIONS), load) for name, load in spec.tables.items()}
        names = [settings.topic_name(t.name) for t in spec.sources]
        source = app.topic(*names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                           partitions=partitions)
        self.guard = OffsetGuard()
        self.states = StateCache(spec.cache_entries)
        self.holes = HoleReader(settings.bootstrap_servers)
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._batches: asyncio.Task | None = None
        self._intake: asyncio.Task | None = None
        self._queue: asyncio.Queue | None = None
        self._stream: Any = None
        # Changelog records of rows already in the local store whose send failed: (generation, records). A retry
        # decides against the store, which has those rows, so it would not write them again; they go out first.
        self._unflushed: tuple[int, list] | None = None
        app.on_rebalance_complete.connect(self._on_rebalance)
        health.register(spec.stage)
        self.agent = app.agent(source, name=f"{settings.topic_prefix}{spec.stage}", concurrency=1)(self._run)

    async def _on_rebalance(self, sender: Any = None, **kwargs: Any) -> None:  # noqa: ARG002 - signal signature
        self.guard.reset()  # positions restart from the committed offsets

    # --- the agent ---------------------------------------------------------------------------------------------
    async def _run(self, stream: Any) -> None:
        """The agent: one task takes events in, another settles batches; neither ends on its own."""
        manual = self._stream = stream.noack()
        queue = self._queue = asyncio.Queue(maxsize=2 * self.spec.max_events)
        self._batches = asyncio.create_task(self._loop(manual, queue), name=f"owner-{self.spec.stage}")
        self._intake = asyncio.create_task(self._take_in(manual, queue), name=f"owner-{self.spec.stage}-in")
        tasks = {self._batches, self._intake}
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()
            if not self._stopping:
                raise RuntimeError(f"a loop of the {self.spec.stage} owner ended")
            await asyncio.Event().wait()  # stopped by `stop`: faust cancels the agent when it stops
        except Exception as exc:
            self.health.crashed(self.spec.stage, exc)
            log.exception("owner crashed", extra={"stage": self.spec.stage})
            raise
        finally:
            for task in tasks:
                task.cancel()
            await self.holes.stop()

    async def _take_in(self, manual: Any, queue: asyncio.Queue) -> None:
        async for ev in manual.events():
            await queue.put(ev)  # a full queue holds the stream back

    async def _loop(self, manual: Any, queue: asyncio.Queue) -> None:
        while not self._stopping:
            batch = await self._take(queue)
            self._idle.clear()
            self.health.busy(self.spec.stage)
            try:
                await self._settle(manual, batch)
            finally:
                self._idle.set()
            self.health.done(self.spec.stage)

    async def stop(self, grace_s: float = 2.0) -> None:
        """Finish the batch in hand (within `grace_s`, else abandon it), then take no more. What is queued is
        dropped unacked (read again after the restart) and no reference to it is kept, so faust's stop, which
        waits until every event it handed over is acked or gone, can end (see `streams.faust_adapter`)."""
        self._stopping = True
        try:
            await asyncio.wait_for(self._idle.wait(), grace_s)
        except asyncio.TimeoutError:
            log.warning("batch abandoned at stop; it is read again after the restart", extra={"stage": self.spec.stage})
        finally:
            tasks = [t for t in (self._intake, self._batches) if t is not None]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=1.0)
            for task in tasks:
                if task.done():
                    # Take the task's CancelledError: its traceback keeps the frames, and so the events in
                    # them, alive (faust's stop would wait for those forever).
                    with contextlib.suppress(BaseException):
                        task.result()
            while self._queue is not None and not self._queue.empty():
                self._queue.get_nowait()
            if self._stream is not None:
                fa.set_current_event(self._stream, None)

    async def _take(self, queue: asyncio.Queue) -> list:
        """Up to `max_events` inputs, or what came within `within_s`; a record weighing N (WEIGHT_HEADER) counts N."""
        loop = asyncio.get_running_loop()
        batch = [await queue.get()]
        size = _weight(batch[0])
        deadline = loop.time() + self.spec.within_s
        while size < self.spec.max_events:
            if not queue.empty():
                batch.append(queue.get_nowait())
            else:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), remaining))
                except asyncio.TimeoutError:
                    break
            size += _weight(batch[-1])
        return batch

    async def _settle(self, manual: Any, batch: list) -> None:
        """Apply the batch until it is applied (retrying with backoff), then ack it."""
        stamps = [ev.message.timestamp for ev in batch if ev.message.timestamp]
        if stamps:
            metrics.INPUT_AGE.labels(self.spec.stage).observe(max(0.0, time.time() - min(stamps)))
        attempt = 0
        while True:
            try:
                current = await self._checked(batch)
                await self._wait_ready()
                await self.faults.hold(self.spec.stage)
                if current:
                    await self._apply(manual, current)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reported, retried; never a silent death (see the docstring)
                attempt += 1
                self.states.clear()  # the attempt may have stopped between the store's writes and the cache's
                self.health.failing(self.spec.stage, exc)
                metrics.ERRORS.labels(self.spec.stage, type(exc).__name__).inc()
                log.exception("owner batch failed; retrying", extra={"stage": self.spec.stage, "attempt": attempt})
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(attempt, 6)))
        for ev in batch:
            if not isinstance(ev, HoleEvent) and fa.current_generation(self.app, ev):
                await manual.ack(ev)

    async def _checked(self, batch: list) -> list:
        """The batch without events fetched before a rebalance, with any offset hole filled in before its event."""
        current = []
        for ev in batch:
            if not fa.current_generation(self.app, ev):
                continue  # left unacked: fetched again by the partition's owner now
            tp = ev.message.tp
            missing = self.guard.check(tp, ev.message.offset, fa.committed_offset(self.app, tp))
            if missing:
                metrics.OFFSET_HOLES.labels(self.spec.stage).inc()
                current.extend(await fill_hole(self.holes, ev, missing))
                fa.mark_done(self.app, tp, missing)
            current.append(ev)
        return current

    async def _wait_ready(self) -> None:
        ready = self.spec.ready
        while ready is not None and not ready():
            await asyncio.sleep(0.1)  # the batch is held meanwhile: /health/ready names the stage past the limit

    async def _apply(self, manual: Any, batch: list) -> None:
        await self._flush_unflushed()
        phases = _Phases(self.spec.stage)
        received, refused = self._decoded(batch)
        carriers = {}
        for ev in batch:
            carriers.setdefault(ev.message.partition, getattr(ev, "carrier", ev))
        self.states.follow(fa.generation(self.app))
        reader = TableReader(manual, self.table, carriers, self.spec.load, self.tables, self.states)
        phases.mark("decode")
        decision = self._decide(reader, received)
        phases.mark("decide")
        tables = [(self.table, decision.writes)]
        tables += [(self.tables[name][0], rows) for name, rows in decision.table_writes.items()]
        encoded = [(table, [(carriers[partition], key, None if value is None else value.model_dump_json().encode())
                            for key, (value, partition) in rows.items()]) for table, rows in tables]
        records = [e.record() for e in decision.emits]
        records += [self._deadletter(r.received.ref, r.error) for r in [*refused, *decision.rejected]]
        phases.mark("encode")
        await send_out(self.app, self.settings, outgoing_of(self.settings, records))
        phases.mark("emit")
        changelog = fa.apply_rows(manual, self.table, encoded[0][1], self._changelog_headers)
        self.states.wrote({key: value for key, (value, _) in decision.writes.items()}, fa.generation(self.app))
        for table, rows in encoded[1:]:
            changelog += fa.apply_rows(manual, table, rows)
        phases.mark("write")
        self._unflushed = (fa.generation(self.app), changelog)
        self._persisted(await send_out(self.app, self.settings, changelog))
        self._unflushed = None
        phases.mark("flush")
        metrics.MESSAGES_IN.labels(self.spec.stage).inc(len(batch))
        metrics.MESSAGES_OUT.labels(self.spec.stage).inc(len(records))
        metrics.BATCH_SECONDS.labels(self.spec.stage).observe(phases.total)
        metrics.LAST_PROCESSED.labels(self.spec.stage).set(time.time())
        log.info("batch applied", extra={"stage": self.spec.stage, "events": len(batch), "emitted": len(records),
                                         "written": len(decision.writes), "refused": len(refused) + len(
                                             decision.rejected)})

    async def _flush_unflushed(self) -> None:
        """Send the changelog of an earlier attempt whose send failed. After a rebalance only the rows of the
        partitions this worker still holds: the new owner of the others restores from the changelog and decides
        those inputs (never acked) again itself."""
        if self._unflushed is None:
            return
        generation, records = self._unflushed
        if generation != fa.generation(self.app):
            names = {self.settings.topic_name(t.name) for t in self.spec.sources}
            held = {tp.partition for tp in self.app.consumer.assignment() if tp.topic in names}
            kept = [r for r in records if r[3] in held]
            log.warning("unsent changelog after a rebalance: the rows of partitions still held go out",
                        extra={"stage": self.spec.stage, "records": len(records), "kept": len(kept)})
            records = kept
        self._persisted(await send_out(self.app, self.settings, records))
        self._unflushed = None
        log.info("changelog of an earlier attempt sent", extra={"stage": self.spec.stage, "records": len(records)})

    def _persisted(self, sent: Sequence[Any]) -> None:
        """Record the newest acknowledged changelog offsets in every table's store (each keeps its own topic's)."""
        for table in [self.table, *(t for t, _ in self.tables.values())]:
            fa.mark_persisted(table, sent)

    def _decoded(self, batch: list) -> tuple[list[Received], list[Rejected]]:
        received, refused = [], []
        for ev in batch:
            msg = ev.message
            try:
                message = self.spec.decode(ev)
            except Exception as exc:  # noqa: BLE001 - a record that does not decode is dead-lettered
                refused.append(Rejected(Received(None, msg.partition, msg.offset, ev), exc))
                continue
            if message is not None:
                received.append(Received(message, msg.partition, msg.offset, ev))
        return received, refused

    def _decide(self, reader: TableReader, received: list[Received]) -> Decision:
        try:
            return self.spec.decide(reader, received, self.clock())
        except Exception as exc:  # noqa: BLE001 - a fault of decide itself: the batch is refused, loudly
            log.exception("decide failed for the whole batch", extra={"stage": self.spec.stage})
            return Decision(rejected=[Rejected(r, exc) for r in received])

    def _deadletter(self, ev: Any, error: Exception) -> Record:
        msg = ev.message
        reason = reason_of(error)
        metrics.DEADLETTERED.labels(self.spec.stage, type(error).__name__).inc()
        # With the traceback: a refusal is bad input or a bug, and the log must tell which.
        log.warning("dead-lettered", exc_info=error, extra={"stage": self.spec.stage, "reason": reason[:300],
                                                            "topic": msg.topic, "partition": msg.partition,
                                                            "offset": msg.offset})
        return Record(self.spec.deadletter, ev.key, ev.value or b"",
                      deadletter_headers(msg, reason, type(error).__name__))


def _weight(ev: Any) -> int:
    for key, value in headers_of(ev):
        if key == WEIGHT_HEADER:
            with contextlib.suppress(ValueError):
                return max(1, int(value))
    return 1


class _Phases:
    """Where one batch's time goes (`rrc_owner_phase_seconds{stage, phase}`): decoding, decide, encoding what
    goes out, waiting for the broker's acks of the emits, the table writes, waiting for the changelog."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.started = self.last = time.perf_counter()

    def mark(self, phase: str) -> None:
        now = time.perf_counter()
        metrics.OWNER_PHASE_SECONDS.labels(self.stage, phase).inc(now - self.last)
        self.last = now

    @property
    def total(self) -> float:
        return self.last - self.started


class AgentLag:
    """Consumer lag of the Faust agents (log end minus position) for /metrics."""

    def __init__(self, app: faust.App) -> None:
        self.app = app

    async def refresh_metrics(self) -> None:
        consumer = self.app.consumer
        for tp in consumer.assignment():
            try:
                end = consumer.highwater(tp)
                pos = await consumer.position(tp)
            except Exception:  # noqa: BLE001 - metrics must never fail a scrape
                continue
            if end is not None and pos is not None:
                metrics.LAG.labels("owners", tp.topic, str(tp.partition)).set(max(0, end - pos))

