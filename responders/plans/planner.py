"""Planning as plain functions over a crisis's PlanBook: propose on open/escalation, edit, approve, close.

Every function returns the new book and the events to emit; ids are derived from their inputs (crisis, version,
command), so a replayed crisis event or command makes the same decision and the same ids, and a second delivery
changes nothing (the book remembers the crisis events and commands it has applied).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from config.plan_templates import PlanTemplate, TemplateSet
from responders.matching import PartnerAsk, PartnerRanking, RoleRequest, fill_plan, rank_partner_asks
from responders.matching.constraints import Constraint
from responders.matching.evaluate import ScreenCache
from responders.matching.index import RosterIndex
from responders.matching.results import Blocker, NearMiss
from responders.matching.requests import Reservation
from responders.crises.models import Crisis
from responders.crises.owner import CrisisRecorded
from responders.plans.commands import ApprovePlan, CloseIntervention, PlanCommand, RevisePlan
from responders.plans.models import (
    COMMAND_RESULT,
    REVISED,
    SUPERSEDED,
    CommandResult,
    Intervention,
    InterventionStatus,
    InterventionTarget,
    Plan,
    PlanBook,
    PlanCandidate,
    PlanEvent,
    PlanEventType,
    PlanPartnerAsk,
    PlanPatch,
    PlanRole,
    PlanStatus,
)
from responders.roster.models import Partner

PLANNED_ON = {"rrc.crisis.opened", "rrc.crisis.escalated"}
MAX_COMMANDS_REMEMBERED = 200
ALTERNATES = 5
PARTNERS_PER_ASK = 5


@dataclass
class Outcome:
    book: PlanBook
    events: list[PlanEvent] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.events)


def _digest(*parts: str, n: int = 20) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()[:n]


def plan_id_for(crisis_id: str, version: int) -> str:
    return f"pln-{_digest(crisis_id, str(version))}"


def intervention_id_for(plan_id: str) -> str:
    return f"int-{_digest(plan_id)}"


def event_id_for(*parts: str) -> str:
    return f"evt-{_digest(*parts, n=24)}"


# --- proposing --------------------------------------------------------------------------------------------------

PartnerRanker = Callable[[list[PartnerAsk]], list[PartnerRanking]]


NO_COUNTRY_NOTE = ("the crisis names no country yet: candidates are ranked on skills, seniority and availability, "
                   "with the country, region, language and proximity parts scored 0; add the crisis's country for "
                   "a full ranking")


def build_plan(crisis: Crisis, template: PlanTemplate, index: RosterIndex, partners: Sequence[Partner] | PartnerRanker,
               now: datetime, version: int, trigger_event_id: str | None = None,
               trigger_signal_id: str | None = None, reservations: Sequence[Reservation] = (),
               screens: ScreenCache | None = None) -> Plan:
    """A proposal for `crisis`: the template's roles seated optimally from the roster with
    ranked alternates (and, for roles left with open seats, the near misses), and partners ranked per ask.
    `partners` is the partner list or a ranker over it (the worker's caches rankings per ask). `reservations` are
    the days experts are already offered or committed elsewhere: nobody is proposed for overlapping days.
    `screens` keeps the roles' hard-constraint screens from plan to plan (see `matching.evaluate.ScreenCache`)."""
    countries = list(crisis.countries)
    roles: list[PlanRole] = []
    requests: list[RoleRequest] = []
    for spec in template.roles:
        # From the event's own time (its first signal), never in the past: a flood reported two days late still
        # has its assessment start when it would have; a phase due before today starts today.
        start = max(now, crisis.first_signal_at + timedelta(hours=spec.start_within_hours)).date()
        requests.append(RoleRequest(role=spec.role, skills=spec.skills, count=spec.count, start=start,
                                    duration_days=spec.duration_days, countries=countries,
                                    kind=crisis.kind, hazard=crisis.hazard, high_risk=spec.high_risk))
        roles.append(PlanRole(role=spec.role, label=spec.label, phase=spec.phase, objective=spec.objective,
                              skills=dict(spec.skills), count=spec.count, start=start,
                              duration_days=spec.duration_days, high_risk=spec.high_risk, candidates=[], chosen=[],
                              unfilled=spec.count,
                              note=None if countries else NO_COUNTRY_NOTE))
    if requests and len(index):
        fill = fill_plan(index, requests, reservations=reservations, alternates=ALTERNATES,
                         near_misses_when_filled=False, screens=screens)
        held = _holds_by_expert(reservations)
        roles = [_seated(role, rf, [_marked(n, request, index, held) for n in rf.near_misses])
                 for role, rf, request in zip(roles, fill.roles, requests)]
    asks: list[PlanPartnerAsk] = []
    if template.partner_asks:
        ranker = partners if callable(partners) else (lambda asks: rank_partner_asks(partners, asks,
                                                                                       k=PARTNERS_PER_ASK))
        rankings = (ranker([PartnerAsk(capability=a.capability, quantity=a.quantity, unit=a.unit, countries=countries,
                                       needed_within_days=a.needed_within_days) for a in template.partner_asks])
                    if countries else [None] * len(template.partner_asks))
        for spec, ranking in zip(template.partner_asks, rankings):
            ranked = list(ranking.partners) if ranking is not None else []
            asks.append(PlanPartnerAsk(capability=spec.capability, quantity=spec.quantity, unit=spec.unit,
                                       needed_within_days=spec.needed_within_days, phase=spec.phase,
                                       partners=ranked, chosen=[p.partner_id for p in ranked[:1]]))
    crisis_id = crisis.crisis_id
    return Plan(plan_id=plan_id_for(crisis_id, version), crisis_id=crisis_id, version=version,
                status=PlanStatus.PROPOSED, template_id=template.template_id, title=crisis.title,
                hazard=crisis.hazard.value, severity=crisis.severity.value, countries=countries,
                exercise=crisis.exercise, created_at=now, updated_at=now,
                trigger_event_id=trigger_event_id, trigger_signal_id=trigger_signal_id,
                phases=list(template.phases), roles=roles, partner_asks=asks, targets=list(template.targets))


def _seated(role: PlanRole, fill, near_misses: list[NearMiss]) -> PlanRole:
    ranked = [*fill.assigned, *fill.alternates]
    return role.model_copy(update={
        "candidates": [PlanCandidate(expert_id=c.expert_id, score=c.score, score_parts=dict(c.score_parts))
                       for c in ranked],
        "chosen": [c.expert_id for c in fill.assigned], "near_misses": near_misses,
        "eligible": fill.eligible, "unfilled": fill.unfilled})


def _holds_by_expert(reservations: Sequence[Reservation | tuple]) -> dict[str, list[Reservation]]:
    out: dict[str, list[Reservation]] = defaultdict(list)
    for r in reservations:
        out[r[0]].append(r if isinstance(r, Reservation) else Reservation(*r))
    return out


def _marked(near: NearMiss, request: RoleRequest, index: RosterIndex,
            held: dict[str, list[Reservation]]) -> NearMiss:
    """A near miss kept out by other days (overlap or rest) names what takes them: its roster deployments and its
    holds (offers and commitments for other interventions) that meet the role's days widened by its rest days."""
    if str(Constraint.OVERLAP) not in near.failed and str(Constraint.REST) not in near.failed:
        return near
    row = index.pos.get(near.expert_id)
    rest = timedelta(days=int(index.rest_days[row]) if row is not None else 0)
    first, last = request.start - rest, request.end + rest
    blockers = [Blocker(kind="deployment", start=date.fromordinal(s), end=date.fromordinal(e))
                for s, e in (index.busy.row(row) if row is not None else [])
                if s <= last.toordinal() and e >= first.toordinal()]
    blockers += [Blocker(kind="hold", start=r.start, end=r.end, state=r.state, intervention_id=r.intervention_id,
                         crisis_id=r.crisis_id)
                 for r in held.get(near.expert_id, ()) if r.start <= last and r.end >= first]
    return near.model_copy(update={"blocked_by": sorted(blockers, key=lambda b: (b.start, b.kind))})


def on_crisis_event(book: PlanBook, message: CrisisRecorded, now: datetime, templates: TemplateSet,
                    index: RosterIndex, partners: Sequence[Partner] | PartnerRanker,
                    plan_exercises: bool = False, reservations: Sequence[Reservation] = (),
                    screens: ScreenCache | None = None) -> Outcome:
    """A crisis opened or escalated: propose a (new version of the) plan when a template fits.

    A new version supersedes the crisis's earlier *proposed* versions; approved plans and their interventions
    stay as they are.
    """
    event, crisis = message.event, message.crisis
    if event.type.value not in PLANNED_ON or not crisis.is_open:
        return Outcome(book)  # a closed crisis (history, recorded closed, too) is not planned for
    if any(p.trigger_event_id == event.event_id for p in book.plans):
        return Outcome(book)  # replay of an event already planned for
    if crisis.exercise and not plan_exercises:
        return Outcome(book)
    template = templates.select(crisis.hazard.value, crisis.severity.value)
    if template is None:
        return Outcome(book)
    version = len(book.plans) + 1
    plan = build_plan(crisis, template, index, partners, now, version, event.event_id, event.signal_id,
                      reservations, screens)
    events: list[PlanEvent] = []
    plans = []
    for old in book.plans:
        if old.status is PlanStatus.PROPOSED:
            old = old.model_copy(update={"status": PlanStatus.SUPERSEDED, "superseded_by": plan.plan_id,
                                         "updated_at": now})
            events.append(_event(SUPERSEDED, old, now))
        plans.append(old)
    plans.append(plan)
    events.append(_event(PlanEventType.PROPOSED, plan, now, trigger_signal_id=event.signal_id))
    new_book = book.model_copy(update={"plans": plans})
    return Outcome(new_book, events)


def _event(type_: str, plan: Plan | None, now: datetime, intervention: Intervention | None = None,
           result: CommandResult | None = None, trigger_signal_id: str | None = None, salt: str = "") -> PlanEvent:
    subject = (intervention.intervention_id if intervention else plan.plan_id if plan else result.command_id)
    revision = str(plan.revision) if plan else ""
    crisis_id = plan.crisis_id if plan else intervention.crisis_id if intervention else ""
    exercise = plan.exercise if plan else intervention.exercise if intervention else False
    return PlanEvent(event_id=event_id_for(str(type_), subject, revision, salt), type=str(type_),
                     crisis_id=crisis_id, occurred_at=now, exercise=exercise, plan=plan, intervention=intervention,
                     result=result, trigger_signal_id=trigger_signal_id)


# --- commands ---------------------------------------------------------------------------------------------------

def on_command(book: PlanBook, command: PlanCommand, now: datetime) -> Outcome:
    """Apply a coordinator's command; the outcome always carries a `rrc.command.result` for the API."""
    if command.command_id in book.commands_seen:
        return Outcome(book)
    handler = {ApprovePlan: _approve, RevisePlan: _patch, CloseIntervention: _close}[type(command)]
    new_book, events, result = handler(book, command, now)
    seen = [*new_book.commands_seen, command.command_id][-MAX_COMMANDS_REMEMBERED:]
    new_book = new_book.model_copy(update={"commands_seen": seen})
    events.append(PlanEvent(event_id=event_id_for(COMMAND_RESULT, command.command_id), type=COMMAND_RESULT,
                            crisis_id=command.crisis_id, occurred_at=now, exercise=False, result=result))
    return Outcome(new_book, events)


def _result(command: PlanCommand, outcome: str, code: int, detail: str | None = None, plan: Plan | None = None,
            intervention: Intervention | None = None) -> CommandResult:
    return CommandResult(command_id=command.command_id, outcome=outcome, status_code=code, detail=detail,
                         plan_id=plan.plan_id if plan else getattr(command, "plan_id", None),
                         intervention_id=intervention.intervention_id if intervention
                         else getattr(command, "intervention_id", None))


def _replace_plan(book: PlanBook, plan: Plan) -> list[Plan]:
    return [plan if p.plan_id == plan.plan_id else p for p in book.plans]


def _approve(book: PlanBook, command: ApprovePlan, now: datetime):
    plan = book.plan(command.plan_id)
    if plan is None:
        return book, [], _result(command, "rejected", 404, f"plan {command.plan_id} not found")
    if plan.status is PlanStatus.APPROVED:
        existing = book.intervention(plan.intervention_id or "")
        return book, [], _result(command, "unchanged", 200, "already approved", plan, existing)
    if plan.status is PlanStatus.SUPERSEDED:
        return book, [], _result(command, "rejected", 409,
                                 f"plan {plan.plan_id} was superseded by {plan.superseded_by}; approve that one")
    intervention_id = intervention_id_for(plan.plan_id)
    approved = plan.model_copy(update={"status": PlanStatus.APPROVED, "approved_at": now,
                                       "approved_by": command.actor, "intervention_id": intervention_id,
                                       "updated_at": now})
    intervention = Intervention(intervention_id=intervention_id, plan_id=plan.plan_id, crisis_id=plan.crisis_id,
                                status=InterventionStatus.LAUNCHED, launched_at=now, launched_by=command.actor,
                                exercise=plan.exercise, plan=approved, targets=targets_due(approved, now))
    new_book = book.model_copy(update={"plans": _replace_plan(book, approved),
                                       "interventions": [*book.interventions, intervention]})
    events = [_event(PlanEventType.APPROVED, approved, now),
              _event(PlanEventType.LAUNCHED, approved, now, intervention=intervention)]
    return new_book, events, _result(command, "applied", 201, None, approved, intervention)


def targets_due(plan: Plan, launched_at: datetime) -> list[InterventionTarget]:
    """The plan's targets with their due times counted from the launch (what delivery control watches)."""
    return [InterventionTarget(id=t.id, label=t.label, kind=t.kind.value, value=t.value, unit=t.unit,
                               due_at=launched_at + timedelta(hours=t.within_hours) if t.within_hours else None)
            for t in plan.targets]


class PatchError(ValueError):
    pass


def apply_patch(plan: Plan, patch: PlanPatch, now: datetime) -> Plan:
    """A proposed plan with a coordinator's edits; raises PatchError naming the field that cannot apply."""
    roles = {r.role: r for r in plan.roles}
    order = [r.role for r in plan.roles]
    for i, change in enumerate(patch.roles):
        role = roles.get(change.role)
        if role is None:
            raise PatchError(f"roles[{i}].role: {change.role!r} is not a role of this plan ({', '.join(order)})")
        if change.remove:
            del roles[change.role]
            order.remove(change.role)
            continue
        update: dict = {}
        count = change.count if change.count is not None else role.count
        if change.chosen is not None:
            known = {c.expert_id for c in role.candidates}
            unknown = [e for e in change.chosen if e not in known]
            if unknown:
                raise PatchError(f"roles[{i}].chosen: {unknown} are not eligible candidates for {change.role}")
            if len(set(change.chosen)) != len(change.chosen):
                raise PatchError(f"roles[{i}].chosen: an expert is listed twice")
            update["chosen"] = list(change.chosen)
        chosen = update.get("chosen", role.chosen)
        if len(chosen) > count:
            raise PatchError(f"roles[{i}].chosen: {len(chosen)} experts for {count} seats")
        update.update(count=count, unfilled=count - len(chosen))
        roles[change.role] = role.model_copy(update=update)
    if not roles:
        raise PatchError("roles: a plan keeps at least one role")
    seated: dict[str, str] = {}
    for name in order:
        for expert in roles[name].chosen:
            if expert in seated:
                raise PatchError(f"roles: expert {expert} is chosen for both {seated[expert]} and {name}")
            seated[expert] = name
    asks = {a.capability: a for a in plan.partner_asks}
    for i, change in enumerate(patch.partner_asks):
        ask = asks.get(change.capability)
        if ask is None:
            raise PatchError(f"partner_asks[{i}].capability: {change.capability!r} is not asked in this plan")
        update = {}
        if change.quantity is not None:
            update["quantity"] = change.quantity
        if change.chosen is not None:
            known = {p.partner_id for p in ask.partners}
            unknown = [p for p in change.chosen if p not in known]
            if unknown:
                raise PatchError(f"partner_asks[{i}].chosen: {unknown} are not ranked partners for this ask")
            update["chosen"] = list(dict.fromkeys(change.chosen))
        asks[change.capability] = ask.model_copy(update=update)
    return plan.model_copy(update={"roles": [roles[n] for n in order],
                                   "partner_asks": [asks[a.capability] for a in plan.partner_asks],
                                   "revision": plan.revision + 1, "updated_at": now})


def _patch(book: PlanBook, command: RevisePlan, now: datetime):
    plan = book.plan(command.plan_id)
    if plan is None:
        return book, [], _result(command, "rejected", 404, f"plan {command.plan_id} not found")
    if plan.status is not PlanStatus.PROPOSED:
        return book, [], _result(command, "rejected", 409, f"plan {plan.plan_id} is {plan.status.value}; "
                                                            "only a proposed plan can be edited")
    try:
        revised = apply_patch(plan, command.patch, now)
    except PatchError as exc:
        return book, [], _result(command, "rejected", 422, str(exc), plan)
    new_book = book.model_copy(update={"plans": _replace_plan(book, revised)})
    return new_book, [_event(REVISED, revised, now)], _result(command, "applied", 200, None, revised)


def _close(book: PlanBook, command: CloseIntervention, now: datetime):
    intervention = book.intervention(command.intervention_id)
    if intervention is None:
        return book, [], _result(command, "rejected", 404, f"intervention {command.intervention_id} not found")
    if intervention.status is InterventionStatus.CLOSED:
        return book, [], _result(command, "unchanged", 200, "already closed", intervention=intervention)
    closed = intervention.model_copy(update={"status": InterventionStatus.CLOSED, "closed_at": now,
                                             "closed_by": command.actor, "close_reason": command.reason})
    new_book = book.model_copy(update={"interventions": [closed if i.intervention_id == closed.intervention_id
                                                         else i for i in book.interventions]})
    return new_book, [_event(PlanEventType.CLOSED, closed.plan, now, intervention=closed)], _result(
        command, "applied", 200, None, closed.plan, closed)


def result_event(crisis_id: str, result: CommandResult, now: datetime) -> PlanEvent:
    """An owner's answer to a command, on rrc.plans where the waiting API call reads it (any owner uses it)."""
    return PlanEvent(event_id=event_id_for(COMMAND_RESULT, result.command_id), type=COMMAND_RESULT,
                     crisis_id=crisis_id, occurred_at=now, exercise=False, result=result)
