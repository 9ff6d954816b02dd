"""Delivery control's state and messages: an intervention's targets as tracked, progress reports, what comes in
(from the response owner, the API and the sweep, on rrc.delivery keyed by intervention id) and what goes out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from config.topics import DELIVERY
from responders.delivery.funding import Expenditure, ExpenditureReport, FundingLine, FundingLineInput
from responders.delivery.targets import TargetStatus
from responders.messages import WEIGHT_HEADER, Command, Record
from responders.notifications import OutboxRecord

MAX_REPORT_VALUES = 50
SWEEP_CHUNK = 500  # interventions one EvaluateDue asks for at most


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class AgeGroup(StrEnum):
    """Age bands as IFRC GO and most 3W templates use them."""

    CHILD = "0-17"
    YOUTH = "18-24"
    ADULT = "25-59"
    OLDER = "60+"


class Part(BaseModel):
    """One disaggregated part of a value (IATI result dimensions): by sex, age group and/or disability."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sex: Sex | None = None
    age_group: AgeGroup | None = None
    disability: bool | None = None
    value: float = Field(ge=0)

    @model_validator(mode="after")
    def _names_a_dimension(self) -> Part:
        if self.sex is None and self.age_group is None and self.disability is None:
            raise ValueError("a part names at least one of sex, age_group, disability")
        return self


class ReportValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    target_id: str = Field(min_length=1, max_length=64, description="a target of the intervention")
    value: float = Field(ge=0, description="quantity: the amount in the period; share: 0..1; deadline: 1 = done")
    parts: list[Part] = Field(default_factory=list, max_length=40, description="optional disaggregation")

    @model_validator(mode="after")
    def _parts_fit(self) -> ReportValue:
        for dimension in ("sex", "age_group", "disability"):
            split = [p.value for p in self.parts if getattr(p, dimension) is not None]
            if split and sum(split) > self.value * (1 + 1e-9) + 1e-9:
                raise ValueError(f"parts by {dimension} add up to {sum(split):g}, more than the value {self.value:g}")
        return self


class ReportInput(BaseModel):
    """A progress report as a reporter sends it (`POST /v1/interventions/{id}/reports`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    period_start: date
    period_end: date
    values: list[ReportValue] = Field(min_length=1, max_length=MAX_REPORT_VALUES)
    note: str | None = Field(default=None, max_length=2000)
    corrects: str | None = Field(default=None, max_length=64,
                                 description="the report id this one corrects (a new version; nothing is overwritten)")

    @model_validator(mode="after")
    def _period(self) -> ReportInput:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        ids = [v.target_id for v in self.values]
        if len(ids) != len(set(ids)):
            raise ValueError("values: each target at most once per report")
        return self


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    report_id: str
    version: int = Field(ge=1)
    submitted_at: AwareDatetime
    reporter: str = Field(description="token id")
    role: str
    expert_id: str | None = None
    partner_id: str | None = None
    office_id: str | None = None
    period_start: date
    period_end: date
    values: list[ReportValue]
    note: str | None = None


class TargetSpecIn(BaseModel):
    """A target as the intervention set it: what, how much, by when."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    target_id: str
    label: str
    kind: Literal["deadline", "quantity", "share"]
    value: float
    unit: str
    due_at: AwareDatetime | None = None


class TrackedTarget(TargetSpecIn):
    """A target and where it stands."""

    status: TargetStatus = TargetStatus.UNKNOWN
    reason: str = ""
    reported: float | None = None
    projection: dict[str, Any] | None = None
    met_at: AwareDatetime | None = None
    changed_at: AwareDatetime | None = None
    announced: list[TargetStatus] = Field(default_factory=list, description="statuses already announced (once each)")
    next_check_at: AwareDatetime | None = Field(default=None, description="when time alone could move this status")


