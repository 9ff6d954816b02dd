"""Correlating a signal into the crises of its partition: ``apply_signal`` and ``correlate``."""

from __future__ import annotations

from datetime import datetime, timedelta


from responders.crises.building import add_signal, open_crisis, open_history, utc
from responders.crises.closing import resolve_quiet_periods
from responders.crises.index import CrisisIndex, CrisisLookup, ListLookup
from responders.crises.keys import correlation_key
from responders.crises.matching import Match, best_match
from responders.crises.models import Outcome
from responders.crises.rules import HazardFamily, hazard_family
from vocabulary.signals import Signal

__all__ = [
    "CrisisIndex",
    "CrisisLookup",
    "HazardFamily",
    "ListLookup",
    "apply_signal",
    "correlate",
    "correlation_key",
    "find_match",
    "hazard_family",
    "is_history",
]


def find_match(lookup: CrisisLookup, signal: Signal) -> Match | None:
    """The open crisis the signal joins (strong reference first, then nearest in time and space)."""
    return best_match(signal, correlation_key(signal), lookup.candidates(signal))


def is_history(signal: Signal, now: datetime, quiet_periods: dict[HazardFamily, timedelta]) -> bool:
    """Older than its hazard's quiet period: a crisis it started would already be closed, so it is history."""
    return utc(now) - signal.observed_at > quiet_periods[hazard_family(signal.hazard)]


def apply_signal(lookup: CrisisLookup, signal: Signal, now: datetime,
                 quiet_periods: dict[HazardFamily, timedelta] | None = None) -> Outcome:
    """Decide what one signal does to the crises of its partition; does not change ``lookup``.

    - a signal id already held by a crisis (open or closed): nothing to write, no event;
    - it joins the best matching open crisis: that crisis is written, ``rrc.crisis.updated`` is
      emitted with the changes, and ``rrc.crisis.escalated`` as well when it escalates;
    - otherwise a new crisis is opened: ``rrc.crisis.opened``.
    A signal observed longer ago than its hazard's quiet period (`quiet_periods`, defaults when None) is history:
    it joins a historical crisis it matches, or opens one already closed; either is recorded (`news` False: no
    public event, no plan), never mixed with the open crises of today.
    ``now`` is the processing time (``opened_at``/``updated_at``, event ``occurred_at``); matching
    uses the signal's observed time only, so replays give the same decisions.
    """
    now = utc(now)
    owner = lookup.owner_of(signal.signal_id)
    if owner is not None:
        return Outcome(duplicate_of=owner)
    candidates = list(lookup.candidates(signal))
    for crisis, _refs in candidates:  # a repeat whose membership record was lost (a crash between the writes)
        if signal.signal_id in crisis.signal_ids:
            return Outcome(duplicate_of=crisis.crisis_id)
    key = correlation_key(signal)
    history = is_history(signal, now, quiet_periods or resolve_quiet_periods())
    match = best_match(signal, key, candidates, history)
    if match is None:
        crisis, event = open_history(signal, key, now) if history else open_crisis(signal, key, now)
        return Outcome(crises_to_write=(crisis,), events=(event,), news=not history)
    crisis, events = add_signal(match.crisis, signal, now)
    return Outcome(crises_to_write=(crisis,), events=tuple(events), news=not history)


def correlate(index: CrisisIndex, signal: Signal, now: datetime,
              quiet_periods: dict[HazardFamily, timedelta] | None = None) -> Outcome:
    """``apply_signal`` then keep ``index`` in step with the crises to write (what the agent calls)."""
    outcome = apply_signal(index, signal, now, quiet_periods)
    for crisis in outcome.crises_to_write:
        index.upsert(crisis)
    return outcome
