"""The crisis agent: owns the crises table; correlates signals and runs close sweeps sent to it as commands.

Single writer: rrc.signals.by-correlation is keyed (and explicitly partitioned) by the correlation key, so
every signal that could join a crisis, and every crisis of that key, lives on one partition; the crises
table is keyed by crisis_id and written from that partition, so its changelog partition matches. The close
sweep is a command message put on each partition of the same topic: the timer never writes the table.

Ordering for at-least-once: for each batch the events are sent and acknowledged first, then the table is
written. A crash in between replays the batch; the replay makes the same decisions with the same event ids
(consumers dedupe by id), so nothing is lost and nothing is counted twice in the table.

Delivery: `streams.agents.batching.BatchRunner` batches with manual acks (not `take_events`, which can pair a
value with the wrong event), fills offset holes, and acks a batch only after its events and changelog writes are
on the broker.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import faust

from streams import metrics
from streams.agents.batching import BatchRunner, each_event, write_table
from streams.app import Runtime
from vocabulary.cloudevents import CloudEvent
from responders.crises import Crisis, CrisisEvent, CrisisIndex, apply_signal, sweep
from streams.partitioning import partition_for_repeated
from vocabulary.signals import Signal
from responders.signals.normalise import describe_validation_error

log = logging.getLogger("rrc.crises")

COMMAND_HEADER = "rrc-command"
CLOSE_QUIET = b"close-quiet-crises"
STAGE = "correlate"
BATCH_MAX = 500
BATCH_WITHIN_S = 0.05


class CrisisOwner:
    """This worker's in-memory indexes over the table, one per partition, rebuilt after every rebalance."""

    def __init__(self, table: Any, partitions: int) -> None:
        self.table = table
        self.partitions = partitions
        self.indexes: dict[int, CrisisIndex] = {}
        self.dirty = True

    def index_for(self, partition: int) -> CrisisIndex:
        if self.dirty:
            self.rebuild()
        return self.indexes.setdefault(partition, CrisisIndex())

    def rebuild(self) -> None:
        by_partition: dict[int, list[Crisis]] = defaultdict(list)
        for _key, raw in self.table.items():
            crisis = Crisis.model_validate(raw) if isinstance(raw, dict) else Crisis.model_validate_json(raw)
            by_partition[partition_for_repeated(crisis.correlation_key, self.partitions)].append(crisis)
        self.indexes = {p: CrisisIndex(crises) for p, crises in by_partition.items()}
        self.dirty = False
        log.info("crisis index rebuilt", extra={"crises": sum(len(c) for c in by_partition.values()),
                                                "partitions": sorted(by_partition)})


def stored_signal_count(stored: Any) -> int:
    data = stored if isinstance(stored, dict) else json.loads(stored)
    return int(data.get("signal_count", 0))


def crisis_message(event: CrisisEvent, crisis_json: bytes) -> bytes:
    """rrc.crises value: the event and the full crisis (signal ids, history) for read views."""
    return b'{"event":' + event.model_dump_json().encode() + b',"crisis":' + crisis_json + b"}"


def public_event(event: CrisisEvent) -> CloudEvent:
    return CloudEvent(id=event.event_id, type=event.type.value, time=event.occurred_at, subject=event.crisis_id,
                      data={"crisis": event.crisis.model_dump(mode="json"),
                            "changes": [c.model_dump(mode="json") for c in event.changes],
                            "exercise": event.exercise},
                      extensions={"rrcexercise": "true" if event.exercise else "false",
                                  "rrccrisisid": event.crisis_id})


