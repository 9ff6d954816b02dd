"""The notification sender: reads the rrc.notifications outbox and delivers each notification to the expert.

An aiokafka consumer-group loop (stateless, like normalise). A batch's notifications are delivered concurrently
(one pooled HTTP client), each with its retries (`responders.notifications.deliver`); then the delivery records go
to rrc.notifications.deliveries and only after the broker has them are the offsets committed. A crash in between
sends again (at least once); receivers drop repeats by the `webhook-id` header (the notification id).
"""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from responders.notifications import Channel, EmailChannel, WebhookChannel, deliver
from streams import metrics
from streams.deadletter import deadletter_headers, reason_of
from streams.wiring import Wiring
from streams.stages.batch import rewind_to_committed, shut_down

log = logging.getLogger("rrc.notify")
STAGE = "notify"


class NotificationSender:
    def __init__(self, runtime: Wiring) -> None:
        self.runtime = runtime
        s = runtime.settings
        self.source = runtime.topics.notifications.get_topic_name()
        self.records_topic = runtime.topics.notification_deliveries.get_topic_name()
        self.deadletter_topic = runtime.topics.deadletter.get_topic_name()
        self.group = f"{s.topic_prefix}{s.app_id}-notify"
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task | None = None
        self.channels: list[Channel] = []

    async def start(self) -> None:
        s = self.runtime.settings
        self._client = httpx.AsyncClient(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                                         follow_redirects=False)
        self.channels = [WebhookChannel(self._client, allow_private=s.allow_private_targets,
                                        timeout_s=s.notify_timeout_s)]
        if s.smtp_host:
            self.channels.append(EmailChannel(s.smtp_host, s.smtp_port, s.smtp_from, starttls=s.smtp_starttls,
                                              username=s.smtp_username,
                                              password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                                              timeout_s=s.notify_timeout_s))
        self._producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap_servers, acks="all", enable_idempotence=True,
                                          client_id="rrc-notify")
        session_ms = int(s.session_timeout_s * 1000)
        self._consumer = AIOKafkaConsumer(self.source, bootstrap_servers=s.bootstrap_servers, group_id=self.group,
                                          enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=200,
                                          client_id="rrc-notify", session_timeout_ms=session_ms,
                                          heartbeat_interval_ms=max(1000, session_ms // 10),
                                          max_poll_interval_ms=600_000)
        await self._producer.start()
        await self._consumer.start()
        self._task = asyncio.create_task(self._loop(), name="stage-notify")
        # Not busy/done per batch: a batch waits through its notifications' retries (minutes) by design.
        self.runtime.health.watch(STAGE, self._task)

    async def stop(self) -> None:
        await shut_down([self._task], [self._consumer, self._producer, self._client])

    async def _loop(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=200)
                records = [r for rs in batches.values() for r in rs]
                if records:
                    await self._process(records)
                    await self._consumer.commit()
                    self.runtime.health.done(STAGE)
            except asyncio.CancelledError:
                raise
            except KafkaError as exc:  # nothing committed: the batch is fetched again after the pause
                self.runtime.health.failing(STAGE, exc)
                metrics.ERRORS.labels(STAGE, type(exc).__name__).inc()
                log.warning("notify kafka error, retrying", extra={"stage": STAGE, "error": repr(exc)})
                await rewind_to_committed(self._consumer)
                await asyncio.sleep(1.0)

    async def _process(self, records) -> None:
        assert self._producer is not None
        experts = self.runtime.views.roster.experts.records
        offices = self.runtime.offices
        schedule = list(self.runtime.settings.notify_retry_s)

        async def one(record):
            try:
                notification = json.loads(record.value)
                if "office_id" in notification:  # an early warning for an office's coordinators
                    recipient = offices.by_id.get(notification["office_id"])
                else:
                    recipient = experts.get(notification["expert_id"])
            except (ValueError, KeyError, TypeError) as exc:
                metrics.DEADLETTERED.labels(STAGE, type(exc).__name__).inc()
                log.warning("dead-lettered", extra={"stage": STAGE, "offset": record.offset, "error": repr(exc)})
                return await self._producer.send(self.deadletter_topic, value=record.value or b"", key=record.key,
                                                 headers=deadletter_headers(record, reason_of(exc),
                                                                            type(exc).__name__))
            result = await deliver(notification, recipient, self.channels, schedule, clock=self.runtime.clock)
            for attempt in result.attempts:
                metrics.NOTIFICATION_ATTEMPTS.labels(attempt.channel).inc()
            for channel in {a.channel for a in result.attempts} or {"none"}:
                ok = channel in result.delivered_on
                metrics.NOTIFICATIONS.labels(channel, "delivered" if ok else result.outcome).inc()
            log.info("notification " + result.outcome,
                     extra={"notification_id": result.notification_id, "expert_id": result.expert_id,
                            "office_id": result.office_id, "request_id": result.request_id,
                            "channels": result.delivered_on})
            return await self._producer.send(self.records_topic, value=result.model_dump_json().encode(),
                                              key=(result.expert_id or result.office_id or "").encode())

        futures = [f for f in await asyncio.gather(*(one(r) for r in records)) if f is not None]
        await asyncio.gather(*futures)
        metrics.MESSAGES_IN.labels(STAGE).inc(len(records))
        metrics.MESSAGES_OUT.labels(STAGE).inc(len(futures))
