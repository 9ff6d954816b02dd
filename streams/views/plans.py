"""The plans read view: latest plan and intervention per id from rrc.plans, and the results of commands.

Like the crisis view, every API instance reads all partitions of rrc.plans (no consumer group), so each gives the
same answers whichever worker owns a crisis. A call that sends a command waits here for the owner's result.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streams.views.store import DiskRecords, DiskStore
from vocabulary.pagination import Page, paginate

MAX_RESULTS = 10_000


@dataclass(frozen=True)
class PlanFilter:
    crisis_id: str | None = None
    status: str | None = None
    exercise: bool | None = None
    visible: Callable[[str], bool] | None = None  # the caller's office scope, by crisis id

    def matches(self, p: dict[str, Any]) -> bool:
        if self.visible is not None and not self.visible(p["crisis_id"]):
            return False
        if self.crisis_id and p["crisis_id"] != self.crisis_id:
            return False
        if self.status and p["status"] != self.status:
            return False
        return self.exercise is None or bool(p.get("exercise")) == self.exercise


class PlansView:
    """Plans and interventions on local disk, each kept as the bytes of the rrc.plans message that carried it
    (`streams.views.store`): a proposed plan is hundreds of nested objects (candidates, score parts, partner
    rankings), and thousands of them kept as objects made full garbage collections stall the worker for hundreds
    of milliseconds; kept as bytes in memory they still grew with every plan ever proposed."""

    def __init__(self, store: DiskStore) -> None:
        self.plans = DiskRecords(store, ("plan_id", "crisis_id", "status", "revision", "updated_at", "created_at",
                                         "exercise"), part="plan", namespace="p")
        self.interventions = DiskRecords(store, ("intervention_id", "crisis_id", "status", "launched_at", "exercise"),
                                         part="intervention", namespace="i")
        self.results: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.waiters: dict[str, asyncio.Event] = {}

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
            waiter = self.waiters.get(result["command_id"])
            if waiter is not None:
                waiter.set()

    async def wait_result(self, command_id: str, timeout: float) -> dict[str, Any] | None:
        """The owner's result for a command (None after `timeout` seconds)."""
        if command_id in self.results:
            return self.results[command_id]
        waiter = self.waiters.setdefault(command_id, asyncio.Event())
        try:
            await asyncio.wait_for(waiter.wait(), timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self.waiters.pop(command_id, None)
        return self.results.get(command_id)

    def list_plans(self, flt: PlanFilter, limit: int, cursor: str | None) -> Page:
        rows = (p for p in self.plans.meta.values() if flt.matches(p))
        page = paginate(rows, lambda p: (p["created_at"], p["plan_id"]), limit, cursor)
        return Page(items=[self.plans[p["plan_id"]] for p in page.items], total=page.total, next=page.next)

    def list_interventions(self, status: str | None, crisis_id: str | None, exercise: bool | None, limit: int,
                           cursor: str | None, visible: Callable[[str], bool] | None = None) -> Page:
        rows = (i for i in self.interventions.meta.values()
                if (status is None or i["status"] == status) and (crisis_id is None or i["crisis_id"] == crisis_id)
                and (exercise is None or bool(i.get("exercise")) == exercise)
                and (visible is None or visible(i["crisis_id"])))
        page = paginate(rows, lambda i: (i["launched_at"], i["intervention_id"]), limit, cursor)
        return Page(items=[self.interventions[i["intervention_id"]] for i in page.items], total=page.total,
                    next=page.next)


def _newer(candidate: dict[str, Any], current: dict[str, Any] | None) -> bool:
    """Events of one crisis arrive in order; replays after a crash repeat older states, so compare."""
    if current is None:
        return True
    rank = {"proposed": 0, "superseded": 1, "approved": 1}
    return ((rank[candidate["status"]], candidate["revision"], candidate["updated_at"])
            >= (rank[current["status"]], current["revision"], current["updated_at"]))
