"""The deployments read view: each intervention's latest staffing snapshot from rrc.deployments, its requests by id
and by expert, and the earliest answer deadline still open (what the expiry sweep looks at).

Every API instance reads all partitions (no consumer group). Snapshots of one crisis arrive in order, and a replay
after a crash repeats the same snapshots before newer ones, so the last snapshot read is the current state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from responders.deployments.machine import HOLDING_STATES
from responders.deployments.owner import STAFFING_UPDATED, next_deadline
from responders.matching.requests import Reservation
from vocabulary.pagination import Page, paginate

HOLDING = frozenset(s.value for s in HOLDING_STATES)


@dataclass(frozen=True)
class Due:
    intervention_id: str
    crisis_id: str
    respond_by: datetime


class DeploymentsView:
    def __init__(self, end_reminder_days: int = 3) -> None:
        self.end_reminder_days = end_reminder_days
        self.staffing: dict[str, dict[str, Any]] = {}  # intervention id -> snapshot message
        self.requests: dict[str, dict[str, Any]] = {}  # request id -> request
        self.by_expert: dict[str, set[str]] = {}  # expert id -> request ids
        self.due: dict[str, Due] = {}  # intervention id -> earliest deadline of an open offer
        self.events = 0
        self.snapshots = 0  # staffing snapshots applied (what the cached reservations were built from)
        self._reserved: tuple[int, list[Reservation]] | None = None

    def apply_message(self, value: bytes) -> None:
        message = json.loads(value)
        if message.get("type") != STAFFING_UPDATED:
            self.events += 1
            return
        self.snapshots += 1
        st = message["staffing"]
        iv = message["intervention_id"]
        self.staffing[iv] = message
        for rid, request in st["requests"].items():
            self.requests[rid] = request
            self.by_expert.setdefault(request["expert_id"], set()).add(rid)
        due = next_deadline(st, self.end_reminder_days)
        if due is not None:
            self.due[iv] = Due(iv, message["crisis_id"], due)
        else:
            self.due.pop(iv, None)

    def reservations(self) -> list[Reservation]:
        """Days experts are promised: offered, accepted, confirmed or deployed requests, whatever the crisis
        (built again only after a staffing snapshot changed them)."""
        if self._reserved is None or self._reserved[0] != self.snapshots:
            self._reserved = (self.snapshots, [
                Reservation(r["expert_id"], date.fromisoformat(r["start"]), date.fromisoformat(r["end"]))
                for r in self.requests.values() if r["state"] in HOLDING])
        return self._reserved[1]

    def overdue(self, now: datetime) -> list[Due]:
        return [d for d in self.due.values() if d.respond_by < now]

    @property
    def open_offers(self) -> int:
        return sum(1 for r in self.requests.values() if r["state"] == "offered")

    def requests_of(self, expert_id: str, state: str | None, limit: int, cursor: str | None) -> Page:
        rows = (self.requests[r] for r in self.by_expert.get(expert_id, ()))
        rows = (r for r in rows if state is None or r["state"] == state)
        return paginate(rows, lambda r: (r["offered_at"], r["request_id"]), limit, cursor)
