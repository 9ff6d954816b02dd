"""The hard constraints of a role, how they are named in near misses, and their bits in the vectorised ranker.

An expert is eligible for a role when all of these hold (days are inclusive, `end = start + duration - 1`):

- active:       the expert is active
- skill:<id>:   the expert holds each required skill at the minimum level or above (one constraint per skill)
- availability: one availability window contains every day from start to end
- overlap:      no deployment (other than a cancelled one) and no reservation shares a day with [start, end]
- rest:         no deployment or reservation comes within the expert's rest days before start or after end
                (its days widened by rest_days on both sides meet [start, end]); reported only without overlap
- max_duration: the expert accepts deployments of the role's duration (max_deployment_days >= duration)
- clearance:    for a conflict or a high-risk role, the expert is cleared at min_clearance_level or above

Near misses are active experts who hold every required skill at least at (minimum - 1), level 1 or more,
and fail one or two of the constraints above: the people a coordinator could consider with a waiver.
"""

from __future__ import annotations

from enum import StrEnum


class Constraint(StrEnum):
    ACTIVE = "active"
    SKILL = "skill"
    AVAILABILITY = "availability"
    OVERLAP = "overlap"
    REST = "rest"
    MAX_DURATION = "max_duration"
    CLEARANCE = "clearance"


# Bits of the failure mask: the fixed constraints, then one bit per required skill from SKILL_BIT0 on.
BIT = {Constraint.AVAILABILITY: 1, Constraint.OVERLAP: 2, Constraint.REST: 3,
       Constraint.MAX_DURATION: 4, Constraint.CLEARANCE: 5}
SKILL_BIT0 = 8
NEAR_MISS_MAX_FAILS = 2


def skill_constraint(skill_id: str) -> str:
    return f"{Constraint.SKILL}:{skill_id}"


def near_miss_floor(minimum: int) -> int:
    """The lowest level of a required skill that still makes a near miss."""
    return max(1, minimum - 1)


def failed_names(mask: int, skills: list[str]) -> list[str]:
    """Constraint names of a failure mask: required skills first (in the role's order), then the others."""
    out = [skill_constraint(s) for b, s in enumerate(skills) if mask >> (SKILL_BIT0 + b) & 1]
    out.extend(str(c) for c, bit in BIT.items() if mask >> bit & 1)
    return out
