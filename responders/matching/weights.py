"""Soft-score weights and the formulas of each score part (the one place both rankers take them from).

Every part is `weight * fraction` with the fraction in [0, 1], so a score lies in [0, sum of weights = 1]:

- skill:     mean over the required skills of (level - minimum) / (5 - minimum), floored at 0
             (0 when the minimum is 5: nobody can be above it); 0 when the role requires no skill
- language:  preferred languages the expert speaks at WORKING level or better / number preferred
             (preferred defaults to the languages of the crisis countries); 0 when none are known
- country:   1 when the expert has worked in one of the crisis countries
- region:    1 when the expert has experience in a crisis country's region (the expert's listed
             regions together with the regions of the countries they worked in)
- seniority: junior 0, mid 1/3, senior 2/3, principal 1
- proximity: 1 when the duty station is in a crisis country, 0.5 when it is in a crisis region

A score is the sum of its parts added in PART_NAMES order, so `sum(score_parts.values()) == score`
holds exactly, and the vectorised and the naive ranker do the same float operations in the same order.
"""

from __future__ import annotations

from responders.roster.values import Proficiency

WEIGHTS: dict[str, float] = {
    "skill": 0.30,
    "language": 0.20,
    "country": 0.15,
    "region": 0.10,
    "seniority": 0.10,
    "proximity": 0.15,
}
PART_NAMES: tuple[str, ...] = tuple(WEIGHTS)
MAX_SCORE = sum(WEIGHTS.values())
MAX_LEVEL = 5
SPEAKS = int(Proficiency.WORKING)  # a language counts from this proficiency on
SAME_REGION = 0.5  # proximity fraction for a duty station in a crisis region (same country: 1)

# Partner ranking (see responders.matching.partners).
PARTNER_WEIGHTS: dict[str, float] = {"coverage": 0.40, "capacity": 0.35, "lead_time": 0.25}
PARTNER_COVERAGE = {"country": 1.0, "region": 0.6, "global": 0.5, "none": 0.0}
LEAD_HORIZON_DAYS = 30  # lead time part falls linearly from 1 (0 days) to 0 (this many days) by default


def skill_fraction(level: int, minimum: int) -> float:
    """How far above the minimum a level is, as a fraction of the room above the minimum."""
    return max(level - minimum, 0) / (MAX_LEVEL - minimum) if minimum < MAX_LEVEL else 0.0
