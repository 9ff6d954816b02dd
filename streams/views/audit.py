"""The audit read view: every event of rrc.audit, queryable by entity, actor, action, outcome and time.

Every API instance reads all partitions of rrc.audit (no consumer group) into this view, like the crisis
view, so every instance answers the same. The API also adds the events it publishes itself at once (the same
audit id arrives again from the topic and is ignored), so a caller reads its own trail.

The whole trail is kept in memory (rrc.audit is retained forever): fine for the volumes of one response
operation, but a long-lived deployment should move old events to a queryable store or bound the window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vocabulary.pagination import Page, paginate

REQUIRED_FIELDS = ("audit_id", "at", "actor", "role", "action", "operation", "status", "outcome", "affected")


class BadAuditEvent(ValueError):
    """A record of rrc.audit that lacks what the view needs."""


@dataclass(frozen=True)
class AuditFilter:
    """Every given field must match; `since` is inclusive, `until` exclusive (both timezone-aware)."""

    entity: str | None = None
    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, entry: "_Entry") -> bool:
        event = entry.event
        if self.entity is not None and self.entity not in event["affected"]:
            return False
        if self.actor is not None and event["actor"] != self.actor:
            return False
        if self.action is not None and event["action"] != self.action:
            return False
        if self.outcome is not None and event["outcome"] != self.outcome:
            return False
        if self.since is not None and entry.at < self.since:
            return False
        if self.until is not None and entry.at >= self.until:
            return False
        return True


@dataclass(frozen=True)
class _Entry:
    at: datetime
    event: dict[str, Any]

    def newest_first(self) -> tuple:
        return (-self.at.timestamp(), self.event["audit_id"])


class AuditView:
    """Audit events by audit id; a redelivered or locally added event is kept once."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry] = {}

    def apply_message(self, value: bytes) -> None:
        self.add(json.loads(value))

    def add(self, event: dict[str, Any]) -> bool:
        """Keep one event (JSON-shaped); False when its audit id is known already."""
        missing = [f for f in REQUIRED_FIELDS if f not in event]
        if missing:
            raise BadAuditEvent(f"audit event lacks {', '.join(missing)}")
        if event["audit_id"] in self.entries:
            return False
        at = datetime.fromisoformat(str(event["at"]).replace("Z", "+00:00"))
        if at.tzinfo is None:
            raise BadAuditEvent(f"audit event {event['audit_id']}: at has no timezone")
        self.entries[event["audit_id"]] = _Entry(at=at, event=event)
        return True

    def __len__(self) -> int:
        return len(self.entries)

    def list(self, flt: AuditFilter, limit: int, cursor: str | None) -> Page:
        rows = (e for e in self.entries.values() if flt.matches(e))
        page = paginate(rows, _Entry.newest_first, limit, cursor)
        return Page(items=[e.event for e in page.items], total=page.total, next=page.next)

