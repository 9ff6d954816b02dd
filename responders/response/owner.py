"""The owner of a crisis's response: one handler per message it accepts, all registered in `HANDLERS`.

Its inbox is the crisis's events (rrc.crises) and the commands and replies about the crisis (rrc.commands), all
keyed by crisis id, so one worker writes each crisis's `ResponseBook`. Planning (`responders.plans`) knows nothing
of staffing: when a plan command launches an intervention, this owner starts its staffing
(`responders.deployments.owner.launch`) in the same write; when one closes, it withdraws the open offers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from config.plan_templates import TemplateSet
from responders.crises.owner import CrisisRecorded
from responders.deployments.commands import AnswerRequest, ExpireDue
from responders.deployments.ledger import HoldDecided
from responders.deployments.owner import (
    Relaxer,
    StaffingConfig,
    answer_request,
    close_staffing,
    emits_of,
    expire_due,
    hold_decided,
    launch,
    result_of,
)
from responders.matching.index import RosterIndex
from responders.messages import Decision, Emitted, Received, StateReader, decide_each
from responders.plans.commands import ApprovePlan, CloseIntervention, PlanCommand, RevisePlan
from responders.plans.models import COMMAND_RESULT, CommandResult, PlanEvent, PlanEventType
from responders.plans.planner import MAX_COMMANDS_REMEMBERED, PartnerRanker, event_id_for, on_command, on_crisis_event
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
                              plan_exercises=ctx.plan_exercises)
    if not outcome.changed:
        return book, []
    return book.model_copy(update={"plans": outcome.book}), plan_emits(outcome.events)


def on_plan_command(book: ResponseBook, command: PlanCommand, ctx: ResponseContext, now: datetime) -> Step:
    """Approve, revise or close through the planner; a launch starts its staffing, a close withdraws offers."""
    outcome = on_command(book.plans, command, now)
    if not outcome.changed:
        return book, []
    staffing, emits = dict(book.staffing), plan_emits(outcome.events)
    for event in outcome.events:
        iv = event.intervention
        if iv is None:
            continue
        if event.type == PlanEventType.LAUNCHED and iv.intervention_id not in staffing:
            step = launch(iv, now, ctx.staffing, ctx.relax)
        elif event.type == PlanEventType.CLOSED and iv.intervention_id in staffing:
            step = close_staffing(staffing[iv.intervention_id], now)
        else:
            continue
        staffing[iv.intervention_id] = step.staffing
        emits += emits_of(step, iv, now)
    return book.model_copy(update={"plans": outcome.book, "staffing": staffing}), emits


def on_answer(book: ResponseBook, command: AnswerRequest, ctx: ResponseContext, now: datetime) -> Step:
    """An expert's answer; the result goes back to the API call (a repeat of the command changes nothing)."""
    if command.command_id in book.plans.commands_seen:
        return book, []
    st = book.staffing.get(command.intervention_id)
    iv = book.plans.intervention(command.intervention_id)
    if st is None or iv is None:
        step, result = None, result_of(command, "rejected", 404, f"no deployment request {command.request_id}")
    else:
        step, result = answer_request(st, iv, command, ctx.relax, now)
    seen = [*book.plans.commands_seen, command.command_id][-MAX_COMMANDS_REMEMBERED:]
    update: dict[str, Any] = {"plans": book.plans.model_copy(update={"commands_seen": seen})}
    emits: list[Emitted] = []
    if step is not None:
        update["staffing"] = {**book.staffing, command.intervention_id: step.staffing}
        emits = emits_of(step, iv, now)
    return book.model_copy(update=update), [*emits, result_event(command.crisis_id, result, now)]


def on_hold(book: ResponseBook, event: HoldDecided, ctx: ResponseContext, now: datetime) -> Step:
    st = book.staffing.get(event.intervention_id)
    iv = book.plans.intervention(event.intervention_id)
    step = hold_decided(st, iv, event, ctx.staffing, ctx.relax, now) if st is not None and iv is not None else None
    return _staffed(book, step, iv, now)


def on_expire(book: ResponseBook, command: ExpireDue, ctx: ResponseContext, now: datetime) -> Step:
    st = book.staffing.get(command.intervention_id)
    iv = book.plans.intervention(command.intervention_id)
    step = expire_due(st, iv, command, ctx.relax, now) if st is not None and iv is not None else None
    return _staffed(book, step, iv, now)


def _staffed(book: ResponseBook, step, iv, now: datetime) -> Step:
    if step is None:
        return book, []
    staffing = {**book.staffing, step.staffing.intervention_id: step.staffing}
    return book.model_copy(update={"staffing": staffing}), emits_of(step, iv, now)


def result_event(crisis_id: str, result: CommandResult, now: datetime) -> PlanEvent:
    return PlanEvent(event_id=event_id_for(COMMAND_RESULT, result.command_id), type=COMMAND_RESULT,
                     crisis_id=crisis_id, occurred_at=now, exercise=False, result=result)


HANDLERS: dict[type, Callable[[ResponseBook, Any, ResponseContext, datetime], Step]] = {
    CrisisRecorded: on_crisis,
    ApprovePlan: on_plan_command,
    RevisePlan: on_plan_command,
    CloseIntervention: on_plan_command,
    AnswerRequest: on_answer,
    HoldDecided: on_hold,
    ExpireDue: on_expire,
}


def decide(ctx: ResponseContext, table: StateReader[ResponseBook], batch: list[Received], now: datetime) -> Decision:
    """Each message to the handler its class is registered with, over the crisis's book (new if none)."""

    def handle(book: ResponseBook | None, message: Any) -> Step:
        return HANDLERS[type(message)](book or ResponseBook.new(message.key), message, ctx, now)

    return decide_each(table, batch, lambda message: message.key, handle)
