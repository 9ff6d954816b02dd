"""Field structure end to end, on the real broker and worker: coordinators see and approve by office, every route
keeps another office's crisis out of sight, tokens exist only for real ids, a deactivated expert loses access at
once, a coordinator records an expert's answer (audited with both identities), and admins can look into any
partner's subscriptions (audited)."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime, timezone

import httpx
import pytest

from api.app import create_api
from api.auth import Role
from api.auth.testing import example_path, policy_table
from config.settings import Settings
from tests.e2e.conftest import wait_until
from tests.e2e.test_audit import token_id
from tests.e2e.test_delivery import crisis_of
from tests.e2e.test_partners_api import PUBLIC_IP_URL
from tests.integration.test_deployment_staffing import qualified_roster

pytestmark = pytest.mark.e2e

# (reference, countries, lat, lon, severity): two Indonesian earthquakes far apart, one of them extreme, and a
# Peruvian one; the Jakarta office covers IDN and TLS, Lima the Andean countries.
QUAKES = {"idn": ("offices-idn", ["IDN"], -0.9, 119.9, "severe"),
          "idn_extreme": ("offices-idn-x", ["IDN"], -3.6, 138.5, "extreme"),
          "per": ("offices-per", ["PER"], -12.0, -77.0, "severe")}
SEES_PERU = ("hq", "ro-americas", "co-lima")
BLIND_TO_PERU = ("co-jakarta", "ro-asia-pacific", "co-dakar")


def quake(ref: str, countries: list[str], lat: float, lon: float, severity: str) -> dict:
    return {"signal_id": f"sig-{ref}", "source": "test", "source_id": ref, "kind": "disaster",
            "hazard": "earthquake", "title": f"M7 earthquake {ref}", "countries": countries,
            "location": {"lat": lat, "lon": lon}, "severity": severity,
            "observed_at": datetime.now(timezone.utc).isoformat(), "references": [f"usgs:{ref}"]}


@pytest.fixture(scope="module")
def field(server):
    """Three crises with proposed plans, and tokens for coordinators of several offices."""
    admin = server.admin()
    experts = qualified_roster(60)
    body = "\n".join(e.model_dump_json() for e in experts)
    r = admin.post("/v1/experts/import", params={"format": "jsonl"}, content=body.encode())
    assert r.status_code == 200 and r.json()["applied"] == 60, r.text
    wait_until(lambda: admin.get("/v1/experts", params={"limit": 1}).json(), lambda p: p["total"] >= 60,
               what="roster in the view")
    hq = server.client(server.token("coordinator", "--office", "hq"))
    r = hq.post("/v1/signals", json=[quake(*q) for q in QUAKES.values()])
    assert r.status_code == 202, r.text
    crises = {}
    for name, (ref, countries, *_rest) in QUAKES.items():
        crises[name] = crisis_of(hq, ref, countries[0])
    plans = {name: wait_until(lambda cid=c["crisis_id"]: hq.get("/v1/plans", params={"crisis_id": cid}).json(),
                              lambda p: p["total"] >= 1, what=f"plan of {name}")["items"][0]
             for name, c in crises.items()}
    coordinators = {office: server.client(server.token("coordinator", "--office", office))
                    for office in (*SEES_PERU, *BLIND_TO_PERU)}
    return dict(server=server, admin=admin, crises=crises, plans=plans, coordinators=coordinators)


def test_offices_see_and_approve_what_is_theirs(field):
    crises, plans, c = field["crises"], field["plans"], field["coordinators"]
    assert crises["idn_extreme"]["severity"] == "extreme" and crises["per"]["countries"] == ["PER"]
    jakarta, asia, hq = c["co-jakarta"], c["ro-asia-pacific"], c["hq"]

    seen = {x["crisis_id"] for x in jakarta.get("/v1/crises", params={"limit": 200}).json()["items"]}
    assert {crises["idn"]["crisis_id"], crises["idn_extreme"]["crisis_id"]} <= seen
    assert crises["per"]["crisis_id"] not in seen
    assert jakarta.get(f"/v1/crises/{crises['per']['crisis_id']}").status_code == 404
    assert jakarta.get(f"/v1/plans/{plans['per']['plan_id']}").status_code == 404
    assert jakarta.post(f"/v1/plans/{plans['per']['plan_id']}/approve").status_code == 404

    r = jakarta.post(f"/v1/plans/{plans['idn']['plan_id']}/approve")
    assert r.status_code == 201, r.text
    refused = jakarta.post(f"/v1/plans/{plans['idn_extreme']['plan_id']}/approve")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "forbidden" and "ro-asia-pacific" in refused.json()["detail"]
    r = asia.post(f"/v1/plans/{plans['idn_extreme']['plan_id']}/approve")
    assert r.status_code == 201, r.text

    everything = {x["crisis_id"] for x in hq.get("/v1/crises", params={"limit": 200}).json()["items"]}
    assert {x["crisis_id"] for x in crises.values()} <= everything
    assert hq.get(f"/v1/crises/{crises['per']['crisis_id']}").status_code == 200
    mine = {i["crisis_id"] for i in jakarta.get("/v1/interventions", params={"limit": 200}).json()["items"]}
    assert crises["idn"]["crisis_id"] in mine and crises["per"]["crisis_id"] not in mine


@pytest.fixture(scope="module")
def peru(field):
    """The Peruvian plan approved by headquarters, its staffing started: one of everything to hide."""
    crisis, plan = field["crises"]["per"], field["plans"]["per"]
    hq = field["coordinators"]["hq"]
    r = hq.post(f"/v1/plans/{plan['plan_id']}/approve")
    assert r.status_code in (200, 201), r.text
    intervention = r.json()["intervention"]["intervention_id"]
    staffing = wait_until(lambda: hq.get(f"/v1/interventions/{intervention}/staffing"),
                          lambda r: r.status_code == 200 and r.json()["offers"], what="Peruvian offers").json()
    return {"crisis_id": crisis["crisis_id"], "plan_id": plan["plan_id"], "intervention_id": intervention,
            "request_id": staffing["offers"][0]["request_id"], "expert_id": staffing["offers"][0]["expert_id"]}


def _request(client: httpx.Client, method: str, path: str, ids: dict[str, str]):
    """Call a route template with the Peruvian ids for its parameters (any other parameter: a filler id)."""
    url = example_path(re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), m.group(0)), path))
    today = datetime.now(timezone.utc).date().isoformat()
    bodies = {"/answer": {"accept": True, "channel": "phone"},
              "/check-in": {"on": today, "channel": "phone"}, "/extend": {"end": "2030-01-01", "reason": "x"}, "/complete": {"on": today, "note": "done", "channel": "phone"},
              "/reports": {"period_start": today, "period_end": today, "values": [{"target_id": "team_on_site", "value": 1}]},
              "/funding": {"source": "regular_budget", "amount": 1, "currency": "USD"},
              "/respond": {"answer": "decline", "reason": "x"}, "/status": {"status": "dispatched", "quantity": 1},
              "/receipt": {"quantity": 1},
              "/expenditures": {"lines": [{"spent_on": today, "source": "regular_budget", "amount": 1,
                                           "currency": "USD", "description": "x"}]}}
    body = next((b for suffix, b in bodies.items() if path.endswith(suffix)), {})
    return url, client.request(method, url, json=body if method in ("POST", "PUT", "PATCH") else None)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return policy_table(create_api(Settings(data_dir=tmp_path_factory.mktemp("table") / "data", log_json=False)))


@pytest.mark.parametrize("office", BLIND_TO_PERU)
def test_no_route_shows_another_offices_crisis(field, peru, table, office):
    """Every route a coordinator may call, as a coordinator of an office that does not cover Peru: items of the
    Peruvian crisis are 404 (also for changes, which therefore change nothing), and no answer names them."""
    client = field["coordinators"][office]
    secret = {peru[k] for k in ("crisis_id", "plan_id", "intervention_id", "request_id")}  # the expert is on
    # the roster, which every coordinator may read
    wrong = []
    for method, path, role, allowed in table:
        if role is not Role.COORDINATOR or not allowed or not path.startswith("/v1") or path == "/v1/events/stream":
            continue
        params = {p: v for p, v in peru.items() if "{" + p + "}" in path}
        url, r = _request(client, method, path, params)
        if params and r.status_code != 404:
            wrong.append(f"{method} {url}: {r.status_code}, expected 404")
        leaked = [s for s in secret if s in r.text and s not in url]  # a 404 may repeat the id it was asked
        if leaked:
            wrong.append(f"{method} {url}: {r.status_code} names {leaked}")
    assert not wrong, "\n".join(wrong)
    assert field["coordinators"]["hq"].get(f"/v1/crises/{peru['crisis_id']}").status_code == 200


@pytest.mark.parametrize("who", ["admin", *SEES_PERU, *BLIND_TO_PERU, "expert", "partner"])
def test_every_read_route_answers_each_role_and_office_as_the_rules_say(field, peru, table, who):
    """Every GET route, for every role and for coordinators of offices that do and do not cover Peru: 403 when
    the role may not call it; else the Peruvian item is there for whoever covers Peru and 404 for the rest."""
    server = field["server"]
    if who in ("expert", "partner"):
        client = server.client(server.token(who, f"--{who}-id", f"{who}-offices-table"))
        role = Role(who)
    elif who == "admin":
        client, role = field["admin"], Role.ADMIN
    else:
        client, role = field["coordinators"][who], Role.COORDINATOR
    sees = role is Role.ADMIN or who in SEES_PERU
    wrong = []
    for method, path, row_role, allowed in table:
        if method != "GET" or row_role is not role or not path.startswith("/v1") or path == "/v1/events/stream":
            continue
        params = {p: v for p, v in peru.items() if "{" + p + "}" in path}
        url, r = _request(client, method, path, params)
        if not allowed:
            ok = r.status_code == 403
        elif params and role is Role.COORDINATOR:
            ok = r.status_code == (200 if sees else 404)
        else:
            ok = r.status_code not in (401, 403) and r.status_code < 500
        if not ok:
            wrong.append(f"{method} {url}: {r.status_code} {r.text[:100]} (allowed={allowed}, sees={sees})")
    assert not wrong, f"{who}:\n" + "\n".join(wrong)


def test_the_live_stream_keeps_to_the_office(field, peru):
    """SSE as a Jakarta coordinator from the start of the buffer: Indonesian events arrive, Peruvian ones never."""
    server, crises = field["server"], field["crises"]
    token = server.token("coordinator", "--office", "co-jakarta")
    received: list[dict] = []

    def read() -> None:
        headers = {"Authorization": f"Bearer {token}", "Last-Event-ID": "evt-not-buffered"}
        try:
            with httpx.stream("GET", f"{server.url}/v1/events/stream", headers=headers, timeout=10) as r:
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        received.append(json.loads(line[5:]))
        except httpx.HTTPError:
            pass

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(6)
    text = json.dumps(received)
    assert crises["idn"]["crisis_id"] in text, "no Indonesian event reached the Jakarta office"
    assert peru["crisis_id"] not in text and peru["intervention_id"] not in text


def test_tokens_only_for_ids_that_exist(field):
    server, admin = field["server"], field["admin"]
    for role, flag, unknown in (("expert", "--expert-id", "exp-nobody"), ("partner", "--partner-id", "ptn-99999")):
        out = server.create_token(role, flag, unknown)
        assert out.returncode == 2 and f"no {role} {unknown!r} on the roster" in out.stderr, out.stderr
        assert out.stdout == ""
        r = admin.post("/v1/tokens", json={"role": role, f"{role}_id": unknown})
        assert r.status_code == 422 and r.json()["detail"].startswith(f"{role}_id:"), r.text
    out = server.create_token("coordinator", "--office", "co-atlantis")
    assert out.returncode == 2 and "no office 'co-atlantis'" in out.stderr
    assert "token store" in server.create_token("admin").stderr  # the CLI says where it wrote

    r = admin.post("/v1/tokens", json={"role": "coordinator", "office_id": "co-lima"})
    assert r.status_code == 201 and r.json()["office_id"] == "co-lima", r.text
    lima = server.client(r.json()["token"])
    assert lima.get(f"/v1/crises/{field['crises']['per']['crisis_id']}").status_code == 200
    assert lima.get(f"/v1/crises/{field['crises']['idn']['crisis_id']}").status_code == 404
    listed = admin.get("/v1/tokens", params={"limit": 500}).json()["items"]
    assert any(t["token_id"] == r.json()["token_id"] and "digest" not in t for t in listed)
    assert admin.delete(f"/v1/tokens/{r.json()['token_id']}").status_code == 200
    assert wait_until(lambda: lima.get("/v1/offices").status_code, lambda s: s == 401, timeout=3,
                      what="revoked token refused") == 401


def test_a_deactivated_expert_loses_access_within_a_second(field):
    server, admin = field["server"], field["admin"]
    expert_id = "exp-offices-leaver"
    expert = server.client(server.token("expert", "--expert-id", expert_id))
    assert expert.get("/v1/me/deployment-requests").status_code == 200
    assert admin.delete(f"/v1/experts/{expert_id}").status_code == 200
    started = time.monotonic()
    while (r := expert.get("/v1/me/deployment-requests")).status_code != 401:
        assert time.monotonic() - started < 1.0, f"still {r.status_code} after 1 s"
        time.sleep(0.05)
    assert "deactivated" in r.json()["detail"]
    out = server.create_token("expert", "--expert-id", expert_id)
    assert out.returncode == 2 and "deactivated" in out.stderr


def test_a_coordinator_records_an_experts_answer_audited_with_both_identities(field, peru):
    server, admin = field["server"], field["admin"]
    lima_token = server.token("coordinator", "--office", "co-lima")
    lima = server.client(lima_token)
    path = f"/v1/deployment-requests/{peru['request_id']}/answer"
    assert lima.post(path, json={"accept": True, "channel": "api"}).status_code == 422
    r = lima.post(path, json={"accept": True, "channel": "phone"})
    assert r.status_code == 200, r.text
    assert r.json()["expert_id"] == peru["expert_id"] and r.json()["channel"] == "phone"
    rows = wait_until(lambda: admin.get("/v1/audit", params={"entity": peru["request_id"],
                                                             "action": "deployment-requests.answer"}).json()["items"],
                      lambda rows: rows, what="the audit event")
    [event] = rows
    assert event["actor"] == token_id(lima_token) and event["role"] == "coordinator"
    assert event["office_id"] == "co-lima"
    assert event["on_behalf_of"] == peru["expert_id"] and event["channel"] == "phone"
    expert = server.client(server.token("expert", "--expert-id", peru["expert_id"]))
    items = wait_until(lambda: expert.get("/v1/me/deployment-requests").json()["items"],
                       lambda items: any(i["request_id"] == peru["request_id"] and i["state"] in ("accepted",
                                                                                                   "confirmed")
                                         for i in items), what="the recorded answer in the expert's requests")
    answered = next(i for i in items if i["request_id"] == peru["request_id"])
    [accepted] = [t for t in answered["history"] if t["state"] == "accepted"]
    assert accepted["channel"] == "phone" and accepted["recorded_by"] == token_id(lima_token)
    assert accepted["by"] == peru["expert_id"]


def test_admins_read_any_partners_subscriptions_and_the_reads_are_audited(field):
    server, admin = field["server"], field["admin"]
    partner = server.client(server.token("partner", "--partner-id", "ptn-offices"))
    sid = partner.post("/v1/subscriptions", json={"url": PUBLIC_IP_URL, "event_types": ["rrc.*"]}).json()[
        "subscription_id"]
    assert sid in {s["subscription_id"] for s in admin.get("/v1/subscriptions",
                                                           params={"partner_id": "ptn-offices"}).json()["items"]}
    assert admin.get(f"/v1/subscriptions/{sid}").status_code == 200
    assert admin.get(f"/v1/subscriptions/{sid}/deliveries").status_code == 200
    r = admin.post(f"/v1/subscriptions/{sid}/replay", params={"since": "2026-01-01T00:00:00Z"})
    assert r.status_code == 202, r.text
    rows = wait_until(lambda: admin.get("/v1/audit", params={"entity": sid}).json()["items"],
                      lambda rows: len(rows) >= 4, what="audited reads")
    outcomes = sorted((row["operation"], row["outcome"]) for row in rows if row["role"] == "admin")
    assert outcomes == sorted([("GET /v1/subscriptions/{subscription_id}", "read"),
                               ("GET /v1/subscriptions/{subscription_id}/deliveries", "read"),
                               ("POST /v1/subscriptions/{subscription_id}/replay", "applied")]), rows
    assert all(row["office_id"] == "hq" for row in rows if row["role"] == "admin")
