"""Crisis state, its history and the events it emits (pydantic v2; JSON-able for a Faust table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from typing import TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from responders.crises.rules import HazardFamily
from vocabulary.signals import Hazard, Kind, Location, Magnitude, Severity, Signal


M = TypeVar("M", bound=BaseModel)


class CrisisStatus(StrEnum):
    """open -> escalated (severity rose) -> stabilising (half its quiet period) -> closed (final)."""

    OPEN = "open"
    ESCALATED = "escalated"
    STABILISING = "stabilising"
    CLOSED = "closed"


class ChangeType(StrEnum):
    OPENED = "opened"
    SIGNAL_ADDED = "signal_added"
    ESCALATED = "escalated"
    STABILISING = "stabilising"
    CLOSED = "closed"
    HISTORY = "history"  # opened from a signal older than its quiet period: recorded closed, never news


class CrisisEventType(StrEnum):
    OPENED = "rrc.crisis.opened"
    UPDATED = "rrc.crisis.updated"
    ESCALATED = "rrc.crisis.escalated"
    CLOSED = "rrc.crisis.closed"


class FieldChange(BaseModel):
    """One changed field: scalar fields carry ``old``/``new``; list fields carry ``added`` items."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    old: JsonValue = None
    new: JsonValue = None
    added: list[str] | None = None


class HistoryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    at: AwareDatetime
    change: ChangeType
    signal_id: str | None = None
    changes: list[FieldChange] = Field(default_factory=list)


class LeadSignal(BaseModel):
    """The facts of the signal that represents the crisis (see ``building.lead_key``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    signal_id: str
    severity: Severity
    magnitude: float | None = None
    affected_population: int | None = None
    observed_at: AwareDatetime


class CrisisSummary(BaseModel):
    """The public crisis shape (ARCHITECTURE.md) without signal ids and history: event payloads."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    crisis_id: str
    correlation_key: str
    kind: Kind
    hazard: Hazard
    hazard_family: HazardFamily
    title: str
    countries: list[str]
    location: Location | None
    severity: Severity
    status: CrisisStatus
    exercise: bool
    historical: bool = Field(False, description="opened from signals older than their hazard's quiet period: "
                                                "recorded closed, as history, and never planned for")
    signal_count: int
    references: list[str]
    magnitude: Magnitude | None
    affected_population: int | None
    opened_at: AwareDatetime
    updated_at: AwareDatetime
    first_signal_at: AwareDatetime
    last_signal_at: AwareDatetime
    closed_at: AwareDatetime | None


