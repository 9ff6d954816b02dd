"""Read views for partners: subscriptions (compacted rrc.subscriptions), the webhook delivery log
(rrc.webhooks.deliveries) and the recent public events (rrc.response-events) for the SSE stream.

Every worker reads them whole (no consumer group). The delivery service uses the log to skip deliveries already
made when it re-reads events after a restart; the API serves the log per subscription.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict, deque
from typing import Any

from responders.partners.subscriptions import Subscription
from vocabulary.cloudevents import CloudEvent

MAX_DELIVERIES_PER_SUBSCRIPTION = 1000
MAX_DONE_REMEMBERED = 2_000_000
FINAL = frozenset({"delivered", "failed", "gone", "exhausted"})


class SubscriptionsView:
    def __init__(self) -> None:
        self.records: dict[str, Subscription] = {}
        self.version = 0

    def apply_message(self, key: bytes | None, value: bytes | None) -> None:
        if value is None:
            if key is not None:
                self.records.pop(key.decode(), None)
                self.version += 1
            return
        sub = Subscription.model_validate_json(value)
        self.records[sub.subscription_id] = sub
        self.version += 1

    def of_partner(self, partner_id: str) -> list[Subscription]:
        return sorted((s for s in self.records.values() if s.partner_id == partner_id),
                      key=lambda s: (s.created_at, s.subscription_id))


class DeliveryLogView:
    """Per subscription the latest deliveries (attempts grouped by event), and which are finished."""

    def __init__(self) -> None:
        self.by_subscription: dict[str, OrderedDict[str, dict[str, Any]]] = {}
        self.done: OrderedDict[tuple[str, str, str], str] = OrderedDict()  # (sub, event, replay) -> final status
        self.seq = 0  # order of first sight, the log's stable sort key

    def apply_message(self, value: bytes) -> None:
        record = json.loads(value)
        sub, event_id, replay = record["subscription_id"], record["event_id"], record.get("replay_id") or ""
        log = self.by_subscription.setdefault(sub, OrderedDict())
        key = f"{event_id}|{replay}"
        entry = log.get(key)
        if entry is None:
            self.seq += 1
            entry = log[key] = {"seq": self.seq, "event_id": event_id, "event_type": record.get("event_type"),
                                "crisis_id": record.get("crisis_id"), "replay_id": record.get("replay_id"),
                                "status": "pending", "attempts": [], "first_attempt_at": None, "finished_at": None}
            while len(log) > MAX_DELIVERIES_PER_SUBSCRIPTION:
                log.popitem(last=False)
        if record["kind"] == "attempt":
            attempt = record["attempt"]
            if all(a["n"] != attempt["n"] or a["at"] != attempt["at"] for a in entry["attempts"]):
                entry["attempts"].append(attempt)
            entry["first_attempt_at"] = entry["first_attempt_at"] or attempt["at"]
        else:
            final = record.get("attempt")  # the successful attempt travels with the outcome
            if final and all(a["n"] != final["n"] or a["at"] != final["at"] for a in entry["attempts"]):
                entry["attempts"].append(final)
                entry["first_attempt_at"] = entry["first_attempt_at"] or final["at"]
            entry["status"] = record["status"]
            entry["finished_at"] = record["at"]
            self.done[(sub, event_id, replay)] = record["status"]
            while len(self.done) > MAX_DONE_REMEMBERED:
                self.done.popitem(last=False)

    def finished(self, subscription_id: str, event_id: str, replay_id: str | None = None) -> bool:
        return (subscription_id, event_id, replay_id or "") in self.done

    def deliveries(self, subscription_id: str, status: str | None = None) -> list[dict[str, Any]]:
        """The subscription's deliveries in log order (oldest first), optionally of one status."""
        log = self.by_subscription.get(subscription_id, OrderedDict())
        return [e for e in log.values() if status is None or e["status"] == status]


class _Raw:
    """A public event as read (headers and bytes); parsed on first use, i.e. only when an SSE client reads it."""

    __slots__ = ("id", "headers", "value", "_event")

    def __init__(self, event_id: str, headers, value: bytes) -> None:
        self.id, self.headers, self.value, self._event = event_id, headers, value, None

    @property
    def event(self) -> CloudEvent:
        if self._event is None:
            self._event = CloudEvent.from_kafka_binary(self.headers, self.value)
        return self._event


class PublicEventsView:
    """The last `size` public events in log order, and a condition that wakes SSE streams on new ones."""

    def __init__(self, size: int = 10_000) -> None:
        self.events: deque[tuple[int, _Raw]] = deque(maxlen=size)
        self.seq = 0
        self.ids: dict[str, int] = {}
        self.changed = asyncio.Event()

    def apply_record(self, record) -> None:
        event_id = next((v.decode() for k, v in record.headers or () if k == "ce_id"), None)
        if event_id is None or event_id in self.ids:  # a repeat after a producer's crash carries the same id
            return
        self.seq += 1
        if len(self.events) == self.events.maxlen:
            old_seq, old = self.events[0]
            if self.ids.get(old.id) == old_seq:
                del self.ids[old.id]
        self.events.append((self.seq, _Raw(event_id, record.headers, record.value)))
        self.ids[event_id] = self.seq
        self.changed.set()
        self.changed = asyncio.Event()

    def after(self, seq: int) -> list[tuple[int, CloudEvent]]:
        if not self.events or seq >= self.seq:
            return []
        first = self.events[0][0]
        start = max(0, seq + 1 - first)
        return [(n, raw.event) for n, raw in list(self.events)[start:]]

    def position_of(self, event_id: str | None) -> int | None:
        """The sequence number of a known event id (None when unknown or already dropped from the buffer)."""
        return self.ids.get(event_id) if event_id else None
