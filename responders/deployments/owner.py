"""The owner of a crisis's staffing: what the planning owner does with deployment commands and launches.

The planning agent is the single writer of a crisis's PlanBook (keyed by crisis id), so the staffing of the
crisis's interventions lives in the same book (`PlanBook.staffing`, by intervention id): approving a plan and
starting its offers are one atomic table write, and every answer, hold result and expiry of the crisis's
requests is applied by that one writer in order.

Experts' days are not this owner's: holds are asked of the expert's ledger (keyed by expert id, see
`ledger.py`) and come back as `hold_result` commands. `handle_command` returns what to emit and send; it reads
no clock (the command's time or the caller's `now`) and talks to no broker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from responders.deployments.ledger import HoldDecision
from responders.deployments.machine import DEFAULT_ANSWER_HOURS, DEFAULT_ANSWER_HOURS_OTHERWISE, TransitionRefused
from responders.deployments.staffing import (
    AskHold,
    ConfirmHold,
    DeploymentEvent,
    Rematch,
    Release,
    Seat,
    Staffing,
    Step,
    add_candidates,
    close,
    on_answer,
    on_hold,
    start_staffing,
    sweep,
)
from responders.plans.models import (
    Command,
    CommandResult,
    Intervention,
    PlanBook,
    PlanEvent,
    PlanEventType,
    PlanRole,
)
from responders.matching.requests import RoleRequest
from responders.plans.models import COMMAND_RESULT
from responders.plans.planner import MAX_COMMANDS_REMEMBERED, event_id_for, on_command
from vocabulary.signals import Hazard, kind_of

STAFFING_COMMANDS = frozenset({"answer_request", "hold_result", "expire_due"})
STAFFING_UPDATED = "rrc.staffing.updated"  # internal: the staffing snapshot on rrc.deployments, for the views
DEPLOYMENT_TYPES = frozenset({"rrc.deployment.requested", "rrc.deployment.accepted", "rrc.deployment.declined",
                              "rrc.deployment.expired", "rrc.deployment.escalated", "rrc.role.filled",
                              "rrc.delivery.warning"})
NOTIFIED_TYPES = frozenset({"rrc.deployment.requested", "rrc.deployment.expired"})

# Relaxed matching for a seat whose candidate list ran out: (intervention, role, experts already tried) -> experts.
Relaxer = Callable[[Intervention, PlanRole, tuple[str, ...]], list[str]]


@dataclass(frozen=True)
class StaffingConfig:
    parallel: int = 1
    answer_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ANSWER_HOURS))
    answer_otherwise: float = DEFAULT_ANSWER_HOURS_OTHERWISE


@dataclass
class StaffingOutcome:
    book: PlanBook
    changed: bool = False
    plan_events: list[PlanEvent] = field(default_factory=list)
    deployment_events: list[DeploymentEvent] = field(default_factory=list)
    ledger: list[AskHold | Release | ConfirmHold] = field(default_factory=list)
    staffing_changed: list[str] = field(default_factory=list)  # intervention ids

    def absorb(self, intervention_id: str, step: Step) -> None:
        self.book.staffing[intervention_id] = step.staffing
        self.changed = True
        if intervention_id not in self.staffing_changed:
            self.staffing_changed.append(intervention_id)
        for action in step.actions:
            if isinstance(action, DeploymentEvent):
                self.deployment_events.append(action)
            elif isinstance(action, (AskHold, Release, ConfirmHold)):
                self.ledger.append(action)
            else:
                raise TypeError(f"unexpected staffing action {action!r}")


def handle_command(book: PlanBook, command: Command, now: datetime, config: StaffingConfig,
                   relax: Relaxer) -> StaffingOutcome:
    """Apply a command to the crisis's book: coordinators' commands through the planner, then start staffing for
    a launched intervention and withdraw the offers of a closed one; deployment commands here."""
    if command.type not in STAFFING_COMMANDS:
        planned = on_command(book, command, now)
        out = StaffingOutcome(planned.book.model_copy(update={"staffing": dict(planned.book.staffing)}),
                              changed=planned.changed, plan_events=list(planned.events))
        for event in planned.events:
            if event.type == PlanEventType.LAUNCHED and event.intervention is not None:
                iv = event.intervention
                if iv.intervention_id not in out.book.staffing:
                    step = start_staffing(iv.model_dump(mode="json"), now, config.parallel)
                    out.absorb(iv.intervention_id, _rematched(step, iv, relax, now))
            elif event.type == PlanEventType.CLOSED and event.intervention is not None:
                st = out.book.staffing.get(event.intervention.intervention_id)
                if st is not None:
                    out.absorb(st.intervention_id, close(st, now))
        return out
    out = StaffingOutcome(book.model_copy(update={"staffing": dict(book.staffing)}))
    if command.command_id in book.commands_seen:
        return out
    handler = {"answer_request": _answer, "hold_result": _hold_result, "expire_due": _expire_due}[command.type]
    result = handler(out, command, now, config, relax)
    if command.type == "answer_request":
        seen = [*out.book.commands_seen, command.command_id][-MAX_COMMANDS_REMEMBERED:]
        out.book = out.book.model_copy(update={"commands_seen": seen})
        out.changed = True
    if result is not None:
        out.plan_events.append(PlanEvent(event_id=event_id_for(COMMAND_RESULT, command.command_id),
                                         type=COMMAND_RESULT, crisis_id=command.crisis_id, occurred_at=now,
                                         exercise=False, result=result))
    return out


def _staffing_of(book: PlanBook, intervention_id: str | None) -> Staffing | None:
    return book.staffing.get(intervention_id or "")


def _intervention(book: PlanBook, st: Staffing) -> Intervention:
    found = book.intervention(st.intervention_id)
    if found is None:
        raise LookupError(f"staffing of unknown intervention {st.intervention_id}")
    return found


def _rematched(step: Step, intervention: Intervention, relax: Relaxer, now: datetime) -> Step:
    """Answer the step's Rematch actions with relaxed candidates until none is left (each seat relaxes once)."""
    actions: list[Any] = []
    st = step.staffing
    pending = list(step.actions)
    while pending:
        action = pending.pop(0)
        if not isinstance(action, Rematch):
            actions.append(action)
            continue
        role = next(r for r in intervention.plan.roles if r.role == action.role)
        more = add_candidates(st, action.seat_key, relax(intervention, role, action.exclude), now)
        st = more.staffing
        pending.extend(more.actions)
    return Step(st, actions)


