"""Hazard families and their correlation windows and quiet periods: the tunable rules of correlation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from vocabulary.signals import Hazard


class HazardFamily(StrEnum):
    """Hazards that can belong to one crisis. Economic indicators each form their own family."""

    SEISMIC = "seismic"  # earthquake, tsunami (a tsunami is part of its earthquake's crisis)
    HYDROMET = "hydromet"  # tropical cyclone, storm, flood, landslide (mostly rain-triggered)
    TEMPERATURE = "temperature"  # heat waves and cold waves
    DROUGHT = "drought"
    WILDFIRE = "wildfire"
    VOLCANO = "volcano"
    EPIDEMIC = "epidemic"
    TECHNOLOGICAL = "technological"
    CONFLICT = "conflict"  # armed conflict and civil unrest
    UNEMPLOYMENT = "unemployment_shock"
    GDP = "gdp_contraction"
    INFLATION = "inflation_shock"
    OTHER = "other"


HAZARD_FAMILY: dict[Hazard, HazardFamily] = {
    Hazard.EARTHQUAKE: HazardFamily.SEISMIC,
    Hazard.TSUNAMI: HazardFamily.SEISMIC,
    Hazard.TROPICAL_CYCLONE: HazardFamily.HYDROMET,
    Hazard.STORM: HazardFamily.HYDROMET,
    Hazard.FLOOD: HazardFamily.HYDROMET,
    Hazard.LANDSLIDE: HazardFamily.HYDROMET,
    Hazard.EXTREME_TEMPERATURE: HazardFamily.TEMPERATURE,
    Hazard.DROUGHT: HazardFamily.DROUGHT,
    Hazard.WILDFIRE: HazardFamily.WILDFIRE,
    Hazard.VOLCANO: HazardFamily.VOLCANO,
    Hazard.EPIDEMIC: HazardFamily.EPIDEMIC,
    Hazard.TECHNOLOGICAL: HazardFamily.TECHNOLOGICAL,
    Hazard.ARMED_CONFLICT: HazardFamily.CONFLICT,
    Hazard.CIVIL_UNREST: HazardFamily.CONFLICT,
    Hazard.UNEMPLOYMENT_SHOCK: HazardFamily.UNEMPLOYMENT,
    Hazard.GDP_CONTRACTION: HazardFamily.GDP,
    Hazard.INFLATION_SHOCK: HazardFamily.INFLATION,
    Hazard.OTHER: HazardFamily.OTHER,
}


@dataclass(frozen=True, slots=True)
class MatchRule:
    """When a signal without a shared strong reference may join an open crisis of its family.

    - ``window``: largest gap between the signal's observed time and the crisis's span
      [first_signal_at, last_signal_at], in either direction. ``None`` means "same calendar year".
    - ``max_km``: when both sides have countries (which must overlap) *and* both have a location,
      the location must also lie within this distance. ``None``: no distance check.
    - ``countryless_km``: when either side has no country, both must have a location within this
      distance. ``None``: a signal or crisis without country never matches by window.
    - ``key_by_country``: the correlation key (and so the partition) includes the primary country.
    """

    window: timedelta | None
    max_km: float | None
    countryless_km: float | None
    key_by_country: bool = False

    @property
    def search_km(self) -> float | None:
        """The widest distance at which a located crisis can match (sizes the geo grid)."""
        kms = [k for k in (self.max_km, self.countryless_km) if k is not None]
        return max(kms) if kms else None


DAY = timedelta(days=1)

MATCH_RULES: dict[HazardFamily, MatchRule] = {
    HazardFamily.SEISMIC: MatchRule(7 * DAY, 300.0, 300.0),
    HazardFamily.HYDROMET: MatchRule(14 * DAY, 1000.0, 1000.0),
    HazardFamily.TEMPERATURE: MatchRule(14 * DAY, None, 1000.0),
    HazardFamily.DROUGHT: MatchRule(180 * DAY, None, None),
    HazardFamily.WILDFIRE: MatchRule(14 * DAY, 100.0, 100.0),
    HazardFamily.VOLCANO: MatchRule(30 * DAY, 100.0, 100.0),
    HazardFamily.EPIDEMIC: MatchRule(60 * DAY, None, None),
    HazardFamily.TECHNOLOGICAL: MatchRule(3 * DAY, 50.0, 50.0),
    HazardFamily.CONFLICT: MatchRule(30 * DAY, 100.0, 100.0, key_by_country=True),
    HazardFamily.UNEMPLOYMENT: MatchRule(None, None, None, key_by_country=True),
    HazardFamily.GDP: MatchRule(None, None, None, key_by_country=True),
    HazardFamily.INFLATION: MatchRule(None, None, None, key_by_country=True),
    HazardFamily.OTHER: MatchRule(7 * DAY, 100.0, 100.0),
}

# A crisis closes when nothing arrived for this long; it is marked stabilising after half of it.
# Every quiet period is longer than its family's match window, so a crisis that could still
# match a signal by time is never closed early.
DEFAULT_QUIET_PERIODS: dict[HazardFamily, timedelta] = {
    HazardFamily.SEISMIC: 30 * DAY,
    HazardFamily.HYDROMET: 30 * DAY,
    HazardFamily.TEMPERATURE: 30 * DAY,
    HazardFamily.DROUGHT: 365 * DAY,
    HazardFamily.WILDFIRE: 30 * DAY,
    HazardFamily.VOLCANO: 90 * DAY,
    HazardFamily.EPIDEMIC: 120 * DAY,
    HazardFamily.TECHNOLOGICAL: 14 * DAY,
    HazardFamily.CONFLICT: 90 * DAY,
    HazardFamily.UNEMPLOYMENT: 730 * DAY,
    HazardFamily.GDP: 730 * DAY,
    HazardFamily.INFLATION: 730 * DAY,
    HazardFamily.OTHER: 30 * DAY,
}

# A historical crisis (opened from a signal older than its quiet period) stays joinable by other historical
# signals while one arrived within this much processing time: a backfill or a demo load, not forever.
HISTORY_JOINABLE = timedelta(hours=1)

# Affected-population levels whose upward crossing escalates a crisis.
POPULATION_THRESHOLDS: tuple[int, ...] = (10_000, 100_000, 1_000_000)

# What a crisis value holds stays bounded, however long the crisis runs (a conflict fed daily for a year):
# the newest history entries (after "opened"; the dropped ones are counted in ``history_dropped``; the crisis
# view keeps them all, from the entry each `CrisisRecorded` carries), the newest
# signal ids (``signal_count`` counts them all; every membership is in the owner's members table and the
# crisis-signals view), and its references (the first ones, which name the event, and then the newest).
HISTORY_LIMIT = 10
RECENT_SIGNALS = 20
REFERENCES_LIMIT = 30
STRONG_REFERENCES_LIMIT = 30


def hazard_family(hazard: Hazard | str) -> HazardFamily:
    """The correlation family of a hazard (unknown hazards fall into ``other``)."""
    family = HAZARD_FAMILY.get(hazard)  # type: ignore[call-overload]  # StrEnum: str keys hash alike
    return family if family is not None else HazardFamily.OTHER
