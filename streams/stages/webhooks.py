"""The webhook delivery service: public events to partners' subscriptions, signed, ordered, retried, logged.

It reads rrc.response-events (every public event) and rrc.webhooks.jobs (targeted replays) in consumer group
`webhooks`. For each event, every active subscription that wants it and whose partner is entitled to it gets one
delivery (`responders.partners.delivery.DeliveryEngine`: Standard Webhooks signature, retries with backoff and
jitter, Retry-After, 410 disables). Deliveries of one subscription about one crisis run in order (KeyedQueues keyed
by (subscription, crisis)); different keys run concurrently over one pooled HTTP client.

Nothing lost, nothing twice: every attempt and every final outcome is written to rrc.webhooks.deliveries before
the event counts as done, and a partition's offset is committed only up to its oldest event not done (a low
watermark), so a retry that waits for hours holds the commit, not the partition. After a crash the service
re-reads from the commit and skips every delivery the log says is finished (`DeliveryLogView`). Only a crash
between a partner's 2xx and the log write can repeat a call; the repeat carries the same `webhook-id`, which
receivers use to drop it. After the last attempt the event goes to rrc.webhooks.deadletter and stays replayable
(`POST /v1/subscriptions/{id}/replay`). A 410 Gone disables the subscription (a new record on rrc.subscriptions).

One instance per deployment is assumed for ordering across a rebalance (see the README); several instances
share partitions correctly for at-least-once delivery. Across a rebalance (`_Handover`): the partitions leaving
commit their low watermark while this member still holds them, and nothing is committed until the new assignment
arrives. A commit sent mid-rebalance is refused (an old generation), and aiokafka answers a refusal by dropping
its membership and rejoining: with a timer committing every second, a commit sent during each join came back just
after it, so one member rejoined (and the group rebalanced) every second for minutes after a SIGSTOP in the chaos
run, and that member's partitions were not read meanwhile. Partitions that come back are read again from the commit, and an event
whose delivery is still running here is counted, not posted again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
from collections import defaultdict
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from responders.partners.delivery import (
    Attempt,
    DeliveryEngine,
    DeliveryOutcome,
    KeyedQueues,
    event_body,
    make_client,
    ordering_key,
)
from responders.partners.filters import any_type_matches, entitled, facts_of
from responders.partners.subscriptions import Subscription, disable, wants
from streams import metrics
from streams.deadletter import deadletter_headers, reason_of
from streams.wiring import Wiring
from vocabulary.cloudevents import CloudEvent
from streams.stages.batch import shut_down

log = logging.getLogger("rrc.webhooks")
STAGE = "webhooks"


class Watermarks:
    """Per partition: offsets read and not done yet; the commit point is the oldest of them (else next)."""

    def __init__(self) -> None:
        self.pending: dict[TopicPartition, dict[int, int]] = defaultdict(dict)  # offset -> deliveries left
        self.next: dict[TopicPartition, int] = {}

    def read(self, tp: TopicPartition, offset: int, deliveries: int) -> None:
        self.next[tp] = offset + 1
        if deliveries:
            self.pending[tp][offset] = deliveries

    def done(self, tp: TopicPartition, offset: int) -> None:
        left = self.pending[tp].get(offset)
        if left is None:
            return
        if left <= 1:
            del self.pending[tp][offset]
        else:
            self.pending[tp][offset] = left - 1

    def forget(self, tps) -> None:
        """Partitions revoked (or newly assigned): their reading starts again at the committed offset."""
        for tp in tps:
            self.pending.pop(tp, None)
            self.next.pop(tp, None)

    def commits(self) -> dict[TopicPartition, int]:
        return {tp: min(self.pending[tp]) if self.pending[tp] else nxt for tp, nxt in self.next.items()}

    @property
    def open(self) -> int:
        return sum(len(p) for p in self.pending.values())


class _Handover(ConsumerRebalanceListener):
    """The webhook consumer's rebalances, told to its service."""

    def __init__(self, service: WebhookService) -> None:
        self.service = service

    async def on_partitions_revoked(self, revoked) -> None:
        await self.service.revoked(set(revoked))

    async def on_partitions_assigned(self, assigned) -> None:
        self.service.assigned(set(assigned))


