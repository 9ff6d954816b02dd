"""A ScreenCache changes nothing in a plan: fill_plan with the cache gives exactly what it gives without it, across
crises in other countries, roster changes and other reservations; a screen is made once per role and days."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from responders.matching import RosterIndex, fill_plan
from responders.matching.evaluate import ScreenCache, screen, screen_key

from .factories import day, make_expert, make_role
from .strategies import COUNTRIES, expert, reservations, role, roster


def dumped(plan) -> list:
    return [r.model_dump() for r in plan.roles] + [plan.filled, plan.total_score]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), experts=roster(min_size=1, max_size=12), n_roles=st.integers(1, 3))
def test_a_cached_screen_gives_the_plan_a_fresh_evaluation_gives(data, experts, n_roles):
    index = RosterIndex.from_experts(experts)
    cache = ScreenCache()
    roles = [data.draw(role(f"r{i}", max_count=2)) for i in range(n_roles)]
    res = data.draw(reservations(experts, max_size=3))
    for _ in range(4):
        step = data.draw(st.sampled_from(["elsewhere", "expert", "reservations", "same"]))
        if step == "elsewhere":  # the same roles and days for a crisis in other countries
            where = data.draw(st.lists(st.sampled_from(COUNTRIES), unique=True, min_size=1, max_size=2))
            roles = [r.model_copy(update={"countries": where}) for r in roles]
        elif step == "expert":  # an expert changed in the roster (or a new one came)
            eid = data.draw(st.sampled_from([e.expert_id for e in experts] + ["e999"]))
            index.upsert(data.draw(expert(eid)))
        elif step == "reservations":
            res = data.draw(reservations(experts, max_size=3))
        assert dumped(fill_plan(index, roles, res, screens=cache)) == dumped(fill_plan(index, roles, res))


def test_a_role_is_screened_once_for_its_days_until_the_roster_or_the_holds_change():
    index = RosterIndex.from_experts([make_expert(f"e{i}") for i in range(5)])
    cache = ScreenCache()
    turkey, peru = make_role(countries=["TUR"]), make_role(countries=["PER"])
    fill_plan(index, [turkey], [], screens=cache)
    fill_plan(index, [peru], [], screens=cache)
    assert (cache.misses, cache.hits) == (1, 1)  # where the crisis is does not screen again
    fill_plan(index, [make_role(countries=["TUR"], duration_days=31)], [], screens=cache)
    assert cache.misses == 2  # other days do
    index.upsert(make_expert("e1", active=False))
    assert fill_plan(index, [turkey], [], screens=cache).roles[0].eligible == 4
    assert cache.misses == 3
    held = [("e2", day(0), day(3))]
    assert fill_plan(index, [turkey], held, screens=cache).roles[0].eligible == 3
    fill_plan(index, [turkey], list(held), screens=cache)  # equal holds in another list: the same screen
    assert (cache.misses, cache.hits) == (4, 2)


def test_the_cache_keeps_the_most_recent_roles_and_their_arrays_cannot_be_changed():
    index = RosterIndex.from_experts([make_expert(f"e{i}") for i in range(3)])
    cache = ScreenCache(entries=2)
    roles = [make_role(duration_days=d) for d in (10, 20, 30)]
    for r in roles:
        fill_plan(index, [r], [], screens=cache)
    fill_plan(index, [roles[0]], [], screens=cache)
    assert (cache.misses, cache.hits) == (4, 0)  # the first was dropped for the third
    fill_plan(index, [roles[2]], [], screens=cache)
    assert cache.hits == 1
    cached = screen(index, roles[0])
    with pytest.raises(ValueError):
        cached.rows[0] = 1
    assert screen_key(roles[0]) != screen_key(roles[1])
    assert screen_key(make_role(kind="conflict", min_clearance_level=2)) != screen_key(make_role(kind="conflict"))
    assert screen_key(make_role(min_clearance_level=2)) == screen_key(make_role())  # no clearance asked: same


def test_a_screen_needs_a_bound_cache():
    index = RosterIndex.from_experts([make_expert("e1")])
    cache = ScreenCache()
    fill_plan(index, [make_role()], [], screens=cache)
    index.upsert(make_expert("e2"))
    with pytest.raises(RuntimeError):
        cache.screen(index, make_role(), None)
