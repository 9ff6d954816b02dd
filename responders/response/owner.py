"""The owner of a crisis's response: one handler per message it accepts, all registered in `HANDLERS`.

Its inbox is the crisis's events (rrc.crises) and the commands and replies about the crisis (rrc.commands), all
keyed by crisis id, so one worker writes each crisis's `ResponseBook`. Planning (`responders.plans`) knows nothing
of staffing: when a plan command launches an intervention, this owner starts its staffing
(`responders.deployments.owner.launch`) in the same write; when one closes, it withdraws the open offers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from config.plan_templates import TemplateSet
from responders.crises.owner import CrisisRecorded
from responders.delivery.funding import FundingLineInput
from responders.delivery.models import AddFunding, StaffingObserved, TargetSpecIn, TrackIntervention
from responders.deployments.commands import AnswerRequest, ExpireDue, ExtendMission, MissionStep
from responders.deployments.ledger import ExtensionDecided, HoldDecided
from responders.deployments.owner import (
    Relaxer,
    StaffingConfig,
    answer_request,
    ask_extension,
    close_staffing,
    deployed_experts,
    delivery_facts,
    emits_of,
    expire_due,
    extension_decided,
    hold_decided,
    launch,
    mission_step,
    result_of,
)
from responders.matching.evaluate import ScreenCache
from responders.matching.index import RosterIndex
from responders.matching.requests import Reservation
from responders.messages import Decision, Emitted, Received, StateReader, decide_each
from responders.plans.commands import ApprovePlan, CloseIntervention, PlanCommand, RevisePlan
from responders.plans.models import CommandResult, PlanEvent, PlanEventType
from responders.plans.planner import (MAX_COMMANDS_REMEMBERED, PartnerRanker, on_command, on_crisis_event,
                                      result_event)
from responders.resources.capacity import ReleaseResource, ResourceCommitted
from responders.resources.owner import DeclineResource, ReportResourceStatus
from responders.resources.owner import emits_of as resource_emits
from responders.resources.owner import result_of as resource_result
from responders.resources.requests import (
    HELD,
    ResourceRefused,
    close_resources,
    commit,
    confirm_receipt,
    decline,
    report_status,
    start_resources,
)
from responders.resources.requests import expire_due as expire_resources
from responders.response.book import ResponseBook

Step = tuple[ResponseBook, list[Emitted]]


@dataclass(frozen=True)
class ResponseContext:
    """What the handlers read besides the book: templates, the roster as now, and the staffing rules."""

    templates: TemplateSet
    index: Callable[[], RosterIndex]
    rank_asks: PartnerRanker
    relax: Relaxer
    staffing: StaffingConfig
    plan_exercises: bool = False
    reservations: Callable[[], list[Reservation]] = list  # days experts are offered or committed elsewhere
    screens: Callable[[], ScreenCache | None] = lambda: None  # roles' screens kept from plan to plan (the matcher's)


def plan_emits(events: list[PlanEvent]) -> list[Emitted]:
    out: list[Emitted] = []
    for event in events:
        out.append(event)
        public = event.public()
        if public is not None:
            out.append(public)
    return out


def on_crisis(book: ResponseBook, message: CrisisRecorded, ctx: ResponseContext, now: datetime) -> Step:
    """A crisis opened or escalated: propose a plan (a new version) when a template fits."""
    outcome = on_crisis_event(book.plans, message, now, ctx.templates, ctx.index(), ctx.rank_asks,
                              plan_exercises=ctx.plan_exercises, reservations=ctx.reservations(),
                              screens=ctx.screens())
    if not outcome.changed:
        return book, []
    return book.model_copy(update={"plans": outcome.book}), plan_emits(outcome.events)


def on_plan_command(book: ResponseBook, command: PlanCommand, ctx: ResponseContext, now: datetime) -> Step:
    """Approve, revise or close through the planner; a launch starts its staffing, a close withdraws offers."""
    outcome = on_command(book.plans, command, now)
    if not outcome.changed:
        return book, []
    staffing, emits = dict(book.staffing), plan_emits(outcome.events)
    resources = dict(book.resources)
    for event in outcome.events:
        iv = event.intervention
        if iv is None:
            continue
        if event.type == PlanEventType.LAUNCHED and iv.intervention_id not in staffing:
            step = launch(iv, now, ctx.staffing, ctx.relax)
            emits.append(tracking(iv, step.staffing.place))
            asked = start_resources(iv.model_dump(mode="json"), now, ctx.staffing.answer_hours)
        elif event.type == PlanEventType.CLOSED and iv.intervention_id in staffing:
            step = close_staffing(staffing[iv.intervention_id], now)
            held = resources.get(iv.intervention_id)
            asked = close_resources(held, now) if held is not None else None
        else:
            continue
        staffing[iv.intervention_id] = step.staffing
        emits += staffed_emits(step, iv, now)
        if asked is not None:
            resources[iv.intervention_id] = asked.resources
            emits += resource_emits(asked, now)
    return book.model_copy(update={"plans": outcome.book, "staffing": staffing, "resources": resources}), emits


def tracking(iv, countries: list[str]) -> TrackIntervention:
    """Delivery control starts watching the launched intervention's targets (same write as the launch)."""
    plan = iv.plan
    last_day = max((r.start + timedelta(days=r.duration_days) for r in plan.roles), default=None)
    ends = None if last_day is None else max(datetime.combine(last_day, time.min, tzinfo=timezone.utc),
                                             iv.launched_at + timedelta(days=1))
    return TrackIntervention(intervention_id=iv.intervention_id, crisis_id=iv.crisis_id, countries=countries,
                             hazard=plan.hazard, objectives=sorted({r.objective for r in plan.roles}),
                             exercise=iv.exercise, title=plan.title, launched_at=iv.launched_at, ends_at=ends,
                             targets=[TargetSpecIn(target_id=t.id, label=t.label, kind=t.kind, value=t.value,
                                                   unit=t.unit, due_at=t.due_at) for t in iv.targets])


