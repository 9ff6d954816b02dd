"""Partners answer resource requests over the real broker and worker, with a SIGKILL and a moved clock.

A severe earthquake's plan asks for 100 trucks; the coordinator ranks four logistics partners A, B, C, D. After
the launch, A commits 60 of 100 (a repeat with the same Idempotency-Key answers the first result; another partner
answering A's request gets 404), B declines while the worker is SIGKILLed and restarted (the decline is sent again
with its key), C lets its request expire (the clock moves past its 12 hours), and the remaining 40 go to D, who
commits. Then: the ask is fully committed, no partner's capacity is committed beyond what it declared, there is
one event id per change, and every request reached its partner's webhook (signatures verified with the
standardwebhooks package) and no other partner's.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from streams.clock import set_skew
from tests.e2e.conftest import running_server, wait_until
from tests.e2e.test_delivery import crisis_of, quake
from tests.e2e.test_funding import partner
from tests.integration.test_deployment_staffing import qualified_roster
from tests.kafka_helpers import consume
from tests.receiver import ThreadedReceiver

pytestmark = pytest.mark.e2e
DECLARED = {"ptn-trucks-a": 60, "ptn-trucks-b": 50, "ptn-trucks-c": 50, "ptn-trucks-d": 50}


def trucks(partner_id: str) -> dict:
    record = partner(partner_id, "ngo", ["logistics"], f"Trucks {partner_id[-1].upper()}")
    return {**record, "resources": [{"capability": "logistics", "capacity": DECLARED[partner_id], "unit": "trucks",
                                     "lead_time_days": 2}]}


@pytest.fixture(scope="module")
def field(kafka_bootstrap, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resources")
    skew = tmp / "clock-skew"
    set_skew(skew, 0)
    hooks = ThreadedReceiver()
    with running_server(kafka_bootstrap, tmp, RRC_CLOCK_SKEW_FILE=str(skew), RRC_EXPIRY_SWEEP_INTERVAL_S="1",
                        RRC_ALLOW_PRIVATE_TARGETS="true", RRC_NOTIFY_RETRY_S="[]") as server:
        admin = server.admin()
        experts = qualified_roster(30)
        assert admin.post("/v1/experts/import", params={"format": "jsonl"},
                          content="\n".join(e.model_dump_json() for e in experts).encode()).status_code == 200
        for partner_id in DECLARED:
            assert admin.post("/v1/partners", json=trucks(partner_id)).status_code == 201
        donor = {**partner("ptn-fund-e", "donor", ["funding"], "Donor E"),
                 "resources": [{"capability": "funding", "capacity": 5_000_000, "unit": "USD", "lead_time_days": 5}]}
        assert admin.post("/v1/partners", json=donor).status_code == 201
        wait_until(lambda: admin.get("/v1/partners", params={"limit": 1}).json(), lambda p: p["total"] >= 5,
                   what="partners in the view")
        partners, secrets = {}, {}
        for partner_id in [*DECLARED, "ptn-fund-e"]:
            client = server.client(server.token("partner", "--partner-id", partner_id))
            r = client.post("/v1/subscriptions", json={"url": f"{hooks.url}/{partner_id}",
                                                       "event_types": ["rrc.resource.*"]})
            assert r.status_code == 201, r.text
            partners[partner_id], secrets[partner_id] = client, r.json()["secret"]
        wait_until(lambda: admin.get("/v1/experts", params={"limit": 1}).json(), lambda p: p["total"] >= 30,
                   what="roster in the view")
        coordinator = server.client(server.token("coordinator", "--office", "co-jakarta"))
        assert coordinator.post("/v1/signals", json=[quake("rsr-a", -0.9, 119.9)]).status_code == 202
        crisis = crisis_of(coordinator, "rsr-a", timeout=60)
        plan = wait_until(lambda: coordinator.get("/v1/plans", params={"crisis_id": crisis["crisis_id"],
                                                                       "view": "full"}).json(),
                          lambda p: p["total"] >= 1, timeout=60, what="the plan")["items"][0]
        ask = next(a for a in plan["partner_asks"] if a["capability"] == "logistics")
        assert set(DECLARED) <= {p["partner_id"] for p in ask["partners"]}, ask
        r = coordinator.patch(f"/v1/plans/{plan['plan_id']}", json={"partner_asks": [
            {"capability": "logistics", "quantity": 100, "chosen": list(DECLARED)}]})
        assert r.status_code == 200, r.text
        r = coordinator.post(f"/v1/plans/{plan['plan_id']}/approve")
        assert r.status_code == 201, r.text
        yield dict(server=server, skew=skew, hooks=hooks, partners=partners, secrets=secrets,
                   coordinator=coordinator, iv=r.json()["intervention"]["intervention_id"])
    hooks.close()


def open_request(field, partner_id: str, timeout: float = 60) -> dict:
    client = field["partners"][partner_id]
    page = wait_until(lambda: client.get("/v1/me/resource-requests", params={"state": "requested"}).json(),
                      lambda p: p["total"] >= 1, timeout=timeout, what=f"a request to {partner_id}")
    return page["items"][0]


def test_a_partial_commit_a_decline_across_a_sigkill_and_an_expiry_fill_the_ask(field):
    server, partners, coordinator, iid = field["server"], field["partners"], field["coordinator"], field["iv"]
    first = open_request(field, "ptn-trucks-a")
    assert (first["quantity"], first["unit"], first["capability"]) == (100, "trucks", "logistics")
    assert partners["ptn-trucks-b"].post(f"/v1/resource-requests/{first['request_id']}/respond",
                                         json={"answer": "decline", "reason": "not ours"}).status_code == 404
    answer = {"answer": "partial", "quantity": 60, "eta": "2026-12-10"}
    r = partners["ptn-trucks-a"].post(f"/v1/resource-requests/{first['request_id']}/respond", json=answer,
                                      headers={"Idempotency-Key": "a-1"})
    assert r.status_code == 201, r.text
    again = partners["ptn-trucks-a"].post(f"/v1/resource-requests/{first['request_id']}/respond", json=answer,
                                          headers={"Idempotency-Key": "a-1"})
    assert again.status_code == 201 and again.json() == r.json(), "a repeat answers the first result"
    over = partners["ptn-trucks-a"].post(f"/v1/resource-requests/{first['request_id']}/respond",
                                         json={"answer": "accept"}, headers={"Idempotency-Key": "a-2"})
    assert over.status_code == 409, over.text  # answered already

    # A donor's money commitment becomes a funding line of the intervention's budget.
    money = open_request(field, "ptn-fund-e")
    assert (money["capability"], money["unit"]) == ("funding", "USD")
    r = partners["ptn-fund-e"].post(f"/v1/resource-requests/{money['request_id']}/respond",
                                    json={"answer": "partial", "quantity": 1_000_000})
    assert r.status_code == 201, r.text
    lines = wait_until(lambda: coordinator.get(f"/v1/interventions/{iid}/funding").json()["funding"],
                       lambda f: len(f) >= 1, what="the donor's funding line")
    assert (lines[0]["source"], lines[0]["amount"], lines[0]["reference"]) == ("ptn-fund-e", 1_000_000,
                                                                               money["request_id"])

    second = open_request(field, "ptn-trucks-b")
    assert second["quantity"] == 40
    decline = {"answer": "decline", "reason": "all trucks out"}
    sent = threading.Thread(target=lambda: _quiet_post(partners["ptn-trucks-b"],
                                                       f"/v1/resource-requests/{second['request_id']}/respond",
                                                       decline, "b-1"))
    sent.start()
    time.sleep(0.3)
    server.sigkill_and_restart()
    sent.join(20)
    r = partners["ptn-trucks-b"].post(f"/v1/resource-requests/{second['request_id']}/respond", json=decline,
                                      headers={"Idempotency-Key": "b-1"})
    assert r.status_code == 200, r.text

    third = open_request(field, "ptn-trucks-c")
    assert third["quantity"] == 40
    set_skew(field["skew"], 13 * 3600)  # severe: 12 hours to answer
    fourth = open_request(field, "ptn-trucks-d")
    assert fourth["quantity"] == 40
    r = partners["ptn-trucks-d"].post(f"/v1/resource-requests/{fourth['request_id']}/respond",
                                      json={"answer": "accept", "eta": "2026-12-12"},
                                      headers={"Idempotency-Key": "d-1"})
    assert r.status_code == 201, r.text

    view = wait_until(lambda: coordinator.get(f"/v1/interventions/{iid}/resources").json(),
                      lambda v: next(a for a in v["asks"] if a["capability"] == "logistics")["committed"] >= 100,
                      what="the ask fully committed")
    logistics = next(a for a in view["asks"] if a["capability"] == "logistics")
    assert logistics["committed"] == 100 and logistics["pending"] == 0
    states = {r["partner_id"]: (r["state"], r["committed"]) for r in view["requests"]
              if r["capability"] == "logistics"}
    assert states == {"ptn-trucks-a": ("partial", 60), "ptn-trucks-b": ("declined", 0),
                      "ptn-trucks-c": ("expired", 0), "ptn-trucks-d": ("committed", 40)}
    committed = defaultdict(float)
    for request in view["requests"]:
        if request["state"] in ("committed", "partial") and request["capability"] == "logistics":
            committed[request["partner_id"]] += request["committed"]
    assert all(committed[p] <= DECLARED[p] for p in committed), committed

    # Fulfilment: A's trucks are dispatched and arrive; the coordinator confirms receipt.
    path = f"/v1/resource-requests/{first['request_id']}"
    assert partners["ptn-trucks-a"].post(f"{path}/status", json={"status": "dispatched", "quantity": 60}).status_code == 200
    assert partners["ptn-trucks-a"].post(f"{path}/status", json={"status": "arrived", "quantity": 70}).status_code == 422
    assert partners["ptn-trucks-a"].post(f"{path}/status", json={"status": "arrived", "quantity": 60}).status_code == 200
    assert coordinator.post(f"{path}/receipt", json={"quantity": 60}).status_code == 200
    line = coordinator.get(path).json()
    assert (line["in_transit"], line["fulfilled"], line["received"]) == (0, 60, 60)

    # A partner that committed reports progress on the intervention; one that declined cannot.
    target = next(t for t in coordinator.get(f"/v1/interventions/{iid}/targets").json()["targets"]
                  if t["kind"] == "quantity")
    today = datetime.now(timezone.utc).date().isoformat()
    progress = {"period_start": today, "period_end": today, "values": [{"target_id": target["target_id"],
                                                                        "value": 10}]}
    assert partners["ptn-trucks-a"].post(f"/v1/interventions/{iid}/reports", json=progress).status_code == 201
    assert partners["ptn-trucks-b"].post(f"/v1/interventions/{iid}/reports", json=progress).status_code == 404

    # One event id per change, on the public stream.
    records = asyncio.run(consume(server.env["RRC_BROKER"], server.env["RRC_TOPIC_PREFIX"] + "rrc.response-events",
                                  expect=10_000, timeout=3, idle=1.5))
    by_id: dict[str, set[str]] = defaultdict(set)
    for record in records:
        headers = {k: v.decode() for k, v in record.headers or ()}
        if headers.get("ce_type", "").startswith("rrc.resource."):
            by_id[headers["ce_id"]].add(record.value.decode())
    assert all(len(bodies) == 1 for bodies in by_id.values()), "a repeat carries the same event"
    changes = {(json.loads(next(iter(b)))["request"]["request_id"], json.loads(next(iter(b)))["message_type"],
                json.loads(next(iter(b)))["request"]["state"], json.loads(next(iter(b)))["detail"])
               for b in by_id.values()}
    assert len(changes) == len(by_id), "one event id per change"

    # Every request reached its own partner's webhook, signed; no partner got another's.
    def requested_at(partner_id: str) -> set[str]:
        out = set()
        for request in field["hooks"].receiver.requests:
            if request.path != f"/{partner_id}":
                continue
            verify(Webhook(field["secrets"][partner_id]), request)
            body = json.loads(request.body)
            assert body["rrcpartnerid"] == partner_id
            if body["type"] == "rrc.resource.requested":
                out.add(body["data"]["request"]["request_id"])
        return out

    expected = {"ptn-trucks-a": first, "ptn-trucks-b": second, "ptn-trucks-c": third, "ptn-trucks-d": fourth}
    got = wait_until(lambda: {p: requested_at(p) for p in expected},
                     lambda g: all(expected[p]["request_id"] in g[p] for p in expected), what="webhooks")
    for partner_id, ids in got.items():
        assert ids == {expected[partner_id]["request_id"]}, (partner_id, ids)
    assert requested_at("ptn-fund-e") == {money["request_id"]}


def verify(hook: Webhook, request) -> None:
    """standardwebhooks' verify; a delivery sent after the test moved the worker's clock carries a timestamp hours
    ahead, beyond verify's 5-minute tolerance, so for those the package's own signature of (id, timestamp, body)
    must be one of the signatures sent."""
    stamp = int(request.headers["webhook-timestamp"])
    if abs(stamp - time.time()) < 300:
        hook.verify(request.body.decode(), request.headers)
        return
    expected = hook.sign(request.headers["webhook-id"], datetime.fromtimestamp(stamp, tz=timezone.utc),
                         request.body.decode())
    assert expected.split(",", 1)[1] in [s.split(",", 1)[1] for s in request.headers["webhook-signature"].split()]


def _quiet_post(client: httpx.Client, path: str, body: dict, key: str) -> None:
    try:
        client.post(path, json=body, headers={"Idempotency-Key": key}, timeout=10)
    except httpx.HTTPError:
        pass  # the worker was killed under it: the test sends it again with the same key
