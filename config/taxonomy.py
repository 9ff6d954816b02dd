"""The expertise taxonomy (skills, partner capabilities, regions, country languages) read from taxonomy.yaml."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path

import pycountry
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config.yamlfile import parse_yaml

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yaml")
_SNAKE = r"^[a-z][a-z0-9_]*$"


class TaxonomyError(ValueError):
    """taxonomy.yaml cannot be read or does not describe a consistent taxonomy."""


class Objective(StrEnum):
    """The ILO's four strategic objectives."""

    RIGHTS_AT_WORK = "rights_at_work"
    EMPLOYMENT = "employment"
    SOCIAL_PROTECTION = "social_protection"
    SOCIAL_DIALOGUE = "social_dialogue"


def _words(value: object) -> object:
    return value.split() if isinstance(value, str) else value


@lru_cache(maxsize=1)
def known_iso3() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes (pycountry) plus XKX, the user-assigned code in common use for Kosovo."""
    return frozenset({c.alpha_3 for c in pycountry.countries} | {"XKX"})


@lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """Every ISO 639-1 (two-letter) language code."""
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


class Skill(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_SNAKE)
    label: str = Field(min_length=1)
    isco08: list[str] = Field(default_factory=list)
    # filled from the enclosing area by Taxonomy
    area: str = ""
    objective: Objective | None = None

    @field_validator("isco08")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        for code in v:
            if not (code.isdigit() and 1 <= len(code) <= 4):
                raise ValueError(f"{code!r} is not an ISCO-08 group code (1-4 digits)")
        return v


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_SNAKE)
    label: str
    objective: Objective
    skills: list[Skill] = Field(min_length=1)


class Capability(BaseModel):
    """A partner capability that is not an expert skill (funding, logistics, coordination)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_SNAKE)
    label: str


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    countries: list[str]

    _split = field_validator("countries", mode="before")(_words)

    @field_validator("countries")
    @classmethod
    def _iso3(cls, v: list[str]) -> list[str]:
        unknown = [c for c in v if c not in known_iso3()]
        if unknown:
            raise ValueError(f"not ISO 3166-1 alpha-3 codes: {unknown}")
        return v


class Taxonomy(BaseModel):
    """The validated taxonomy; lookups are cached properties (the model is frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    objectives: dict[Objective, str]
    areas: list[Area]
    partner_capabilities: list[Capability]
    regions: dict[str, Region]
    languages: dict[str, list[str]]

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, v: object) -> object:
        return {k: _words(x) for k, x in v.items()} if isinstance(v, dict) else v

    @field_validator("regions")
    @classmethod
    def _region_ids(cls, v: dict[str, Region]) -> dict[str, Region]:
        bad = [r for r in v if not r.replace("_", "").isalpha() or r != r.lower()]
        if bad:
            raise ValueError(f"region ids must be snake_case: {bad}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        missing = set(Objective) - set(self.objectives)
        if missing:
            raise ValueError(f"objectives without a label: {sorted(missing)}")
        ids = [s.id for a in self.areas for s in a.skills] + [c.id for c in self.partner_capabilities]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate skill/capability ids: {dupes}")
        seen: dict[str, str] = {}
        for rid, region in self.regions.items():
            for c in region.countries:
                if c in seen:
                    raise ValueError(f"{c} is in regions {seen[c]} and {rid}")
                seen[c] = rid
        for iso3, langs in self.languages.items():
            if iso3 not in known_iso3():
                raise ValueError(f"languages: {iso3!r} is not an ISO 3166-1 alpha-3 code")
            if iso3 not in seen:
                raise ValueError(f"languages: {iso3} belongs to no region")
            bad = [lang for lang in langs if lang not in known_languages()]
            if bad or not langs:
                raise ValueError(f"languages of {iso3}: not ISO 639-1 codes: {bad or 'empty list'}")
        return self

    @cached_property
    def skills(self) -> dict[str, Skill]:
        """Expert skills by id, in taxonomy order, with their area and objective filled in."""
        return {s.id: s.model_copy(update={"area": a.id, "objective": a.objective})
                for a in self.areas for s in a.skills}

    @cached_property
    def skill_ids(self) -> tuple[str, ...]:
        return tuple(self.skills)

    @cached_property
    def capability_ids(self) -> tuple[str, ...]:
        """Everything a partner may offer: every skill id, then the partner-only capabilities."""
        return self.skill_ids + tuple(c.id for c in self.partner_capabilities)

    @cached_property
    def region_ids(self) -> tuple[str, ...]:
        return tuple(self.regions)

    @cached_property
    def country_region(self) -> dict[str, str]:
        return {c: rid for rid, r in self.regions.items() for c in r.countries}

    def region_of(self, iso3: str) -> str | None:
        """The ILO region of a country, or None for a code the taxonomy does not place."""
        return self.country_region.get(iso3)

    def languages_of(self, iso3: str) -> list[str]:
        """The main languages (ISO 639-1) of a country, most used first; [] when unknown."""
        return list(self.languages.get(iso3, ()))

    def languages_of_countries(self, countries: list[str]) -> list[str]:
        """The languages of several countries, de-duplicated, in order of first appearance."""
        out: list[str] = []
        for c in countries:
            out.extend(lang for lang in self.languages.get(c, ()) if lang not in out)
        return out

    def is_skill(self, skill_id: str) -> bool:
        return skill_id in self.skills

    def is_capability(self, capability_id: str) -> bool:
        return capability_id in self.capability_ids


def parse_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Read and validate a taxonomy file (uncached; raises TaxonomyError)."""
    return parse_yaml(path, Taxonomy, TaxonomyError)


@lru_cache(maxsize=4)
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy, read once per path (default: config/taxonomy.yaml next to this module)."""
    return parse_taxonomy(path or TAXONOMY_PATH)