def staffed_emits(step, iv, now: datetime) -> list[Emitted]:
    """A staffing step's messages, and what it means for delivery control (facts and who is deployed)."""
    st = step.staffing
    observed = StaffingObserved(intervention_id=st.intervention_id, crisis_id=st.crisis_id,
                                facts=delivery_facts(st, iv), deployed=deployed_experts(st), closed=st.closed)
    return [*emits_of(step, iv, now), observed]


def on_answer(book: ResponseBook, command: AnswerRequest, ctx: ResponseContext, now: datetime) -> Step:
    """An expert's answer; the result goes back to the API call (a repeat of the command changes nothing)."""
    return _request_command(book, command, now, lambda st, iv: answer_request(st, iv, command, ctx.relax, now))


def on_mission(book: ResponseBook, command: MissionStep, ctx: ResponseContext, now: datetime) -> Step:
    """Check-in or end of mission; the result goes back to the API call."""
    return _request_command(book, command, now, lambda st, iv: mission_step(st, command))


def _request_command(book: ResponseBook, command: AnswerRequest | MissionStep, now: datetime,
                     apply: Callable[[Any, Any], tuple[Any, CommandResult]]) -> Step:
    """A command about one deployment request: applied once (by command id), its result to the waiting call."""
    if command.command_id in book.plans.commands_seen:
        return book, []
    st = book.staffing.get(command.intervention_id)
    iv = book.plans.intervention(command.intervention_id)
    if st is None or iv is None:
        step, result = None, result_of(command, "rejected", 404, f"no deployment request {command.request_id}")
    else:
        step, result = apply(st, iv)
    seen = [*book.plans.commands_seen, command.command_id][-MAX_COMMANDS_REMEMBERED:]
    update: dict[str, Any] = {"plans": book.plans.model_copy(update={"commands_seen": seen})}
    emits: list[Emitted] = []
    if step is not None:
        update["staffing"] = {**book.staffing, command.intervention_id: step.staffing}
        emits = staffed_emits(step, iv, now)
    return book.model_copy(update=update), [*emits, result_event(command.crisis_id, result, now)]


