"""Delivery control: the owner of each intervention's targets (one writer per intervention, keyed by its id).

Every message re-evaluates the intervention's targets (`responders.delivery.targets.evaluate`): the launch that
starts tracking, staffing facts from the response owner (first acceptance, team on site), progress reports, and
the sweep's `EvaluateDue`, so time alone moves a status. A status change to `at_risk`, `off_track`, `met` or
`missed` is announced once per target and status as a public `rrc.target.<status>` event (no personal data);
every change writes the new state (whose changelog, rrc.delivery.state, the views read).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pydantic_core import to_jsonable_python

from responders.delivery.funding import (
    Expenditure,
    FundingLine,
    FundingRefused,
    check_earmark,
    in_budget_currency,
    lag,
)
from responders.delivery.models import (
    DIGEST,
    AddFunding,
    DeliveryCommand,
    EvaluateDue,
    InterventionDelivery,
    NotifyOffice,
    RateLaggingData,
    Report,
    ReportExpenditure,
    StaffingObserved,
    SubmitReport,
    TrackedTarget,
    TrackIntervention,
)
from responders.delivery.targets import ANNOUNCED, FINAL, Point, Rules, TargetStatus, evaluate
from responders.messages import Decision, Emitted, Public, Received, Record, StateReader, decide_each
from responders.plans.models import CommandResult
from responders.plans.planner import result_event
from vocabulary.cloudevents import CloudEvent

MAX_COMMANDS_REMEMBERED = 200
MAX_LINES_KEPT = 500  # funding lines per intervention (expenditure lines: ten times as many)
MAX_DAYS_BEFORE_LAUNCH = 90  # expenditure booked before the launch (preparation) is taken this far back
DIGEST_ITEMS = 200  # warnings in one digest (its record stays far below the broker's message size)
DIGEST_NAMED = 20  # of them named in its text
Step = tuple[InterventionDelivery | None, list[Emitted]]


class ReportRefused(ValueError):
    """A report the owner cannot take (unknown target, a correction of a report that does not exist)."""


def points_of(delivery: InterventionDelivery, target_id: str) -> list[Point]:
    """The latest version of every report that names the target, as (period end, value)."""
    out = []
    for versions in delivery.reports.values():
        latest = versions[-1]
        for value in latest.values:
            if value.target_id == target_id:
                at = datetime.combine(latest.period_end, datetime.max.time()).replace(tzinfo=latest.submitted_at.tzinfo)
                out.append(Point(min(at, latest.submitted_at), value.value))
    return out


def _happened(delivery: InterventionDelivery, target: TrackedTarget) -> datetime | None:
    """A deadline's event: the fact of that name, else the first report that says it was done (value >= 1)."""
    if target.target_id in delivery.facts:
        return delivery.facts[target.target_id]
    done = [p.at for p in points_of(delivery, target.target_id) if p.value >= 1]
    return min(done, default=None)


