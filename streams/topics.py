"""Faust topic objects for every declared topic; agents and services import these, never name strings."""

from __future__ import annotations

from dataclasses import dataclass

import faust

from config import topics as spec
from config.settings import Settings


@dataclass
class Topics:
    """The app's topic objects, one attribute per topic in config.topics."""

    signals_raw: faust.TopicT
    signals: faust.TopicT
    signals_deadletter: faust.TopicT
    signals_by_correlation: faust.TopicT
    crises: faust.TopicT
    plans: faust.TopicT
    commands: faust.TopicT
    deployments: faust.TopicT
    ledger: faust.TopicT
    capacity: faust.TopicT
    delivery: faust.TopicT
    delivery_state: faust.TopicT
    response_events: faust.TopicT
    notifications: faust.TopicT
    notification_deliveries: faust.TopicT
    subscriptions: faust.TopicT
    webhook_jobs: faust.TopicT
    webhook_deliveries: faust.TopicT
    webhook_deadletter: faust.TopicT
    deadletter: faust.TopicT
    audit: faust.TopicT
    roster_experts: faust.TopicT
    roster_partners: faust.TopicT

    @classmethod
    def declare(cls, app: faust.App, settings: Settings) -> "Topics":
        def topic(s: spec.TopicSpec) -> faust.TopicT:
            return app.topic(
                settings.topic_name(s.name),
                partitions=s.partitions or settings.topic_partitions,
                retention=s.retention_ms / 1000 if s.retention_ms > 0 else None,
                compacting=s.cleanup is spec.Cleanup.COMPACT,
                key_type=bytes,
                value_type=bytes,
                key_serializer="raw",
                value_serializer="raw",
                config=s.config(),
            )

        return cls(
            signals_raw=topic(spec.SIGNALS_RAW),
            signals=topic(spec.SIGNALS),
            signals_deadletter=topic(spec.SIGNALS_DEADLETTER),
            signals_by_correlation=topic(spec.SIGNALS_BY_CORRELATION),
            crises=topic(spec.CRISES),
            plans=topic(spec.PLANS),
            commands=topic(spec.COMMANDS),
            deployments=topic(spec.DEPLOYMENTS),
            ledger=topic(spec.LEDGER),
            capacity=topic(spec.CAPACITY),
            delivery=topic(spec.DELIVERY),
            delivery_state=topic(spec.DELIVERY_STATE),
            response_events=topic(spec.RESPONSE_EVENTS),
            notifications=topic(spec.NOTIFICATIONS),
            notification_deliveries=topic(spec.NOTIFICATION_DELIVERIES),
            subscriptions=topic(spec.SUBSCRIPTIONS),
            webhook_jobs=topic(spec.WEBHOOK_JOBS),
            webhook_deliveries=topic(spec.WEBHOOK_DELIVERIES),
            webhook_deadletter=topic(spec.WEBHOOK_DEADLETTER),
            deadletter=topic(spec.DEADLETTER),
            audit=topic(spec.AUDIT),
            roster_experts=topic(spec.ROSTER_EXPERTS),
            roster_partners=topic(spec.ROSTER_PARTNERS),
        )
