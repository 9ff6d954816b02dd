"""/health/ready tells the truth: an owner stalled on purpose (RRC_FAULT_FILE) makes it answer 503 naming that
stage within RRC_STAGE_STALL_S plus 5 s, with the same fact on /metrics, and 200 again once the stall ends; the
held batch is then applied, not lost. /health/live answers 200 throughout."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import date

import httpx
import pytest

from responders.deployments.ledger import HoldExpert
from streams.broker.local import free_port
from tests.kafka_helpers import consume, produce
from tests.workers import spawn_worker, topic_exists, wait_for

pytestmark = pytest.mark.integration

STALL_S = 4


async def ready(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(f"{url}/health/ready")


async def test_a_stalled_owner_makes_ready_answer_503_naming_it_until_the_stall_ends(kafka_bootstrap, topic_prefix,
                                                                                      tmp_path):
    faults = tmp_path / "faults.json"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_BROKER=kafka_bootstrap, RRC_TOPIC_PREFIX=topic_prefix, RRC_DATA_DIR=str(tmp_path / "data"),
               RRC_API_PORT=str(port), RRC_FAULT_FILE=str(faults), RRC_STAGE_STALL_S=str(STALL_S))
    worker = spawn_worker(env, tmp_path / "worker.log")
    try:
        await wait_for(lambda: topic_exists(kafka_bootstrap, f"{topic_prefix}rrc.ledger"), 90, "topics")
        first = await wait_for(lambda: _status_is(url, 200), 90, "ready")
        assert first.json()["problems"] == [] and first.json()["worker"]["state"] == "running"

        faults.write_text(json.dumps({"stall": ["ledger"]}))
        hold = HoldExpert(request_id="req-stall", expert_id="exp-stall", intervention_id="int-stall",
                          crisis_id="cri-stall", start=date(2026, 3, 1), end=date(2026, 3, 10)).record()
        await produce(kafka_bootstrap, f"{topic_prefix}rrc.ledger", [(hold.key, hold.value, hold.headers)])
        sent = time.monotonic()
        stalled = await wait_for(lambda: _status_is(url, 503), STALL_S + 5, "503 naming the stalled stage")
        assert time.monotonic() - sent <= STALL_S + 5
        problems = stalled.json()["problems"]
        assert [p["stage"] for p in problems] == ["ledger"], problems
        assert "held one batch" in problems[0]["reason"]
        async with httpx.AsyncClient(timeout=10) as client:
            assert (await client.get(f"{url}/health/live")).status_code == 200
            assert (await client.get(f"{url}/health")).status_code == 503
            text = (await client.get(f"{url}/metrics")).text
        assert 'rrc_stage_ready{stage="ledger"} 0.0' in text
        assert 'rrc_stage_ready{stage="correlate"} 1.0' in text

        faults.write_text(json.dumps({"stall": []}))
        again = await wait_for(lambda: _status_is(url, 200), 15, "ready again")
        assert again.json()["problems"] == []
        answers = await consume(kafka_bootstrap, f"{topic_prefix}rrc.commands", expect=1, timeout=30)
        assert json.loads(answers[0].value)["request_id"] == "req-stall", "the held batch was applied after the stall"
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=20)
        except Exception:  # noqa: BLE001 - never leave a worker behind
            worker.kill()


async def _status_is(url: str, status: int):
    try:
        r = await ready(url)
    except httpx.HTTPError:
        return None
    return r if r.status_code == status else None


async def test_ready_names_the_broker_when_it_is_unreachable(tmp_path):
    from api.app import create_api
    from config.settings import Settings

    settings = Settings(broker=f"127.0.0.1:{free_port()}", data_dir=tmp_path / "data", health_timeout_s=0.5)
    api = create_api(settings)
    transport = httpx.ASGITransport(app=api)
    from streams.worker import Worker

    api.state.worker = Worker(api.state.runtime)  # not started: the broker is not there
    async with httpx.AsyncClient(transport=transport, base_url="http://rrc") as client:
        r = await client.get("/health/ready")
        live = await client.get("/health/live")
    assert r.status_code == 503 and live.status_code == 200
    stages = [p["stage"] for p in r.json()["problems"]]
    assert stages[0] == "broker" and "unreachable" in r.json()["problems"][0]["reason"]