def reevaluate(delivery: InterventionDelivery, now: datetime, rules: Rules, time_only: bool = False) -> Step:
    """New statuses for every target; an event for each status announced for the first time.

    `time_only`: nothing but the time moved (the sweep), so a target whose own next check has not come keeps its
    verdict: a verdict (status and words) depends on the time only through the times it names, the earliest of
    which is its next check."""
    targets, emits, checks = [], [], []
    for target in delivery.targets:
        if target.status in FINAL:
            targets.append(target)
            continue
        if time_only and target.next_check_at is not None and target.next_check_at > now:
            targets.append(target)
            checks.append(target.next_check_at)
            continue
        verdict = evaluate(target.kind, target.value, target.unit, delivery.launched_at, target.due_at,
                           points_of(delivery, target.target_id), _happened(delivery, target), now, rules)
        check = None if verdict.status in FINAL else verdict.next_check_at
        if check is not None:
            checks.append(check)
        changed = verdict.status is not target.status
        if (not changed and verdict.reason == target.reason and verdict.reported == target.reported
                and check == target.next_check_at):
            targets.append(target)  # nothing new: the same object (no copy to make)
            continue
        update: dict[str, Any] = {
            "status": verdict.status, "reason": verdict.reason, "reported": verdict.reported,
            "projection": verdict.projection, "met_at": verdict.met_at, "next_check_at": check,
            "changed_at": now if changed else target.changed_at}
        announce = changed and verdict.status in ANNOUNCED and verdict.status not in target.announced
        if announce:
            update["announced"] = [*target.announced, verdict.status]
        updated = target.model_copy(update=update)
        if announce:
            emits.append(announcement(delivery, updated, previous=target.status.value, now=now))
            if verdict.status in WARNED:
                emits += notices(delivery, f"rrc.target.{verdict.status.value}", f"tgt-{target.target_id}",
                                 f"{delivery.title or delivery.intervention_id}: {target.label} "
                                 f"{verdict.status.value.replace('_', ' ')}", verdict.reason, now, rules)
        targets.append(updated)
    lag_update, lag_emits, lag_check = _check_lag(delivery, now, rules)
    if lag_check is not None:
        checks.append(lag_check)
    delivery = delivery.model_copy(update={"targets": targets, "evaluated_at": now,
                                           "next_check_at": min(checks, default=None), **lag_update})
    return delivery, [*emits, *lag_emits]


WARNED = frozenset({TargetStatus.AT_RISK, TargetStatus.OFF_TRACK, TargetStatus.MISSED})


class Warned(NamedTuple):
    """An early warning for one office, as `notices` makes it: a tuple with the fields of its `NotifyOffice`,
    which `digested` makes (or lists it in a digest). A sweep that finds thousands at risk puts nearly all of
    them in digests, and validating a model for each first was a fifth of its decide."""

    notification_id: str
    office_id: str
    event_type: str
    intervention_id: str
    crisis_id: str
    subject: str
    text: str
    created_at: datetime

    def notice(self) -> NotifyOffice:
        return NotifyOffice(**self._asdict())

    def record(self) -> Record:
        return self.notice().record()


def notices(delivery: InterventionDelivery, event_type: str, what: str, subject: str, text: str, now: datetime,
            rules: Rules) -> list[Warned]:
    """One warning per office that acts for the intervention's countries (once: the id is stable)."""
    if rules.offices_for is None or delivery.exercise:
        return []
    text = (f"{text}\n\nIntervention {delivery.intervention_id} (crisis {delivery.crisis_id}): "
            f"GET /v1/interventions/{delivery.intervention_id}/targets")
    return [Warned(f"ntf-{office}-{delivery.intervention_id}-{what}-{event_type}", office, event_type,
                   delivery.intervention_id, delivery.crisis_id, subject[:200], text, now)
            for office in rules.offices_for(delivery.countries)]


def digested(emits: list[Emitted], now: datetime, over: int) -> list[Emitted]:
    """The warnings among `emits` as outbox records: more than `over` for one office from one batch (a sweep
    that finds hundreds at risk) reach it as digests of up to DIGEST_ITEMS warnings each, which count them by kind
    and list every one; `over` or fewer go one by one, each a `NotifyOffice`. A coordinator gets one message, not
    a flood, and still each warning once: a target's status is announced once (the state remembers it), whether
    alone or in a digest."""
    by_office: dict[str, list[Warned]] = {}
    for emitted in emits:
        if isinstance(emitted, Warned):
            by_office.setdefault(emitted.office_id, []).append(emitted)
    if not by_office:
        return emits
    crowded = {office for office, told in by_office.items() if len(told) > over}
    out = [e.notice() if isinstance(e, Warned) else e for e in emits
           if not (isinstance(e, Warned) and e.office_id in crowded)]
    for office in sorted(crowded):
        told = by_office[office]
        parts = [told[start:start + DIGEST_ITEMS] for start in range(0, len(told), DIGEST_ITEMS)]
        out += [digest(office, part, n, len(parts), now) for n, part in enumerate(parts, 1)]
    return out


