"""What the matching engine answers: scored candidates, near misses, filled plans, ranked partners."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ScoredExpert(BaseModel):
    """An expert with a soft score and its parts (`sum(score_parts.values()) == score`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    expert_id: str
    score: float
    score_parts: dict[str, float]


class Candidate(ScoredExpert):
    """An expert who meets every hard constraint of the role."""


class Blocker(BaseModel):
    """What keeps an expert's days taken: a deployment in the roster, or a hold of rrc's staffing (an offer out,
    accepted, confirmed or deployed) with the intervention and crisis it is for."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["deployment", "hold"]
    start: date
    end: date
    state: str | None = Field(default=None, description="a hold's request state (offered, accepted, confirmed, "
                                                        "deployed)")
    intervention_id: str | None = None
    crisis_id: str | None = None


class NearMiss(ScoredExpert):
    """An expert who fails one or two hard constraints; `failed` names them ("skill:cash_for_work",
    "availability", "overlap", "rest", "max_duration", "clearance")."""

    failed: list[str]
    blocked_by: list[Blocker] = Field(default_factory=list, description="for overlap or rest: the deployments and "
                                      "holds whose days meet the role's (widened by the expert's rest days)")


class Ranking(BaseModel):
    """Candidates for one role, best first, and the best near misses."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str
    candidates: list[Candidate]
    near_misses: list[NearMiss] = Field(default_factory=list)
    eligible: int = Field(description="how many experts meet every hard constraint")
    considered: int = Field(description="active experts holding every required skill at least at minimum - 1")


class RoleFill(BaseModel):
    """One role of a filled plan: the experts given its seats, what is left open, and who else fits."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str
    skills: dict[str, int]
    count: int
    assigned: list[Candidate]
    unfilled: int
    alternates: list[Candidate] = Field(description="best eligible experts not seated anywhere in the plan")
    near_misses: list[NearMiss]
    eligible: int


class PlanFill(BaseModel):
    """A plan's seats filled with as many eligible experts as possible, then with the highest total score."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    roles: list[RoleFill]
    seats: int
    filled: int
    total_score: float


class PartnerCandidate(BaseModel):
    """A partner that offers the asked capability, with its soft score and parts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    partner_id: str
    organisation: str
    score: float
    score_parts: dict[str, float]
    coverage: str = Field(description="country | region | global | none")
    capacity: float = Field(description="capacity of the resource used for the score (0 when none)")
    unit: str | None
    lead_time_days: int | None
    meets_quantity: bool
    meets_deadline: bool | None = Field(description="None when the ask has no deadline or no resource")


class PartnerRanking(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    capability: str
    quantity: float
    partners: list[PartnerCandidate]
