"""The audit trail through the running system: one event per change on rrc.audit, GET /v1/audit for admins."""

from __future__ import annotations

import asyncio
import json

import pytest

from api.auth.tokens import TOKEN_RE
from responders.roster import generate_roster
from tests.kafka_helpers import consume

pytestmark = pytest.mark.e2e


def token_id(token: str) -> str:
    match = TOKEN_RE.fullmatch(token)
    assert match, token
    return match.group(1)


def signal(n: int) -> dict:
    return {"signal_id": f"audit-e2e-{n}", "source": "test", "source_id": str(n), "kind": "disaster",
            "hazard": "earthquake", "title": f"Quake {n}", "countries": ["TUR"],
            "observed_at": "2024-01-01T00:00:00Z", "severity": "moderate"}


@pytest.fixture(scope="module")
def trail(server):
    """Changes made through the API (and refused or failed attempts), with what each should have left behind."""
    coordinator_token, expert_token = server.token("coordinator"), server.token("expert", "--expert-id", "exp-x")
    coordinator, expert = server.client(coordinator_token), server.client(expert_token)
    [record], _ = generate_roster(1, 0, seed=29)
    body = record.model_dump(mode="json")
    eid = body["expert_id"]
    changes = []

    r = coordinator.post("/v1/experts", json=body)
    assert r.status_code == 201, r.text
    changes.append(("experts.create", "POST /v1/experts", 201, [eid], r.headers["x-request-id"]))
    assert coordinator.post("/v1/experts", json=body).status_code == 409           # nothing changed: no event
    r = coordinator.patch(f"/v1/experts/{eid}", json={"seniority": "principal"})
    assert r.status_code == 200, r.text
    changes.append(("experts.update", "PATCH /v1/experts/{record_id}", 200, [eid], r.headers["x-request-id"]))
    assert coordinator.patch(f"/v1/experts/{eid}", json={"skills": {"nope": 3}}).status_code == 422
    r = coordinator.post("/v1/signals", json=[signal(1), signal(2)])
    assert r.status_code == 202 and r.json()["accepted"] == ["audit-e2e-1", "audit-e2e-2"], r.text
    changes.append(("signals.create", "POST /v1/signals", 202, ["audit-e2e-1", "audit-e2e-2"],
                    r.headers["x-request-id"]))
    r = coordinator.delete(f"/v1/experts/{eid}")
    assert r.status_code == 200 and r.json()["active"] is False
    changes.append(("experts.delete", "DELETE /v1/experts/{record_id}", 200, [eid], r.headers["x-request-id"]))

    refused = expert.patch(f"/v1/experts/{eid}", json={"seniority": "junior"})
    assert refused.status_code == 403
    assert server.client().post("/v1/experts", json=body).status_code == 401      # anonymous: no event
    return dict(server=server, admin=server.client(server.token("admin")), coordinator=coordinator,
                expert=expert, coordinator_id=token_id(coordinator_token), expert_id=token_id(expert_token),
                record_id=eid, changes=changes, refused_request_id=refused.headers["x-request-id"])


def test_one_event_per_change_with_actor_role_action_and_ids(trail):
    page = trail["admin"].get("/v1/audit", params={"actor": trail["coordinator_id"]}).json()
    assert set(page) == {"items", "total", "next"} and page["next"] is None
    assert page["total"] == len(trail["changes"]) == 4
    newest_first = list(reversed(trail["changes"]))
    for event, (action, operation, status, affected, request_id) in zip(page["items"], newest_first):
        assert (event["action"], event["operation"], event["status"], event["outcome"]) == (
            action, operation, status, "applied")
        assert (event["actor"], event["role"], event["expert_id"], event["partner_id"]) == (
            trail["coordinator_id"], "coordinator", None, None)
        assert event["affected"] == affected and event["affected_total"] == len(affected)
        assert event["request_id"] == request_id
    times = [e["at"] for e in page["items"]]
    assert times == sorted(times, reverse=True) and all(t.endswith("Z") for t in times)
    assert len({e["audit_id"] for e in page["items"]}) == 4