class Crisis(BaseModel):
    """One real-world crisis and the signals that make it up.

    Aggregates are independent of the order signals arrive in:
    - ``severity``: the highest of its signals; ``magnitude``: the largest (value, unit);
      ``affected_population``: the largest reported figure (reports from several sources overlap,
      so summing would double count; the maximum is a conservative best estimate).
    - ``lead``: the most severe signal (then larger magnitude, larger population, earlier observed,
      smaller signal id); ``hazard`` and ``title`` are the lead's. ``location`` is that of the
      best-ranked signal that has a location (``located_lead``), e.g. the mainshock of a sequence.
    - ``first_signal_at``/``last_signal_at``: earliest/latest observed time of its signals;
      ``last_received_at``: processing time (``now``) of the latest accepted signal.
    - ``signal_ids``: the newest (``rules.RECENT_SIGNALS``), distinct, in arrival order; ``signal_count``
      counts every signal, and which crisis holds a signal is the crisis owner's members table (``CrisisMember``);
      ``countries``: union in arrival order; ``references``: union in arrival order, bounded (the first, then the
      newest: ``rules.REFERENCES_LIMIT``); ``strong_references``: the normalised strong keys among the references
      (``refs.normalise_strong_ref``), which is what matching compares, bounded the same way.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    crisis_id: str
    correlation_key: str
    kind: Kind
    hazard: Hazard
    hazard_family: HazardFamily
    title: str
    countries: list[str]
    location: Location | None = None
    severity: Severity
    status: CrisisStatus = CrisisStatus.OPEN
    exercise: bool = False
    historical: bool = False
    opened_at: AwareDatetime
    updated_at: AwareDatetime
    first_signal_at: AwareDatetime
    last_signal_at: AwareDatetime
    last_received_at: AwareDatetime
    escalated_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    signal_ids: list[str]
    signal_count: int
    references: list[str] = Field(default_factory=list)
    strong_references: list[str] = Field(default_factory=list)
    affected_population: int | None = None
    magnitude: Magnitude | None = None
    lead: LeadSignal
    located_lead: LeadSignal | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    history_dropped: int = 0

    @property
    def is_open(self) -> bool:
        """Open for new signals: every status but closed."""
        return self.status is not CrisisStatus.CLOSED

    @property
    def joinable(self) -> bool:
        """In the owner's index: open for new signals, or a historical crisis other historical signals may join."""
        return self.is_open or self.historical

    def summary(self) -> CrisisSummary:
        values = self.__dict__
        return trusted(CrisisSummary, **{name: values[name] for name in _SUMMARY_FIELDS})

    def to_json_dict(self) -> dict:
        """The table value."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json_dict(cls, data: dict) -> Crisis:
        return cls.model_validate(data)


_SUMMARY_FIELDS = tuple(CrisisSummary.model_fields)


class CrisisMember(BaseModel):
    """A signal as a member of a crisis: the owner's members table (keyed by signal id) and the crisis-signals view."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    signal_id: str
    crisis_id: str
    source: str
    title: str
    severity: Severity
    observed_at: AwareDatetime
    countries: list[str] = Field(default_factory=list)
    url: str | None = None
    exercise: bool = False
    count: int | None = Field(None, description="the crisis's signal count once this signal had joined")

    @classmethod
    def of(cls, signal: Signal, crisis_id: str, count: int | None = None) -> "CrisisMember":
        return cls(signal_id=signal.signal_id, crisis_id=crisis_id, source=signal.source, title=signal.title[:500],
                   severity=signal.severity, observed_at=signal.observed_at, countries=list(signal.countries),
                   url=signal.url, exercise=signal.exercise, count=count)


class CrisisEvent(BaseModel):
    """A fact about a crisis; ``event_id`` is derived from crisis, trigger and type (stable)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event_id: str
    type: CrisisEventType
    crisis_id: str
    signal_id: str | None = None
    exercise: bool
    occurred_at: datetime
    crisis: CrisisSummary
    changes: list[FieldChange] = Field(default_factory=list)


_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


def trusted(cls: type[M], **values) -> M:
    """Build a model from values that are already valid, skipping validation.

    Equivalent to ``cls.model_construct(**values)`` with every field given, but several times
    faster and sharing one fields-set object per class (fewer objects for the garbage collector).
    Only for values taken from validated models (signals, crises); ``test_models`` checks that
    the result equals ``model_validate`` of its own dump.
    """
    fields = _ALL_FIELDS.get(cls)
    if fields is None:
        fields = _ALL_FIELDS[cls] = set(cls.model_fields)
    if values.keys() != fields:
        raise TypeError(f"{cls.__name__}: fields {sorted(fields ^ values.keys())} missing or unknown")
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", values)
    object.__setattr__(m, "__pydantic_fields_set__", fields)
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


def replaced(crisis: Crisis, update: dict) -> Crisis:
    """``crisis`` with some fields replaced, without validation (see ``trusted``)."""
    return trusted(Crisis, **{**crisis.__dict__, **update})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What handling one signal or one sweep produced: crises to write and events to emit."""

    crises_to_write: tuple[Crisis, ...] = ()
    events: tuple[CrisisEvent, ...] = ()
    duplicate_of: str | None = field(default=None)
    news: bool = True  # False: history (recorded on rrc.crises for the views, never a public event)

    @property
    def changed(self) -> bool:
        return bool(self.crises_to_write)
