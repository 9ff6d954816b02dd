"""A partner's capacity ledger: the single place that decides whether a partner's resources can be promised.

Like the expert ledger, commitments go through the partner's own ledger on rrc.capacity, keyed by partner id, so
one worker decides for each partner in order: two crises cannot commit the same trucks twice. A commitment holds a
quantity of one capability and unit for a date range (needed-by to the intervention's planned end); it is refused
when, with every other commitment overlapping those days, it would exceed what the partner declares in the
directory, and the refusal names the remaining capacity. A granted commitment goes on to the crisis's owner
(`ResourceCommitted` on rrc.commands, keyed by crisis id), which records it on the request. Replays are harmless:
committing the same request twice holds it once and forwards the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from config.topics import CAPACITY, COMMANDS
from responders.messages import Command, Decision, Event, Received, StateReader, decide_each
from responders.plans.models import CommandResult
from responders.plans.planner import result_event

EPSILON = 1e-9
Declared = Callable[[str, str, str], float | None]  # (partner id, capability, unit) -> declared capacity


class Commitment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: str
    crisis_id: str
    intervention_id: str
    capability: str
    unit: str
    quantity: float
    start: date
    end: date
    command_id: str
    eta: date | None = None


class PartnerCapacity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    partner_id: str
    commitments: list[Commitment] = Field(default_factory=list)


class CapacityCommand(Command):
    topic = CAPACITY
    request_id: str
    partner_id: str

    @property
    def key(self) -> str:
        return self.partner_id


class CommitResource(CapacityCommand):
    """EDXL-RM CommitResource: the partner accepts (all or part); hold the quantity for the days (from the API)."""

    type: Literal["CommitResource"] = "CommitResource"
    command_id: str
    crisis_id: str
    intervention_id: str
    capability: str
    unit: str
    quantity: float = Field(gt=0)
    start: date
    end: date
    eta: date | None = None
    actor: str
    role: str
    issued_at: AwareDatetime


class ReleaseResource(CapacityCommand):
    """EDXL-RM ReleaseResource: the commitment ends (returned, or the intervention closed)."""

    type: Literal["ReleaseResource"] = "ReleaseResource"


class ResourceCommitted(Event):
    """The ledger held the quantity: the crisis's owner records the commitment (rrc.commands, keyed by crisis)."""

    topic = COMMANDS
    type: Literal["ResourceCommitted"] = "ResourceCommitted"
    command_id: str
    request_id: str
    partner_id: str
    crisis_id: str
    intervention_id: str
    quantity: float
    eta: date | None = None
    actor: str
    decided_at: AwareDatetime

    @property
    def key(self) -> str:
        return self.crisis_id


def _overlap(a: Commitment | CommitResource, start: date, end: date) -> bool:
    return a.start <= end and start <= a.end


def in_use(ledger: PartnerCapacity, capability: str, unit: str, start: date, end: date,
           but: str | None = None) -> float:
    """The most committed on any one day of [start, end]: commitments only add up where their days overlap."""
    mine = [c for c in ledger.commitments if c.capability == capability and c.unit == unit
            and c.request_id != but and _overlap(c, start, end)]
    days = sorted({max(c.start, start) for c in mine})
    return max((sum(c.quantity for c in mine if c.start <= day <= c.end) for day in days), default=0.0)


def on_commit(ledger: PartnerCapacity, command: CommitResource, now: datetime, declared: Declared):
    """Hold the quantity unless it exceeds what the partner declared (with what is committed on those days)."""
    for existing in ledger.commitments:
        if existing.request_id == command.request_id:  # a replay, or a second answer to the same request
            if existing.command_id != command.command_id:
                return ledger, [_refused(command, 409, f"request {command.request_id} is answered already", now)]
            return ledger, [_forward(existing, command, now)]
    capacity = declared(command.partner_id, command.capability, command.unit)
    if capacity is None:
        return ledger, [_refused(command, 409, f"quantity: partner {command.partner_id} declares no {command.unit} "
                                                f"of {command.capability} in the directory", now)]
    used = in_use(ledger, command.capability, command.unit, command.start, command.end)
    remaining = max(0.0, capacity - used)
    if command.quantity > remaining + EPSILON:
        return ledger, [_refused(command, 409, f"quantity: over-commitment: {command.quantity:g} {command.unit} "
                                                f"asked, {remaining:g} of {capacity:g} remaining from "
                                                f"{command.start} to {command.end}", now)]
    commitment = Commitment(request_id=command.request_id, crisis_id=command.crisis_id,
                            intervention_id=command.intervention_id, capability=command.capability,
                            unit=command.unit, quantity=command.quantity, start=command.start, end=command.end,
                            command_id=command.command_id, eta=command.eta)
    return (ledger.model_copy(update={"commitments": [*ledger.commitments, commitment]}),
            [_forward(commitment, command, now)])


def on_release(ledger: PartnerCapacity, command: ReleaseResource, now: datetime, declared: Declared):
    kept = [c for c in ledger.commitments if c.request_id != command.request_id]
    return (ledger if len(kept) == len(ledger.commitments) else ledger.model_copy(update={"commitments": kept})), []


def _forward(commitment: Commitment, command: CommitResource, now: datetime) -> ResourceCommitted:
    return ResourceCommitted(command_id=commitment.command_id, request_id=commitment.request_id,
                             partner_id=command.partner_id, crisis_id=commitment.crisis_id,
                             intervention_id=commitment.intervention_id, quantity=commitment.quantity,
                             eta=commitment.eta, actor=command.actor, decided_at=now)


def _refused(command: CommitResource, code: int, detail: str, now: datetime):
    return result_event(command.crisis_id, CommandResult(command_id=command.command_id, outcome="rejected",
                                                         status_code=code, detail=detail,
                                                         intervention_id=command.intervention_id,
                                                         request_id=command.request_id), now)


HANDLERS: dict[type, Callable] = {CommitResource: on_commit, ReleaseResource: on_release}


def decide(table: StateReader[PartnerCapacity], batch: list[Received], now: datetime, declared: Declared) -> Decision:
    """The capacity owner: each command changes its partner's ledger (a new one for a partner not seen yet)."""

    def handle(ledger: PartnerCapacity | None, command: CapacityCommand):
        ledger = ledger or PartnerCapacity(partner_id=command.partner_id)
        return HANDLERS[type(command)](ledger, command, now, declared)

    return decide_each(table, batch, lambda command: command.partner_id, handle)
