"""Score parts add up to the score, follow the documented weights, and explain the ranking."""

from __future__ import annotations

from datetime import date

import pytest

from responders.matching import WEIGHTS, RoleRequest, fill_plan, index_from_columns, rank
from responders.matching.weights import MAX_SCORE, PART_NAMES
from responders.roster.columns import generate_columns

from .factories import make_expert, make_role

ROLES = [
    RoleRequest(role="EIIP engineer", skills={"employment_intensive_investment": 3}, count=2,
                start=date(2025, 2, 1), duration_days=60, countries=["TUR", "SYR"]),
    RoleRequest(role="OSH debris", skills={"debris_removal_safety": 2, "occupational_safety_health": 3},
                start=date(2025, 1, 20), duration_days=30, countries=["TUR"], high_risk=True),
    RoleRequest(role="Cash transfers", skills={"cash_transfers": 3}, count=3, start=date(2025, 3, 1),
                duration_days=90, countries=["AFG"], kind="conflict"),
    RoleRequest(role="PDNA", skills={"post_disaster_needs_assessment": 2, "labour_market_assessment": 2},
                start=date(2025, 2, 15), duration_days=21, countries=["PHL"], preferred_languages=["en", "tl"]),
]


@pytest.fixture(scope="module")
def index():
    return index_from_columns(generate_columns(20_000, 11))


def _check(scored) -> None:
    assert list(scored.score_parts) == list(PART_NAMES)
    assert abs(sum(scored.score_parts.values()) - scored.score) <= 1e-9
    assert sum(scored.score_parts.values()) == scored.score  # exactly, by construction
    for name, value in scored.score_parts.items():
        assert 0.0 <= value <= WEIGHTS[name] + 1e-12


def test_weights_sum_to_one():
    assert MAX_SCORE == pytest.approx(1.0)


@pytest.mark.parametrize("role", ROLES, ids=[r.role for r in ROLES])
def test_parts_add_up_in_rankings(index, role):
    ranking = rank(index, role, k=25, near_miss_count=25)
    assert ranking.candidates and ranking.near_misses
    for c in ranking.candidates + ranking.near_misses:
        _check(c)
    scores = [c.score for c in ranking.candidates]
    assert scores == sorted(scores, reverse=True)


def test_parts_add_up_in_a_plan(index):
    plan = fill_plan(index, ROLES)
    assert plan.filled == plan.seats
    for fill in plan.roles:
        for c in fill.assigned + fill.alternates + fill.near_misses:
            _check(c)
    assert plan.total_score == pytest.approx(sum(c.score for r in plan.roles for c in r.assigned), abs=1e-12)


def test_each_part_rewards_what_it_says():
    role = make_role(skills={"employment_intensive_investment": 3}, countries=["TUR"])
    base = dict(languages={"en": 5}, countries=[], regions=[], seniority="junior",
                duty_station={"country": "BRA", "city": "Brasília"}, skills={"employment_intensive_investment": 3})
    from responders.matching import RosterIndex
    variants = {
        "none": {},
        "skill": {"skills": {"employment_intensive_investment": 5}},
        "language": {"languages": {"tr": 3}},
        "weak language": {"languages": {"tr": 2}},
        "country": {"countries": ["TUR"]},
        "region": {"regions": ["europe_central_asia"]},
        "region via country": {"countries": ["UKR"]},
        "seniority": {"seniority": "principal"},
        "proximity": {"duty_station": {"country": "TUR", "city": "Ankara"}},
        "near": {"duty_station": {"country": "DEU", "city": "Berlin"}},
    }
    experts = [make_expert(name.replace(" ", "_"), **{**base, **over}) for name, over in variants.items()]
    parts = {c.expert_id: c.score_parts for c in rank(RosterIndex.from_experts(experts), role, k=20).candidates}
    assert parts["none"] == dict.fromkeys(PART_NAMES, 0.0)
    assert parts["skill"]["skill"] == WEIGHTS["skill"]
    assert parts["language"]["language"] == WEIGHTS["language"]  # tr is Türkiye's only main language
    assert parts["weak_language"]["language"] == 0.0
    assert parts["country"]["country"] == WEIGHTS["country"] and parts["country"]["region"] == WEIGHTS["region"]
    assert parts["region"]["region"] == WEIGHTS["region"] and parts["region"]["country"] == 0.0
    assert parts["region_via_country"]["region"] == WEIGHTS["region"]
    assert parts["seniority"]["seniority"] == WEIGHTS["seniority"]
    assert parts["proximity"]["proximity"] == WEIGHTS["proximity"]
    assert parts["near"]["proximity"] == WEIGHTS["proximity"] * 0.5


def test_default_languages_are_the_crisis_countries():
    assert make_role(countries=["AFG", "TUR"]).languages() == ["ps", "fa", "tr"]
    assert make_role(countries=["AFG"], preferred_languages=["en"]).languages() == ["en"]