def register(runtime: Runtime) -> None:
    app, topics, settings = runtime.app, runtime.topics, runtime.settings
    partitions = topics.signals_by_correlation.partitions or settings.topic_partitions
    # Values are the crisis as a JSON string (pydantic's fast serialiser); the table's JSON codec wraps it.
    schema = faust.Schema(key_type=str, key_serializer="raw", value_serializer="json")
    table = app.Table("crises", partitions=partitions, schema=schema, default=None)
    owner = CrisisOwner(table, partitions)
    runtime.services_state["crises"] = owner
    periods = {family: timedelta(days=days) for family, days in settings.crisis_quiet_days.items()}

    # The index is derived from the table, so it is rebuilt after every rebalance *and* after every table
    # recovery: a rebuild between the two (triggered by an event of a partition kept through the rebalance)
    # would miss crises still being recovered for newly assigned partitions.
    @app.on_rebalance_complete.connect
    async def _mark_dirty(sender, **kwargs) -> None:  # noqa: ARG001 - signal signature
        owner.dirty = True

    @table.on_recover
    async def _recovered() -> None:
        owner.dirty = True

    runner = BatchRunner(app, STAGE, settings.bootstrap_servers, max_events=BATCH_MAX, within_s=BATCH_WITHIN_S)

    @app.agent(topics.signals_by_correlation, name=f"{settings.topic_prefix}correlate", concurrency=1)
    async def correlate_agent(stream):
        await runner.run(stream, handle_batch)

    crises_name = topics.crises.get_topic_name()
    public_name = topics.response_events.get_topic_name()

    async def emit(topic: str, key: bytes, value: bytes, headers) -> Any:
        # The app's producer directly (what topic.send ends in, minus per-message FutureMessage bookkeeping).
        return await app.producer.send(topic, key, value, None, None, headers)

    async def handle_batch(stream, batch) -> None:
        now = runtime.clock()
        writes: list[tuple[Any, str, str]] = []
        pending: dict[str, Crisis] = {}  # crises written by this batch (the table gets them after the sends)
        sends = []
        for ev in each_event(stream, batch):
            partition = ev.message.partition
            if owner.dirty:  # a rebalance or recovery landed while this batch was sending
                rebuild_keeping(pending)
            try:
                outcome = decide(ev, owner.index_for(partition), now, pending)
            except Exception as exc:  # noqa: BLE001 - a poison message is dead-lettered, never stops the agent
                sends.append(await deadletter(ev, exc))
                continue
            snapshots = {c.crisis_id: c.model_dump_json() for c in outcome.crises_to_write}
            for crisis in outcome.crises_to_write:
                writes.append((ev, crisis.crisis_id, snapshots[crisis.crisis_id]))
                pending[crisis.crisis_id] = crisis
            for event in outcome.events:
                snapshot = snapshots[event.crisis_id].encode()
                key = event.crisis_id.encode()
                sends.append(await emit(crises_name, key, crisis_message(event, snapshot),
                                        [("rrc-event-type", event.type.value.encode())]))
                headers, value = public_event(event).to_kafka_binary()
                sends.append(await emit(public_name, key, value, headers))
                log.info(event.type.value, extra={"crisis_id": event.crisis_id, "signal_id": event.signal_id,
                                                  "event_id": event.event_id})
        if sends:
            await asyncio.gather(*sends)
        write_table(stream, table, writes)
        spans: dict[int, list[int]] = {}
        for ev in batch:
            spans.setdefault(ev.message.partition, []).append(ev.message.offset)
        log.info("batch applied", extra={"stage": STAGE, "offsets": {p: [o[0], o[-1], len(o)] for p, o in spans.items()},
                                         "crises_written": len(writes)})
        metrics.MESSAGES_IN.labels(STAGE).inc(len(batch))
        metrics.MESSAGES_OUT.labels(STAGE).inc(len(sends))
        metrics.LAST_PROCESSED.labels(STAGE).set(now.timestamp())

    def behind_table(outcome, index: CrisisIndex, pending: dict[str, Crisis]) -> bool:
        """True when a crisis about to be written is not, in the index, the version the table holds."""
        for crisis in outcome.crises_to_write:
            if crisis.crisis_id in pending:
                continue  # written earlier in this batch: the index is ahead of the table by design
            known = index.get(crisis.crisis_id)
            stored = table.get(crisis.crisis_id)
            stored_count = 0 if stored is None else stored_signal_count(stored)
            if stored_count != (known.signal_count if known is not None else 0):
                return True
        return False

    def rebuild_keeping(pending: dict[str, Crisis]) -> None:
        """Rebuild the index from the table, then lay this batch's decisions (not in the table yet) on top.

        Without the second step a rebuild in the middle of a batch would forget what earlier signals of the
        same batch did to their crises, and a later signal of the batch would overwrite them (a lost signal).
        """
        owner.rebuild()
        for crisis in pending.values():
            owner.index_for(partition_for_repeated(crisis.correlation_key, partitions)).upsert(crisis)

    def decide(ev, index: CrisisIndex, now: datetime, pending: dict[str, Crisis]):
        headers = dict(ev.message.headers or ())
        if headers.get(COMMAND_HEADER) == CLOSE_QUIET:
            at = datetime.fromisoformat(json.loads(ev.value)["now"])
            outcome = sweep(list(index.open_crises()), at, periods or None)
            for crisis in outcome.crises_to_write:
                index.upsert(crisis)
            return outcome
        signal = Signal.model_validate_json(ev.value)
        outcome = apply_signal(index, signal, now)
        if behind_table(outcome, index, pending):
            # The index holds an older version of a crisis than the table (or misses one): decide again on a
            # fresh index, so a write never replaces a richer version of a crisis with a poorer one.
            log.warning("crisis index behind its table; rebuilding", extra={"signal_id": signal.signal_id})
            rebuild_keeping(pending)
            index = owner.index_for(ev.message.partition)
            outcome = apply_signal(index, signal, now)
        for crisis in outcome.crises_to_write:
            index.upsert(crisis)
        return outcome

    async def deadletter(ev, exc: Exception):
        from pydantic import ValidationError

        reason = describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc) or repr(exc)
        metrics.DEADLETTERED.labels(STAGE, type(exc).__name__).inc()
        log.warning("dead-lettered", extra={"stage": STAGE, "reason": reason[:300], "offset": ev.message.offset})
        headers = [("rrc-dlq-reason", reason.encode()[:4000]), ("rrc-dlq-error-type", type(exc).__name__.encode()),
                   ("rrc-dlq-source-topic", ev.message.topic.encode()),
                   ("rrc-dlq-source-partition", str(ev.message.partition).encode()),
                   ("rrc-dlq-source-offset", str(ev.message.offset).encode())]
        return await topics.signals_deadletter.send(key=ev.key, value=ev.value, headers=headers)

    async def send_sweep_commands() -> None:
        """The APScheduler job: one close-quiet command per partition, to the agent that owns it."""
        body = json.dumps({"now": runtime.clock().isoformat()}).encode()
        for partition in range(partitions):
            await topics.signals_by_correlation.send(key=b"__sweep__", value=body, partition=partition,
                                                     headers=[(COMMAND_HEADER, CLOSE_QUIET)])

    runtime.jobs.append(("crisis-close-sweep", send_sweep_commands, settings.crisis_sweep_interval_s))
    runtime.services["faust-lag"] = AgentLag(app)


class AgentLag:
    """Consumer lag of the Faust agents (log end minus position) for /metrics."""

    def __init__(self, app: faust.App, stage: str = STAGE) -> None:
        self.app = app
        self.stage = stage

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def refresh_metrics(self) -> None:
        consumer = self.app.consumer
        for tp in consumer.assignment():
            try:
                end = consumer.highwater(tp)
                pos = await consumer.position(tp)
            except Exception:  # noqa: BLE001 - metrics must never fail a scrape
                continue
            if end is not None and pos is not None:
                metrics.LAG.labels(self.stage, tp.topic, str(tp.partition)).set(max(0, end - pos))
