"""The plans read view: latest plan and intervention per id from rrc.plans, and the results of commands.

Like the crisis view, every API instance reads all partitions of rrc.plans (no consumer group), so each gives the
same answers whichever worker owns a crisis. A call that sends a command waits here for the owner's result.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streams.views.store import DiskRecords, DiskStore
from streams.views.waiters import Waiters
from vocabulary.pagination import Page, paginate

MAX_RESULTS = 10_000


@dataclass(frozen=True)
class PlanFilter:
    """What a plan or intervention list keeps (each test on the in-memory summary; nothing read from disk)."""

    crisis_id: str | None = None
    status: str | None = None
    exercise: bool | None = None
    hazard: str | None = None
    severity: str | None = None
    country: str | None = None
    visible: Callable[[str], bool] | None = None  # the caller's office scope, by crisis id

    def matches(self, p: dict[str, Any]) -> bool:
        if self.visible is not None and not self.visible(p["crisis_id"]):
            return False
        if self.crisis_id and p["crisis_id"] != self.crisis_id:
            return False
        if self.status and p["status"] != self.status:
            return False
        if self.hazard and p.get("hazard") != self.hazard:
            return False
        if self.severity and p.get("severity") != self.severity:
            return False
        if self.country and self.country not in (p.get("countries") or ()):
            return False
        return self.exercise is None or bool(p.get("exercise")) == self.exercise


PLAN_META = ("plan_id", "crisis_id", "status", "revision", "updated_at", "created_at", "exercise", "hazard",
             "severity", "countries")
PLAN_SUMMARY = ("plan_id", "crisis_id", "version", "revision", "status", "template_id", "title", "hazard", "severity",
                "countries", "exercise", "created_at", "updated_at", "trigger_event_id", "trigger_signal_id",
                "approved_at", "approved_by", "intervention_id", "superseded_by")
INTERVENTION_META = ("intervention_id", "crisis_id", "status", "launched_at", "exercise")
INTERVENTION_SUMMARY = ("intervention_id", "plan_id", "crisis_id", "status", "launched_at", "closed_at", "exercise")


def plan_summary(plan: dict[str, Any]) -> dict[str, Any]:
    """A list's form of a plan: what it is, and counts of roles, seats, candidates and unfilled seats instead of
    the roles with their ranked candidates (`?view=full`, or the plan by id, has those)."""
    roles = plan.get("roles") or []
    return {**{k: plan.get(k) for k in PLAN_SUMMARY},
            "counts": {"roles": len(roles), "seats": sum(r.get("count", 0) for r in roles),
                       "candidates": sum(len(r.get("candidates") or ()) for r in roles),
                       "unfilled": sum(r.get("unfilled", 0) for r in roles),
                       "partner_asks": len(plan.get("partner_asks") or ()), "targets": len(plan.get("targets") or ())}}


def intervention_summary(intervention: dict[str, Any]) -> dict[str, Any]:
    plan = intervention.get("plan") or {}
    roles = plan.get("roles") or []
    return {**{k: intervention.get(k) for k in INTERVENTION_SUMMARY}, "title": plan.get("title"),
            "hazard": plan.get("hazard"), "severity": plan.get("severity"), "countries": plan.get("countries") or [],
            "counts": {"roles": len(roles), "seats": sum(r.get("count", 0) for r in roles),
                       "targets": len(intervention.get("targets") or ())}}


def _plan_of(intervention: dict[str, Any]) -> dict[str, Any]:
    """What intervention filters test, kept in memory: the frozen plan's hazard, severity and countries."""
    plan = intervention.get("plan") or {}
    return {"hazard": plan.get("hazard"), "severity": plan.get("severity"), "countries": plan.get("countries") or []}


class PlansView:
    """Plans and interventions on local disk, each kept as the bytes of the rrc.plans message that carried it
    (`streams.views.store`): a proposed plan is hundreds of nested objects (candidates, score parts, partner
    rankings), and thousands of them kept as objects made full garbage collections stall the worker for hundreds
    of milliseconds; kept as bytes in memory they still grew with every plan ever proposed."""

    def __init__(self, store: DiskStore) -> None:
        self.plans = DiskRecords(store, PLAN_META, part="plan", namespace="p")
        self.interventions = DiskRecords(store, INTERVENTION_META, part="intervention", namespace="i",
                                         derived=_plan_of)
        self.results: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.waiters = Waiters()  # by command id

    def apply_message(self, value: bytes) -> None:
        event = json.loads(value)
        plan, intervention, result = event.get("plan"), event.get("intervention"), event.get("result")
        if plan is not None and _newer(plan, self.plans.meta.get(plan["plan_id"])):
            self.plans.put(plan["plan_id"], plan, value)
        if intervention is not None:
            self.interventions.put(intervention["intervention_id"], intervention, value)
        if result is not None:
            self.results[result["command_id"]] = result
            while len(self.results) > MAX_RESULTS:
                self.results.popitem(last=False)
            self.waiters.wake(result["command_id"])

    async def wait_result(self, command_id: str, timeout: float) -> dict[str, Any] | None:
        """The owner's result for a command (None after `timeout` seconds)."""
        await self.waiters.wait(command_id, lambda: command_id in self.results, timeout)
        return self.results.get(command_id)

    def list_plans(self, flt: PlanFilter, limit: int, cursor: str | None, full: bool = False) -> Page:
        """Plans oldest first: summaries (counts instead of roles and candidates), or the whole plans."""
        rows = (p for p in self.plans.meta.values() if flt.matches(p))
        page = paginate(rows, lambda p: (p["created_at"], p["plan_id"]), limit, cursor)
        items = [self.plans[p["plan_id"]] for p in page.items]
        return Page(items=items if full else [plan_summary(p) for p in items], total=page.total, next=page.next)

    def list_interventions(self, flt: PlanFilter, limit: int, cursor: str | None, full: bool = False) -> Page:
        rows = (i for i in self.interventions.meta.values() if flt.matches(i))
        page = paginate(rows, lambda i: (i["launched_at"], i["intervention_id"]), limit, cursor)
        items = [self.interventions[i["intervention_id"]] for i in page.items]
        return Page(items=items if full else [intervention_summary(i) for i in items], total=page.total,
                    next=page.next)


def _newer(candidate: dict[str, Any], current: dict[str, Any] | None) -> bool:
    """Events of one crisis arrive in order; replays after a crash repeat older states, so compare."""
    if current is None:
        return True
    rank = {"proposed": 0, "superseded": 1, "approved": 1}
    return ((rank[candidate["status"]], candidate["revision"], candidate["updated_at"])
            >= (rank[current["status"]], current["revision"], current["updated_at"]))
