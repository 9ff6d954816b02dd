"""The deployments read view: each intervention's latest staffing snapshot from rrc.deployments, its requests by id
and by expert, and the earliest answer deadline still open (what the expiry sweep looks at).

Every API instance reads all partitions (no consumer group). Snapshots of one crisis arrive in order, and a replay
after a crash repeats the same snapshots before newer ones, so the last snapshot read is the current state.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from responders.deployments.machine import HOLDING_STATES
from responders.deployments.owner import STAFFING_UPDATED, next_deadline
from responders.matching.requests import Reservation
from responders.resources.owner import RESOURCES_UPDATED
from vocabulary.pagination import Page, paginate

HOLDING = frozenset(s.value for s in HOLDING_STATES)


@dataclass(frozen=True)
class Due:
    intervention_id: str
    crisis_id: str
    respond_by: datetime


@dataclass(frozen=True)
class RequestFilter:
    """Which deployment requests a list shows (`GET /v1/deployments`); `visible` is the caller's office scope."""

    state: str | None = None
    country: str | None = None
    crisis_id: str | None = None
    expert_id: str | None = None
    start: date | None = None  # overlapping from this day on
    end: date | None = None  # overlapping until this day
    visible: Callable[[dict[str, Any]], bool] | None = None

    def matches(self, r: dict[str, Any]) -> bool:
        return ((self.visible is None or self.visible(r)) and (self.state is None or r["state"] == self.state)
                and (self.country is None or self.country.upper() in r.get("place", []))
                and (self.crisis_id is None or r["crisis_id"] == self.crisis_id)
                and (self.expert_id is None or r["expert_id"] == self.expert_id)
                and (self.start is None or date.fromisoformat(r["end"]) >= self.start)
                and (self.end is None or date.fromisoformat(r["start"]) <= self.end))


MISSION_STATES = frozenset({"confirmed", "deployed", "completed"})
MISSION_FIELDS = ("request_id", "intervention_id", "crisis_id", "crisis_title", "role", "state", "place", "start",
                  "end", "severity")


class DeploymentsView:
    def __init__(self, end_reminder_days: int = 3) -> None:
        self.end_reminder_days = end_reminder_days
        self.staffing: dict[str, dict[str, Any]] = {}  # intervention id -> snapshot message
        self.requests: dict[str, dict[str, Any]] = {}  # request id -> request
        self.by_expert: dict[str, set[str]] = {}  # expert id -> request ids
        self.due: dict[str, Due] = {}  # intervention id -> earliest deadline of an open offer
        self.resources: dict[str, dict[str, Any]] = {}  # intervention id -> resources snapshot message
        self.resource_requests: dict[str, dict[str, Any]] = {}  # request id -> resource request
        self.by_partner: dict[str, set[str]] = {}  # partner id -> resource request ids
        self.resource_due: dict[str, Due] = {}  # intervention id -> earliest respond-by of an open resource request
        self.events = 0
        self.snapshots = 0  # staffing snapshots applied (what the cached reservations were built from)
        self._reserved: tuple[int, list[Reservation]] | None = None

    def apply_message(self, value: bytes) -> None:
        message = json.loads(value)
        if message.get("type") == RESOURCES_UPDATED:
            self._apply_resources(message)
            return
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

    def _apply_resources(self, message: dict[str, Any]) -> None:
        iv = message["intervention_id"]
        self.resources[iv] = message
        for rid, request in message["resources"]["requests"].items():
            self.resource_requests[rid] = request
            self.by_partner.setdefault(request["partner_id"], set()).add(rid)
        due = message.get("next_due_at")
        if due:
            self.resource_due[iv] = Due(iv, message["crisis_id"], datetime.fromisoformat(due.replace("Z", "+00:00")))
        else:
            self.resource_due.pop(iv, None)

    def resource_requests_of(self, partner_id: str, state: str | None, limit: int, cursor: str | None) -> Page:
        rows = (self.resource_requests[r] for r in self.by_partner.get(partner_id, ()))
        rows = (r for r in rows if state is None or r["state"] == state)
        return paginate(rows, lambda r: (r["requested_at"], r["request_id"]), limit, cursor)

    def reservations(self) -> list[Reservation]:
        """Days experts are promised: offered, accepted, confirmed or deployed requests, whatever the crisis
        (built again only after a staffing snapshot changed them)."""
        if self._reserved is None or self._reserved[0] != self.snapshots:
            self._reserved = (self.snapshots, [
                Reservation(r["expert_id"], date.fromisoformat(r["start"]), date.fromisoformat(r["end"]),
                            r.get("intervention_id"), r.get("crisis_id"), r["state"])
                for r in self.requests.values() if r["state"] in HOLDING])
        return self._reserved[1]

    def overdue(self, now: datetime) -> list[Due]:
        """Interventions with an offer to an expert or a resource request to a partner past its deadline (the
        earliest of the two when both are)."""
        out = {d.intervention_id: d for d in self.due.values() if d.respond_by < now}
        for d in self.resource_due.values():
            if d.respond_by < now and (d.intervention_id not in out or d.respond_by < out[d.intervention_id].respond_by):
                out[d.intervention_id] = d
        return list(out.values())

    @property
    def open_offers(self) -> int:
        return sum(1 for r in self.requests.values() if r["state"] == "offered")

    def list_requests(self, flt: RequestFilter, limit: int, cursor: str | None) -> Page:
        rows = (r for r in self.requests.values() if flt.matches(r))
        return paginate(rows, lambda r: (r["offered_at"], r["request_id"]), limit, cursor)

    def missions_of(self, expert_id: str) -> list[dict[str, Any]]:
        """The expert's confirmed, deployed and completed requests, by start date."""
        rows = (self.requests[r] for r in self.by_expert.get(expert_id, ()))
        missions = ({k: r.get(k) for k in MISSION_FIELDS} for r in rows if r["state"] in MISSION_STATES)
        return sorted(missions, key=lambda m: (m["start"], m["request_id"]))

    def requests_of(self, expert_id: str, state: str | None, limit: int, cursor: str | None) -> Page:
        rows = (self.requests[r] for r in self.by_expert.get(expert_id, ()))
        rows = (r for r in rows if state is None or r["state"] == state)
        return paginate(rows, lambda r: (r["offered_at"], r["request_id"]), limit, cursor)
