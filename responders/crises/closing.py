"""The quiet-crisis sweep: which crises stabilise or close, and the transitions themselves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from responders.crises.building import make_event, transition, utc
from responders.crises.exceptions import CrisisClosedError, InvalidTransition
from responders.crises.models import ChangeType, Crisis, CrisisEvent, CrisisEventType, CrisisStatus, Outcome
from responders.crises.rules import DEFAULT_QUIET_PERIODS, HazardFamily

QuietPeriods = Mapping[HazardFamily, timedelta]


def resolve_quiet_periods(overrides: QuietPeriods | None = None) -> dict[HazardFamily, timedelta]:
    """The default quiet period of every family, with ``overrides`` applied (keys may be family
    names such as ``"seismic"``; an unknown name raises ValueError)."""
    periods = dict(DEFAULT_QUIET_PERIODS)
    for family, period in (overrides or {}).items():
        if period <= timedelta(0):
            raise ValueError(f"quiet period of {family} must be positive")
        periods[HazardFamily(family)] = period
    return periods


def quiet_for(crisis: Crisis, now: datetime) -> timedelta:
    """How long nothing new happened: since the latest observed signal time or, when later, the
    time the latest signal was received (so a backfilled crisis is not closed on arrival)."""
    return utc(now) - max(crisis.last_signal_at, crisis.last_received_at)


def quiet_crises(
    crises: Iterable[Crisis], now: datetime, quiet_periods: QuietPeriods | None = None
) -> list[str]:
    """Ids of the open crises that have been quiet for at least their family's quiet period."""
    table = resolve_quiet_periods(quiet_periods)
    return [c.crisis_id for c in crises if c.is_open and quiet_for(c, now) >= table[c.hazard_family]]


def stabilising_crises(
    crises: Iterable[Crisis], now: datetime, quiet_periods: QuietPeriods | None = None
) -> list[str]:
    """Ids of open or escalated crises quiet for half their quiet period but not yet the whole."""
    table = resolve_quiet_periods(quiet_periods)
    out = []
    for c in crises:
        if c.status in (CrisisStatus.OPEN, CrisisStatus.ESCALATED):
            quiet = quiet_for(c, now)
            if table[c.hazard_family] / 2 <= quiet < table[c.hazard_family]:
                out.append(c.crisis_id)
    return out


def _trigger(crisis: Crisis, what: str) -> str:
    # the sweep marker is tied to the latest signal, so a crisis that stabilises, gets a new
    # signal and stabilises again gets a new event id, while a repeated sweep gets the same one
    return f"sweep:{what}:{crisis.signal_ids[-1]}"


def close_crisis(crisis: Crisis, now: datetime) -> tuple[Crisis, CrisisEvent]:
    """The closed crisis and its ``rrc.crisis.closed`` event. Closed crises never reopen: a later
    signal, even one sharing a strong reference, opens a new crisis."""
    if not crisis.is_open:
        raise CrisisClosedError(f"crisis {crisis.crisis_id} is already closed")
    closed = transition(crisis, CrisisStatus.CLOSED, ChangeType.CLOSED, now)
    changes = closed.history[-1].changes
    return closed, make_event(closed, CrisisEventType.CLOSED, _trigger(crisis, "closed"), utc(now), changes)


def mark_stabilising(crisis: Crisis, now: datetime) -> tuple[Crisis, CrisisEvent]:
    """The crisis marked stabilising and its ``rrc.crisis.updated`` event (status change)."""
    if crisis.status not in (CrisisStatus.OPEN, CrisisStatus.ESCALATED):
        raise InvalidTransition(f"crisis {crisis.crisis_id} is {crisis.status}, cannot stabilise")
    marked = transition(crisis, CrisisStatus.STABILISING, ChangeType.STABILISING, now)
    changes = marked.history[-1].changes
    return marked, make_event(
        marked, CrisisEventType.UPDATED, _trigger(crisis, "stabilising"), utc(now), changes
    )


def sweep(crises: Iterable[Crisis], now: datetime, quiet_periods: QuietPeriods | None = None) -> Outcome:
    """What a ``CloseQuietCrises(now)`` command does to the owner's crises: close the quiet ones,
    mark the half-quiet ones stabilising. Reads every open crisis once (a periodic O(n) pass)."""
    table = resolve_quiet_periods(quiet_periods)
    written: list[Crisis] = []
    events: list[CrisisEvent] = []
    for c in crises:
        if not c.is_open:
            continue
        quiet, period = quiet_for(c, now), table[c.hazard_family]
        if quiet >= period:
            crisis, event = close_crisis(c, now)
        elif quiet >= period / 2 and c.status is not CrisisStatus.STABILISING:
            crisis, event = mark_stabilising(c, now)
        else:
            continue
        written.append(crisis)
        events.append(event)
    return Outcome(crises_to_write=tuple(written), events=tuple(events))
