"""The normalised crisis signal (the public contract in ARCHITECTURE.md) and its vocabularies."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from enum import StrEnum
from functools import lru_cache

import pycountry
from pydantic import BaseModel, ConfigDict, Field, field_validator


class Kind(StrEnum):
    DISASTER = "disaster"
    CONFLICT = "conflict"
    ECONOMIC_SHOCK = "economic_shock"
    OTHER = "other"


class Hazard(StrEnum):
    EARTHQUAKE = "earthquake"
    TSUNAMI = "tsunami"
    TROPICAL_CYCLONE = "tropical_cyclone"
    FLOOD = "flood"
    DROUGHT = "drought"
    WILDFIRE = "wildfire"
    VOLCANO = "volcano"
    EPIDEMIC = "epidemic"
    LANDSLIDE = "landslide"
    STORM = "storm"
    EXTREME_TEMPERATURE = "extreme_temperature"
    TECHNOLOGICAL = "technological"
    ARMED_CONFLICT = "armed_conflict"
    CIVIL_UNREST = "civil_unrest"
    UNEMPLOYMENT_SHOCK = "unemployment_shock"
    GDP_CONTRACTION = "gdp_contraction"
    INFLATION_SHOCK = "inflation_shock"
    OTHER = "other"


HAZARD_KIND: dict[Hazard, Kind] = {
    Hazard.ARMED_CONFLICT: Kind.CONFLICT,
    Hazard.CIVIL_UNREST: Kind.CONFLICT,
    Hazard.UNEMPLOYMENT_SHOCK: Kind.ECONOMIC_SHOCK,
    Hazard.GDP_CONTRACTION: Kind.ECONOMIC_SHOCK,
    Hazard.INFLATION_SHOCK: Kind.ECONOMIC_SHOCK,
    Hazard.OTHER: Kind.OTHER,
}


def kind_of(hazard: Hazard) -> Kind:
    """The signal kind a hazard belongs to (natural and technological hazards are disasters)."""
    return HAZARD_KIND.get(hazard, Kind.DISASTER)


class Severity(StrEnum):
    """CAP severity terms, ordered by `rank`."""

    UNKNOWN = "unknown"
    MINOR = "minor"
    MODERATE = "moderate"
    SEVERE = "severe"
    EXTREME = "extreme"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Urgency(StrEnum):
    IMMEDIATE = "immediate"
    EXPECTED = "expected"
    FUTURE = "future"
    PAST = "past"
    UNKNOWN = "unknown"


class Certainty(StrEnum):
    OBSERVED = "observed"
    LIKELY = "likely"
    POSSIBLE = "possible"
    UNLIKELY = "unlikely"
    UNKNOWN = "unknown"


class SignalStatus(StrEnum):
    ACTUAL = "actual"
    EXERCISE = "exercise"
    TEST = "test"


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Magnitude(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float
    unit: str = Field(min_length=1, max_length=40)


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-3 code (plus XKX, the user-assigned code in common use for Kosovo)."""
    return frozenset({c.alpha_3 for c in pycountry.countries} | {"XKX"})


def make_signal_id(source: str, source_id: str) -> str:
    """A stable signal id derived from the source and the source's own id."""
    digest = hashlib.sha1(f"{source}\x1f{source_id}".encode()).hexdigest()[:16]
    return f"sig-{source}-{digest}"


class Signal(BaseModel):
    """A normalised crisis signal, whatever feed it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    signal_id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=64)
    source_id: str = Field(min_length=1, max_length=500)
    kind: Kind
    hazard: Hazard
    title: str = Field(min_length=1, max_length=1000)
    countries: list[str] = Field(default_factory=list, max_length=300)
    location: Location | None = None
    severity: Severity = Severity.UNKNOWN
    urgency: Urgency = Urgency.UNKNOWN
    certainty: Certainty = Certainty.UNKNOWN
    magnitude: Magnitude | None = None
    affected_population: int | None = Field(default=None, ge=0)
    observed_at: datetime
    status: SignalStatus = SignalStatus.ACTUAL
    references: list[str] = Field(default_factory=list, max_length=200)
    url: str | None = Field(default=None, max_length=2000)

    @field_validator("countries")
    @classmethod
    def _iso3(cls, v: list[str]) -> list[str]:
        known = iso3_codes()
        out: list[str] = []
        for code in v:
            code = code.strip().upper()
            if code not in known:
                raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 country code")
            if code not in out:
                out.append(code)
        return out

    @field_validator("observed_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("observed_at needs a timezone (UTC offset)")
        return v.astimezone(timezone.utc)

    @field_validator("references")
    @classmethod
    def _dedupe_refs(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(r.strip() for r in v if r and r.strip()))

    @property
    def exercise(self) -> bool:
        """Test and exercise signals never count as actual events."""
        return self.status is not SignalStatus.ACTUAL

    def to_json_dict(self) -> dict:
        data = self.model_dump(mode="json")
        data["observed_at"] = self.observed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return data
