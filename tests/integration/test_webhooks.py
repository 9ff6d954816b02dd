"""Partner webhooks over the real broker and worker, with real local HTTP receivers.

Four partners subscribe through the API with different filters. Public events go on rrc.response-events. Each
partner gets exactly the events it asked for and may see (nobody gets the exercise event); every call verifies
with the Standard Webhooks algorithm; a receiver that answers 500 twice per event then 200 gets each event
accepted once with every attempt in its delivery log, although the worker is SIGKILLed in the middle of those
retries and restarted; a receiver answering 410 gets its subscription disabled and no more calls.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone

import httpx
import pytest

from responders.crises.owner import public_event
from responders.partners.signing import verify
from streams.broker.local import free_port
from vocabulary.cloudevents import CloudEvent
from tests.factories import crisis_recorded, roster_record
from tests.kafka_helpers import produce
from tests.receiver import Receiver
from tests.workers import spawn_worker, wait_for

pytestmark = pytest.mark.integration


def event(n: int, type_: str, hazard: str, countries: list[str], severity: str, exercise: bool = False) -> CloudEvent:
    crisis_id = f"cri-hook{n % 3}"
    if type_.startswith("rrc.crisis."):  # the crisis owner's own event, as it publishes it
        recorded = crisis_recorded(type_, severity, event_id=f"evt-hook-{n}", exercise=exercise, hazard=hazard,
                                   countries=countries, crisis_id=crisis_id, title=f"event {n}")
        data = public_event(recorded.event).event.data
    else:
        data = {"intervention_id": f"int-{crisis_id}", "crisis_id": crisis_id, "plan_id": "pln-1",
                "role": "assessment_lead", "seat": 1, "state": "offered", "detail": None, "hazard": hazard,
                "severity": severity, "countries": countries, "exercise": exercise}
    return CloudEvent(id=f"evt-hook-{n}", type=type_, data=data, time=datetime.now(timezone.utc),
                      subject=crisis_id, extensions={"rrcexercise": "true" if exercise else "false",
                                                      "rrccrisisid": crisis_id})


EVENTS = [
    event(0, "rrc.crisis.opened", "earthquake", ["TUR"], "severe"),
    event(1, "rrc.crisis.opened", "flood", ["PAK"], "extreme"),
    event(2, "rrc.deployment.requested", "earthquake", ["TUR"], "severe"),
    event(3, "rrc.crisis.escalated", "earthquake", ["VUT"], "extreme"),
    event(4, "rrc.deployment.accepted", "flood", ["PAK"], "extreme"),
    event(5, "rrc.crisis.opened", "earthquake", ["TUR"], "severe", exercise=True),
    event(6, "rrc.crisis.updated", "earthquake", ["TUR"], "moderate"),
    event(7, "rrc.deployment.declined", "earthquake", ["TUR"], "severe"),
]
# What each partner asked for, and so which events it must get (the exercise event 5 reaches nobody).
ASKS = {
    "quakes": ({"event_types": ["rrc.crisis.*"], "filters": {"hazards": ["earthquake"]}}, {0, 3, 6}),
    "turkey-staff": ({"event_types": ["rrc.deployment.*"], "filters": {"countries": ["TUR"]}}, {2, 7}),
    "asia-severe": ({"event_types": ["rrc.*"], "filters": {"min_severity": "severe",
                                                           "regions": ["asia_pacific"]}}, {1, 3, 4}),
    "gone": ({"event_types": ["rrc.crisis.opened"], "filters": {}}, {0, 1}),
}


def token(env: dict, role: str, *extra: str) -> str:
    out = subprocess.run([sys.executable, "-m", "cli.main", "token", "create", "--role", role, *extra], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


async def healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the worker died"
            try:
                if (await client.get(f"{url}/health", timeout=3)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise AssertionError("the worker never became healthy")


def standard_webhooks_signature(secret: str, headers: dict, body: bytes) -> str:
    """The algorithm as the Standard Webhooks spec writes it, independent of rrc's own code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


