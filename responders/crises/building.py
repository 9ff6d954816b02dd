"""Pure constructors: a crisis opened from a signal, a signal folded into a crisis, and their events."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from responders.crises.exceptions import CrisisClosedError, NaiveDatetimeError
from responders.crises.models import (
    ChangeType,
    Crisis,
    CrisisEvent,
    CrisisEventType,
    CrisisStatus,
    FieldChange,
    HistoryEntry,
    LeadSignal,
    replaced,
    trusted,
)
from responders.crises.refs import strong_refs
from responders.crises.rules import (
    HISTORY_LIMIT,
    POPULATION_THRESHOLDS,
    RECENT_SIGNALS,
    REFERENCES_LIMIT,
    STRONG_REFERENCES_LIMIT,
    hazard_family,
)
from vocabulary.signals import Magnitude, Severity, Signal, kind_of


def utc(now: datetime) -> datetime:
    """``now`` in UTC; refuses naive datetimes (time is injected, never guessed)."""
    if now.tzinfo is None:
        raise NaiveDatetimeError("now needs a timezone (UTC offset)")
    return now.astimezone(timezone.utc)


def crisis_id_for(key: str, first_signal_id: str) -> str:
    """Deterministic id: replaying the same signals in the same order yields the same crisis ids."""
    return "cri-" + hashlib.sha1(f"{key}\x1f{first_signal_id}".encode()).hexdigest()[:20]


def event_id_for(crisis_id: str, trigger: str, type_: CrisisEventType) -> str:
    """Stable event id from the crisis, what triggered it (signal id or sweep marker) and the type."""
    return "evt-" + hashlib.sha1(f"{crisis_id}\x1f{trigger}\x1f{type_}".encode()).hexdigest()[:24]


def lead_of(signal: Signal) -> LeadSignal:
    return trusted(
        LeadSignal,
        signal_id=signal.signal_id,
        severity=signal.severity,
        magnitude=signal.magnitude.value if signal.magnitude else None,
        affected_population=signal.affected_population,
        observed_at=signal.observed_at,
    )


def _lead_rank(lead: LeadSignal) -> tuple:
    mag = lead.magnitude if lead.magnitude is not None else float("-inf")
    pop = lead.affected_population if lead.affected_population is not None else -1
    return (lead.severity.rank, mag, pop, -lead.observed_at.timestamp())


def beats(a: LeadSignal, b: LeadSignal) -> bool:
    """True when ``a`` represents a crisis better than ``b`` (a strict total order on signals)."""
    ra, rb = _lead_rank(a), _lead_rank(b)
    return ra > rb or (ra == rb and a.signal_id < b.signal_id)


def _mag_key(m: Magnitude) -> tuple[float, str]:
    return (m.value, m.unit)


def bounded(items: list[str], limit: int) -> list[str]:
    """The first tenth of `limit` items (what named the event first) and the newest for the rest."""
    if len(items) <= limit:
        return items
    head = max(1, limit // 10)
    return [*items[:head], *items[-(limit - head):]]


def _history(crisis_history: list[HistoryEntry], dropped: int, entry: HistoryEntry):
    history = [*crisis_history, entry]
    if len(history) > HISTORY_LIMIT:  # keep "opened" and the newest entries
        cut = len(history) - HISTORY_LIMIT
        history = [history[0], *history[1 + cut :]]
        dropped += cut
    return history, dropped


def open_crisis(signal: Signal, key: str, now: datetime) -> tuple[Crisis, CrisisEvent]:
    """A new crisis holding only ``signal``, and its ``rrc.crisis.opened`` event."""
    now = utc(now)
    lead = lead_of(signal)
    crisis = trusted(
        Crisis,
        crisis_id=crisis_id_for(key, signal.signal_id),
        correlation_key=key,
        kind=kind_of(signal.hazard),
        hazard=signal.hazard,
        hazard_family=hazard_family(signal.hazard),
        title=signal.title,
        countries=list(signal.countries),
        location=signal.location,
        severity=signal.severity,
        status=CrisisStatus.OPEN,
        exercise=signal.exercise,
        historical=False,
        opened_at=now,
        updated_at=now,
        first_signal_at=signal.observed_at,
        last_signal_at=signal.observed_at,
        last_received_at=now,
        escalated_at=None,
        closed_at=None,
        signal_ids=[signal.signal_id],
        signal_count=1,
        references=bounded(list(signal.references), REFERENCES_LIMIT),
        strong_references=bounded(sorted(strong_refs(signal.references)), STRONG_REFERENCES_LIMIT),
        affected_population=signal.affected_population,
        magnitude=signal.magnitude,
        lead=lead,
        located_lead=lead if signal.location is not None else None,
        history=[trusted(HistoryEntry, at=now, change=ChangeType.OPENED, signal_id=signal.signal_id, changes=[])],
        history_dropped=0,
    )
    return crisis, make_event(crisis, CrisisEventType.OPENED, signal.signal_id, now, [])


def open_history(signal: Signal, key: str, now: datetime) -> tuple[Crisis, CrisisEvent]:
    """A crisis recorded from a signal older than its quiet period: closed at once, marked historical, and its
    ``rrc.crisis.closed`` event (for the views and the planner, which plans nothing for it; never published)."""
    crisis, _ = open_crisis(signal, key, now)
    now = utc(now)
    entry = trusted(HistoryEntry, at=now, change=ChangeType.HISTORY, signal_id=signal.signal_id, changes=[])
    crisis = replaced(crisis, {"status": CrisisStatus.CLOSED, "closed_at": now, "historical": True,
                               "history": [entry]})
    return crisis, make_event(crisis, CrisisEventType.CLOSED, f"history:{signal.signal_id}", now, [])


def make_event(
    crisis: Crisis, type_: CrisisEventType, trigger: str, now: datetime, changes: list[FieldChange]
) -> CrisisEvent:
    return trusted(
        CrisisEvent,
        event_id=event_id_for(crisis.crisis_id, trigger, type_),
        type=type_,
        crisis_id=crisis.crisis_id,
        signal_id=trigger if not trigger.startswith("sweep:") else None,
        exercise=crisis.exercise,
        occurred_at=now,
        crisis=crisis.summary(),
        changes=changes,
    )


def _json(value):
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, str) else value


def escalates(old_sev: Severity, new_sev: Severity, old_pop: int | None, new_pop: int | None) -> bool:
    """Escalation: severity rank rises to moderate or above, or the population crosses a threshold."""
    if new_sev.rank > old_sev.rank and new_sev.rank >= Severity.MODERATE.rank:
        return True
    before, after = old_pop or 0, new_pop or 0
    return any(before < t <= after for t in POPULATION_THRESHOLDS)


def add_signal(crisis: Crisis, signal: Signal, now: datetime) -> tuple[Crisis, list[CrisisEvent]]:
    """``crisis`` with ``signal`` folded in, and its events (updated, plus escalated if it escalates).

    The caller has checked that the signal is not already part of the crisis. A historical crisis takes historical
    signals: its facts grow, its status stays closed and it never escalates.
    """
    if not crisis.is_open and not crisis.historical:
        raise CrisisClosedError(f"crisis {crisis.crisis_id} is closed and never reopens")
    now = utc(now)
    up: dict = {}
    changes: list[FieldChange] = []

    def set_(name: str, new) -> None:
        old = getattr(crisis, name)
        if new != old:
            up[name] = new
            changes.append(trusted(FieldChange, field=name, old=_json(old), new=_json(new), added=None))

    def extend(name: str, items: list[str], record: bool = True, limit: int | None = None) -> None:
        if not items:
            return
        old = getattr(crisis, name)
        seen = set(old)
        added = [i for i in dict.fromkeys(items) if i not in seen]
        if added:
            up[name] = bounded([*old, *added], limit) if limit else [*old, *added]
            if record:
                changes.append(trusted(FieldChange, field=name, old=None, new=None, added=added))

    lead = lead_of(signal)
    if beats(lead, crisis.lead):
        up["lead"] = lead
        set_("hazard", signal.hazard)
        set_("title", signal.title)
    if signal.location is not None and (crisis.located_lead is None or beats(lead, crisis.located_lead)):
        up["located_lead"] = lead
        set_("location", signal.location)
    if signal.severity.rank > crisis.severity.rank:
        set_("severity", signal.severity)
    if signal.magnitude and (crisis.magnitude is None or _mag_key(signal.magnitude) > _mag_key(crisis.magnitude)):
        set_("magnitude", signal.magnitude)
    if signal.affected_population is not None and signal.affected_population > (crisis.affected_population or -1):
        set_("affected_population", signal.affected_population)
    extend("countries", signal.countries)
    extend("references", signal.references, limit=REFERENCES_LIMIT)
    extend("strong_references", sorted(strong_refs(signal.references)), record=False, limit=STRONG_REFERENCES_LIMIT)
    set_("first_signal_at", min(crisis.first_signal_at, signal.observed_at))
    set_("last_signal_at", max(crisis.last_signal_at, signal.observed_at))
    set_("signal_count", crisis.signal_count + 1)
    up["signal_ids"] = [*crisis.signal_ids[-(RECENT_SIGNALS - 1):], signal.signal_id]

    escalated = crisis.is_open and escalates(
        crisis.severity, up.get("severity", crisis.severity),
        crisis.affected_population, up.get("affected_population", crisis.affected_population),
    )
    if escalated:
        set_("status", CrisisStatus.ESCALATED)
        up["escalated_at"] = now
    elif crisis.status is CrisisStatus.STABILISING:  # a new signal reactivates it
        set_("status", CrisisStatus.ESCALATED if crisis.escalated_at else CrisisStatus.OPEN)

    change = ChangeType.ESCALATED if escalated else ChangeType.SIGNAL_ADDED
    entry = trusted(HistoryEntry, at=now, change=change, signal_id=signal.signal_id, changes=changes)
    up["history"], up["history_dropped"] = _history(crisis.history, crisis.history_dropped, entry)
    up["updated_at"] = now
    up["last_received_at"] = now
    new = replaced(crisis, up)

    events = [make_event(new, CrisisEventType.UPDATED, signal.signal_id, now, changes)]
    if escalated:
        esc = [c for c in changes if c.field in ("severity", "affected_population", "status")]
        events.append(make_event(new, CrisisEventType.ESCALATED, signal.signal_id, now, esc))
    return new, events


def transition(crisis: Crisis, status: CrisisStatus, change: ChangeType, now: datetime) -> Crisis:
    """``crisis`` moved to ``status`` by a sweep at ``now``, with its history entry."""
    now = utc(now)
    fc = trusted(FieldChange, field="status", old=str(crisis.status), new=str(status), added=None)
    entry = trusted(HistoryEntry, at=now, change=change, signal_id=None, changes=[fc])
    history, dropped = _history(crisis.history, crisis.history_dropped, entry)
    up = {"status": status, "updated_at": now, "history": history, "history_dropped": dropped}
    if status is CrisisStatus.CLOSED:
        up["closed_at"] = now
    return replaced(crisis, up)
