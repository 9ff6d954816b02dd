"""Delivery control over the real broker and worker, with the clock moved (never slept through).

Two severe earthquakes in Indonesia are approved. In A nobody answers: `first_expert_accepted` turns `at_risk`
before its 24 h and `missed` at 24 h, with one event each. In B every offer is accepted and the team checks in:
`team_on_site` is `met`. Then two progress reports on pace make a quantity target `on_track` and a third far
below pace makes it `off_track` long before its due time. Who may report is checked (experts only on their own
intervention, partners on nothing they have not committed: 404), a bad report is a 422 naming the field, and
`GET /v1/deployments` lists the confirmed experts with crisis, country and dates.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from streams.clock import set_skew
from tests.e2e.conftest import running_server, wait_until
from tests.integration.test_deployment_staffing import qualified_roster
from tests.kafka_helpers import consume
from tests.receiver import ThreadedReceiver

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e
H = 3600
QUANTITY = "emergency_employment_person_days"  # 150,000 within 4,320 h in the severe earthquake template


def quake(ref: str, lat: float, lon: float) -> dict:
    return {"signal_id": f"sig-{ref}", "source": "test", "source_id": ref, "kind": "disaster", "hazard": "earthquake",
            "title": f"M7 earthquake {ref}", "countries": ["IDN"], "location": {"lat": lat, "lon": lon},
            "severity": "severe", "observed_at": datetime.now(timezone.utc).isoformat(), "references": [f"usgs:{ref}"]}


def crisis_of(client, ref: str, country: str = "IDN", timeout: float = 30.0) -> dict:
    """The crisis holding the test signal with reference `usgs:<ref>`, once the view has it."""
    held = lambda c: f"usgs:{ref}" in c["references"]  # noqa: E731
    page = wait_until(lambda: client.get("/v1/crises", params={"country": country, "limit": 50}).json(),
                      lambda p: any(held(c) for c in p["items"]), timeout=timeout, what=f"the crisis of {ref}")
    return next(c for c in page["items"] if held(c))


@pytest.fixture(scope="module")
def field(kafka_bootstrap, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("delivery")
    skew = tmp / "clock-skew"
    set_skew(skew, 0)
    office_hook = ThreadedReceiver()  # the Jakarta office's shared webhook (in a copy of the offices file)
    offices = yaml.safe_load((ROOT / "config" / "offices.yaml").read_text())
    jakarta = next(o for o in offices["offices"] if o["office_id"] == "co-jakarta")
    jakarta["contact"] = {"webhook_url": f"{office_hook.url}/co-jakarta"}
    (tmp / "offices.yaml").write_text(yaml.safe_dump(offices, sort_keys=False))
    with running_server(kafka_bootstrap, tmp, RRC_CLOCK_SKEW_FILE=str(skew), RRC_DELIVERY_SWEEP_INTERVAL_S="1",
                        RRC_EXPIRY_SWEEP_INTERVAL_S="1", RRC_OFFICES_FILE=str(tmp / "offices.yaml"),
                        RRC_ALLOW_PRIVATE_TARGETS="true", RRC_NOTIFY_RETRY_S="[]") as server:
        admin = server.admin()
        experts = qualified_roster(60)
        r = admin.post("/v1/experts/import", params={"format": "jsonl"},
                       content="\n".join(e.model_dump_json() for e in experts).encode())
        assert r.status_code == 200 and r.json()["applied"] == 60, r.text
        wait_until(lambda: admin.get("/v1/experts", params={"limit": 1}).json(), lambda p: p["total"] >= 60,
                   what="roster in the view")
        coordinator = server.client(server.token("coordinator", "--office", "co-jakarta"))
        assert coordinator.post("/v1/signals", json=[quake("dlv-a", -0.9, 119.9),
                                                    quake("dlv-b", -3.6, 138.5)]).status_code == 202
        interventions = {}
        for name, ref in (("a", "dlv-a"), ("b", "dlv-b")):
            crisis = crisis_of(coordinator, ref)
            plan = wait_until(lambda cid=crisis["crisis_id"]: coordinator.get("/v1/plans",
                                                                              params={"crisis_id": cid}).json(),
                              lambda p: p["total"] >= 1, what=f"plan {name}")["items"][0]
            r = coordinator.post(f"/v1/plans/{plan['plan_id']}/approve")
            assert r.status_code == 201, r.text
            interventions[name] = r.json()["intervention"]
        yield dict(server=server, skew=skew, admin=admin, coordinator=coordinator, interventions=interventions,
                   experts={e.expert_id for e in experts}, office_hook=office_hook)
    office_hook.close()


def targets_of(field, name: str) -> dict[str, dict]:
    iid = field["interventions"][name]["intervention_id"]
    r = field["coordinator"].get(f"/v1/interventions/{iid}/targets")
    return {t["target_id"]: t for t in r.json()["targets"]} if r.status_code == 200 else {}


def status_is(field, name: str, target: str, status: str, timeout: float = 30) -> dict:
    return wait_until(lambda: targets_of(field, name), lambda t: t.get(target, {}).get("status") == status,
                      timeout=timeout, what=f"{target} of {name} {status}")[target]


def target_events(field) -> list[dict]:
    server = field["server"]
    records = asyncio.run(consume(server.env["RRC_BROKER"], server.env["RRC_TOPIC_PREFIX"] + "rrc.response-events",
                                  expect=10_000, timeout=3, idle=1.5))
    out = []
    for r in records:
        headers = {k: v.decode() for k, v in r.headers or ()}
        if headers.get("ce_type", "").startswith("rrc.target."):
            out.append({"type": headers["ce_type"], **json.loads(r.value)})
    return out


def test_team_on_site_is_met_when_the_first_team_checks_in(field):
    server, coordinator = field["server"], field["coordinator"]
    iid = field["interventions"]["b"]["intervention_id"]
    rapid = {r["role"] for r in field["interventions"]["b"]["plan"]["roles"]
             if r["phase"] == field["interventions"]["b"]["plan"]["phases"][0]["id"]}
    tokens: dict[str, str] = {}

    def client_of(expert_id):
        if expert_id not in tokens:
            tokens[expert_id] = server.token("expert", "--expert-id", expert_id)
        return server.client(tokens[expert_id])

    def accept_open():
        r = coordinator.get(f"/v1/interventions/{iid}/staffing")
        if r.status_code != 200:
            return None  # staffing not in the view yet
        staffing = r.json()
        for offer in staffing["offers"]:
            if offer["state"] == "offered":
                client_of(offer["expert_id"]).post(f"/v1/deployment-requests/{offer['request_id']}/accept")
        return staffing

    staffing = wait_until(accept_open, lambda st: st is not None and all(s["filled"] for s in st["seats"]
                                                                         if s["role"] in rapid),
                          timeout=60, what="the first team filled")
    confirmed = [o for o in staffing["offers"] if o["state"] == "confirmed" and o["role"] in rapid]
    assert status_is(field, "b", "first_expert_accepted", "met")["met_at"]
    listed = coordinator.get("/v1/deployments", params={"crisis_id": staffing["crisis_id"], "state": "confirmed",
                                                        "limit": 500}).json()["items"]
    first = next(d for d in listed if d["request_id"] == confirmed[0]["request_id"])
    assert first["place"] == ["IDN"] and first["start"] and first["end"] and first["crisis_title"]
    assert coordinator.get("/v1/deployments", params={"country": "PER"}).json()["items"] == []
    for n, offer in enumerate(confirmed):
        if n == 0:  # one by the coordinator for the expert, the others by the experts themselves
            r = coordinator.post(f"/v1/deployment-requests/{offer['request_id']}/check-in",
                                 json={"on": date.today().isoformat(), "channel": "phone"})
        else:
            r = client_of(offer["expert_id"]).post(f"/v1/deployment-requests/{offer['request_id']}/check-in",
                                                   json={"on": date.today().isoformat()})
        assert r.status_code == 200 and r.json()["state"] == "deployed", r.text
    again = client_of(confirmed[1]["expert_id"]).post(f"/v1/deployment-requests/{confirmed[1]['request_id']}/check-in",
                                                      json={"on": date.today().isoformat()})
    assert again.status_code == 409, again.text
    assert status_is(field, "b", "team_on_site", "met")["met_at"]
    field["reporter"] = client_of(confirmed[1]["expert_id"])
    path = f"/v1/deployment-requests/{confirmed[1]['request_id']}/extend"
    current = date.fromisoformat(confirmed[1]["end"])
    shorter = field["reporter"].post(path, json={"end": (current - timedelta(days=1)).isoformat(), "reason": "x"})
    assert shorter.status_code == 422 and shorter.json()["detail"].startswith("end:"), shorter.text
    longer = field["reporter"].post(path, json={"end": (current + timedelta(days=14)).isoformat(),
                                                "reason": "the assessment needs two more weeks"})
    assert longer.status_code == 200, longer.text
    assert wait_until(lambda: coordinator.get("/v1/deployments", params={"expert_id": confirmed[1]["expert_id"]}).json(),
                      lambda p: any(d["end"] == (current + timedelta(days=14)).isoformat() for d in p["items"]),
                      what="the extended end in the deployments list")
    own = field["reporter"].get(f"/v1/experts/{confirmed[1]['expert_id']}").json()
    assert [m["state"] for m in own["missions"] if m["request_id"] == confirmed[1]["request_id"]] == ["deployed"]


def test_a_new_plan_for_overlapping_days_does_not_propose_committed_experts(field):
    coordinator = field["coordinator"]
    iid = field["interventions"]["b"]["intervention_id"]
    committed = {d["expert_id"]: (date.fromisoformat(d["start"]), date.fromisoformat(d["end"]))
                 for d in coordinator.get("/v1/deployments", params={"limit": 500}).json()["items"]
                 if d["intervention_id"] == iid and d["state"] in ("confirmed", "deployed")}
    assert committed
    assert coordinator.post("/v1/signals", json=[quake("dlv-c", 3.6, 98.7)]).status_code == 202
    crisis = crisis_of(coordinator, "dlv-c")
    listed = wait_until(lambda: coordinator.get("/v1/plans", params={"crisis_id": crisis["crisis_id"]}).json(),
                        lambda p: p["total"] >= 1, what="plan c")["items"][0]
    plan = coordinator.get(f"/v1/plans/{listed['plan_id']}").json()
    clashes, proposed = [], 0
    for role in plan["roles"]:
        start = date.fromisoformat(role["start"])
        end = start + timedelta(days=role["duration_days"] - 1)
        for expert_id in {c["expert_id"] for c in role["candidates"]} | set(role["chosen"]):
            proposed += 1
            held = committed.get(expert_id)
            if held is not None and held[0] <= end and start <= held[1]:
                clashes.append(f"{expert_id} for {role['role']} {start}..{end}, committed {held[0]}..{held[1]}")
    assert proposed, "the plan proposes somebody"
    assert not clashes, clashes


def test_nobody_answering_turns_the_first_acceptance_at_risk_then_missed(field):
    assert status_is(field, "a", "first_expert_accepted", "on_track")
    set_skew(field["skew"], 19 * H)  # 19 of 24 h: past the 75 % at-risk line
    at_risk = status_is(field, "a", "first_expert_accepted", "at_risk")
    assert "window gone" in at_risk["reason"]
    set_skew(field["skew"], 24 * H + 60)
    status_is(field, "a", "first_expert_accepted", "missed")
    iid = field["interventions"]["a"]["intervention_id"]
    mine = [e for e in target_events(field) if e["intervention_id"] == iid
            and e["target"]["target_id"] == "first_expert_accepted"]
    assert sorted(e["type"] for e in mine) == ["rrc.target.at_risk", "rrc.target.missed"]  # one each
    assert all("expert_id" not in json.dumps(e) for e in mine)

    # The Jakarta office's coordinators are told through the notification outbox, once per status.
    def told() -> list[dict]:
        return [r.json() for r in field["office_hook"].receiver.requests
                if r.json().get("intervention_id") == iid and "first_expert_accepted" in r.json()["notification_id"]]

    notes = wait_until(told, lambda n: len(n) >= 2, what="office notifications")
    assert sorted(n["event_type"] for n in notes) == ["rrc.target.at_risk", "rrc.target.missed"]
    assert all(n["office_id"] == "co-jakarta" for n in notes) and "window gone" in notes[0]["text"] + notes[1]["text"]


def report(day_from: int, day_to: int, value: float, launched: date, **extra) -> dict:
    return {"period_start": (launched + timedelta(days=day_from)).isoformat(),
            "period_end": (launched + timedelta(days=day_to)).isoformat(),
            "values": [{"target_id": QUANTITY, "value": value,
                        "parts": [{"sex": "female", "value": value * 0.45}, {"sex": "male", "value": value * 0.55}]}],
            **extra}


def test_reports_on_pace_are_on_track_and_one_far_below_pace_is_off_track(field):
    coordinator = field["coordinator"]
    iid = field["interventions"]["b"]["intervention_id"]
    launched = datetime.fromisoformat(field["interventions"]["b"]["launched_at"].replace("Z", "+00:00")).date()
    set_skew(field["skew"], 31 * 24 * H)
    # 150,000 in 180 days is 833/day: 9,000 per 10 days is a little ahead of pace
    r = coordinator.post(f"/v1/interventions/{iid}/reports", json=report(0, 10, 9000, launched,
                                                                           note="first ten days"))
    assert r.status_code == 201 and r.json()["version"] == 1, r.text
    assert status_is(field, "b", QUANTITY, "unknown")["reported"] == 9000
    r = field["reporter"].post(f"/v1/interventions/{iid}/reports", json=report(10, 20, 9000, launched))
    assert r.status_code == 201, r.text
    on_track = status_is(field, "b", QUANTITY, "on_track")
    assert on_track["projection"]["observed_pace_per_day"] > on_track["projection"]["required_pace_per_day"]
    third = coordinator.post(f"/v1/interventions/{iid}/reports", json=report(20, 30, 100, launched))
    assert third.status_code == 201, third.text
    off = status_is(field, "b", QUANTITY, "off_track")
    assert off["projection"]["projected_at_due"] < 0.8 * 150_000 and "needed" in off["reason"]
    assert datetime.fromisoformat(off["due_at"].replace("Z", "+00:00")) > datetime.now(timezone.utc) + timedelta(days=100)
    fixed = coordinator.post(f"/v1/interventions/{iid}/reports",
                             json=report(20, 30, 9000, launched, corrects=third.json()["report_id"]))
    assert fixed.status_code == 201 and fixed.json()["version"] == 2, fixed.text
    status_is(field, "b", QUANTITY, "on_track")
    versions = [v for v in coordinator.get(f"/v1/interventions/{iid}/reports").json()["items"]
                if v["report_id"] == third.json()["report_id"]]
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["values"][0]["value"] == 100
    mine = [e["type"] for e in target_events(field) if e["intervention_id"] == iid and e["target"]["target_id"] == QUANTITY]
    assert mine == ["rrc.target.off_track"]  # on_track is not announced, off_track once


def test_only_those_involved_report_and_a_bad_report_names_the_field(field):
    server, coordinator = field["server"], field["coordinator"]
    a, b = (field["interventions"][n]["intervention_id"] for n in ("a", "b"))
    launched = date.today()
    assert field["reporter"].post(f"/v1/interventions/{a}/reports", json=report(0, 1, 1, launched)).status_code == 404
    outsider = server.client(server.token("expert", "--expert-id", sorted(field["experts"])[-1]))
    assert outsider.post(f"/v1/interventions/{b}/reports", json=report(0, 1, 1, launched)).status_code == 404
    partner = server.client(server.token("partner", "--partner-id", "ptn-delivery"))
    assert partner.post(f"/v1/interventions/{b}/reports", json=report(0, 1, 1, launched)).status_code == 404
    lima = server.client(server.token("coordinator", "--office", "co-lima"))
    assert lima.post(f"/v1/interventions/{b}/reports", json=report(0, 1, 1, launched)).status_code == 404
    assert lima.get(f"/v1/interventions/{b}/targets").status_code == 404
    for body, field_name in (({**report(0, 1, 1, launched), "values": [{"target_id": QUANTITY, "value": -3}]},
                              "values[0].value"),
                             (report(5, 1, 1, launched), "period_end"),
                             ({**report(0, 1, 1, launched), "values": [{"target_id": "no_such", "value": 1}]},
                              "values[0].target_id")):
        r = coordinator.post(f"/v1/interventions/{b}/reports", json=body)
        assert r.status_code == 422 and field_name in r.json()["detail"], (field_name, r.text)
    overview = coordinator.get("/v1/delivery").json()
    assert {i["intervention_id"] for i in overview["interventions"]} >= {a, b}
    assert overview["by_country"]["IDN"] and overview["by_region"]["ro-asia-pacific"]
    assert overview["median_hours_to_first_acceptance"] is not None