class InterventionDelivery(BaseModel):
    """The delivery owner's table value, keyed by intervention id."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    intervention_id: str
    crisis_id: str
    countries: list[str] = Field(default_factory=list)
    hazard: str | None = None
    objectives: list[str] = Field(default_factory=list)
    exercise: bool = False
    title: str = ""
    launched_at: AwareDatetime
    ends_at: AwareDatetime | None = Field(default=None, description="the planned end (the last role's last day)")
    closed: bool = False
    targets: list[TrackedTarget]
    budget_currency: str = "USD"
    funding: list[FundingLine] = Field(default_factory=list)
    expenditures: list[Expenditure] = Field(default_factory=list)
    rate_lagging: bool = Field(default=False, description="the delivery rate trails the elapsed time (announced)")
    lag_warnings: int = Field(default=0, description="how many times the lag was announced (one per episode)")
    facts: dict[str, AwareDatetime] = Field(default_factory=dict, description="event name -> when it happened")
    reporters: list[str] = Field(default_factory=list, description="experts deployed on it (who may report)")
    reports: dict[str, list[Report]] = Field(default_factory=dict, description="report id -> its versions")
    commands_seen: list[str] = Field(default_factory=list)
    evaluated_at: AwareDatetime | None = None
    next_check_at: AwareDatetime | None = None


# --- in: rrc.delivery, keyed by intervention id ------------------------------------------------------------------

class DeliveryMessage(Command):
    topic = DELIVERY
    intervention_id: str

    @property
    def key(self) -> str:
        return self.intervention_id


class TrackIntervention(DeliveryMessage):
    """An intervention was launched: track its targets (sent by the response owner in the launching write)."""

    type: Literal["TrackIntervention"] = "TrackIntervention"
    crisis_id: str
    countries: list[str] = Field(default_factory=list)
    hazard: str | None = None
    objectives: list[str] = Field(default_factory=list)
    exercise: bool = False
    title: str = ""
    launched_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    targets: list[TargetSpecIn]


class StaffingObserved(DeliveryMessage):
    """What staffing has reached (sent by the response owner when it changes): facts deadline targets wait for."""

    type: Literal["StaffingObserved"] = "StaffingObserved"
    crisis_id: str
    facts: dict[str, AwareDatetime] = Field(default_factory=dict)  # first_expert_accepted, team_on_site
    deployed: list[str] = Field(default_factory=list, description="experts deployed or confirmed on it")
    closed: bool = False


class DeliveryCommand(DeliveryMessage):
    """A command from the API to the intervention's delivery owner; its result comes back on rrc.plans."""

    command_id: str
    crisis_id: str
    actor: str = Field(description="token id")
    role: str
    office_id: str | None = None
    issued_at: AwareDatetime


class SubmitReport(DeliveryCommand):
    type: Literal["SubmitReport"] = "SubmitReport"
    report_id: str
    expert_id: str | None = None
    partner_id: str | None = None
    report: ReportInput


class AddFunding(DeliveryCommand):
    """A funding line for the intervention's budget; the API has checked the source is a funder."""

    type: Literal["AddFunding"] = "AddFunding"
    line_id: str
    organisation: str
    line: FundingLineInput


class ReportExpenditure(DeliveryCommand):
    type: Literal["ReportExpenditure"] = "ReportExpenditure"
    report_id: str
    report: ExpenditureReport


class EvaluateDue(DeliveryMessage):
    """Time alone may have moved a status: re-evaluate (sent by the delivery sweep). One command asks for
    `intervention_id` and the interventions in `also`, which live on the same partition (the sweep groups them so;
    one command per intervention made the sweep's cost the messages', not the evaluations')."""

    type: Literal["EvaluateDue"] = "EvaluateDue"
    command_id: str
    issued_at: AwareDatetime
    also: list[str] = Field(default_factory=list, max_length=SWEEP_CHUNK - 1,
                            description="more interventions due, on the same partition as intervention_id")

    @property
    def intervention_ids(self) -> list[str]:
        return [self.intervention_id, *self.also]

    def record(self) -> Record:
        record = super().record()
        return replace(record, headers=[*record.headers, (WEIGHT_HEADER, str(1 + len(self.also)).encode())])


# --- out ---------------------------------------------------------------------------------------------------------

class TargetEventData(BaseModel):
    """The data of `rrc.target.at_risk|off_track|met|missed` (public: no personal data)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    intervention_id: str
    crisis_id: str
    countries: list[str]
    hazard: str | None = None
    exercise: bool
    target: TargetSpecIn
    status: TargetStatus
    previous: TargetStatus
    reported: float | None = Field(None, description="quantity: the total reported; share: the latest share")
    projection: dict[str, Any] | None = Field(None, description="pace, required pace and projection at the due time")
    reason: str = Field(description="why, in words")


class OfficeWarning(BaseModel):
    """One early warning inside a digest: what its own notice would have said, and that notice's id (a receiver
    that drops repeats by id can drop it here too)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    notification_id: str
    event_type: str
    intervention_id: str
    crisis_id: str
    subject: str


class NotifyOffice(OutboxRecord):
    """The outbox record telling an office's coordinators about an early warning (rrc.notifications, keyed by
    office id): a target at risk, off track or missed, or a lagging delivery rate. A digest (`event_type`
    `rrc.delivery.digest`) names no intervention of its own and lists its warnings instead."""

    office_id: str
    intervention_id: str | None = None
    crisis_id: str | None = None
    warnings: list[OfficeWarning] = Field(default_factory=list)

    @property
    def key(self) -> str:
        return self.office_id


class RateLaggingData(BaseModel):
    """The data of `rrc.delivery.rate_lagging` (public: totals only, nobody's funding by source)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    intervention_id: str
    crisis_id: str
    countries: list[str]
    exercise: bool
    currency: str
    allocated: float
    spent: float
    delivery_rate: float | None
    elapsed_share: float | None
    lag: float | None = Field(description="elapsed share minus delivery rate")
    margin: float
    reason: str


# The state for the views: every state the owner writes goes to rrc.delivery.state as it is stored (its table's
# changelog, `streams.agents.owner.OwnerSpec.changelog`), keyed by intervention id, with this type header.
DELIVERY_UPDATED = "rrc.delivery.updated"
DIGEST = "rrc.delivery.digest"  # the event type of a digest of early warnings to an office (`owner.digested`)