def digest(office: str, told: list[Warned], part: int, parts: int, now: datetime) -> NotifyOffice:
    """One message for an office's coordinators listing `told` (part `part` of `parts` of one evaluation); its id
    comes from the ids of the warnings it lists, so deciding the same batch again gives the same id."""
    counts = Counter(n.event_type.removeprefix("rrc.target.").replace("_", " ") for n in told)
    tally = ", ".join(f"{count} {kind}" for kind, count in counts.most_common())
    of = f" (part {part} of {parts})" if parts > 1 else ""
    lines = [f"- {n.subject}: GET /v1/interventions/{n.intervention_id}/targets" for n in told[:DIGEST_NAMED]]
    if len(told) > DIGEST_NAMED:
        lines.append(f"- and {len(told) - DIGEST_NAMED} more, each in this notification's warnings")
    ident = hashlib.sha256("\n".join(n.notification_id for n in told).encode()).hexdigest()[:24]
    warnings = [{"notification_id": n.notification_id, "event_type": n.event_type,  # OfficeWarning, validated
                 "intervention_id": n.intervention_id or "", "crisis_id": n.crisis_id or "", "subject": n.subject}
                for n in told]  # by NotifyOffice at once (200 model calls were most of a digest's time)
    return NotifyOffice(notification_id=f"ntf-{office}-digest-{ident}", office_id=office,
                        event_type=DIGEST, subject=f"{len(told)} early warnings{of}: {tally}"[:200],
                        text=f"{len(told)} early warnings for your office{of}: {tally}.\n\n" + "\n".join(lines)
                             + "\n\nEvery intervention's targets by status: GET /v1/delivery",
                        created_at=now, warnings=warnings)


def ends_at(delivery: InterventionDelivery) -> datetime | None:
    """The planned end: as launched, else the latest target due time."""
    return delivery.ends_at or max((t.due_at for t in delivery.targets if t.due_at), default=None)


def _check_lag(delivery: InterventionDelivery, now: datetime, rules: Rules
               ) -> tuple[dict[str, Any], list[Emitted], datetime | None]:
    """Announce once per episode when the delivery rate trails the elapsed share of time by more than the margin:
    the fields to update, the announcement, and when time alone could change the verdict."""
    if not delivery.funding and not delivery.rate_lagging:
        return {}, [], None  # nothing allocated: nothing can lag (most interventions at most sweeps)
    allocated = sum(line.budget_amount for line in delivery.funding)
    spent = sum(e.budget_amount for e in delivery.expenditures)
    verdict = lag(allocated, spent, delivery.launched_at, ends_at(delivery), now, rules.rate_lag_margin)
    check = None if delivery.closed else verdict.next_check_at
    if verdict.lagging == delivery.rate_lagging or delivery.closed:
        return {}, [], check
    if not verdict.lagging:
        return {"rate_lagging": False}, [], check
    episode = delivery.lag_warnings + 1
    figures = verdict.figures()
    reason = (f"{figures['spent']:,.2f} of {figures['allocated']:,.2f} {delivery.budget_currency} spent "
              f"({figures['delivery_rate']:.0%}) with {figures['elapsed_share']:.0%} of the time gone: "
              f"{figures['lag']:.0%} behind, more than the {rules.rate_lag_margin:.0%} allowed")
    data = RateLaggingData(intervention_id=delivery.intervention_id, crisis_id=delivery.crisis_id,
                           countries=delivery.countries, exercise=delivery.exercise,
                           currency=delivery.budget_currency, allocated=figures["allocated"], spent=figures["spent"],
                           delivery_rate=figures["delivery_rate"], elapsed_share=figures["elapsed_share"],
                           lag=figures["lag"], margin=rules.rate_lag_margin, reason=reason)
    event = Public(CloudEvent(id=f"lag-{delivery.intervention_id}-{episode}", type="rrc.delivery.rate_lagging",
                              time=now, subject=delivery.intervention_id, data=data.model_dump(mode="json"),
                              extensions={"rrcexercise": "true" if delivery.exercise else "false",
                                          "rrccrisisid": delivery.crisis_id}), delivery.crisis_id)
    told = notices(delivery, "rrc.delivery.rate_lagging", f"lag{episode}",
                   f"{delivery.title or delivery.intervention_id}: delivery rate lagging", reason, now, rules)
    return {"rate_lagging": True, "lag_warnings": episode}, [event, *told], check


