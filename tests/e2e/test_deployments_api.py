"""Deployment requests through the API on the real worker: a coordinator approves a plan and watches its staffing;
each expert sees and answers only their own requests (another expert's request is 404, as if it did not exist)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_until
from tests.integration.test_deployment_staffing import qualified_roster, quake

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def launched(server):
    from responders.roster import export_experts_csv

    admin = server.client(server.token("admin"))
    experts = qualified_roster(40)
    r = admin.post("/v1/experts/import", content=export_experts_csv(experts).encode(),
                   headers={"Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["applied"] == 40, r.text
    wait_until(lambda: admin.get("/v1/experts", params={"limit": 1}).json(), lambda p: p["total"] == 40,
               what="roster in the view")
    coordinator = server.client(server.token("coordinator"))
    assert coordinator.post("/v1/signals", json=quake("api-eq", 38.5, 39.2)).status_code == 202
    plans = wait_until(lambda: coordinator.get("/v1/plans").json(), lambda p: p["total"] >= 1, what="a plan")
    plan = plans["items"][0]
    r = coordinator.post(f"/v1/plans/{plan['plan_id']}/approve")
    assert r.status_code == 201, r.text
    iv = r.json()["intervention"]["intervention_id"]
    staffing = wait_until(lambda: coordinator.get(f"/v1/interventions/{iv}/staffing"),
                          lambda r: r.status_code == 200 and len(r.json()["offers"]) == 10,
                          what="ten offers").json()
    return server, coordinator, iv, staffing


def test_experts_see_and_answer_only_their_own_requests(launched):
    server, coordinator, iv, staffing = launched
    mine, theirs = staffing["offers"][0], staffing["offers"][1]
    assert mine["expert_id"] != theirs["expert_id"]
    a = server.client(server.token("expert", "--expert-id", mine["expert_id"]))
    b = server.client(server.token("expert", "--expert-id", theirs["expert_id"]))

    listed = a.get("/v1/me/deployment-requests").json()
    assert [r["request_id"] for r in listed["items"]] == [mine["request_id"]]
    assert listed["items"][0]["state"] == "offered" and listed["items"][0]["respond_by"]
    assert mine["request_id"] not in {r["request_id"] for r in b.get("/v1/me/deployment-requests").json()["items"]}

    for path in ("accept", "decline"):
        r = b.post(f"/v1/deployment-requests/{mine['request_id']}/{path}", json={"reason": "not mine"})
        assert r.status_code == 404 and "request_id" in r.json()["detail"], r.text

    no_reason = a.post(f"/v1/deployment-requests/{mine['request_id']}/decline", json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    ok = a.post(f"/v1/deployment-requests/{mine['request_id']}/accept")
    assert ok.status_code == 200 and ok.json()["outcome"] == "applied", ok.text
    again = a.post(f"/v1/deployment-requests/{mine['request_id']}/accept")
    assert again.status_code == 409 and "answered already" in again.json()["detail"]

    declined = b.post(f"/v1/deployment-requests/{theirs['request_id']}/decline", json={"reason": "on leave"})
    assert declined.status_code == 200, declined.text
    after = wait_until(lambda: coordinator.get(f"/v1/interventions/{iv}/staffing").json(),
                       lambda s: s["filled"] >= 1 and len(s["offers"]) >= 11, what="the seat filled and escalation")
    seat = next(s for s in after["seats"] if s["filled_request"] == mine["request_id"])
    assert seat["filled_by"] == mine["expert_id"]
    states = {o["request_id"]: o["state"] for o in after["offers"]}
    assert states[mine["request_id"]] == "confirmed" and states[theirs["request_id"]] == "declined"


def test_roles_are_kept_apart(launched):
    server, coordinator, iv, staffing = launched
    expert = server.client(server.token("expert", "--expert-id", staffing["offers"][2]["expert_id"]))
    assert coordinator.get("/v1/me/deployment-requests").status_code == 403
    assert expert.get(f"/v1/interventions/{iv}/staffing").status_code == 403
    assert coordinator.get("/v1/interventions/int-nope/staffing").status_code == 404
    partner = server.client(server.token("partner", "--partner-id", "ptn-00001"))
    assert partner.post(f"/v1/deployment-requests/{staffing['offers'][2]['request_id']}/accept").status_code == 403
