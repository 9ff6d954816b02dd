"""Value types shared by expert and partner records: enums, validated codes, date ranges, contacts."""

from __future__ import annotations

import re
from datetime import date
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    WithJsonSchema,
    model_validator,
)

from config.taxonomy import known_iso3, known_languages, load_taxonomy

EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


class Seniority(StrEnum):
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"
    PRINCIPAL = "principal"

    @property
    def rank(self) -> int:
        """0 (junior) .. 3 (principal)."""
        return _SENIORITY_RANK[self]


_SENIORITY_RANK = {s: i for i, s in enumerate(Seniority)}


class Proficiency(IntEnum):
    """Language proficiency, CEFR-like: WORKING (about B2) is what a deployment needs."""

    BASIC = 1
    INTERMEDIATE = 2
    WORKING = 3
    FLUENT = 4
    NATIVE = 5


class DeploymentStatus(StrEnum):
    PLANNED = "planned"
    CURRENT = "current"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def occupies(self) -> bool:
        """Whether the deployment takes the expert's time (a cancelled one does not)."""
        return self is not DeploymentStatus.CANCELLED


class PartnerType(StrEnum):
    UN_AGENCY = "un_agency"
    DEVELOPMENT_BANK = "development_bank"  # includes the Bretton Woods institutions
    DONOR = "donor"
    REGIONAL_BODY = "regional_body"
    NGO = "ngo"
    EMPLOYERS_ORGANISATION = "employers_organisation"
    WORKERS_ORGANISATION = "workers_organisation"
    GOVERNMENT = "government"


def _upper(v: object) -> object:
    return v.strip().upper() if isinstance(v, str) else v


def _lower(v: object) -> object:
    return v.strip().lower() if isinstance(v, str) else v


def _strip(v: object) -> object:
    return v.strip() if isinstance(v, str) else v  # a non-string fails the str check (422), not with a TypeError


def _iso3(v: str) -> str:
    if v not in known_iso3():
        raise ValueError(f"{v!r} is not an ISO 3166-1 alpha-3 country code")
    return v


def _skill(v: str) -> str:
    if not load_taxonomy().is_skill(v):
        raise ValueError(f"{v!r} is not a skill of the taxonomy")
    return v


def _capability(v: str) -> str:
    if not load_taxonomy().is_capability(v):
        raise ValueError(f"{v!r} is neither a skill nor a partner capability of the taxonomy")
    return v


def _region(v: str) -> str:
    if v not in load_taxonomy().regions:
        raise ValueError(f"{v!r} is not a region ({', '.join(load_taxonomy().region_ids)})")
    return v


def _language(v: str) -> str:
    if v not in known_languages():
        raise ValueError(f"{v!r} is not an ISO 639-1 language code")
    return v


def _email(v: str) -> str:
    if not _EMAIL.match(v):
        raise ValueError(f"{v!r} is not an e-mail address")
    return v


def _phone(v: str) -> str:
    compact = re.sub(r"[\s().-]", "", v)
    if not _PHONE.match(compact):
        raise ValueError(f"{v!r} is not an E.164 phone number (+ and 7-15 digits)")
    return compact


def _unique(v: list) -> list:
    seen = set()
    for x in v:
        if x in seen:
            raise ValueError(f"{x!r} is listed twice")
        seen.add(x)
    return v


def _one_of(values, what: str) -> WithJsonSchema:
    """The JSON schema of a code list: its values (the API also takes them in any letter case)."""
    return WithJsonSchema({"type": "string", "enum": sorted(values), "description": what})


Iso3 = Annotated[str, BeforeValidator(_upper), AfterValidator(_iso3),
                 _one_of(known_iso3(), "ISO 3166-1 alpha-3 country code")]
SkillId = Annotated[str, BeforeValidator(_lower), AfterValidator(_skill),
                    _one_of(load_taxonomy().skill_ids, "a skill of the taxonomy (config/taxonomy.yaml)")]
CapabilityId = Annotated[str, BeforeValidator(_lower), AfterValidator(_capability),
                         _one_of(load_taxonomy().capability_ids, "a skill or partner capability of the taxonomy")]
RegionId = Annotated[str, BeforeValidator(_lower), AfterValidator(_region),
                     _one_of(load_taxonomy().region_ids, "an ILO region of the taxonomy")]
LanguageCode = Annotated[str, BeforeValidator(_lower), AfterValidator(_language),
                         _one_of(known_languages(), "ISO 639-1 language code")]
Email = Annotated[str, BeforeValidator(_strip), AfterValidator(_email)]
Phone = Annotated[str, AfterValidator(_phone)]
RecordId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
Level = Annotated[int, Field(ge=1, le=5)]
Countries = Annotated[list[Iso3], AfterValidator(_unique)]
Regions = Annotated[list[RegionId], AfterValidator(_unique)]
SaneDate = Annotated[date, Field(ge=EARLIEST, le=LATEST)]


class DateRange(BaseModel):
    """An inclusive range of days: both `start` and `end` belong to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: SaneDate
    end: SaneDate

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def covers(self, start: date, end: date) -> bool:
        return self.start <= start and end <= self.end


class Deployment(DateRange):
    """A deployment of an expert (planned, current, completed or cancelled) to a crisis."""

    deployment_id: RecordId
    crisis_id: str = Field(min_length=1, max_length=128)
    status: DeploymentStatus = DeploymentStatus.PLANNED


class Contact(BaseModel):
    """Where to reach someone; at least one channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    email: Email | None = None
    phone: Phone | None = None
    webhook_url: HttpUrl | None = None

    @model_validator(mode="after")
    def _some_channel(self) -> Contact:
        if not (self.email or self.phone or self.webhook_url):
            raise ValueError("a contact needs an email, a phone or a webhook_url")
        return self


class DutyStation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    country: Iso3
    city: str = Field(min_length=1, max_length=100)


class Clearance(BaseModel):
    """Security clearance and training: level 0 none, 1 basic (BSAFE), 2 field (SSAFE), 3 high-risk."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cleared: bool = False
    level: int = Field(default=0, ge=0, le=3)

    @model_validator(mode="after")
    def _consistent(self) -> Clearance:
        if self.cleared != (self.level > 0):
            raise ValueError("cleared needs a level of 1-3, and a level above 0 needs cleared=true")
        return self
