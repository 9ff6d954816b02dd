"""Builders for domain messages in unit tests: real crises made by the correlation code, typed commands."""

from __future__ import annotations

from datetime import datetime, timezone

from responders.crises.correlation import apply_signal
from responders.crises.index import CrisisIndex
from responders.crises.models import CrisisEventType
from responders.crises.owner import CrisisRecorded
from responders.plans.commands import ApprovePlan, CloseIntervention, RevisePlan
from vocabulary.signals import Signal

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
COMMAND_TYPES = {"approve_plan": ApprovePlan, "patch_plan": RevisePlan, "close_intervention": CloseIntervention}


def crisis_recorded(event_type: str = "rrc.crisis.opened", severity: str = "severe", *, event_id: str = "evt-1",
                    exercise: bool = False, hazard: str = "earthquake", countries=("TUR",), crisis_id: str = "cri-1",
                    signal_id: str = "sig-1", title: str = "M7.8 Kahramanmaras", at: datetime = T0,
                    received: datetime | None = None) -> CrisisRecorded:
    """What the crisis owner records for a crisis opened by one signal observed `at` and received `received` (the
    same time unless given), re-typed and re-identified as asked."""
    signal = Signal(signal_id=signal_id, source="test", source_id=signal_id, kind="disaster" if hazard not in (
        "armed_conflict", "civil_unrest") else "conflict", hazard=hazard, title=title, countries=list(countries),
        severity=severity, observed_at=at, status="exercise" if exercise else "actual")
    outcome = apply_signal(CrisisIndex(), signal, received or at)
    crisis = outcome.crises_to_write[0].model_copy(update={"crisis_id": crisis_id})
    event = outcome.events[0]
    event = event.model_copy(update={"type": CrisisEventType(event_type), "event_id": event_id, "crisis_id": crisis_id,
                                     "crisis": event.crisis.model_copy(update={"crisis_id": crisis_id})})
    return CrisisRecorded(event=event, crisis=crisis)


def plan_command(type_: str, plan_id=None, intervention_id=None, cid="cmd-1", patch=None, *, crisis_id="cri-1",
                 at: datetime = T0, reason=None):
    fields = {"command_id": cid, "crisis_id": crisis_id, "actor": "tok-coordinator", "role": "coordinator",
              "issued_at": at}
    cls = COMMAND_TYPES[type_]
    if cls is ApprovePlan:
        return ApprovePlan(**fields, plan_id=plan_id)
    if cls is RevisePlan:
        return RevisePlan(**fields, plan_id=plan_id, patch=patch)
    return CloseIntervention(**fields, intervention_id=intervention_id, reason=reason)


def roster_record(resource: str, record_id: str) -> dict:
    """An active generated expert (`experts`) or partner (`partners`) with this id, as the API takes it: tokens
    exist only for ids on the roster, so a test that needs a token for an id puts it there first."""
    from responders.roster import generate_roster

    experts, partners = generate_roster(1, 1, seed=sum(map(ord, record_id)))
    record = (experts if resource == "experts" else partners)[0].model_dump(mode="json")
    record[resource[:-1] + "_id"], record["active"] = record_id, True
    return record