def announcement(delivery: InterventionDelivery, target: TrackedTarget, previous: str, now: datetime) -> Public:
    data = target_event_data(delivery, target, previous)
    return Public(CloudEvent(id=f"tgt-{delivery.intervention_id}-{target.target_id}-{target.status.value}",
                             type=f"rrc.target.{target.status.value}", time=now, subject=delivery.intervention_id,
                             data=data, extensions={"rrcexercise": "true" if delivery.exercise else "false",
                                                    "rrccrisisid": delivery.crisis_id}), delivery.crisis_id)


def target_event_data(delivery: InterventionDelivery, target: TrackedTarget, previous: str) -> dict[str, Any]:
    """`TargetEventData` as JSON, made from fields the state's models validated already (validating them again
    was most of an announcement's cost, and a sweep may make thousands): tests hold it to the model."""
    due_at = None if target.due_at is None else to_jsonable_python(target.due_at)
    return {"intervention_id": delivery.intervention_id, "crisis_id": delivery.crisis_id,
            "countries": list(delivery.countries), "hazard": delivery.hazard, "exercise": delivery.exercise,
            "target": {"target_id": target.target_id, "label": target.label, "kind": target.kind,
                       "value": target.value, "unit": target.unit, "due_at": due_at},
            "status": target.status.value, "previous": previous, "reported": target.reported,
            "projection": target.projection, "reason": target.reason}


def on_track(delivery: InterventionDelivery | None, message: TrackIntervention, now: datetime, rules: Rules) -> Step:
    if delivery is not None:
        return delivery, []  # a replay of the launch
    targets = [TrackedTarget(**t.model_dump()) for t in message.targets]
    fresh = InterventionDelivery(intervention_id=message.intervention_id, crisis_id=message.crisis_id,
                                 countries=message.countries, hazard=message.hazard, objectives=message.objectives,
                                 exercise=message.exercise, title=message.title, launched_at=message.launched_at,
                                 ends_at=message.ends_at, targets=targets)
    return reevaluate(fresh, now, rules)


def on_staffing(delivery: InterventionDelivery | None, message: StaffingObserved, now: datetime,
                rules: Rules) -> Step:
    if delivery is None:
        return None, []  # staffing of an intervention this owner never saw launched: nothing to track
    facts = {**message.facts, **delivery.facts}  # the first time a fact was seen stays
    update: dict[str, Any] = {"facts": facts, "reporters": sorted(set(delivery.reporters) | set(message.deployed)),
                              "closed": delivery.closed or message.closed}
    if facts == delivery.facts and update["reporters"] == delivery.reporters and update["closed"] == delivery.closed:
        return delivery, []
    return reevaluate(delivery.model_copy(update=update), now, rules)


def on_report(delivery: InterventionDelivery | None, message: SubmitReport, now: datetime, rules: Rules) -> Step:
    if delivery is None:
        return None, [_result(message, "rejected", 404, f"intervention {message.intervention_id} is not tracked")]
    if message.command_id in delivery.commands_seen:
        return delivery, []
    seen = [*delivery.commands_seen, message.command_id][-MAX_COMMANDS_REMEMBERED:]
    try:
        report_id, version = _place(delivery, message)
    except ReportRefused as exc:
        return delivery.model_copy(update={"commands_seen": seen}), [_result(message, "rejected", 422, str(exc))]
    report = Report(report_id=report_id, version=version, submitted_at=message.issued_at, reporter=message.actor,
                    role=message.role, expert_id=message.expert_id, partner_id=message.partner_id,
                    office_id=message.office_id, period_start=message.report.period_start,
                    period_end=message.report.period_end, values=message.report.values, note=message.report.note)
    reports = {**delivery.reports, report_id: [*delivery.reports.get(report_id, []), report]}
    updated, emits = reevaluate(delivery.model_copy(update={"reports": reports, "commands_seen": seen}), now, rules)
    result = _result(message, "applied", 201, f"{report_id} version {version}", report_id=report_id, version=version)
    return updated, [*emits, result]


