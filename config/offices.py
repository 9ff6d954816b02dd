"""The ILO field structure (headquarters, regional and country offices and their countries) read from offices.yaml."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.yamlfile import parse_yaml
from vocabulary.signals import Severity, iso3_codes

OFFICES_PATH = Path(__file__).with_name("offices.yaml")


class OfficesError(ValueError):
    """offices.yaml cannot be read or does not describe a consistent field structure."""


class OfficeKind(StrEnum):
    HEADQUARTERS = "headquarters"
    REGIONAL = "regional"
    COUNTRY = "country"


_NEAREST_FIRST = {OfficeKind.COUNTRY: 0, OfficeKind.REGIONAL: 1, OfficeKind.HEADQUARTERS: 2}


class OfficeContact(BaseModel):
    """Where an office's coordinators are told about early warnings (a shared mailbox, a chat webhook)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    webhook_url: str | None = Field(default=None, pattern=r"^https?://", max_length=2000)


class Office(BaseModel):
    """One office; `countries` are those it covers itself (a regional office's: those no country office covers)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    office_id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)
    name: str = Field(min_length=1)
    kind: OfficeKind
    city: str = Field(min_length=1)
    region: str | None = None
    parent: str | None = None
    countries: tuple[str, ...] = ()
    contact: OfficeContact | None = Field(default=None, description="where early warnings go (none: recorded only)")

    @field_validator("countries", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value


def _problems_of(office: Office, by_id: dict[str, Office], hq_id: str | None) -> list[str]:
    """What is wrong with one office on its own (references, kind rules, codes), as readable sentences."""
    out: list[str] = []

    def bad(field: str, message: str) -> None:
        out.append(f"office {office.office_id!r}, field {field!r}: {message}")

    for field in ("parent", "region"):
        ref = getattr(office, field)
        if ref is not None and ref not in by_id:
            bad(field, f"{ref!r} is not an office id")
    region = by_id.get(office.region) if office.region else None
    if office.kind is OfficeKind.HEADQUARTERS:
        for field in ("parent", "region"):
            if getattr(office, field) is not None:
                bad(field, "headquarters has none")
        if office.countries:
            bad("countries", "headquarters covers every country and lists none")
    elif office.kind is OfficeKind.REGIONAL:
        if office.parent != hq_id and office.parent in (None, *by_id):
            bad("parent", f"a regional office reports to headquarters ({hq_id!r}), not {office.parent!r}")
        if office.region is not None:
            bad("region", "a regional office has no region of its own (it reports to headquarters via parent)")
    else:
        if office.region is None:
            bad("region", "a country office needs the id of its regional office")
        elif region is not None and region.kind is not OfficeKind.REGIONAL:
            bad("region", f"{office.region!r} is a {region.kind} office, not a regional one")
        if office.parent != office.region and office.parent in (None, *by_id):
            bad("parent", f"a country office reports to its regional office ({office.region!r}), not {office.parent!r}")
        if not office.countries:
            bad("countries", "a country office covers at least one country")
    unknown = sorted(set(office.countries) - iso3_codes())
    if unknown:
        bad("countries", f"not ISO 3166-1 alpha-3 codes: {', '.join(unknown)}")
    repeated = sorted({c for c in office.countries if office.countries.count(c) > 1})
    if repeated:
        bad("countries", f"listed twice: {', '.join(repeated)}")
    return out


class OfficeSet(BaseModel):
    """The validated field structure; lookups are cached properties (the model is frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    approvals: dict[Severity, tuple[OfficeKind, ...]] = Field(
        description="severity -> the kinds of office whose coordinators may approve a plan of that severity")
    offices: tuple[Office, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> OfficeSet:
        ids = [o.office_id for o in self.offices]
        problems = [f"office id {i!r} is used more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
        missing_rules = [s.value for s in Severity if s not in self.approvals]
        if missing_rules:
            problems.append(f"approvals: no rule for severity {', '.join(missing_rules)}")
        problems += [f"approvals: {s.value} must include headquarters" for s, kinds in self.approvals.items()
                     if OfficeKind.HEADQUARTERS not in kinds]
        by_id = {o.office_id: o for o in self.offices}
        hqs = [o.office_id for o in self.offices if o.kind is OfficeKind.HEADQUARTERS]
        if len(hqs) != 1:
            problems.append(f"exactly one headquarters office is needed, found {len(hqs)}: {hqs}")
        for office in self.offices:
            problems += _problems_of(office, by_id, hqs[0] if hqs else None)
        owners: dict[str, list[str]] = {}
        for office in self.offices:
            for code in dict.fromkeys(office.countries):
                owners.setdefault(code, []).append(office.office_id)
        twice = {c: o for c, o in sorted(owners.items()) if len(o) > 1}
        if twice:
            problems.append("countries covered by more than one office: "
                            + "; ".join(f"{c} ({', '.join(o)})" for c, o in twice.items()))
        missing = sorted(iso3_codes() - owners.keys())
        if missing:
            problems.append(f"countries covered by no country or regional office: {', '.join(missing)}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @cached_property
    def by_id(self) -> dict[str, Office]:
        return {o.office_id: o for o in self.offices}

    @cached_property
    def headquarters(self) -> Office:
        return next(o for o in self.offices if o.kind is OfficeKind.HEADQUARTERS)

    @cached_property
    def owner_of(self) -> dict[str, Office]:
        """The office that covers each code itself: its country office, else its regional office."""
        return {c: o for o in self.offices for c in o.countries}

    def office(self, office_id: str) -> Office:
        try:
            return self.by_id[office_id]
        except KeyError:
            raise KeyError(f"no office with id {office_id!r}") from None

    def for_country(self, iso3: str) -> Office:
        """The country office covering a country, else the regional office that covers it directly."""
        try:
            return self.owner_of[iso3.upper()]
        except KeyError:
            raise KeyError(f"{iso3!r} is not an ISO 3166-1 alpha-3 code any office covers") from None

    def responsible_for(self, countries: Iterable[str]) -> list[str]:
        """The offices that act for these countries (each country's own office), once each, in order."""
        out: dict[str, None] = {}
        for iso3 in countries:
            try:
                out[self.for_country(iso3).office_id] = None
            except KeyError:
                continue
        return list(out) or [self.headquarters.office_id]

    def region_of(self, iso3: str) -> Office:
        """The regional office a country belongs to (through its country office or directly)."""
        office = self.for_country(iso3)
        return office if office.kind is OfficeKind.REGIONAL else self.by_id[office.region]  # type: ignore[index]

    def countries_of(self, office_id: str) -> frozenset[str]:
        """Every code an office covers: all for headquarters; a region's own and its country offices'."""
        office = self.office(office_id)
        if office.kind is OfficeKind.HEADQUARTERS:
            return frozenset(self.owner_of)
        codes = set(office.countries)
        if office.kind is OfficeKind.REGIONAL:
            codes.update(c for o in self.offices if o.region == office_id for c in o.countries)
        return frozenset(codes)

    def covers(self, office_id: str, iso3: str) -> bool:
        return iso3.upper() in self.countries_of(office_id)

    def covers_any(self, office_id: str, countries: Iterable[str]) -> bool:
        """Whether an office sees something in these countries (a multi-country crisis: any one of them)."""
        scope = self.countries_of(office_id)
        return any(c.upper() in scope for c in countries)

    def may_approve(self, office_id: str, countries: Iterable[str], severity: Severity | str) -> bool:
        """The approval rule: the office covers one of the countries and its kind may approve this severity."""
        office = self.office(office_id)
        return office.kind in self.approvals[Severity(severity)] and self.covers_any(office_id, countries)

    def approvers(self, countries: Iterable[str], severity: Severity | str) -> list[Office]:
        """The offices that may approve, nearest the field first (country, regional, headquarters), each once."""
        found: dict[str, Office] = {}
        for iso3 in countries:
            try:
                chain = self.chain(iso3)
            except KeyError:
                continue
            for office in chain:
                if office.kind in self.approvals[Severity(severity)]:
                    found.setdefault(office.office_id, office)
        found.setdefault(self.headquarters.office_id, self.headquarters)
        return sorted(found.values(), key=lambda o: _NEAREST_FIRST[o.kind])

    def chain(self, iso3: str) -> list[Office]:
        """Country office (when there is one), regional office, headquarters: who to alert, nearest first."""
        office = self.for_country(iso3)
        head = [office] if office.kind is OfficeKind.COUNTRY else []
        return [*head, self.region_of(iso3), self.headquarters]


def _describe(exc: ValidationError, raw: object) -> str:
    """Pydantic's errors with list positions replaced by the office id they concern."""
    offices = raw.get("offices") if isinstance(raw, dict) else None
    lines = []
    for err in exc.errors():
        loc, msg = err["loc"], err["msg"].removeprefix("Value error, ")
        if len(loc) >= 2 and loc[0] == "offices" and isinstance(loc[1], int) and isinstance(offices, list):
            item = offices[loc[1]] if loc[1] < len(offices) else {}
            oid = item.get("office_id", f"#{loc[1] + 1}") if isinstance(item, dict) else f"#{loc[1] + 1}"
            field = f", field {loc[2]!r}" if len(loc) > 2 else ""
            lines.append(f"office {oid!r}{field}: {msg}")
        else:
            lines.append(f"{'.'.join(map(str, loc))}: {msg}" if loc else msg)
    return "\n".join(lines)


def parse_offices(path: Path = OFFICES_PATH) -> OfficeSet:
    """Read and validate an offices file (uncached; raises OfficesError)."""
    return parse_yaml(path, OfficeSet, OfficesError, _describe, sep="\n")


@lru_cache(maxsize=8)
def load_offices(path: Path | None = None) -> OfficeSet:
    """The field structure from `path`, by default the offices.yaml beside this module (cached)."""
    return parse_offices(OFFICES_PATH if path is None else Path(path))
