"""Expert records (ExpertBase/ExpertCreate/ExpertUpdate/Expert/ExpertRead); partner records re-exported."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from config.taxonomy import Objective, load_taxonomy
from responders.roster.partners import (
    Partner,
    PartnerBase,
    PartnerCreate,
    PartnerRead,
    PartnerUpdate,
    Resource,
    apply_partner_update,
)
from responders.roster.values import (
    Clearance,
    Contact,
    Countries,
    DateRange,
    Deployment,
    DutyStation,
    LanguageCode,
    Level,
    Proficiency,
    RecordId,
    Regions,
    Seniority,
    SkillId,
)

__all__ = [
    "Clearance", "Contact", "DateRange", "Deployment", "DutyStation", "Expert", "ExpertBase", "ExpertCreate",
    "ExpertRead", "ExpertUpdate", "Partner", "PartnerBase", "PartnerCreate", "PartnerRead", "PartnerUpdate",
    "Proficiency", "Resource", "Seniority", "apply_expert_update", "apply_partner_update", "expert_from_create",
    "read_view",
]

MAX_DEPLOYMENT_DAYS = 730
MAX_REST_DAYS = 180


class ExpertBase(BaseModel):
    """What describes an expert. Regions of experience count together with the regions of the
    countries of experience when matching (an expert who worked in SYR has Arab States experience)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=200)
    contact: Contact
    skills: dict[SkillId, Level] = Field(min_length=1, description="skill id -> level 1 (basic) .. 5 (expert)")
    languages: dict[LanguageCode, Proficiency] = Field(default_factory=dict)
    regions: Regions = Field(default_factory=list, description="ILO regions of experience")
    countries: Countries = Field(default_factory=list, description="countries of experience (ISO3)")
    duty_station: DutyStation
    availability: list[DateRange] = Field(default_factory=list, description="windows the expert can deploy in")
    deployments: list[Deployment] = Field(default_factory=list)
    clearance: Clearance = Field(default_factory=Clearance)
    max_deployment_days: int = Field(default=90, ge=1, le=MAX_DEPLOYMENT_DAYS,
                                     description="longest deployment the expert accepts")
    rest_days: int = Field(default=14, ge=0, le=MAX_REST_DAYS, description="rest needed around a deployment")
    seniority: Seniority = Seniority.MID
    active: bool = True

    @model_validator(mode="after")
    def _unique_deployments(self) -> ExpertBase:
        ids = [d.deployment_id for d in self.deployments]
        if len(ids) != len(set(ids)):
            raise ValueError("deployment ids must be unique within an expert")
        return self


class ExpertCreate(ExpertBase):
    """What a client sends to add an expert (ids come from the organisation's HR system)."""

    expert_id: RecordId


class Expert(ExpertCreate):
    """The stored expert record (value of the compacted roster topic, keyed by expert_id)."""


class ExpertRead(Expert):
    """What the API returns: the record plus derived facts."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def objectives(self) -> list[Objective]:
        """The strategic objectives the expert's skills belong to, in taxonomy order."""
        tax = load_taxonomy()
        found = {tax.skills[s].objective for s in self.skills}
        return [o for o in Objective if o in found]


class ExpertUpdate(BaseModel):
    """A partial change: only the fields that are set are applied (see `apply_expert_update`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    contact: Contact | None = None
    skills: dict[SkillId, Level] | None = Field(default=None, min_length=1)
    languages: dict[LanguageCode, Proficiency] | None = None
    regions: Regions | None = None
    countries: Countries | None = None
    duty_station: DutyStation | None = None
    availability: list[DateRange] | None = None
    deployments: list[Deployment] | None = None
    clearance: Clearance | None = None
    max_deployment_days: int | None = Field(default=None, ge=1, le=MAX_DEPLOYMENT_DAYS)
    rest_days: int | None = Field(default=None, ge=0, le=MAX_REST_DAYS)
    seniority: Seniority | None = None
    active: bool | None = None


def apply_expert_update(expert: Expert, update: ExpertUpdate) -> Expert:
    """The expert with the update's set fields replaced, validated as a whole (raises ValidationError)."""
    changes = update.model_dump(exclude_unset=True)
    return Expert.model_validate({**expert.model_dump(), **changes})


def expert_from_create(create: ExpertCreate) -> Expert:
    """The stored record for a create request."""
    return Expert.model_validate(create.model_dump())


def read_view(expert: Expert) -> ExpertRead:
    """The API view of a stored expert."""
    return ExpertRead.model_validate(expert.model_dump())
