"""Partners through the API on the real worker: subscriptions are private to their partner (another's is 404),
webhook targets on local or private addresses are refused, the secret is shown once; the live event stream (SSE)
filters, hides exercises from partners without the grant, and resumes from Last-Event-ID."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from tests import published
from tests.integration.test_deployment_staffing import quake

pytestmark = pytest.mark.e2e
PUBLIC_IP_URL = "https://93.184.215.14/rrc-hook"  # an IP literal: no DNS needed, and a public address


@pytest.fixture(scope="module")
def partners(server):
    return (server.client(server.token("partner", "--partner-id", "ptn-a")),
            server.client(server.token("partner", "--partner-id", "ptn-b")))


def test_subscriptions_are_private_to_their_partner(partners):
    a, b = partners
    r = a.post("/v1/subscriptions", json={"url": PUBLIC_IP_URL, "event_types": ["rrc.deployment.*"],
                                          "filters": {"countries": ["TUR", "SYR"], "min_severity": "severe"}})
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["secret"].startswith("whsec_") and sub["status"] == "active"
    sid = sub["subscription_id"]
    assert "whsec_" not in a.get(f"/v1/subscriptions/{sid}").text  # shown once, at creation
    assert [s["subscription_id"] for s in a.get("/v1/subscriptions").json()["items"]] == [sid]
    assert b.get("/v1/subscriptions").json()["items"] == []
    for call in (lambda: b.get(f"/v1/subscriptions/{sid}"), lambda: b.get(f"/v1/subscriptions/{sid}/deliveries"),
                 lambda: b.post(f"/v1/subscriptions/{sid}/rotate-secret"), lambda: b.delete(f"/v1/subscriptions/{sid}"),
                 lambda: b.post(f"/v1/subscriptions/{sid}/replay", params={"since": "2026-01-01T00:00:00Z"})):
        r = call()
        assert r.status_code == 404 and "subscription_id" in r.json()["detail"], r.text
    rotated = a.post(f"/v1/subscriptions/{sid}/rotate-secret").json()
    assert rotated["secret"] != sub["secret"] and len(rotated["signing_secrets"]) == 2
    replay = a.post(f"/v1/subscriptions/{sid}/replay", params={"since": "2026-01-01T00:00:00Z"})
    assert replay.status_code == 202 and replay.json()["replay_id"].startswith("rpl_"), replay.text
    assert a.get(f"/v1/subscriptions/{sid}/deliveries").status_code == 200
    assert a.delete(f"/v1/subscriptions/{sid}").status_code == 204
    assert a.get(f"/v1/subscriptions/{sid}").status_code == 404


def test_every_subscription_change_is_audited_once(server, partners):
    a = partners[0]
    sid = a.post("/v1/subscriptions", json={"url": PUBLIC_IP_URL, "event_types": ["rrc.*"]}).json()["subscription_id"]
    assert a.post(f"/v1/subscriptions/{sid}/rotate-secret").status_code == 200
    assert a.delete(f"/v1/subscriptions/{sid}").status_code == 204
    admin = server.client(server.token("admin"))
    deadline = time.monotonic() + 15
    while True:
        rows = admin.get("/v1/audit", params={"entity": sid}).json()["items"]
        if len(rows) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert sorted(r["operation"] for r in rows) == sorted([
        "POST /v1/subscriptions", "POST /v1/subscriptions/{subscription_id}/rotate-secret",
        "DELETE /v1/subscriptions/{subscription_id}"]), rows
    assert all(r["role"] == "partner" and r["partner_id"] == "ptn-a" and "whsec_" not in str(r) for r in rows)


@pytest.mark.parametrize("url, why", [
    ("http://127.0.0.1:9/hook", "loopback"), ("https://10.1.2.3/hook", "private"),
    ("https://169.254.169.254/latest", "link-local"), ("ftp://93.184.215.14/x", "https"),
])
def test_webhook_targets_on_local_or_private_addresses_are_refused(partners, url, why):
    r = partners[0].post("/v1/subscriptions", json={"url": url, "event_types": ["rrc.*"]})
    assert r.status_code == 422 and "url" in r.json()["detail"], r.text


def test_bad_filters_name_the_field(partners):
    r = partners[0].post("/v1/subscriptions", json={"url": PUBLIC_IP_URL, "event_types": ["crisis.*"]})
    assert r.status_code == 422 and "event_types" in r.text
    r = partners[0].post("/v1/subscriptions", json={"url": PUBLIC_IP_URL, "event_types": ["rrc.*"],
                                                     "filters": {"min_severity": "huge"}})
    assert r.status_code == 422 and "min_severity" in r.text


class Stream:
    """Reads an SSE stream in a thread; `events` fills as they arrive."""

    def __init__(self, client: httpx.Client, params: dict, last_event_id: str | None = None) -> None:
        self.events: list[dict] = []
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        self.thread = threading.Thread(target=self._run, args=(client, params, headers), daemon=True)
        self.stop = threading.Event()
        self.thread.start()

    def _run(self, client, params, headers):
        try:
            self._read(client, params, headers)
        except httpx.HTTPError:
            if not self.stop.is_set():  # the server closing a stream the test is done with is fine
                raise

    def _read(self, client, params, headers):
        with client.stream("GET", "/v1/events/stream", params=params, headers=headers, timeout=60) as r:
            assert r.status_code == 200
            current: dict = {}
            for line in r.iter_lines():
                if self.stop.is_set():
                    return
                if not line:
                    if "data" in current:
                        self.events.append(current)
                        published.saw("sse", current["data"])
                    current = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    current[name] = value.strip()

    def wait(self, n: int, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.events) < n:
            time.sleep(0.2)
        return self.events


def test_the_live_stream_filters_hides_exercises_and_resumes(server, partners):
    coordinator = server.client(server.token("coordinator"))
    partner = partners[0]
    live = Stream(partner, {"event_types": "rrc.crisis.*", "hazards": "earthquake", "countries": "TUR"})
    time.sleep(1.5)
    exercise = {**quake("sse-x", 39.9, 32.8), "status": "exercise"}
    flood = {**quake("sse-f", 36.8, 34.6), "hazard": "flood"}
    for s in (exercise, flood, quake("sse-1", 38.0, 38.3)):
        assert coordinator.post("/v1/signals", json=s).status_code == 202
    [first] = live.wait(1)[:1]
    assert first["event"] == "rrc.crisis.opened"
    doc = json.loads(first["data"])
    assert doc["id"] == first["id"] and doc["data"]["crisis"]["hazard"] == "earthquake"
    assert doc["data"]["exercise"] is False
    time.sleep(2)
    assert len(live.events) == 1, [e["event"] for e in live.events]  # no flood, no exercise for this partner
    live.stop.set()

    resumed = Stream(partner, {"event_types": "rrc.crisis.*", "hazards": "earthquake"}, last_event_id=first["id"])
    assert coordinator.post("/v1/signals", json=quake("sse-2", 41.0, 28.9)).status_code == 202
    got = resumed.wait(1)
    assert got and all(e["id"] != first["id"] for e in got)
    assert json.loads(got[0]["data"])["data"]["crisis"]["title"].endswith("sse-2")
    resumed.stop.set()
    bad = partner.get("/v1/events/stream", params={"min_severity": "huge"})
    assert bad.status_code == 422 and "min_severity" in bad.json()["detail"]
