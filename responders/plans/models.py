"""Response plans, interventions and the commands and events about them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from config.plan_templates import Phase, TargetSpec
from config.topics import PLANS
from config.taxonomy import Objective
from responders.matching.results import NearMiss, PartnerCandidate
from responders.messages import Event, Public, Record
from vocabulary.cloudevents import CloudEvent


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    SUPERSEDED = "superseded"
    APPROVED = "approved"


class InterventionStatus(StrEnum):
    LAUNCHED = "launched"
    CLOSED = "closed"


class PlanEventType(StrEnum):
    PROPOSED = "rrc.plan.proposed"
    APPROVED = "rrc.plan.approved"
    LAUNCHED = "rrc.intervention.launched"
    CLOSED = "rrc.intervention.closed"


# Internal facts on rrc.plans only (not public events): a proposal edited by a coordinator, a superseded proposal,
# and the outcome of each command (what the API waits for).
REVISED = "rrc.plan.revised"
SUPERSEDED = "rrc.plan.superseded"
COMMAND_RESULT = "rrc.command.result"
PUBLIC_PLAN_TYPES = frozenset(t.value for t in PlanEventType)


class PlanCandidate(BaseModel):
    """An eligible expert for a role with the score and its parts (they add up to the score)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    expert_id: str
    score: float
    score_parts: dict[str, float]


