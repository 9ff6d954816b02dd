"""`rrc replay` of the shared GDACS and USGS archives at --speed 3600, on the session broker, next to a running
actual system: the rehearsal produces plans, offers and expiries in exercise mode; within it a partner without the
exercise grant receives nothing while one with it does; the actual system's crisis list and its partner's webhook
see nothing of it. (A shorter rehearsal than a user's: silences cut to half an hour, 26 hours after the last signal.)"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.e2e.conftest import running_server, wait_until
from tests.e2e.test_partners_api import Stream
from tests.e2e.test_plans import orange_earthquake_feed
from tests.receiver import ThreadedReceiver
from cli.processes import stop

pytestmark = pytest.mark.e2e


def _token(broker: str, run: str, data_dir, *args: str) -> str:
    """`rrc token create` against the rehearsal (its data dir, its topics)."""
    env = {"RRC_DATA_DIR": str(data_dir), "RRC_BROKER": broker, "RRC_TOPIC_PREFIX": f"rehearsal-{run}.",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "cli.main", "token", "create", *args], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.fixture(scope="module")
def server(kafka_bootstrap, tmp_path_factory):
    """The actual system, whose partner's webhook may point at this machine."""
    with running_server(kafka_bootstrap, tmp_path_factory.mktemp("actual"), RRC_ALLOW_PRIVATE_TARGETS="true") as running:
        yield running


def test_a_replay_is_a_rehearsal_that_never_touches_the_actual_system(server, shared_data, tmp_path):
    coordinator = server.client(server.token("coordinator"))
    before = coordinator.get("/v1/crises", params={"limit": 500}).json()
    hooks = ThreadedReceiver()
    try:
        partner_id = "ptn-actual"
        actual_partner = server.client(server.token("partner", "--partner-id", partner_id))
        r = actual_partner.post("/v1/subscriptions", json={"url": hooks.url, "event_types": ["rrc.*"]})
        assert r.status_code == 201, r.text

        env = {**server.env, "RRC_DATA_DIR": str(tmp_path / "data")}
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "replay", str(shared_data / "gdacs"),
                                 str(shared_data / "usgs"), "--speed", "3600", "--max-gap-hours", "0.5",
                                 "--tail-hours", "26", "--keep"], env=env, stdout=subprocess.PIPE,
                                stderr=open(tmp_path / "replay.err", "wb"), text=True)
        try:
            lines = []
            report = None
            deadline = time.monotonic() + 400
            while report is None and time.monotonic() < deadline:
                line = proc.stdout.readline()
                assert line or proc.poll() is None, (tmp_path / "replay.err").read_text()[-3000:]
                lines.append(line)
                if line.startswith("{"):
                    report = json.loads(line)
            assert report is not None, "no report"
            url = next(part for line in lines if line.startswith("rehearsal API on") for part in line.split()
                       if part.startswith("http://"))
            data_dir = next(line.rsplit("data dir ", 1)[1].strip() for line in lines if "data dir" in line)

            assert report["exercise"] and report["crises_opened"] == report["exercise_crises"] >= 5
            assert report["plans_proposed"] >= 1 and report["plans_approved"] >= 1, report
            assert report["offers"] >= 1 and report["offers_by_state"].get("expired", 0) >= 1, report
            assert report["hours_to_first_offer_median"] is not None

            # Within the rehearsal: the partner without the exercise grant sees nothing, the one with it does.
            where = (server.env["RRC_BROKER"], report["run"], data_dir)
            blind = httpx.Client(base_url=url, headers={
                "Authorization": f"Bearer {_token(*where, '--role', 'partner', '--partner-id', 'ptn-00001')}"})
            granted = httpx.Client(base_url=url, headers={"Authorization": "Bearer " + _token(
                *where, "--role", "partner", "--partner-id", "ptn-00002", "--grant", "exercise")})
            blind_stream = Stream(blind, {}, last_event_id="from-the-start")
            granted_stream = Stream(granted, {}, last_event_id="from-the-start")
            assert len(granted_stream.wait(10)) >= 10
            time.sleep(1)
            assert blind_stream.events == []
            assert blind.get("/v1/crises").json()["total"] == 0
            assert granted.get("/v1/crises").json()["total"] == report["crises_opened"]
            blind_stream.stop.set()
            granted_stream.stop.set()
        finally:
            stop(proc, signal.SIGTERM, timeout=30)

        # The actual system: the same crises as before, and its partner's webhook got nothing of the rehearsal
        # (it works: an actual earthquake reaches it).
        after = coordinator.get("/v1/crises", params={"limit": 500}).json()
        assert after == before
        assert hooks.receiver.requests == []
        assert coordinator.post("/v1/signals/feed", params={"format": "gdacs"},
                                content=orange_earthquake_feed(shared_data)).status_code == 202
        wait_until(lambda: [r.json()["type"] for r in hooks.receiver.requests],
                   lambda types: "rrc.crisis.opened" in types, what="the actual earthquake's webhook")
        assert all(r.json()["data"].get("exercise") is False or "exercise" not in r.json()["data"]
                   for r in hooks.receiver.requests)
        assert not [r for r in hooks.receiver.requests if r.json().get("rrcexercise") == "true"]
    finally:
        hooks.close()
