"""Response plan templates (config/plan_templates.yaml): models, validation and selection.

A template applies to a set of hazards from a minimum severity on. It has phases, roles (each tied to one of the
ILO's strategic objectives, with required skills at minimum levels, a count, a start deadline and a duration),
partner asks and targets. `load_templates()` validates the file against the taxonomy at start-up: unknown skills
or capabilities, roles in unknown phases, duplicate ids, and required hazards without a template all fail it.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.taxonomy import Objective, load_taxonomy
from vocabulary.signals import Hazard, Severity

TEMPLATES_PATH = Path(__file__).with_name("plan_templates.yaml")
Id = str
ID_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"

# Hazards that must have a template (the minimum); others fall back to a template listing `other`.
REQUIRED_HAZARDS = (
    Hazard.EARTHQUAKE, Hazard.FLOOD, Hazard.TROPICAL_CYCLONE, Hazard.DROUGHT, Hazard.ARMED_CONFLICT,
    Hazard.CIVIL_UNREST, Hazard.UNEMPLOYMENT_SHOCK, Hazard.GDP_CONTRACTION, Hazard.INFLATION_SHOCK,
)


class TargetKind(StrEnum):
    DEADLINE = "deadline"  # something must happen within `within_hours` of launch (value unused: 1 event)
    QUANTITY = "quantity"  # reach `value` `unit` (e.g. person-days) within `within_hours`
    SHARE = "share"  # a share (0..1) of a population, e.g. women among beneficiaries


class Phase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Id = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=200)
    starts_after_hours: int = Field(ge=0, le=24 * 365)
    duration_days: int = Field(ge=1, le=730)


class RoleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Id = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=200)
    phase: Id
    objective: Objective
    skills: dict[str, int] = Field(min_length=1, description="skill id -> minimum level 1..5")
    count: int = Field(ge=1, le=50)
    start_within_hours: int = Field(ge=1, le=24 * 180)
    duration_days: int = Field(ge=1, le=365)
    high_risk: bool = False


class PartnerAskSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    capability: str
    quantity: float = Field(gt=0)
    unit: str | None = None
    needed_within_days: int | None = Field(default=None, ge=0, le=365)
    phase: Id


class TargetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Id = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=200)
    kind: TargetKind
    value: float = Field(ge=0)
    unit: str = Field(min_length=1, max_length=40)
    within_hours: int | None = Field(default=None, ge=1, le=24 * 730)

    @model_validator(mode="after")
    def _consistent(self) -> TargetSpec:
        if self.kind is TargetKind.DEADLINE and self.within_hours is None:
            raise ValueError(f"target {self.id}: a deadline needs within_hours")
        if self.kind is TargetKind.SHARE and not 0 < self.value <= 1:
            raise ValueError(f"target {self.id}: a share is between 0 and 1")
        return self


class PlanTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    template_id: Id = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=200)
    hazards: list[Hazard] = Field(min_length=1)
    min_severity: Severity
    phases: list[Phase] = Field(min_length=1)
    roles: list[RoleSpec] = Field(min_length=1)
    partner_asks: list[PartnerAskSpec] = Field(default_factory=list)
    targets: list[TargetSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> PlanTemplate:
        phases = [p.id for p in self.phases]
        _unique(phases, f"{self.template_id}: phase")
        _unique([r.role for r in self.roles], f"{self.template_id}: role")
        _unique([t.id for t in self.targets], f"{self.template_id}: target")
        for item in [*self.roles, *self.partner_asks]:
            if item.phase not in phases:
                raise ValueError(f"{self.template_id}: phase {item.phase!r} is not one of {phases}")
        return self


class TemplateSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    templates: list[PlanTemplate] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> TemplateSet:
        _unique([t.template_id for t in self.templates], "template")
        tax = load_taxonomy()
        skills, capabilities = set(tax.skills), set(tax.capability_ids)
        for t in self.templates:
            for role in t.roles:
                for skill, level in role.skills.items():
                    if skill not in skills:
                        raise ValueError(f"{t.template_id}/{role.role}: unknown skill {skill!r}")
                    if not 1 <= level <= 5:
                        raise ValueError(f"{t.template_id}/{role.role}: level of {skill} must be 1..5")
            for ask in t.partner_asks:
                if ask.capability not in capabilities:
                    raise ValueError(f"{t.template_id}: unknown partner capability {ask.capability!r}")
            for other in self.templates:
                if other is not t and other.min_severity == t.min_severity and set(other.hazards) & set(t.hazards):
                    raise ValueError(f"{t.template_id} and {other.template_id} both cover "
                                     f"{sorted(h.value for h in set(other.hazards) & set(t.hazards))} from {t.min_severity.value}")
        covered = {h for t in self.templates for h in t.hazards}
        missing = [h.value for h in REQUIRED_HAZARDS if h not in covered]
        if missing:
            raise ValueError(f"no template for {missing}")
        return self

    def select(self, hazard: Hazard | str, severity: Severity | str) -> PlanTemplate | None:
        """The template for `hazard` with the highest minimum severity at or below `severity` (else the `other`
        templates'); None when the crisis is below every band (no plan is proposed)."""
        sev = Severity(severity)
        for wanted in (Hazard(hazard), Hazard.OTHER):
            bands = [t for t in self.templates if wanted in t.hazards and t.min_severity.rank <= sev.rank]
            if bands:
                return max(bands, key=lambda t: t.min_severity.rank)
            if any(wanted in t.hazards for t in self.templates):
                return None  # the hazard has templates, just not for this severity
        return None

    def get(self, template_id: str) -> PlanTemplate | None:
        return next((t for t in self.templates if t.template_id == template_id), None)


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"duplicate {what} id {i!r}")
        seen.add(i)


@functools.cache
def load_templates(path: Path | None = None) -> TemplateSet:
    """Read and validate the templates (once per path); raises ValueError naming the first problem."""
    data = yaml.safe_load((path or TEMPLATES_PATH).read_text(encoding="utf-8"))
    return TemplateSet.model_validate(data)
