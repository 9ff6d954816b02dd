"""The matching rule: may a signal join an open crisis, and which of several candidates is best."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from responders.crises.geo import KM_PER_DEGREE, distance_km
from responders.crises.models import Crisis, CrisisStatus
from responders.crises.rules import MATCH_RULES, MatchRule, hazard_family
from vocabulary.signals import Signal

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Match:
    crisis: Crisis
    shared_refs: int  # strong references in common; > 0 means a match by reference
    gap: timedelta  # time between the signal and the crisis's [first, last] span
    distance_km: float | None  # to the crisis location, when both have one

    @property
    def by_reference(self) -> bool:
        return self.shared_refs > 0

    def rank(self) -> tuple:
        """Smaller is better: strong references first, then nearest in time, then in space."""
        dist = self.distance_km if self.distance_km is not None else float("inf")
        return (-self.shared_refs, self.gap, dist, self.crisis.opened_at, self.crisis.crisis_id)


def time_gap(crisis: Crisis, signal: Signal) -> timedelta:
    """How far the signal lies outside the crisis's observed span (zero inside it), either side."""
    t = signal.observed_at
    if t < crisis.first_signal_at:
        return crisis.first_signal_at - t
    if t > crisis.last_signal_at:
        return t - crisis.last_signal_at
    return _ZERO


def _within_window(rule: MatchRule, crisis: Crisis, signal: Signal, gap: timedelta) -> bool:
    if rule.window is None:  # economic: same calendar year
        year = signal.observed_at.year
        return crisis.first_signal_at.year == year and crisis.last_signal_at.year == year
    return gap <= rule.window


def _distance(crisis: Crisis, signal: Signal, limit: float | None = None) -> float | None:
    """Distance between the two locations (None when one is missing); ``inf`` when a cheap
    latitude check already shows it exceeds ``limit``."""
    a, b = signal.location, crisis.location
    if a is None or b is None:
        return None
    if limit is not None and abs(a.lat - b.lat) * KM_PER_DEGREE > limit:
        return float("inf")
    return distance_km(a, b)


def _within_area(rule: MatchRule, crisis: Crisis, signal: Signal) -> tuple[bool, float | None]:
    """(may match, distance when both are located). The distance is computed only when needed."""
    if crisis.countries and signal.countries:
        if set(crisis.countries).isdisjoint(signal.countries):
            return False, None
        dist = _distance(crisis, signal, rule.max_km)
        return (rule.max_km is None or dist is None or dist <= rule.max_km), dist
    # either side has no country: the locations decide
    if rule.countryless_km is None:
        return False, None
    dist = _distance(crisis, signal, rule.countryless_km)
    return (dist is not None and dist <= rule.countryless_km), dist


def shared_refs(crisis: Crisis, refs: frozenset[str]) -> int:
    """How many of the (normalised) strong references ``refs`` the crisis holds (linear scan)."""
    return len(refs.intersection(crisis.strong_references)) if refs else 0


def evaluate(
    crisis: Crisis, signal: Signal, key: str, shared: int, rule: MatchRule | None = None, history: bool = False
) -> Match | None:
    """A Match when ``signal`` (with correlation key ``key``) may join ``crisis``, else None.

    ``shared`` is the number of strong references the two have in common (the index counts them).
    Never across correlation keys (so never across families or between exercise and actual),
    never into a closed crisis. A shared strong reference matches whatever the time and place;
    otherwise the family's MatchRule (time window, country overlap, distance) must hold. A `history` signal (older
    than its quiet period) joins historical crises only, and only those: history never mixes with news.
    """
    if crisis.correlation_key != key or crisis.exercise != signal.exercise or crisis.historical != history:
        return None
    if crisis.status is CrisisStatus.CLOSED and not history:
        return None
    gap = time_gap(crisis, signal)
    if shared:
        return Match(crisis, shared, gap, _distance(crisis, signal))
    if rule is None:
        rule = MATCH_RULES[hazard_family(signal.hazard)]
    if not _within_window(rule, crisis, signal, gap):
        return None
    ok, dist = _within_area(rule, crisis, signal)
    return Match(crisis, 0, gap, dist) if ok else None


def best_match(signal: Signal, key: str, candidates: Iterable[tuple[Crisis, int]],
               history: bool = False) -> Match | None:
    """The best of the (crisis, shared strong refs) candidates the signal may join, or None."""
    rule = MATCH_RULES[hazard_family(signal.hazard)]
    best: Match | None = None
    for crisis, shared in candidates:
        m = evaluate(crisis, signal, key, shared, rule, history)
        if m is not None and (best is None or m.rank() < best.rank()):
            best = m
    return best