class PlanRole(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str
    label: str
    phase: str
    objective: Objective
    skills: dict[str, int]
    count: int
    start: date
    duration_days: int
    high_risk: bool = False
    candidates: list[PlanCandidate] = Field(description="the optimal seating first, then alternates, each ranked")
    chosen: list[str] = Field(description="expert ids proposed for the seats (a coordinator may change them)")
    near_misses: list[NearMiss] = Field(default_factory=list)
    eligible: int = 0
    unfilled: int = 0
    note: str | None = None


class PlanPartnerAsk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    capability: str
    quantity: float
    unit: str | None = None
    needed_within_days: int | None = None
    phase: str
    partners: list[PartnerCandidate]
    chosen: list[str]


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    plan_id: str
    crisis_id: str
    version: int = Field(ge=1, description="one per proposal for the crisis (escalations add versions)")
    revision: int = Field(default=1, ge=1, description="edits of this version while proposed")
    status: PlanStatus
    template_id: str
    title: str
    hazard: str
    severity: str
    countries: list[str]
    exercise: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime
    trigger_event_id: str | None = None
    trigger_signal_id: str | None = None
    phases: list[Phase]
    roles: list[PlanRole]
    partner_asks: list[PlanPartnerAsk]
    targets: list[TargetSpec]
    approved_at: AwareDatetime | None = None
    approved_by: str | None = None
    intervention_id: str | None = None
    superseded_by: str | None = None

    @property
    def seats(self) -> int:
        return sum(r.count for r in self.roles)


class InterventionTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    label: str
    kind: str
    value: float
    unit: str
    due_at: AwareDatetime | None = None


class Intervention(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    intervention_id: str
    plan_id: str
    crisis_id: str
    status: InterventionStatus
    launched_at: AwareDatetime
    launched_by: str | None = None
    closed_at: AwareDatetime | None = None
    closed_by: str | None = None
    close_reason: str | None = None
    exercise: bool
    plan: Plan = Field(description="the plan as approved (frozen)")
    targets: list[InterventionTarget]


# --- the public shapes: what partners receive (webhooks, SSE, rrc.response-events) ------------------------------

PRIVATE_ROLE_FIELDS = frozenset({"candidates", "chosen", "near_misses"})  # who, not what: never public


def _reshaped(model: type[BaseModel], name: str, drop: frozenset[str] = frozenset(), **replace: Any) -> type:
    """`model` without the `drop` fields and with some fields' types replaced: the shape a public event has."""
    fields: dict[str, Any] = {k: (f.annotation, f) for k, f in model.model_fields.items() if k not in drop}
    for key, annotation in replace.items():
        fields[key] = (annotation, model.model_fields[key])
    return create_model(name, __config__=model.model_config, __doc__=f"{model.__name__} as partners see it: "
                        f"roles carry no candidates, chosen experts or near misses.", **fields)


PublicPlanRole = _reshaped(PlanRole, "PublicPlanRole", PRIVATE_ROLE_FIELDS)
PublicPlan = _reshaped(Plan, "PublicPlan", roles=list[PublicPlanRole])  # type: ignore[valid-type]
PublicIntervention = _reshaped(Intervention, "PublicIntervention", plan=PublicPlan)


class PlanBook(BaseModel):
    """Everything the planning owner keeps for one crisis (the table value, keyed by crisis id)."""

    model_config = ConfigDict(extra="forbid")
    crisis_id: str
    plans: list[Plan] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    commands_seen: list[str] = Field(default_factory=list, description="recent command ids (idempotence)")

    def plan(self, plan_id: str) -> Plan | None:
        return next((p for p in self.plans if p.plan_id == plan_id), None)

    def intervention(self, intervention_id: str) -> Intervention | None:
        return next((i for i in self.interventions if i.intervention_id == intervention_id), None)


class RoleChange(BaseModel):
    """A coordinator's edit of one role: its count and/or the chosen experts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str = Field(min_length=1, max_length=64)
    count: int | None = Field(default=None, ge=1, le=50)
    chosen: list[str] | None = Field(default=None, max_length=50)
    remove: bool = False


class AskChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    capability: str = Field(min_length=1, max_length=64)
    quantity: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    chosen: list[str] | None = Field(default=None, max_length=50)


class PlanPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    roles: list[RoleChange] = Field(default_factory=list, max_length=50)
    partner_asks: list[AskChange] = Field(default_factory=list, max_length=50)


class CommandResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    command_id: str
    outcome: Literal["applied", "unchanged", "rejected"]
    status_code: int = Field(description="what the API answers: 200, 201, 404 or 409")
    detail: str | None = None
    plan_id: str | None = None
    intervention_id: str | None = None
    request_id: str | None = None
    report_id: str | None = None
    version: int | None = Field(default=None, description="a progress report's version")


class PlanEvent(Event):
    """One fact on rrc.plans (keyed by crisis id); `type` is a PlanEventType value or one of the internal types."""

    topic = PLANS
    event_id: str
    type: str
    crisis_id: str
    occurred_at: datetime
    exercise: bool
    plan: Plan | None = None
    intervention: Intervention | None = None
    result: CommandResult | None = None
    trigger_signal_id: str | None = None

    @property
    def key(self) -> str:
        return self.crisis_id

    def record(self) -> Record:
        return Record(PLANS, self.crisis_id.encode(), self.model_dump_json(exclude_none=True).encode(),
                      [("rrc-event-type", self.type.encode())])

    def public(self) -> Public | None:
        """The partners' copy (no expert ids) for the public types; None for internal facts."""
        if self.type not in PUBLIC_PLAN_TYPES:
            return None
        subject = self.intervention.intervention_id if self.intervention else self.plan.plan_id if self.plan else None
        return Public(CloudEvent(id=self.event_id, type=self.type, time=self.occurred_at, subject=subject,
                                 data=self.public_data(),
                                 extensions={"rrcexercise": "true" if self.exercise else "false",
                                             "rrccrisisid": self.crisis_id}), self.crisis_id)

    def public_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"exercise": self.exercise}
        # Partners see what is planned, not who: no expert ids, candidates or near misses on the public stream.
        private = {"roles": {"__all__": set(PRIVATE_ROLE_FIELDS)}}
        if self.plan is not None:
            data["plan"] = self.plan.model_dump(mode="json", exclude=private)
        if self.intervention is not None:
            data["intervention"] = self.intervention.model_dump(mode="json", exclude={"plan"})
            data["intervention"]["plan"] = self.intervention.plan.model_dump(mode="json", exclude=private)
        return data
