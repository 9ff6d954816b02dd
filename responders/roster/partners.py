"""Partner records (PartnerBase/PartnerCreate/PartnerUpdate/Partner/PartnerRead) and their resources."""

from __future__ import annotations

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from typing import Annotated

from responders.roster.values import CapabilityId, Contact, Countries, PartnerType, RecordId, Regions, _unique

Capabilities = Annotated[list[CapabilityId], AfterValidator(_unique)]


class Resource(BaseModel):
    """Something a partner can provide: how much (`capacity` in `unit`) and how soon (`lead_time_days`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    capability: CapabilityId
    capacity: float = Field(gt=0, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=40, pattern=r"^[^;:|]+$")
    lead_time_days: int = Field(ge=0, le=365)


class PartnerBase(BaseModel):
    """What describes a partner organisation; `global_coverage` marks organisations working everywhere."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    organisation: str = Field(min_length=1, max_length=200)
    type: PartnerType
    capabilities: Capabilities = Field(min_length=1)
    countries: Countries = Field(default_factory=list)
    regions: Regions = Field(default_factory=list)
    global_coverage: bool = False
    resources: list[Resource] = Field(default_factory=list)
    contact: Contact
    active: bool = True

    @model_validator(mode="after")
    def _resources_offered(self) -> PartnerBase:
        missing = sorted({r.capability for r in self.resources} - set(self.capabilities))
        if missing:
            raise ValueError(f"resources for capabilities the partner does not list: {missing}")
        return self


class PartnerCreate(PartnerBase):
    partner_id: RecordId


class Partner(PartnerCreate):
    """The stored partner record (value of the compacted partners topic, keyed by partner_id)."""


class PartnerRead(Partner):
    """What the API returns for a partner."""


class PartnerUpdate(BaseModel):
    """A partial change: only the fields that are set are applied (see `apply_partner_update`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    organisation: str | None = Field(default=None, min_length=1, max_length=200)
    type: PartnerType | None = None
    capabilities: Capabilities | None = Field(default=None, min_length=1)
    countries: Countries | None = None
    regions: Regions | None = None
    global_coverage: bool | None = None
    resources: list[Resource] | None = None
    contact: Contact | None = None
    active: bool | None = None


def apply_partner_update(partner: Partner, update: PartnerUpdate) -> Partner:
    """The partner with the update's set fields replaced, validated as a whole (raises ValidationError)."""
    return Partner.model_validate({**partner.model_dump(), **update.model_dump(exclude_unset=True)})
