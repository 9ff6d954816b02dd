"""The correlation key: which partition (and so which single writer) handles a signal's crises."""

from __future__ import annotations

from responders.crises.rules import MATCH_RULES, hazard_family
from vocabulary.signals import Signal

NO_COUNTRY = "none"


def correlation_key(signal: Signal) -> str:
    """``<family>/<actual|exercise>`` for disasters, ``<family>/<country>/<actual|exercise>`` for
    conflict and economic shocks; ``rrc.signals`` is re-keyed by it.

    Every signal that could join a crisis must reach the partition that owns that crisis:
    - Disasters: a strong reference (GLIDE, GDACS, USGS, CAP) matches across countries and any
      distance, and cyclones, floods and earthquakes cross borders; so the key is only the hazard
      family. The trade-off: disaster correlation runs on at most one partition per family and
      status (about a dozen keys), which bounds its parallelism, not its correctness.
    - Conflict and economic shocks only ever match in the same country, so the key adds the
      signal's first (primary) country, which spreads them over many partitions. A conflict
      signal that lists several countries is correlated in its primary country only; one without
      a country only meets others without a country (``none``).
    - Exercise and test signals never meet actual ones, so the status is part of the key.
    A strong reference shared across families (rare: GLIDE and GDACS ids are per hazard type)
    does not merge crises.
    """
    family = hazard_family(signal.hazard)
    status = "exercise" if signal.exercise else "actual"
    if MATCH_RULES[family].key_by_country:
        country = signal.countries[0] if signal.countries else NO_COUNTRY
        return f"{family}/{country}/{status}"
    return f"{family}/{status}"