def _place(delivery: InterventionDelivery, message: SubmitReport) -> tuple[str, int]:
    known = {t.target_id: t for t in delivery.targets}
    for n, value in enumerate(message.report.values):
        target = known.get(value.target_id)
        if target is None:
            raise ReportRefused(f"values[{n}].target_id: {value.target_id!r} is not a target of this intervention "
                                f"(its targets: {', '.join(known)})")
        if target.kind == "share" and value.value > 1:
            raise ReportRefused(f"values[{n}].value: a share is between 0 and 1, got {value.value:g}")
    if message.report.corrects is None:
        return message.report_id, 1
    versions = delivery.reports.get(message.report.corrects)
    if not versions:
        raise ReportRefused(f"corrects: no report {message.report.corrects!r} on this intervention")
    return message.report.corrects, versions[-1].version + 1


def _result(message: DeliveryCommand, outcome: str, code: int, detail: str, **extra: Any) -> Emitted:
    result = CommandResult(command_id=message.command_id, outcome=outcome, status_code=code, detail=detail,
                           intervention_id=message.intervention_id, **extra)
    return result_event(message.crisis_id, result, message.issued_at)


def on_funding(delivery: InterventionDelivery | None, message: AddFunding, now: datetime, rules: Rules) -> Step:
    if delivery is None:
        return None, [_result(message, "rejected", 404, f"intervention {message.intervention_id} is not tracked")]
    if message.command_id in delivery.commands_seen:
        return delivery, []
    seen = [*delivery.commands_seen, message.command_id][-MAX_COMMANDS_REMEMBERED:]
    line = message.line
    try:
        if len(delivery.funding) >= MAX_LINES_KEPT:
            raise FundingRefused("source", f"this intervention has {MAX_LINES_KEPT} funding lines already")
        value = in_budget_currency(line, delivery.budget_currency, "body")
        check_earmark(line.earmark, delivery.countries, delivery.objectives, delivery.hazard, "body")
    except FundingRefused as exc:
        return delivery.model_copy(update={"commands_seen": seen}), [_result(message, "rejected", 422, str(exc))]
    stored = FundingLine(line_id=message.line_id, source=line.source, organisation=message.organisation,
                         amount=line.amount, currency=line.currency, budget_amount=value, earmark=line.earmark,
                         reference=line.reference, committed_on=line.committed_on or message.issued_at.date(),
                         recorded_at=message.issued_at, recorded_by=message.actor)
    updated, emits = reevaluate(delivery.model_copy(update={"funding": [*delivery.funding, stored],
                                                            "commands_seen": seen}), now, rules)
    return updated, [*emits, _result(message, "applied", 201, f"funding line {message.line_id}",
                                     report_id=message.line_id, version=1)]


