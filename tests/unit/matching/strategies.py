"""Hypothesis strategies: experts, roles and reservations in a small world, so that constraints often bite."""

from __future__ import annotations

from hypothesis import strategies as st

from config.taxonomy import load_taxonomy
from responders.matching.requests import RoleRequest
from responders.roster.models import Expert

from .factories import day

SKILLS = ["employment_intensive_investment", "cash_for_work", "gender_equality", "social_dialogue"]
LANGS = ["en", "fr", "ar", "tr", "es", "ps"]
COUNTRIES = ["TUR", "SYR", "AFG", "PHL", "MEX", "FRA"]
REGIONS = list(load_taxonomy().region_ids)
STATUSES = ["planned", "current", "completed", "cancelled"]


@st.composite
def day_range(draw, lo: int = -40, hi: int = 60, max_len: int = 80) -> tuple[int, int]:
    start = draw(st.integers(lo, hi))
    return start, start + draw(st.integers(0, max_len))


@st.composite
def expert(draw, expert_id: str, lenient: bool = False) -> Expert:
    """A random expert; a lenient one is usually free, cleared, skilled and open to long deployments."""
    windows = draw(st.lists(day_range(max_len=120), max_size=2))
    deployments = draw(st.lists(st.tuples(day_range(max_len=40), st.sampled_from(STATUSES)), max_size=3))
    level = draw(st.integers(0, 3))
    levels = st.integers(1, 5)
    if lenient:
        if draw(st.integers(0, 9)) > 1:
            windows = [(-40, 150)] + windows[:1]
        deployments = deployments[:1]
        level = draw(st.integers(0, 9)) and draw(st.integers(1, 3))
        levels = st.integers(2, 5)
    return Expert.model_validate({
        "expert_id": expert_id, "name": expert_id, "contact": {"email": f"{expert_id}@example.org"},
        "skills": draw(st.dictionaries(st.sampled_from(SKILLS), levels, min_size=1, max_size=4)),
        "languages": draw(st.dictionaries(st.sampled_from(LANGS), st.integers(1, 5), max_size=3)),
        "regions": draw(st.lists(st.sampled_from(REGIONS), unique=True, max_size=2)),
        "countries": draw(st.lists(st.sampled_from(COUNTRIES), unique=True, max_size=3)),
        "duty_station": {"country": draw(st.sampled_from(COUNTRIES + ["CHE", "KEN"])), "city": "X"},
        "availability": [{"start": day(a), "end": day(b)} for a, b in windows],
        "deployments": [{"deployment_id": f"d{i}", "crisis_id": "c", "start": day(a), "end": day(b), "status": s}
                        for i, ((a, b), s) in enumerate(deployments)],
        "clearance": {"cleared": level > 0, "level": level},
        "max_deployment_days": draw(st.sampled_from([60, 120] if lenient else [10, 20, 30, 60, 120])),
        "rest_days": draw(st.sampled_from([0, 3, 7, 14])),
        "seniority": draw(st.sampled_from(["junior", "mid", "senior", "principal"])),
        "active": draw(st.integers(0, 9)) > 0,
    })


@st.composite
def roster(draw, min_size: int = 0, max_size: int = 30, lenient: bool | None = None) -> list[Expert]:
    """A list of experts; lenient None mixes lenient and strict rosters."""
    n = draw(st.integers(min_size, max_size))
    lenient = draw(st.booleans()) if lenient is None else lenient
    return [draw(expert(f"e{i:03d}", lenient)) for i in range(n)]


@st.composite
def role(draw, name: str = "role", max_count: int = 3, lenient: bool = False) -> RoleRequest:
    """A random role; a lenient one asks for little (low levels, short, rarely high-risk)."""
    start = draw(st.integers(0, 30))
    return RoleRequest.model_validate({
        "role": name,
        "skills": draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 3 if lenient else 5),
                                       max_size=2 if lenient else 3)),
        "count": draw(st.integers(1, max_count)),
        "start": day(start), "duration_days": draw(st.integers(1, 40 if lenient else 60)),
        "countries": draw(st.lists(st.sampled_from(COUNTRIES), unique=True, min_size=1, max_size=2)),
        "kind": draw(st.sampled_from(["disaster", "economic_shock"] if lenient else
                                     ["disaster", "conflict", "economic_shock"])),
        "high_risk": draw(st.booleans()) and not (lenient and draw(st.integers(0, 3))),
        "min_clearance_level": draw(st.integers(1, 3)),
        "preferred_languages": draw(st.one_of(st.none(), st.lists(st.sampled_from(LANGS), unique=True, max_size=3))),
    })


@st.composite
def reservations(draw, experts: list[Expert], max_size: int = 5) -> list[tuple]:
    if not experts:
        return []
    picks = draw(st.lists(st.tuples(st.sampled_from([e.expert_id for e in experts]), day_range(max_len=30)),
                          max_size=max_size))
    return [(eid, day(a), day(b)) for eid, (a, b) in picks]