async def test_partners_get_what_they_asked_for_signed_once_across_retries_and_a_sigkill(kafka_bootstrap,
                                                                                        topic_prefix, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_BROKER=kafka_bootstrap, RRC_TOPIC_PREFIX=topic_prefix, RRC_DATA_DIR=str(tmp_path / "data"),
               RRC_API_PORT=str(port), RRC_SESSION_TIMEOUT_S="10", RRC_ALLOW_PRIVATE_TARGETS="true",
               RRC_WEBHOOK_RETRY_S="[3, 3, 3, 3, 3]", RRC_WEBHOOK_TIMEOUT_S="3", RRC_RATE_LIMIT_PER_S="200")
    url = f"http://127.0.0.1:{port}"
    calls: Counter = Counter()

    def flaky(request):  # 500 twice per event, then 200
        calls[request.headers["webhook-id"]] += 1
        return (500, {}) if calls[request.headers["webhook-id"]] <= 2 else (200, {})

    receivers = {"quakes": Receiver(), "turkey-staff": Receiver(), "asia-severe": Receiver(answer=flaky),
                 "gone": Receiver(answer=lambda r: (410, {}))}
    for rx in receivers.values():
        await rx.__aenter__()
    worker = spawn_worker(env, tmp_path / "worker1.log")
    try:
        await healthy(url, worker)
        clients, subs, secrets = {}, {}, {}
        async with httpx.AsyncClient(base_url=url, timeout=15,
                                     headers={"Authorization": f"Bearer {token(env, 'admin')}"}) as admin:
            for name in ASKS:  # tokens exist only for partners on the roster
                r = await admin.post("/v1/partners", json=roster_record("partners", f"ptn-{name}"))
                assert r.status_code == 201, r.text
        for name, (ask, _) in ASKS.items():
            clients[name] = httpx.AsyncClient(base_url=url, timeout=15, headers={
                "Authorization": f"Bearer {token(env, 'partner', '--partner-id', f'ptn-{name}')}"})
            r = await clients[name].post("/v1/subscriptions", json={"url": f"{receivers[name].url}/hook", **ask})
            assert r.status_code == 201, r.text
            body = r.json()
            assert body["secret"].startswith("whsec_") and "secrets" not in body
            subs[name], secrets[name] = body["subscription_id"], body["secret"]
        listed = (await clients["quakes"].get("/v1/subscriptions")).json()
        assert [s["subscription_id"] for s in listed["items"]] == [subs["quakes"]]
        assert "whsec_" not in json.dumps(listed)
        assert (await clients["quakes"].get(f"/v1/subscriptions/{subs['gone']}")).status_code == 404

        await produce(kafka_bootstrap, f"{topic_prefix}rrc.response-events",
                      [(e.extensions["rrccrisisid"].encode(), *reversed(e.to_kafka_binary())) for e in EVENTS])

        async def log_of(name):
            r = await clients[name].get(f"/v1/subscriptions/{subs[name]}/deliveries")
            return r.json()["items"]

        async def fast_ones_logged():
            done = [await log_of(n) for n in ("quakes", "turkey-staff")]
            return all(len([d for d in rows if d["status"] == "delivered"]) == len(ASKS[n][1])
                       for n, rows in zip(("quakes", "turkey-staff"), done))

        await wait_for(fast_ones_logged, 60, "the fast partners' deliveries in their logs")
        await wait_for(lambda: _async(all(calls[f"evt-hook-{i}"] >= 1 for i in ASKS["asia-severe"][1])), 30,
                    "first attempts at the flaky receiver")
        worker.send_signal(signal.SIGKILL)  # in the middle of the flaky receiver's retries
        worker.wait(timeout=30)
        worker = spawn_worker(env, tmp_path / "worker2.log")
        await healthy(url, worker)

        async def flaky_done():
            rows = await log_of("asia-severe")
            return len([d for d in rows if d["status"] == "delivered"]) == len(ASKS["asia-severe"][1]) and rows

        flaky_log = await wait_for(flaky_done, 90, "the flaky partner's deliveries")
        gone = await wait_for(lambda: _sub_status(clients["gone"], subs["gone"], "disabled"), 30, "the 410 disable")
        assert "410" in gone["disabled_reason"]
        before = len(receivers["gone"].requests)
        await produce(kafka_bootstrap, f"{topic_prefix}rrc.response-events",
                      [(b"cri-late", *reversed(event(9, "rrc.crisis.opened", "flood", ["PAK"],
                                                     "extreme").to_kafka_binary()))])
        await wait_for(lambda: _async(calls["evt-hook-9"] >= 3), 30, "the late event at the flaky receiver")
        await asyncio.sleep(1)
        assert len(receivers["gone"].requests) == before, "a disabled subscription got another call"
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=40)
        except subprocess.TimeoutExpired:
            worker.kill()
        for rx in receivers.values():
            await rx.__aexit__(None, None, None)

    now = int(time.time())
    for name, (_, wanted) in ASKS.items():
        requests = receivers[name].requests
        got = {r.headers["webhook-id"] for r in requests}
        expected = {f"evt-hook-{i}" for i in wanted} | ({"evt-hook-9"} if name == "asia-severe" else set())
        if name == "gone":
            assert got and got <= expected
        else:
            assert got == expected, (name, got, expected)
        for r in requests:
            verify(secrets[name], r.headers, r.body, now=now, tolerance_s=600)
            sent = r.headers["webhook-signature"].split(" ")
            assert standard_webhooks_signature(secrets[name], r.headers, r.body) in sent
            doc = r.json()
            assert r.headers["content-type"].startswith("application/cloudevents+json")
            assert doc["specversion"] == "1.0" and doc["id"] == r.headers["webhook-id"]
    # Once each: no event answered 2xx twice for the fast partners (they were done before the kill) ...
    for name in ("quakes", "turkey-staff"):
        assert all(n == 1 for n in Counter(r.headers["webhook-id"] for r in receivers[name].requests).values())
    # ... and the flaky partner's events were accepted once each, after two 500s, with the attempts logged.
    accepted = Counter(r.headers["webhook-id"] for r in receivers["asia-severe"].requests)
    assert all(calls[e] == accepted[e] and calls[e] >= 3 for e in accepted)
    rows = {d["event_id"]: d for d in flaky_log}
    for i in ASKS["asia-severe"][1]:
        row = rows[f"evt-hook-{i}"]
        assert row["status"] == "delivered"
        codes = [a["status_code"] for a in row["attempts"]]
        assert codes.count(200) == 1 and codes[-1] == 200 and codes.count(500) >= 2, codes


async def _async(value):
    return value


async def _sub_status(client: httpx.AsyncClient, subscription_id: str, status: str):
    r = await client.get(f"/v1/subscriptions/{subscription_id}")
    return r.json() if r.status_code == 200 and r.json()["status"] == status else None
