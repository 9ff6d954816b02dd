"""Staffing an intervention inside the owner of its crisis's response: launch, answers, holds, expiry, close.

The owner of a crisis's response (`responders.response`) is the single writer of the crisis's plans and of the
staffing of its interventions (one table row per crisis): approving a plan and starting its offers are one table
write, and every answer, hold decision and expiry of the crisis's requests is applied by that one writer in order.

Experts' days are not this owner's: holds are asked of the expert's ledger (keyed by expert id, see `ledger.py`)
and come back as `HoldDecided`. These functions return the new staffing and what to emit; they read no clock (the
message's time or the caller's `now`) and talk to no broker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from config.topics import DEPLOYMENTS
from responders.deployments.commands import AnswerRequest, ExpireDue, ExtendMission, MissionStep
from responders.deployments.ledger import (
    ConfirmHold,
    ExtendHold,
    ExtensionDecided,
    HoldDecided,
    HoldDecision,
    HoldExpert,
    ReleaseHold,
)
from responders.deployments.machine import (
    DEFAULT_ANSWER_HOURS,
    DeploymentRequest,
    DEFAULT_ANSWER_HOURS_OTHERWISE,
    RequestState,
    TransitionRefused,
)
from responders.deployments.staffing import (
    DeploymentEvent,
    Rematch,
    Seat,
    Staffing,
    Step,
    add_candidates,
    close,
    on_answer,
    on_hold,
    on_extension,
    on_mission,
    reminders_of,
    REMINDED,
    start_staffing,
    sweep,
)
from responders.messages import Emitted, Event, Public
from responders.notifications import OutboxRecord
from responders.plans.models import CommandResult, Intervention, PlanRole
from vocabulary.cloudevents import CloudEvent

STAFFING_UPDATED = "rrc.staffing.updated"  # internal: the staffing snapshot on rrc.deployments, for the views
DEPLOYMENT_TYPES = frozenset({"rrc.deployment.requested", "rrc.deployment.accepted", "rrc.deployment.declined",
                              "rrc.deployment.expired", "rrc.deployment.escalated", "rrc.role.filled",
                              "rrc.delivery.warning"})
NOTIFIED_TYPES = frozenset({"rrc.deployment.requested", "rrc.deployment.expired", REMINDED})

# Relaxed matching for a seat whose candidate list ran out: (intervention, role, experts already tried) -> experts.
Relaxer = Callable[[Intervention, PlanRole, tuple[str, ...]], list[str]]


@dataclass(frozen=True)
class StaffingConfig:
    parallel: int = 1
    answer_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ANSWER_HOURS))
    answer_otherwise: float = DEFAULT_ANSWER_HOURS_OTHERWISE
    end_reminder_days: int = 3


def launch(intervention: Intervention, now: datetime, config: StaffingConfig, relax: Relaxer) -> Step:
    """A launched intervention: its seats from the frozen plan, and the first holds asked."""
    step = start_staffing(intervention.model_dump(mode="json"), now, config.parallel)
    return rematched(step, intervention, relax, now)


def close_staffing(st: Staffing, now: datetime) -> Step:
    """The intervention closed: every open offer is withdrawn and its days released."""
    return close(st, now)


def answer_request(st: Staffing, intervention: Intervention, command: AnswerRequest, relax: Relaxer,
                   now: datetime) -> tuple[Step | None, CommandResult]:
    """An expert's answer: applied (200), or refused with the code the API answers (404, 409, 410)."""
    request = st.requests.get(command.request_id)
    if request is None or request.expert_id != command.expert_id:  # another expert's request: as if not there
        return None, result_of(command, "rejected", 404, f"no deployment request {command.request_id}")
    try:
        step = on_answer(st, request.request_id, command.accept, command.issued_at, by=command.expert_id,
                         reason=command.reason, channel=command.channel,
                         recorded_by=command.actor if command.channel is not None else None)
    except TransitionRefused as exc:
        first = getattr(exc, "step", None)  # a late answer: the request expires now and its seat moves on
        return (rematched(first, intervention, relax, now) if first is not None else None,
                result_of(command, "rejected", exc.code, str(exc)))
    return (rematched(step, intervention, relax, now),
            result_of(command, "applied", 200, "accepted" if command.accept else "declined"))


