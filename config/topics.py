"""Every Kafka topic rrc uses, declared once: name, partitions, retention and cleanup policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

DAY_MS = 24 * 3600 * 1000
FOREVER = -1


class Cleanup(StrEnum):
    DELETE = "delete"
    COMPACT = "compact"


@dataclass(frozen=True)
class TopicSpec:
    """A topic's identity and configuration; `partitions=None` means the configured default."""

    name: str
    doc: str
    partitions: int | None = None
    retention_ms: int = 7 * DAY_MS
    cleanup: Cleanup = Cleanup.DELETE
    extra: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        cfg = {"cleanup.policy": self.cleanup.value, "retention.ms": str(self.retention_ms)}
        if self.cleanup is Cleanup.COMPACT:
            cfg.update({"min.cleanable.dirty.ratio": "0.1", "segment.ms": str(DAY_MS)})
        cfg.update(self.extra)
        return cfg


SIGNALS_RAW = TopicSpec("rrc.signals.raw", "Raw crisis input: feed documents or signal JSON, format in the rrc-format header.")
SIGNALS = TopicSpec("rrc.signals", "Normalised signals keyed by signal_id.", retention_ms=30 * DAY_MS)
SIGNALS_DEADLETTER = TopicSpec(
    "rrc.signals.deadletter",
    "Input that could not be normalised: original bytes as value, reason and source position in headers.",
    retention_ms=90 * DAY_MS,
)
SIGNALS_BY_CORRELATION = TopicSpec(
    "rrc.signals.by-correlation", "Signals re-keyed by correlation key so one worker owns each crisis family.",
    retention_ms=7 * DAY_MS,
)
CRISES = TopicSpec("rrc.crises", "Crisis events (opened, updated, escalated, closed) with snapshots.", retention_ms=FOREVER)
PLANS = TopicSpec("rrc.plans", "Plan events (proposed, superseded, approved).", retention_ms=FOREVER)
COMMANDS = TopicSpec("rrc.commands", "Commands to the owners of state (approve plan, close crisis, expire request).",
                     retention_ms=30 * DAY_MS)
DEPLOYMENTS = TopicSpec("rrc.deployments", "Deployment request lifecycle events (with expert ids) and staffing snapshots.",
                        retention_ms=FOREVER)
LEDGER = TopicSpec("rrc.ledger", "Hold, confirm and release requests to experts' reservation ledgers, keyed by expert id.",
                   retention_ms=30 * DAY_MS)
CAPACITY = TopicSpec("rrc.capacity", "Commit and release requests to partners' capacity ledgers (EDXL-RM CommitResource, "
                     "ReleaseResource), keyed by partner id.", retention_ms=30 * DAY_MS)
DELIVERY = TopicSpec("rrc.delivery", "Commands and facts to delivery control (track, staffing facts, reports, sweep), "
                     "keyed by intervention id.", retention_ms=30 * DAY_MS)
DELIVERY_STATE = TopicSpec("rrc.delivery.state", "Each intervention's targets, statuses and reports, keyed by "
                           "intervention id (compacted).", retention_ms=FOREVER, cleanup=Cleanup.COMPACT)
RESPONSE_EVENTS = TopicSpec(
    "rrc.response-events", "Public CloudEvents (binary mode, ce_ headers) for partners.", retention_ms=90 * DAY_MS
)
NOTIFICATIONS = TopicSpec("rrc.notifications", "Outbox of notifications to experts, keyed by expert id.",
                          retention_ms=30 * DAY_MS)
NOTIFICATION_DELIVERIES = TopicSpec("rrc.notifications.deliveries",
                                    "Delivery records of notifications: channel, attempts, outcome.",
                                    retention_ms=90 * DAY_MS)
SUBSCRIPTIONS = TopicSpec("rrc.subscriptions", "Partners' webhook subscriptions keyed by subscription_id (compacted).",
                          retention_ms=FOREVER, cleanup=Cleanup.COMPACT)
WEBHOOK_JOBS = TopicSpec("rrc.webhooks.jobs", "Targeted webhook deliveries (replays), keyed by subscription id.",
                         retention_ms=7 * DAY_MS)
WEBHOOK_DELIVERIES = TopicSpec("rrc.webhooks.deliveries",
                               "Webhook delivery log: every attempt and each final outcome, keyed by subscription id.",
                               retention_ms=30 * DAY_MS)
WEBHOOK_DEADLETTER = TopicSpec("rrc.webhooks.deadletter",
                               "Events whose delivery failed after the last attempt (structured CloudEvent JSON).",
                               retention_ms=90 * DAY_MS)
DEADLETTER = TopicSpec("rrc.deadletter",
                        "Inputs an owner (plans, ledgers) could not decode or apply: original bytes as value, reason, "
                        "error type and source position in headers.", retention_ms=90 * DAY_MS)
AUDIT = TopicSpec("rrc.audit", "Audit trail of every state-changing call and command; kept forever.",
                  retention_ms=FOREVER)
ROSTER_EXPERTS = TopicSpec("rrc.roster.experts", "Expert profiles keyed by expert_id (compacted).",
                           retention_ms=FOREVER, cleanup=Cleanup.COMPACT)
ROSTER_PARTNERS = TopicSpec("rrc.roster.partners", "Partner profiles keyed by partner_id (compacted).",
                            retention_ms=FOREVER, cleanup=Cleanup.COMPACT)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    SIGNALS_RAW, SIGNALS, SIGNALS_DEADLETTER, SIGNALS_BY_CORRELATION, CRISES, PLANS, COMMANDS, DEPLOYMENTS, LEDGER,
    CAPACITY, DELIVERY, DELIVERY_STATE, RESPONSE_EVENTS, NOTIFICATIONS, NOTIFICATION_DELIVERIES, SUBSCRIPTIONS,
    WEBHOOK_JOBS, WEBHOOK_DELIVERIES, WEBHOOK_DEADLETTER, DEADLETTER, AUDIT, ROSTER_EXPERTS, ROSTER_PARTNERS,
)
