"""What the matching engine is asked: a role to staff, a partner ask, and reservations to respect."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.taxonomy import Taxonomy, load_taxonomy
from responders.roster.values import CapabilityId, Countries, LanguageCode, Level, SaneDate, SkillId
from vocabulary.signals import Hazard, Kind, kind_of


class Reservation(NamedTuple):
    """Days an expert is already promised (an open offer or a deployment not yet in the roster), and to what."""

    expert_id: str
    start: date
    end: date
    intervention_id: str | None = None
    crisis_id: str | None = None
    state: str | None = None  # the request's state: offered, accepted, confirmed, deployed


class RoleRequest(BaseModel):
    """One role of a response plan: who is needed (skills at a minimum level), how many, when and where."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str = Field(min_length=1, max_length=120)
    skills: dict[SkillId, Level] = Field(default_factory=dict, description="skill id -> minimum level")
    count: int = Field(default=1, ge=1, le=100)
    start: SaneDate
    duration_days: int = Field(ge=1, le=730)
    countries: Countries = Field(default_factory=list, description="none: the location parts of the score are 0")
    kind: Kind = Kind.DISASTER
    hazard: Hazard | None = None
    high_risk: bool = False
    min_clearance_level: int = Field(default=1, ge=1, le=3, description="when clearance is required")
    preferred_languages: list[LanguageCode] | None = Field(
        default=None, description="default: the main languages of the crisis countries")

    @model_validator(mode="after")
    def _skill_count(self) -> RoleRequest:
        if len(self.skills) > 24:
            raise ValueError("a role can require at most 24 skills")
        return self

    @property
    def end(self) -> date:
        """Last day of the deployment (inclusive)."""
        return self.start + timedelta(days=self.duration_days - 1)

    @property
    def requires_clearance(self) -> bool:
        """Conflicts (by kind or by hazard, e.g. armed_conflict) and high-risk settings need clearance."""
        conflict_hazard = self.hazard is not None and kind_of(self.hazard) is Kind.CONFLICT
        return self.high_risk or self.kind is Kind.CONFLICT or conflict_hazard

    def languages(self, taxonomy: Taxonomy | None = None) -> list[str]:
        """The preferred languages, or the crisis countries' main languages when none were given."""
        if self.preferred_languages is not None:
            return list(dict.fromkeys(self.preferred_languages))
        return (taxonomy or load_taxonomy()).languages_of_countries(self.countries)

    def regions(self, taxonomy: Taxonomy | None = None) -> list[str]:
        """The ILO regions of the crisis countries."""
        tax = taxonomy or load_taxonomy()
        return list(dict.fromkeys(r for r in map(tax.region_of, self.countries) if r))


class PartnerAsk(BaseModel):
    """Something to ask partners for: a capability in a quantity, for some countries, maybe by a deadline."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    capability: CapabilityId
    quantity: float = Field(gt=0, allow_inf_nan=False)
    unit: str | None = Field(default=None, description="count only resources in this unit (default: any)")
    countries: Countries = Field(min_length=1)
    needed_within_days: int | None = Field(default=None, ge=0, le=365)

    def regions(self, taxonomy: Taxonomy | None = None) -> list[str]:
        tax = taxonomy or load_taxonomy()
        return list(dict.fromkeys(r for r in map(tax.region_of, self.countries) if r))
