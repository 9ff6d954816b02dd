"""The plans read view: latest plan per id (replays never roll it back), interventions, command results."""

from __future__ import annotations

import asyncio
import json

import pytest

from streams.views.plans import PlanFilter, PlansView
from streams.views.store import DiskStore


@pytest.fixture
def store(tmp_path):
    store = DiskStore(tmp_path / "views", "plans")
    yield store
    store.close()


def plan(plan_id="pln-1", status="proposed", revision=1, updated="2026-03-02T08:00:00+00:00", crisis="cri-1"):
    return {"plan_id": plan_id, "crisis_id": crisis, "status": status, "revision": revision, "updated_at": updated,
            "created_at": "2026-03-02T08:00:00+00:00", "exercise": False}


def msg(**parts) -> bytes:
    return json.dumps({"event_id": "e", "type": "t", **parts}).encode()


def test_latest_plan_wins_and_a_replayed_older_state_does_not_roll_back(store):
    view = PlansView(store)
    view.apply_message(msg(plan=plan()))
    view.apply_message(msg(plan=plan(revision=2, updated="2026-03-02T09:00:00+00:00")))
    view.apply_message(msg(plan=plan(status="approved", revision=2, updated="2026-03-02T10:00:00+00:00")))
    view.apply_message(msg(plan=plan(revision=1)))  # replay after a crash
    assert view.plans["pln-1"]["status"] == "approved"
    view.apply_message(msg(plan=plan("pln-2", crisis="cri-2")))
    page = view.list_plans(PlanFilter(crisis_id="cri-2"), 10, None)
    assert [p["plan_id"] for p in page.items] == ["pln-2"]
    assert view.list_plans(PlanFilter(status="approved"), 10, None).total == 1


def test_a_waiting_call_gets_the_result_when_it_arrives_and_none_after_its_timeout(store):
    async def scenario():
        view = PlansView(store)
        waiter = asyncio.create_task(view.wait_result("cmd-1", timeout=5))
        await asyncio.sleep(0.01)
        view.apply_message(msg(result={"command_id": "cmd-1", "outcome": "applied", "status_code": 201}))
        got = await waiter
        assert got["status_code"] == 201
        assert (await view.wait_result("cmd-1", timeout=0.01))["outcome"] == "applied"  # already there
        assert await view.wait_result("cmd-2", timeout=0.05) is None
        assert not view.waiters

    asyncio.run(scenario())


def test_values_live_on_disk_and_memory_keeps_only_the_listed_fields(store):
    view = PlansView(store)
    big = {**plan(), "roles": [{"role": f"r{i}", "candidates": [{"expert_id": f"e{j}"} for j in range(50)]}
                               for i in range(10)]}
    view.apply_message(msg(plan=big))
    assert set(view.plans.meta["pln-1"]) == {"plan_id", "crisis_id", "status", "revision", "updated_at",
                                             "created_at", "exercise", "hazard", "severity", "countries"}
    assert view.plans["pln-1"]["roles"][9]["candidates"][49] == {"expert_id": "e49"}
    assert store.path.is_dir()
    store.close()
    assert not store.path.exists(), "a view's store is derived: removed at stop"


def test_lists_filter_by_hazard_severity_and_country_and_summarise_by_default(store):
    view = PlansView(store)
    roles = [{"role": "lead", "count": 2, "unfilled": 1, "candidates": [{"expert_id": f"exp-{n}"} for n in range(30)]},
             {"role": "analyst", "count": 3, "unfilled": 0, "candidates": [{"expert_id": "exp-1"}]}]
    quake = {**plan("pln-q"), "hazard": "earthquake", "severity": "severe", "countries": ["TUR", "SYR"],
             "title": "M7.8", "roles": roles, "partner_asks": [], "targets": [{"id": "t"}]}
    flood = {**plan("pln-f", crisis="cri-2"), "hazard": "flood", "severity": "moderate", "countries": ["PAK"],
             "roles": []}
    view.apply_message(msg(plan=quake))
    view.apply_message(msg(plan=flood))
    view.apply_message(msg(intervention={"intervention_id": "int-q", "crisis_id": "cri-1", "status": "active",
                                         "launched_at": "2026-03-02T09:00:00+00:00", "exercise": False,
                                         "plan": quake, "targets": [{"id": "t"}]}))
    assert [p["plan_id"] for p in view.list_plans(PlanFilter(country="SYR"), 10, None).items] == ["pln-q"]
    assert view.list_plans(PlanFilter(hazard="flood", severity="moderate"), 10, None).total == 1
    assert view.list_plans(PlanFilter(hazard="flood", severity="severe"), 10, None).total == 0
    [summary] = view.list_plans(PlanFilter(hazard="earthquake"), 10, None).items
    assert "roles" not in summary
    assert summary["counts"] == {"roles": 2, "seats": 5, "candidates": 31, "unfilled": 1, "partner_asks": 0,
                                 "targets": 1}
    [full] = view.list_plans(PlanFilter(hazard="earthquake"), 10, None, full=True).items
    assert len(full["roles"][0]["candidates"]) == 30
    [iv] = view.list_interventions(PlanFilter(country="TUR", hazard="earthquake"), 10, None).items
    assert iv["intervention_id"] == "int-q" and iv["counts"]["seats"] == 5 and "plan" not in iv
    assert view.list_interventions(PlanFilter(country="PAK"), 10, None).total == 0