def _answer(out: StaffingOutcome, command: Command, now: datetime, config: StaffingConfig,
            relax: Relaxer) -> CommandResult:
    st = _staffing_of(out.book, command.intervention_id)
    request = st.requests.get(command.request_id or "") if st else None
    if st is None or request is None:
        return _result(command, "rejected", 404, f"no deployment request {command.request_id}")
    if request.expert_id != command.expert_id:  # another expert's request: as if it did not exist
        return _result(command, "rejected", 404, f"no deployment request {command.request_id}")
    try:
        step = on_answer(st, request.request_id, bool(command.accept), command.issued_at, by=command.expert_id,
                         reason=command.reason)
    except TransitionRefused as exc:
        first = getattr(exc, "step", None)
        if first is not None:  # a late answer: the request expires now and its seat moves on
            out.absorb(st.intervention_id, _rematched(first, _intervention(out.book, st), relax, now))
        return _result(command, "rejected", exc.code, str(exc))
    out.absorb(st.intervention_id, _rematched(step, _intervention(out.book, st), relax, now))
    return _result(command, "applied", 200, "accepted" if command.accept else "declined")


def _hold_result(out: StaffingOutcome, command: Command, now: datetime, config: StaffingConfig,
                 relax: Relaxer) -> None:
    st = _staffing_of(out.book, command.intervention_id)
    if st is None:
        return None
    decision = HoldDecision(granted=bool(command.granted), reason=command.reason)
    step = on_hold(st, command.request_id or "", decision, command.issued_at, config.answer_hours,
                   config.answer_otherwise)
    if step.staffing is not st or step.actions:
        out.absorb(st.intervention_id, _rematched(step, _intervention(out.book, st), relax, now))
    return None


def _expire_due(out: StaffingOutcome, command: Command, now: datetime, config: StaffingConfig,
                relax: Relaxer) -> None:
    st = _staffing_of(out.book, command.intervention_id)
    if st is None:
        return None
    step = sweep(st, command.issued_at)  # the sweep's clock decides what is overdue
    if step.actions:
        out.absorb(st.intervention_id, _rematched(step, _intervention(out.book, st), relax, now))
    return None


