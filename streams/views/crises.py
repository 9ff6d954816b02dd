"""The crisis read view: latest snapshot per crisis from rrc.crises, signals from rrc.signals, queries.

Why a view and not the Faust table: the table is partitioned over workers, so one API instance would see
only its own partitions. Every API instance instead reads all partitions of rrc.crises (no consumer group)
into this view, so every instance gives the same answers, eventually consistent with the events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vocabulary.signals import Severity
from vocabulary.pagination import Page, paginate


@dataclass(frozen=True)
class CrisisFilter:
    status: str | None = None
    kind: str | None = None
    hazard: str | None = None
    country: str | None = None
    min_severity: Severity | None = None
    since: datetime | None = None
    exercise: bool | None = None

    def matches(self, c: dict[str, Any]) -> bool:
        if self.status and c["status"] != self.status:
            return False
        if self.kind and c["kind"] != self.kind:
            return False
        if self.hazard and c["hazard"] != self.hazard:
            return False
        if self.country and self.country.upper() not in c["countries"]:
            return False
        if self.min_severity and Severity(c["severity"]).rank < self.min_severity.rank:
            return False
        if self.since and datetime.fromisoformat(c["updated_at"].replace("Z", "+00:00")) < self.since:
            return False
        if self.exercise is not None and bool(c.get("exercise")) != self.exercise:
            return False
        return True


PUBLIC_FIELDS = ("crisis_id", "kind", "hazard", "title", "countries", "location", "severity", "status", "exercise",
                 "signal_count", "references", "opened_at", "updated_at", "affected_population", "magnitude",
                 "first_signal_at", "last_signal_at", "closed_at", "correlation_key")


def crisis_read(crisis: dict[str, Any]) -> dict[str, Any]:
    """The public crisis shape (ARCHITECTURE.md) from a full snapshot."""
    return {k: crisis.get(k) for k in PUBLIC_FIELDS}


class CrisisView:
    """Fold of rrc.crises (latest snapshot wins by signal count and update time) and rrc.signals."""

    def __init__(self) -> None:
        self.crises: dict[str, dict[str, Any]] = {}
        self.signals: dict[str, dict[str, Any]] = {}
        self.events_seen: set[str] = set()

    def apply_crisis_message(self, value: bytes) -> None:
        message = json.loads(value)
        event, crisis = message["event"], message["crisis"]
        if event["event_id"] in self.events_seen:
            return
        self.events_seen.add(event["event_id"])
        current = self.crises.get(crisis["crisis_id"])
        if current is None or _version(crisis) >= _version(current):
            self.crises[crisis["crisis_id"]] = crisis

    def apply_signal_message(self, value: bytes) -> None:
        signal = json.loads(value)
        self.signals[signal["signal_id"]] = signal

    def list(self, flt: CrisisFilter, limit: int, cursor: str | None) -> Page:
        rows = (c for c in self.crises.values() if flt.matches(c))
        return paginate(rows, _newest_first, limit, cursor)

    def get(self, crisis_id: str) -> dict[str, Any] | None:
        crisis = self.crises.get(crisis_id)
        if crisis is None:
            return None
        detail = crisis_read(crisis)
        detail["signal_ids"] = list(crisis.get("signal_ids", []))
        detail["signals"] = [self.signals[s] for s in crisis.get("signal_ids", []) if s in self.signals]
        detail["history"] = crisis.get("history", [])
        return detail


def _version(crisis: dict[str, Any]) -> tuple:
    return (crisis.get("status") == "closed", crisis.get("signal_count", 0), crisis.get("updated_at", ""),
            len(crisis.get("history", [])))


def _newest_first(c: dict[str, Any]) -> tuple:
    # ISO timestamps sort lexically; invert for newest first by sorting on the negated epoch.
    opened = datetime.fromisoformat(c["opened_at"].replace("Z", "+00:00")).timestamp()
    return (-opened, c["crisis_id"])