def on_expenditure(delivery: InterventionDelivery | None, message: ReportExpenditure, now: datetime,
                   rules: Rules) -> Step:
    if delivery is None:
        return None, [_result(message, "rejected", 404, f"intervention {message.intervention_id} is not tracked")]
    if message.command_id in delivery.commands_seen:
        return delivery, []
    seen = [*delivery.commands_seen, message.command_id][-MAX_COMMANDS_REMEMBERED:]
    sources = {line.source for line in delivery.funding}
    lines = []
    try:
        if len(delivery.expenditures) + len(message.report.lines) > MAX_LINES_KEPT * 10:
            raise FundingRefused("lines", f"this intervention has {len(delivery.expenditures)} expenditure lines; "
                                          f"at most {MAX_LINES_KEPT * 10} are kept")
        for n, line in enumerate(message.report.lines):
            field = f"lines[{n}]"
            if line.source not in sources:
                raise FundingRefused(f"{field}.source", f"{line.source!r} does not fund this intervention "
                                                        f"(its sources: {', '.join(sorted(sources)) or 'none yet'})")
            if line.country is not None and line.country not in delivery.countries:
                raise FundingRefused(f"{field}.country", f"{line.country} is not a country of this intervention")
            if line.objective is not None and line.objective.value not in delivery.objectives:
                raise FundingRefused(f"{field}.objective", f"{line.objective.value} is not an objective of this "
                                                           f"intervention")
            if line.spent_on < delivery.launched_at.date() - timedelta(days=MAX_DAYS_BEFORE_LAUNCH):
                raise FundingRefused(f"{field}.spent_on", f"{line.spent_on} is long before the launch")
            if line.spent_on > message.issued_at.date():
                raise FundingRefused(f"{field}.spent_on", f"{line.spent_on} is in the future")
            lines.append(Expenditure(report_id=message.report_id, line=n + 1, spent_on=line.spent_on,
                                     source=line.source, amount=line.amount, currency=line.currency,
                                     budget_amount=in_budget_currency(line, delivery.budget_currency, field),
                                     country=line.country, objective=line.objective, description=line.description,
                                     recorded_at=message.issued_at, recorded_by=message.actor))
    except FundingRefused as exc:
        return delivery.model_copy(update={"commands_seen": seen}), [_result(message, "rejected", 422, str(exc))]
    updated, emits = reevaluate(delivery.model_copy(update={"expenditures": [*delivery.expenditures, *lines],
                                                            "commands_seen": seen}), now, rules)
    return updated, [*emits, _result(message, "applied", 201, f"{message.report_id}: {len(lines)} lines",
                                     report_id=message.report_id, version=1)]


def on_due(delivery: InterventionDelivery | None, message: EvaluateDue | Due, now: datetime, rules: Rules) -> Step:
    """One intervention of an EvaluateDue (decide hands each on as its own `Due`, keyed by it)."""
    if delivery is None:
        return None, []
    return reevaluate(delivery, max(now, message.issued_at), rules, time_only=True)


class Due(NamedTuple):
    """One intervention an `EvaluateDue` names, as decide hands it on (`each_due`): a tuple, not a copy of the
    command (a sweep makes one per intervention due)."""

    intervention_id: str
    issued_at: datetime

    @property
    def key(self) -> str:
        return self.intervention_id


def each_due(batch: list[Received]) -> Iterator[Received]:
    """The batch with every EvaluateDue split into one `Due` per intervention it names, in order, from the same
    input."""
    for received in batch:
        message = received.message
        if isinstance(message, EvaluateDue):
            for intervention_id in message.intervention_ids:
                yield Received(Due(intervention_id, message.issued_at), received.partition, received.offset,
                               received.ref)
        else:
            yield received


HANDLERS: dict[type, Callable[..., Step]] = {
    TrackIntervention: on_track,
    StaffingObserved: on_staffing,
    SubmitReport: on_report,
    AddFunding: on_funding,
    ReportExpenditure: on_expenditure,
    EvaluateDue: on_due,
}
DECIDED: dict[type, Callable[..., Step]] = {**HANDLERS, Due: on_due}  # the inbox, and the parts of an EvaluateDue


def decide(table: StateReader[InterventionDelivery], batch: list[Received], now: datetime,
           rules: Rules = Rules()) -> Decision:
    """Each message to its handler over the intervention's state (a changed state is written, and so reaches the views);
    an office with many warnings from the batch gets them as digests."""

    def handle(delivery: InterventionDelivery | None, message: Any) -> tuple[InterventionDelivery | None, list]:
        return DECIDED[type(message)](delivery, message, now, rules)

    decision = decide_each(table, each_due(batch), lambda message: message.key, handle)
    decision.emits = digested(decision.emits, now, rules.digest_over)
    return decision