def on_extend(book: ResponseBook, command: ExtendMission, ctx: ResponseContext, now: datetime) -> Step:
    """An extension goes to the expert's ledger first; its answer (`ExtensionDecided`) settles it."""
    if command.command_id in book.plans.commands_seen:
        return book, []
    st = book.staffing.get(command.intervention_id)
    seen = [*book.plans.commands_seen, command.command_id][-MAX_COMMANDS_REMEMBERED:]
    updated = book.model_copy(update={"plans": book.plans.model_copy(update={"commands_seen": seen})})
    if st is None:
        return updated, [result_event(command.crisis_id, result_of(command, "rejected", 404,
                                                                   f"no deployment request {command.request_id}"), now)]
    ask, refused = ask_extension(st, command)
    return updated, [ask] if ask is not None else [result_event(command.crisis_id, refused, now)]


def on_extension(book: ResponseBook, event: ExtensionDecided, ctx: ResponseContext, now: datetime) -> Step:
    st = book.staffing.get(event.intervention_id)
    iv = book.plans.intervention(event.intervention_id)
    if st is None or iv is None:
        return book, []
    step, result = extension_decided(st, event, now)
    emits: list[Emitted] = [result_event(event.crisis_id, result, now)]
    if step is None:
        return book, emits
    staffing = {**book.staffing, event.intervention_id: step.staffing}
    return book.model_copy(update={"staffing": staffing}), [*staffed_emits(step, iv, now), *emits]


def on_hold(book: ResponseBook, event: HoldDecided, ctx: ResponseContext, now: datetime) -> Step:
    st = book.staffing.get(event.intervention_id)
    iv = book.plans.intervention(event.intervention_id)
    step = hold_decided(st, iv, event, ctx.staffing, ctx.relax, now) if st is not None and iv is not None else None
    return _staffed(book, step, iv, now)


def on_expire(book: ResponseBook, command: ExpireDue, ctx: ResponseContext, now: datetime) -> Step:
    """Overdue offers to experts and overdue resource requests to partners expire; their seats and asks go on."""
    st = book.staffing.get(command.intervention_id)
    iv = book.plans.intervention(command.intervention_id)
    step = expire_due(st, iv, command, ctx.relax, now, ctx.staffing) if st is not None and iv is not None else None
    book, emits = _staffed(book, step, iv, now)
    held = book.resources.get(command.intervention_id)
    if held is not None:
        asked = expire_resources(held, command.issued_at, ctx.staffing.answer_hours)
        if asked.actions:
            book = book.model_copy(update={"resources": {**book.resources, command.intervention_id: asked.resources}})
            emits = [*emits, *resource_emits(asked, now)]
    return book, emits


def _resource_command(book: ResponseBook, command, now: datetime, apply) -> Step:
    """A command about one resource request: applied once (by command id), its result to the waiting call."""
    if command.command_id in book.plans.commands_seen:
        return book, []
    seen = [*book.plans.commands_seen, command.command_id][-MAX_COMMANDS_REMEMBERED:]
    book = book.model_copy(update={"plans": book.plans.model_copy(update={"commands_seen": seen})})
    held = book.resources.get(command.intervention_id)
    emits: list[Emitted] = []
    try:
        if held is None:
            raise ResourceRefused(f"no resource request {command.request_id}", 404)
        asked, code, detail = apply(held)
    except ResourceRefused as exc:
        result = resource_result(command, "rejected", exc.code, str(exc))
        request = held.requests.get(command.request_id) if held is not None else None
        if isinstance(command, ResourceCommitted) and (request is None or request.state not in HELD):
            # held by the ledger but not recorded here (expired or withdrawn meanwhile): give it back; a late
            # repeat of a commitment that was recorded keeps it
            emits.append(ReleaseResource(request_id=command.request_id, partner_id=command.partner_id))
        return book, [*emits, result_event(command.crisis_id, result, now)]
    book = book.model_copy(update={"resources": {**book.resources, command.intervention_id: asked.resources}})
    return book, [*resource_emits(asked, now),
                  result_event(command.crisis_id, resource_result(command, "applied", code, detail), now)]


