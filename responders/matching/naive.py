"""The reference ranker: a plain per-expert Python loop over Expert records (test oracle and bench baseline)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from config.taxonomy import Taxonomy, load_taxonomy
from responders.matching.constraints import NEAR_MISS_MAX_FAILS, Constraint, near_miss_floor, skill_constraint
from responders.matching.requests import Reservation, RoleRequest
from responders.matching.results import Candidate, NearMiss, Ranking
from responders.matching.weights import SAME_REGION, SPEAKS, WEIGHTS, skill_fraction
from responders.roster.models import Expert


def soft_parts(expert: Expert, role: RoleRequest, taxonomy: Taxonomy | None = None) -> dict[str, float]:
    """The score parts of one expert for a role (formulas in responders.matching.weights)."""
    tax, w = taxonomy or load_taxonomy(), WEIGHTS
    acc = 0.0
    for skill, minimum in role.skills.items():
        acc = acc + skill_fraction(expert.skills.get(skill, 0), minimum)
    langs = role.languages(tax)
    matched = sum(1 for lang in langs if expert.languages.get(lang, 0) >= SPEAKS)
    crisis_regions = set(role.regions(tax))
    regions = set(expert.regions) | {tax.region_of(c) for c in expert.countries}
    duty = expert.duty_station.country
    proximity = 1.0 if duty in role.countries else SAME_REGION if tax.region_of(duty) in crisis_regions else 0.0
    return {
        "skill": w["skill"] * (acc / len(role.skills)) if role.skills else 0.0,
        "language": w["language"] * (matched / len(langs)) if langs else 0.0,
        "country": w["country"] * (1.0 if set(expert.countries) & set(role.countries) else 0.0),
        "region": w["region"] * (1.0 if regions & crisis_regions else 0.0),
        "seniority": w["seniority"] * (expert.seniority.rank / 3),
        "proximity": w["proximity"] * proximity,
    }


def failed_constraints(expert: Expert, role: RoleRequest, reserved: Iterable[tuple[date, date]] = ()) -> list[str]:
    """The hard constraints the expert fails for the role (see responders.matching.constraints)."""
    start, end = role.start, role.end
    failed = [skill_constraint(s) for s, m in role.skills.items() if expert.skills.get(s, 0) < m]
    if not expert.active:
        failed.insert(0, str(Constraint.ACTIVE))
    if not any(w.start <= start and end <= w.end for w in expert.availability):
        failed.append(str(Constraint.AVAILABILITY))
    busy = [(d.start, d.end) for d in expert.deployments if d.status.occupies] + list(reserved)
    rest = timedelta(days=expert.rest_days)
    overlap = any(s <= end and e >= start for s, e in busy)
    resting = any(s - rest <= end and e + rest >= start for s, e in busy)
    if overlap:
        failed.append(str(Constraint.OVERLAP))
    elif resting:
        failed.append(str(Constraint.REST))
    if expert.max_deployment_days < role.duration_days:
        failed.append(str(Constraint.MAX_DURATION))
    if role.requires_clearance and not (expert.clearance.cleared and expert.clearance.level >= role.min_clearance_level):
        failed.append(str(Constraint.CLEARANCE))
    return failed


def rank_naive(experts: Sequence[Expert], role: RoleRequest, reservations: Iterable[Reservation | tuple] = (),
               k: int = 10, near_miss_count: int = 5, taxonomy: Taxonomy | None = None) -> Ranking:
    """Same contract and same result as `ranking.rank` on an index built from `experts` in this order."""
    tax = taxonomy or load_taxonomy()
    reserved: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for reservation in reservations:
        expert_id, start, end = reservation[:3]
        reserved[expert_id].append((start, end))
    eligible, near = [], []
    for pos, expert in enumerate(experts):
        if not expert.active or any(expert.skills.get(s, 0) < near_miss_floor(m) for s, m in role.skills.items()):
            continue
        failed = failed_constraints(expert, role, reserved.get(expert.expert_id, ()))
        if len(failed) > NEAR_MISS_MAX_FAILS:
            continue
        parts = soft_parts(expert, role, tax)
        score = sum(parts.values())
        (near if failed else eligible).append((-score, pos, expert.expert_id, parts, failed))
    eligible.sort(key=lambda t: t[:2])
    near.sort(key=lambda t: t[:2])
    return Ranking(
        role=role.role,
        candidates=[Candidate(expert_id=i, score=-s, score_parts=p) for s, _, i, p, _ in eligible[:k]],
        near_misses=[NearMiss(expert_id=i, score=-s, score_parts=p, failed=f) for s, _, i, p, f in near[:near_miss_count]],
        eligible=len(eligible),
        considered=sum(1 for e in experts if e.active and all(e.skills.get(s, 0) >= near_miss_floor(m)
                                                              for s, m in role.skills.items())),
    )