def test_a_refused_change_is_recorded_as_denied(trail):
    page = trail["admin"].get("/v1/audit", params={"actor": trail["expert_id"]}).json()
    [event] = page["items"]
    assert (event["outcome"], event["status"], event["role"], event["expert_id"]) == (
        "denied", 403, "expert", "exp-x")
    assert event["action"] == "experts.update" and event["affected"] == [trail["record_id"]]
    assert event["request_id"] == trail["refused_request_id"]


def test_filters(trail):
    admin, eid = trail["admin"], trail["record_id"]

    def actions(**params) -> list[str]:
        body = admin.get("/v1/audit", params={"limit": 500, **params}).json()
        assert body["total"] == len(body["items"])
        return [e["action"] for e in body["items"]]

    assert actions(entity=eid) == ["experts.update", "experts.delete", "experts.update", "experts.create"]
    assert actions(entity=eid, outcome="applied") == ["experts.delete", "experts.update", "experts.create"]
    assert actions(entity="audit-e2e-2") == ["signals.create"]
    assert actions(action="signals.create", actor=trail["coordinator_id"]) == ["signals.create"]
    assert actions(entity="no-such-id") == []
    events = admin.get("/v1/audit", params={"actor": trail["coordinator_id"]}).json()["items"]
    update_at = events[2]["at"]
    assert actions(actor=trail["coordinator_id"], since=update_at) == [
        "experts.delete", "signals.create", "experts.update"]
    assert actions(actor=trail["coordinator_id"], until=update_at) == ["experts.create"]
    first = admin.get("/v1/audit", params={"actor": trail["coordinator_id"], "limit": 3}).json()
    rest = admin.get("/v1/audit", params={"actor": trail["coordinator_id"], "limit": 3,
                                          "cursor": first["next"]}).json()
    assert [e["audit_id"] for e in first["items"] + rest["items"]] == [e["audit_id"] for e in events]
    assert rest["next"] is None


def test_bad_queries_are_4xx(trail):
    admin = trail["admin"]
    assert admin.get("/v1/audit", params={"limit": 501}).status_code == 422
    assert admin.get("/v1/audit", params={"since": "yesterday"}).status_code == 422
    assert admin.get("/v1/audit", params={"outcome": "maybe"}).status_code == 422
    r = admin.get("/v1/audit", params={"cursor": "WyJhIiwiYiJd"})  # ["a","b"]: not a cursor of this list
    assert r.status_code == 400 and r.json()["error"] == "bad_request"


def test_only_admins_read_the_trail(trail):
    server = trail["server"]
    for client in (trail["coordinator"], trail["expert"],
                   server.client(server.token("partner", "--partner-id", "p-x"))):
        r = client.get("/v1/audit")
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert server.client().get("/v1/audit").status_code == 401


def test_the_events_are_on_the_audit_topic_keyed_by_the_first_affected_id(trail):
    server = trail["server"]
    topic = server.env["RRC_TOPIC_PREFIX"] + "rrc.audit"
    served = {e["audit_id"]: e for e in trail["admin"].get("/v1/audit", params={"limit": 500}).json()["items"]}
    records = asyncio.run(consume(server.env["RRC_BROKER"], topic, expect=len(served), timeout=30, idle=1.0))
    on_topic = [json.loads(r.value) for r in records]
    # four changes and one refusal, and the harness putting the tokens' expert and partner on the roster (tokens
    # exist only for real ids); nothing twice
    harness = [e for e in served.values() if e["actor"] == token_id(server._admin)]
    assert sorted(e["action"] for e in harness) == ["experts.create", "partners.create"]
    assert len(on_topic) == len(served) == 5 + len(harness)
    for record, event in zip(records, on_topic):
        assert served[event["audit_id"]] == event
        assert record.key.decode() == (event["affected"][0] if event["affected"] else event["audit_id"])