def mission_step(st: Staffing, command: MissionStep) -> tuple[Step | None, CommandResult]:
    """Check-in or completion of the expert's own confirmed (or deployed) request: 200, or 404 / 409."""
    request = st.requests.get(command.request_id)
    if request is None or request.expert_id != command.expert_id:
        return None, result_of(command, "rejected", 404, f"no deployment request {command.request_id}")
    to = RequestState.DEPLOYED if command.step == "check_in" else RequestState.COMPLETED
    note = command.note or (f"arrived on {command.on}" if command.step == "check_in" else f"ended on {command.on}")
    try:
        step = on_mission(st, command.request_id, to, command.issued_at, by=command.expert_id, note=note,
                          channel=command.channel, recorded_by=command.actor if command.channel else None)
    except TransitionRefused as exc:
        return None, result_of(command, "rejected", exc.code, str(exc))
    return step, result_of(command, "applied", 200, to.value)


def ask_extension(st: Staffing, command: ExtendMission) -> tuple[ExtendHold | None, CommandResult | None]:
    """An extension asked: the ledger re-checks the longer days (its answer decides); refused at once when the
    request is not the expert's, not confirmed or deployed, or the new end is not later."""
    request = st.requests.get(command.request_id)
    if request is None or request.expert_id != command.expert_id:
        return None, result_of(command, "rejected", 404, f"no deployment request {command.request_id}")
    if request.state not in (RequestState.CONFIRMED, RequestState.DEPLOYED):
        return None, result_of(command, "rejected", 409, f"request {command.request_id} is {request.state.value}; "
                                                          "only a confirmed or deployed mission is extended")
    if command.end <= request.end:
        return None, result_of(command, "rejected", 422, f"end: {command.end} is not after the current end "
                                                          f"{request.end}")
    return ExtendHold(request_id=request.request_id, expert_id=request.expert_id,
                      intervention_id=command.intervention_id, crisis_id=command.crisis_id, end=command.end,
                      command_id=command.command_id), None


def extension_decided(st: Staffing, event: ExtensionDecided, now: datetime) -> tuple[Step | None, CommandResult]:
    """The ledger's answer: the mission's end moves (an `rrc.deployment.extended` event), or the refusal."""
    request = st.requests.get(event.request_id)
    result = CommandResult(command_id=event.command_id, outcome="rejected", status_code=409,
                           detail=event.reason or "refused", intervention_id=event.intervention_id,
                           request_id=event.request_id)
    if request is None or not event.granted:
        return None, result
    step = on_extension(st, event.request_id, event.end, now)
    return step, result.model_copy(update={"outcome": "applied", "status_code": 200, "detail": f"ends {event.end}"})


def delivery_facts(st: Staffing, intervention: Intervention) -> dict[str, datetime]:
    """What the deadline targets wait for: the first acceptance, and the first phase's whole team on site."""
    facts: dict[str, datetime] = {}
    accepted = [t.at for r in st.requests.values() for t in r.history if t.state is RequestState.ACCEPTED]
    if accepted:
        facts["first_expert_accepted"] = min(accepted)
    phases = intervention.plan.phases
    first_phase = phases[0].id if phases else None
    roles = {r.role for r in intervention.plan.roles if r.phase == first_phase}
    team = [s for s in st.seats if s.role in roles]
    arrived = []
    for seat in team:
        request = st.requests.get(seat.filled_request or "")
        moves = [t.at for t in request.history if t.state is RequestState.DEPLOYED] if request else []
        if not moves:
            break
        arrived.append(min(moves))
    else:
        if team:
            facts["team_on_site"] = max(arrived)
    return facts


def deployed_experts(st: Staffing) -> list[str]:
    return sorted({r.expert_id for r in st.requests.values()
                   if r.state in (RequestState.CONFIRMED, RequestState.DEPLOYED, RequestState.COMPLETED)})


def hold_decided(st: Staffing, intervention: Intervention, event: HoldDecided, config: StaffingConfig,
                 relax: Relaxer, now: datetime) -> Step | None:
    """The ledger answered a hold: offer the seat, or move on to the next candidate."""
    decision = HoldDecision(granted=event.granted, reason=event.reason)
    step = on_hold(st, event.request_id, decision, event.decided_at, config.answer_hours, config.answer_otherwise)
    if step.staffing is st and not step.actions:
        return None
    return rematched(step, intervention, relax, now)


def expire_due(st: Staffing, intervention: Intervention, command: ExpireDue, relax: Relaxer,
               now: datetime, config: StaffingConfig | None = None) -> Step | None:
    """The sweep's clock (the command's time) decides what is overdue."""
    step = sweep(st, command.issued_at, (config or StaffingConfig()).end_reminder_days)
    return rematched(step, intervention, relax, now) if step.actions else None


def rematched(step: Step, intervention: Intervention, relax: Relaxer, now: datetime) -> Step:
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