class WebhookService:
    def __init__(self, runtime: Wiring) -> None:
        self.runtime = runtime
        s, t = runtime.settings, runtime.topics
        self.events_topic = t.response_events.get_topic_name()
        self.jobs_topic = t.webhook_jobs.get_topic_name()
        self.log_topic = t.webhook_deliveries.get_topic_name()
        self.dlq_topic = t.webhook_deadletter.get_topic_name()
        self.subs_topic = t.subscriptions.get_topic_name()
        self.group = f"{s.topic_prefix}{s.app_id}-webhooks"
        self.marks = Watermarks()
        self.rebalancing = False  # between a revocation and the next assignment: no commits
        self._running: set[tuple[str, str, str]] = set()  # (subscription, event, replay) deliveries running here
        self.queues = KeyedQueues(concurrency=100_000, max_pending=200_000)
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._client = None
        self.engine: DeliveryEngine | None = None
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        s = self.runtime.settings
        self._client = make_client(max_connections=s.webhook_max_connections, timeout_s=s.webhook_timeout_s)
        self.engine = DeliveryEngine(self._client, schedule=s.webhook_retry_s, timeout_s=s.webhook_timeout_s,
                                     clock=self.runtime.clock, rng=random.Random(),
                                     max_in_flight=s.webhook_max_in_flight)
        self._producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap_servers, acks="all", enable_idempotence=True,
                                          linger_ms=5, client_id="rrc-webhooks")
        session_ms = int(s.session_timeout_s * 1000)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=s.bootstrap_servers,
                                          group_id=self.group, enable_auto_commit=False,
                                          auto_offset_reset="earliest", max_poll_records=1000,
                                          client_id="rrc-webhooks", session_timeout_ms=session_ms,
                                          heartbeat_interval_ms=max(1000, session_ms // 10))
        await self._producer.start()
        self._consumer.subscribe([self.events_topic, self.jobs_topic], listener=_Handover(self))
        await self._consumer.start()
        self._tasks = [asyncio.create_task(self._loop(), name="webhooks-read"),
                       asyncio.create_task(self._committer(), name="webhooks-commit")]
        for task in self._tasks:
            self.runtime.health.watch(STAGE, task)

    async def stop(self) -> None:
        await shut_down(self._tasks, [])
        with contextlib.suppress(Exception):
            await self._commit()  # what finished meanwhile
        await shut_down([], [self.queues, self._consumer, self._producer, self._client])

    # --- rebalances ------------------------------------------------------------------------------------------

    async def revoked(self, revoked: set[TopicPartition]) -> None:
        """Before the group reassigns: what is done in these partitions is committed while this member still holds
        them (bounded: a broker that does not answer must not hold the rebalance), then they are forgotten here.
        Deliveries still running go on; if their partition comes back, they count for it again."""
        self.rebalancing = True
        if revoked:
            try:
                await asyncio.wait_for(self._commit(only=revoked), timeout=self.runtime.settings.session_timeout_s / 2)
            except (KafkaError, TimeoutError) as exc:
                log.warning("webhooks commit before a rebalance failed", extra={"stage": STAGE, "error": repr(exc)})
        self.marks.forget(revoked)
        log.info("webhooks partitions revoked", extra={"stage": STAGE, "partitions": _names(revoked)})

    def assigned(self, assigned: set[TopicPartition]) -> None:
        self.marks.forget(assigned)  # nothing stale: reading starts at each partition's commit
        self.rebalancing = False
        log.info("webhooks partitions assigned", extra={"stage": STAGE, "partitions": _names(assigned)})

    # --- reading ----------------------------------------------------------------------------------------------

    async def _loop(self) -> None:
        assert self._consumer is not None
        for feed in (self.runtime.readers.feeds.subscriptions, self.runtime.readers.feeds.webhook_log):
            await feed.caught_up.wait()  # skip what is finished; know every subscription
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=1000)
            except KafkaError as exc:
                self.runtime.health.failing(STAGE, exc)
                metrics.ERRORS.labels(STAGE, type(exc).__name__).inc()
                log.warning("webhooks read failed, retrying", extra={"stage": STAGE, "error": repr(exc)})
                await asyncio.sleep(1)
                continue
            self.runtime.health.done(STAGE)
            for tp, records in batches.items():
                for record in records:
                    try:
                        await self._dispatch(tp, record)
                    except Exception as exc:  # noqa: BLE001 - one bad record never stops deliveries
                        await self._deadletter(record, exc)
                        self.marks.read(tp, record.offset, 0)
                metrics.MESSAGES_IN.labels(STAGE).inc(len(records))

    async def _dispatch(self, tp: TopicPartition, record) -> None:
        views = self.runtime.views
        if tp.topic == self.jobs_topic:
            job = json.loads(record.value)
            event = CloudEvent.from_structured(job["event"])
            sub = views.subscriptions.records.get(job["subscription_id"])
            targets = [(sub, job["replay_id"])] if sub is not None and sub.status == "active" else []
        else:
            # Most events interest nobody: decide on the type header before parsing the body.
            event_type = next((v.decode() for k, v in record.headers or () if k == "ce_type"), "")
            candidates = [sub for sub in list(views.subscriptions.records.values())
                          if sub.status == "active" and any_type_matches(sub.event_types, event_type)]
            if not candidates:
                self.marks.read(tp, record.offset, 0)
                return
            event = CloudEvent.from_kafka_binary(record.headers, record.value)
            facts = facts_of(event)
            targets = [(sub, None) for sub in candidates
                       if wants(sub, facts) and entitled(sub.grant, event, sub.partner_id)]
        done = views.webhook_log
        targets = [(sub, replay) for sub, replay in targets if not done.finished(sub.subscription_id, event.id, replay)]
        self.marks.read(tp, record.offset, len(targets))  # a delivery still running here counts, and tells when done
        targets = [(sub, replay) for sub, replay in targets
                   if (sub.subscription_id, event.id, replay or "") not in self._running]
        if not targets:
            return
        body = event_body(event)
        crisis = ordering_key(event)
        for sub, replay in targets:
            self._running.add((sub.subscription_id, event.id, replay or ""))
            await self.queues.submit((sub.subscription_id, crisis), self._job(tp, record.offset, sub, event, body,
                                                                               replay))

    def _job(self, tp, offset, sub: Subscription, event: CloudEvent, body: bytes, replay: str | None):
        async def run() -> None:
            try:
                current = self.runtime.views.subscriptions.records.get(sub.subscription_id, sub)
                if current.status != "active":
                    outcome = DeliveryOutcome(subscription_id=sub.subscription_id, event_id=event.id,
                                              status="failed", attempts=[])
                else:
                    outcome = await self.engine.deliver(current, event, body=body,
                                                        on_attempt=functools.partial(self._attempted, replay=replay))
                await self._finished(current, event, outcome, replay, body)
            except Exception:  # noqa: BLE001 - logged; the watermark keeps the event for the next start
                metrics.ERRORS.labels(STAGE, "delivery").inc()
                log.exception("webhook delivery crashed", extra={"subscription_id": sub.subscription_id,
                                                                 "event_id": event.id})
                return
            finally:
                self._running.discard((sub.subscription_id, event.id, replay or ""))
            self.marks.done(tp, offset)

        return run

    # --- the log ----------------------------------------------------------------------------------------------

    @staticmethod
    def _log_record(sub: Subscription, event: CloudEvent, replay: str | None, kind: str, **fields: Any) -> bytes:
        return json.dumps({"kind": kind, "subscription_id": sub.subscription_id, "partner_id": sub.partner_id,
                           "event_id": event.id, "event_type": event.type, "crisis_id": ordering_key(event),
                           "replay_id": replay, **fields}, default=str).encode()

    async def _attempted(self, sub: Subscription, event: CloudEvent, attempt: Attempt, *, replay: str | None) -> None:
        """A failed attempt is logged at once (a retry may wait for hours, and a crash must not lose it); a
        successful one travels with the outcome record (one log write per delivery in the common case)."""
        ok = attempt.status_code is not None and 200 <= attempt.status_code < 300
        metrics.WEBHOOK_ATTEMPTS.labels("ok" if ok else "error").inc()
        if attempt.status_code is not None:
            metrics.WEBHOOK_LATENCY.observe(attempt.latency_ms / 1000)
        if ok:
            return
        assert self._producer is not None
        await self._producer.send_and_wait(self.log_topic, key=sub.subscription_id.encode(),
                                           value=self._log_record(sub, event, replay, "attempt",
                                                                  attempt=attempt.model_dump(mode="json")))

    async def _finished(self, sub: Subscription, event: CloudEvent, outcome: DeliveryOutcome, replay: str | None,
                        body: bytes) -> None:
        assert self._producer is not None
        now = self.runtime.clock()
        sends = [await self._producer.send(self.log_topic, key=sub.subscription_id.encode(),
                                           value=self._log_record(
                                               sub, event, replay, "outcome", status=outcome.status, at=now.isoformat(),
                                               attempts=len(outcome.attempts),
                                               attempt=outcome.attempts[-1].model_dump(mode="json")
                                               if outcome.delivered else None))]
        metrics.WEBHOOK_DELIVERIES.labels(outcome.status).inc()
        if outcome.status in ("failed", "exhausted", "gone") and outcome.attempts:
            last = outcome.attempts[-1]
            reason = f"{outcome.status} after {len(outcome.attempts)} attempts: " + (
                f"HTTP {last.status_code}" if last.status_code is not None else str(last.error))
            sends.append(await self._producer.send(self.dlq_topic, key=sub.subscription_id.encode(), value=body,
                                                   headers=[("rrc-dlq-reason", reason.encode()[:1000]),
                                                            ("rrc-subscription-id", sub.subscription_id.encode()),
                                                            ("rrc-event-id", event.id.encode())]))
            log.warning("webhook dead-lettered", extra={"subscription_id": sub.subscription_id,
                                                        "event_id": event.id, "reason": reason})
        if outcome.disable_subscription and sub.status == "active":
            gone = disable(sub, f"the endpoint answered 410 Gone at {now.isoformat()}")
            self.runtime.views.subscriptions.records[sub.subscription_id] = gone  # no more calls meanwhile
            sends.append(await self._producer.send(self.subs_topic, key=sub.subscription_id.encode(),
                                                   value=gone.model_dump_json().encode()))
            log.warning("subscription disabled (410)", extra={"subscription_id": sub.subscription_id,
                                                              "partner_id": sub.partner_id})
        await asyncio.gather(*sends)
        metrics.MESSAGES_OUT.labels(STAGE).inc(len(sends))

    async def _deadletter(self, record, exc: Exception) -> None:
        """An input that cannot be read or routed: to the dead-letter topic with the original bytes and the same
        headers as every stage, before its offset can be committed."""
        assert self._producer is not None
        metrics.DEADLETTERED.labels(STAGE, type(exc).__name__).inc()
        log.warning("dead-lettered", extra={"stage": STAGE, "offset": record.offset, "error": repr(exc)[:300]})
        await self._producer.send_and_wait(self.dlq_topic, value=record.value or b"", key=record.key,
                                           headers=deadletter_headers(record, reason_of(exc), type(exc).__name__))

    # --- committing -------------------------------------------------------------------------------------------

    async def _committer(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            await self.commit_due()

    async def commit_due(self) -> None:
        """Each second: the low watermarks, unless a rebalance is under way."""
        metrics.WEBHOOK_PENDING.set(self.marks.open)
        if self.rebalancing:
            return
        try:
            await self._commit()
        except KafkaError as exc:
            log.warning("webhooks commit failed", extra={"stage": STAGE, "error": repr(exc)})

    async def _commit(self, only: set[TopicPartition] | None = None) -> None:
        assert self._consumer is not None
        assigned = self._consumer.assignment()
        if only is not None:
            assigned = assigned & only
        offsets = {tp: OffsetAndMetadata(o, "") for tp, o in self.marks.commits().items() if tp in assigned}
        if offsets:
            await self._consumer.commit(offsets)


def _names(tps: set[TopicPartition]) -> list[str]:
    return sorted(f"{tp.topic}[{tp.partition}]" for tp in tps)