def on_decline_resource(book: ResponseBook, command: DeclineResource, ctx: ResponseContext, now: datetime) -> Step:
    return _resource_command(book, command, now, lambda held: (
        decline(held, command.request_id, command.partner_id, command.reason, command.issued_at,
                ctx.staffing.answer_hours), 200, "declined"))


def on_resource_committed(book: ResponseBook, event: ResourceCommitted, ctx: ResponseContext,
                          now: datetime) -> Step:
    """The partner's ledger held the quantity: record the commitment; any remainder goes to the next partner. A
    commitment of money (the `funding` capability, in the budget currency) also becomes a funding line of the
    intervention's budget (delivery control's AddFunding)."""
    after, emits = _resource_command(book, event, now, lambda held: (
        commit(held, event.request_id, event.partner_id, event.quantity, event.eta, event.decided_at,
               ctx.staffing.answer_hours), 201, f"committed {event.quantity:g}"))
    held = after.resources.get(event.intervention_id)
    request = held.requests.get(event.request_id) if held is not None else None
    if after is not book and request is not None and request.committed > 0:
        line = funding_line(request, event)
        if line is not None:
            emits.append(line)
    return after, emits


def funding_line(request, event: ResourceCommitted) -> AddFunding | None:
    """A partner's money commitment as a funding line (USD, the budget currency; others need a coordinator's rate)."""
    if request.capability != "funding" or request.unit != "USD":
        return None
    return AddFunding(intervention_id=request.intervention_id, crisis_id=request.crisis_id,
                      command_id=f"fund-{request.request_id}", line_id=f"fnd-{request.request_id}",
                      organisation=request.organisation, actor=event.actor, role="partner",
                      issued_at=event.decided_at,
                      line=FundingLineInput(source=request.partner_id, amount=request.committed, currency="USD",
                                            reference=request.request_id, committed_on=event.decided_at.date()))


def on_resource_status(book: ResponseBook, command: ReportResourceStatus, ctx: ResponseContext,
                       now: datetime) -> Step:
    if command.status == "received":
        apply = lambda held: (confirm_receipt(held, command.request_id, command.quantity, command.issued_at,  # noqa: E731
                                              command.actor), 200, "received")
    else:
        apply = lambda held: (report_status(held, command.request_id, command.partner_id or "", command.status,  # noqa: E731
                                            command.quantity, command.issued_at, command.note), 200,
                              command.status.value)
    return _resource_command(book, command, now, apply)


def _staffed(book: ResponseBook, step, iv, now: datetime) -> Step:
    if step is None:
        return book, []
    staffing = {**book.staffing, step.staffing.intervention_id: step.staffing}
    return book.model_copy(update={"staffing": staffing}), staffed_emits(step, iv, now)


HANDLERS: dict[type, Callable[[ResponseBook, Any, ResponseContext, datetime], Step]] = {
    CrisisRecorded: on_crisis,
    ApprovePlan: on_plan_command,
    RevisePlan: on_plan_command,
    CloseIntervention: on_plan_command,
    AnswerRequest: on_answer,
    MissionStep: on_mission,
    ExtendMission: on_extend,
    ExtensionDecided: on_extension,
    HoldDecided: on_hold,
    ExpireDue: on_expire,
    DeclineResource: on_decline_resource,
    ResourceCommitted: on_resource_committed,
    ReportResourceStatus: on_resource_status,
}


def decide(ctx: ResponseContext, table: StateReader[ResponseBook], batch: list[Received], now: datetime) -> Decision:
    """Each message to the handler its class is registered with, over the crisis's book (new if none)."""

    def handle(book: ResponseBook | None, message: Any) -> Step:
        return HANDLERS[type(message)](book or ResponseBook.new(message.key), message, ctx, now)

    return decide_each(table, batch, lambda message: message.key, handle)