def result_of(command: AnswerRequest, outcome: str, code: int, detail: str | None) -> CommandResult:
    return CommandResult(command_id=command.command_id, outcome=outcome, status_code=code, detail=detail,
                         intervention_id=command.intervention_id, request_id=command.request_id)


class StaffingUpdated(Event):
    """The staffing of an intervention after a change (rrc.deployments, keyed by crisis id): what views read."""

    topic = DEPLOYMENTS
    type: Literal["rrc.staffing.updated"] = STAFFING_UPDATED
    crisis_id: str
    intervention_id: str
    occurred_at: AwareDatetime
    staffing: Staffing
    seats: list[dict[str, Any]]

    @property
    def key(self) -> str:
        return self.crisis_id


class NotifyExpert(OutboxRecord):
    """The outbox record telling an expert about an offer or its expiry (rrc.notifications, keyed by expert)."""

    expert_id: str
    request_id: str

    @property
    def key(self) -> str:
        return self.expert_id


def emits_of(step: Step, intervention: Intervention, now: datetime) -> list[Emitted]:
    """Everything a staffing step sends: its deployment events (with their public copies and notifications), the
    ledger commands, and the new staffing snapshot."""
    st, out = step.staffing, []
    for action in step.actions:
        if isinstance(action, DeploymentEvent):
            out.append(action)
            out.append(Public(public_event(action, intervention), action.crisis_id))
            note = notification_for(action, st)
            if note is not None:
                out.append(note)
        elif isinstance(action, (HoldExpert, ReleaseHold, ConfirmHold, ExtendHold)):
            out.append(action)
        else:
            raise TypeError(f"unexpected staffing action {action!r}")
    out.append(StaffingUpdated(crisis_id=st.crisis_id, intervention_id=st.intervention_id, occurred_at=now,
                               staffing=st, seats=seats_summary(st)))
    return out


# --- what leaves the owner --------------------------------------------------------------------------------------

def next_deadline(st: Staffing | dict, end_reminder_days: int = 3) -> datetime | None:
    """The earliest time the sweep has something to do for this staffing (model or its snapshot JSON): an open
    offer's answer deadline, or a mission reminder coming due; None when nothing waits. What the sweep watches."""
    data = st.model_dump(mode="json") if isinstance(st, Staffing) else st
    if data.get("closed"):
        return None
    deadlines = []
    for r in data.get("requests", {}).values():
        if r["state"] == "offered":
            deadlines.append(datetime.fromisoformat(r["respond_by"]))
        elif r["state"] in ("confirmed", "deployed"):
            request = DeploymentRequest.model_validate(r)
            deadlines += [at for _, at, _ in reminders_of(request, end_reminder_days)]
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
        seat=event.seat, state=event.state, detail=event.detail, hazard=plan.hazard, severity=plan.severity,
        countries=list(plan.countries), exercise=intervention.exercise).model_dump(mode="json")


def public_event(event: DeploymentEvent, intervention: Intervention) -> CloudEvent:
    return CloudEvent(id=event.event_id, type=event.type, time=event.occurred_at, subject=event.intervention_id,
                      data=public_data(event, intervention),
                      extensions={"rrcexercise": "true" if intervention.exercise else "false",
                                  "rrccrisisid": event.crisis_id})


def notification_for(event: DeploymentEvent, st: Staffing) -> NotifyExpert | None:
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
    elif event.type == REMINDED:
        subject = f"Mission reminder: {request.role} for {request.crisis_title}"
        text = f"{event.detail} (deployment request {request.request_id})."
    else:
        subject = f"Deployment request expired: {request.role} for {request.crisis_title}"
        text = (f"The request to deploy as {request.role} for {request.crisis_title} expired at "
                f"{request.respond_by.isoformat()} without an answer; the seat was offered to someone else.")
    return NotifyExpert(notification_id=f"ntf-{event.event_id}", expert_id=event.expert_id,
                        request_id=event.request_id, event_type=event.type, subject=subject, text=text,
                        created_at=event.occurred_at)


def seats_summary(st: Staffing) -> list[dict[str, Any]]:
    """Coordinators' view of each seat: who fills it or is asked, and how far down the list it has gone."""
    out = []
    for seat in st.seats:
        out.append({"role": seat.role, "seat": seat.index, "filled": seat.filled_by is not None,
                    "filled_by": seat.filled_by, "filled_request": seat.filled_request,
                    "open_requests": list(seat.open_requests), "holds_pending": len(seat.pending),
                    "tried": len(seat.tried), "candidates_left": _left(seat), "relaxed": seat.relaxed,
                    "warned": seat.warned})
    return out


def _left(seat: Seat) -> int:
    tried = set(seat.tried)
    return sum(1 for e in seat.candidates if e not in tried)
