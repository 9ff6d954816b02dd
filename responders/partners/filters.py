"""What a partner asks to receive (SubscriptionFilter) and what it may see at all (Grant, `entitled`).

A filter is a conjunction of fields, each a disjunction of values: an event passes when, for every non-empty field,
at least one of its values matches the event. An empty field is no constraint, so the empty filter passes
everything. A field that constrains a fact the event does not carry fails (a partner who asked for floods in
Turkey does not want events that say nothing about hazard or country).

Facts are read from `event.data`: `kind`, `hazard`, `countries` (list), `regions` (list) and `severity`. Crisis
events carry them in `data["crisis"]`, plan events in `data["plan"]`, intervention events in
`data["intervention"]["plan"]`; a fact missing at the top level is looked up there. A missing kind is derived
from the hazard, missing regions from the countries (ILO regions).

Event types are patterns: an exact type (`rrc.crisis.opened`), a family (`rrc.deployment.*`: every type under
`rrc.deployment.`) or `rrc.*` (every rrc type). `*` stands only for whole trailing segments.

Severity is ordered minor < moderate < severe < extreme (CAP terms); an event whose severity is missing or not on
that scale (e.g. `unknown`) fails any `min_severity`.

Entitlement is separate from asking: events of exercises (CloudEvent extension `rrcexercise: "true"`) reach only
partners granted `exercise`, and events whose `data.visibility` is `restricted` or `private` only partners granted
`restricted`, whatever their filters say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vocabulary.cloudevents import CloudEvent

SEVERITY_ORDER: tuple[str, ...] = ("minor", "moderate", "severe", "extreme")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITY_ORDER)}
Severity = Literal["minor", "moderate", "severe", "extreme"]
HIDDEN_VISIBILITY = frozenset({"restricted", "private"})

_SEGMENT = r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?"
TYPE_PATTERN_RE = re.compile(rf"^rrc(?:\.{_SEGMENT})*\.(?:{_SEGMENT}|\*)$")


@lru_cache(maxsize=1)
def _alpha3() -> frozenset[str]:
    return frozenset({c.alpha_3 for c in pycountry.countries} | {"XKX"})  # XKX: Kosovo, as the signals use


def validate_type_pattern(pattern: str) -> str:
    """The pattern itself when valid (`rrc.` prefix, lowercase segments, `*` only as the whole last segment)."""
    if not isinstance(pattern, str) or not TYPE_PATTERN_RE.match(pattern):
        raise ValueError(f"event type pattern {pattern!r}: expected an rrc type such as 'rrc.crisis.opened', "
                         "a family such as 'rrc.deployment.*', or 'rrc.*'")
    return pattern


def type_matches(pattern: str, event_type: str) -> bool:
    """Does `event_type` fall under `pattern` (exact type, or any type below a `.*` prefix)."""
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return event_type == pattern


def any_type_matches(patterns: list[str] | tuple[str, ...], event_type: str) -> bool:
    for pattern in patterns:
        if type_matches(pattern, event_type):
            return True
    return False


def _words(values: list[str], field: str) -> list[str]:
    out: list[str] = []
    for v in values:
        w = v.strip().lower()
        if not w:
            raise ValueError(f"{field}: empty value")
        if w not in out:
            out.append(w)
    return out


class SubscriptionFilter(BaseModel):
    """AND across fields, OR within a field; an empty field is no constraint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_types: list[str] = Field(default_factory=list, max_length=50)
    kinds: list[str] = Field(default_factory=list, max_length=20)
    hazards: list[str] = Field(default_factory=list, max_length=100)
    countries: list[str] = Field(default_factory=list, max_length=300)
    regions: list[str] = Field(default_factory=list, max_length=100)
    min_severity: Severity | None = None

    @field_validator("event_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(validate_type_pattern(p) for p in v))

    @field_validator("kinds", "hazards", "regions")
    @classmethod
    def _lowercase(cls, v: list[str], info) -> list[str]:
        return _words(v, info.field_name)

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        known = _alpha3()
        out: list[str] = []
        for code in v:
            c = code.strip().upper()
            if c not in known:
                raise ValueError(f"countries: {code!r} is not an ISO 3166-1 alpha-3 code")
            if c not in out:
                out.append(c)
        return out

    def matches(self, event: CloudEvent | EventFacts) -> bool:
        """Does the event pass; pass `facts_of(event)` instead of the event when testing many filters."""
        f = event if isinstance(event, EventFacts) else facts_of(event)
        if self.event_types and not any_type_matches(self.event_types, f.type):
            return False
        if self.kinds and f.kind not in self.kinds:
            return False
        if self.hazards and f.hazard not in self.hazards:
            return False
        if self.countries and f.countries.isdisjoint(self.countries):
            return False
        if self.regions and f.regions.isdisjoint(self.regions):
            return False
        if self.min_severity is not None and (f.severity_rank is None
                                              or f.severity_rank < SEVERITY_RANK[self.min_severity]):
            return False
        return True


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What filters look at, read from an event once (an event is matched against every subscription)."""

    type: str
    kind: str | None
    hazard: str | None
    countries: frozenset[str]
    regions: frozenset[str]
    severity_rank: int | None


def _nested(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Where the facts sit below the top level: the crisis (crisis events), the plan (plan events) or the
    intervention's plan (intervention events)."""
    for value in (data.get("crisis"), data.get("plan"),
                  (data.get("intervention") or {}).get("plan") if isinstance(data.get("intervention"), Mapping)
                  else None):
        if isinstance(value, Mapping):
            return value
    return {}


def facts_of(event: CloudEvent) -> EventFacts:
    data = event.data if isinstance(event.data, Mapping) else {}
    nested = _nested(data)
    severity = _one(data, nested, "severity")
    hazard = _one(data, nested, "hazard")
    countries = _many(data, nested, "countries", upper=True)
    regions = _many(data, nested, "regions", upper=False) or _regions_of(countries)
    return EventFacts(type=event.type, kind=_one(data, nested, "kind") or _kind_of(hazard), hazard=hazard,
                      countries=countries, regions=regions,
                      severity_rank=SEVERITY_RANK.get(severity) if severity else None)


def _kind_of(hazard: str | None) -> str | None:
    """Plan and deployment events name the hazard, not the kind: derive it (earthquake -> disaster)."""
    from vocabulary.signals import Hazard, kind_of

    try:
        return kind_of(Hazard(hazard)).value if hazard else None
    except ValueError:
        return None


def _regions_of(countries: frozenset[str]) -> frozenset[str]:
    """The ILO regions of the event's countries when the event does not name regions itself."""
    if not countries:
        return frozenset()
    from config.taxonomy import load_taxonomy

    tax = load_taxonomy()
    return frozenset(r.lower() for r in map(tax.region_of, countries) if r)


def _fact(data: Mapping[str, Any], nested: Mapping[str, Any], key: str) -> Any:
    value = data.get(key)
    return nested.get(key) if value is None else value


def _one(data: Mapping[str, Any], nested: Mapping[str, Any], key: str) -> str | None:
    value = _fact(data, nested, key)
    return value.lower() if isinstance(value, str) else None


def _many(data: Mapping[str, Any], nested: Mapping[str, Any], key: str, *, upper: bool) -> frozenset[str]:
    value = _fact(data, nested, key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return frozenset()
    return frozenset((v.upper() if upper else v.lower()) for v in value if isinstance(v, str))


class Grant(BaseModel):
    """What a partner may see beyond public, real events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    restricted: bool = False
    exercise: bool = False


def is_exercise(event: CloudEvent) -> bool:
    return str(event.extensions.get("rrcexercise", "")).lower() == "true"


def is_restricted(event: CloudEvent) -> bool:
    data = event.data if isinstance(event.data, Mapping) else {}
    visibility = data.get("visibility")
    return isinstance(visibility, str) and visibility.lower() in HIDDEN_VISIBILITY


def addressee(event: CloudEvent) -> str | None:
    """The one partner an addressed event is for (a resource request and what became of it), else None."""
    value = event.extensions.get("rrcpartnerid")
    return str(value) if value else None


def entitled(grant: Grant, event: CloudEvent, partner_id: str | None = None, *, staff: bool = False) -> bool:
    """May a partner (`partner_id`, with `grant`) receive `event` at all (before its subscription filters)? An
    event addressed to one partner reaches only that partner (and staff)."""
    to = addressee(event)
    if to is not None and not staff and to != partner_id:
        return False
    if is_exercise(event) and not grant.exercise:
        return False
    if is_restricted(event) and not grant.restricted:
        return False
    return True