def relaxed_request(intervention: Intervention, role: PlanRole) -> RoleRequest | None:
    """The role asked again with its soft criteria relaxed: every skill one level lower (not below 1) and no
    language preference. Availability, other deployments and holds, rest, duration and clearance stay hard: they
    protect the expert and the mission. None when the crisis names no country (nothing to match against)."""
    plan = intervention.plan
    if not plan.countries:
        return None
    return RoleRequest(role=role.role, skills={k: max(1, v - 1) for k, v in role.skills.items()}, count=role.count,
                       start=role.start, duration_days=role.duration_days, countries=list(plan.countries),
                       kind=kind_of(Hazard(plan.hazard)), hazard=Hazard(plan.hazard), high_risk=role.high_risk,
                       preferred_languages=[])


def _result(command: Command, outcome: str, code: int, detail: str | None) -> CommandResult:
    return CommandResult(command_id=command.command_id, outcome=outcome, status_code=code, detail=detail,
                         intervention_id=command.intervention_id, request_id=command.request_id)


# --- what leaves the owner --------------------------------------------------------------------------------------

def next_deadline(st: Staffing | dict) -> datetime | None:
    """The earliest answer deadline among the staffing's open offers (model or its snapshot JSON); None when
    nothing waits for an answer. What the expiry sweep watches."""
    data = st.model_dump(mode="json") if isinstance(st, Staffing) else st
    if data.get("closed"):
        return None
    deadlines = [datetime.fromisoformat(r["respond_by"]) for r in data.get("requests", {}).values()
                 if r["state"] == "offered"]
    return min(deadlines, default=None)


def overdue(st: Staffing | dict, now: datetime) -> bool:
    """Whether an offer of the staffing is past its deadline."""
    due = next_deadline(st)
    return due is not None and due < now


class PublicDeploymentData(BaseModel):
    """The data of a deployment event on the public stream and in webhooks: the role and the seat, never who."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    intervention_id: str
    crisis_id: str
    plan_id: str
    role: str = Field(description="the role of the seat (experts appear by role only)")
    seat: int = Field(ge=1, description="which seat of the role, from 1")
    state: str | None = Field(default=None, description="the request's state after the change")
    detail: str | None = None
    hazard: str
    severity: str
    countries: list[str]
    exercise: bool


def public_data(event: DeploymentEvent, intervention: Intervention) -> dict[str, Any]:
    """What partners see of a deployment event (no expert or request ids, no names)."""
    plan = intervention.plan
    return PublicDeploymentData(
        intervention_id=event.intervention_id, crisis_id=event.crisis_id, plan_id=plan.plan_id, role=event.role,
        seat=event.seat + 1, state=event.state, detail=event.detail, hazard=plan.hazard, severity=plan.severity,
        countries=list(plan.countries), exercise=intervention.exercise).model_dump(mode="json")


def notification_for(event: DeploymentEvent, st: Staffing) -> dict[str, Any] | None:
    """The outbox record telling the expert about a new offer or an expired one (None for other events)."""
    if event.type not in NOTIFIED_TYPES or not event.request_id or not event.expert_id:
        return None
    request = st.requests[event.request_id]
    if event.type == "rrc.deployment.requested":
        subject = f"Deployment request: {request.role} for {request.crisis_title}"
        text = (f"You are asked to deploy as {request.role} for {request.crisis_title} "
                f"({', '.join(request.place) or 'place to be confirmed'}), {request.start} to {request.end}. "
                f"Please accept or decline by {request.respond_by.isoformat()} "
                f"(POST /v1/deployment-requests/{request.request_id}/accept or /decline).")
    else:
        subject = f"Deployment request expired: {request.role} for {request.crisis_title}"
        text = (f"The request to deploy as {request.role} for {request.crisis_title} expired at "
                f"{request.respond_by.isoformat()} without an answer; the seat was offered to someone else.")
    return {"notification_id": f"ntf-{event.event_id}", "expert_id": event.expert_id,
            "request_id": event.request_id, "event_type": event.type, "subject": subject, "text": text,
            "created_at": event.occurred_at.isoformat()}


def seats_summary(st: Staffing) -> list[dict[str, Any]]:
    """Coordinators' view of each seat: who fills it or is asked, and how far down the list it has gone."""
    out = []
    for seat in st.seats:
        out.append({"role": seat.role, "seat": seat.index + 1, "filled": seat.filled_by is not None,
                    "filled_by": seat.filled_by, "filled_request": seat.filled_request,
                    "open_requests": list(seat.open_requests), "holds_pending": len(seat.pending),
                    "tried": len(seat.tried), "candidates_left": _left(seat), "relaxed": seat.relaxed,
                    "warned": seat.warned})
    return out


def _left(seat: Seat) -> int:
    tried = set(seat.tried)
    return sum(1 for e in seat.candidates if e not in tried)
