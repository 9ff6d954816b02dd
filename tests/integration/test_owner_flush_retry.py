"""A changelog send that fails after the owner wrote its local store is sent again before the retry decides:
the retry reads the store, finds the rows there and would not write them again, so without this the changelog
(what a takeover or a restart restores from) would never get them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

import streams.agents.owner as owner_module
from responders.delivery.models import TargetSpecIn, TrackIntervention
from tests.kafka_helpers import consume, produce

pytestmark = pytest.mark.integration


async def test_a_failed_changelog_send_goes_out_before_the_retry(start_worker, monkeypatch):
    real, failed = owner_module.send_out, []

    async def flaky(app, settings, outgoing):
        changelog = [o for o in outgoing if o[0].endswith("rrc.delivery.state")]  # the delivery table's changelog
        if changelog and not failed:
            failed.append(changelog[0][0])
            raise TimeoutError("the broker did not acknowledge (injected)")
        return await real(app, settings, outgoing)

    monkeypatch.setattr(owner_module, "send_out", flaky)
    runtime, _ = await start_worker()
    launched = datetime.now(timezone.utc)
    track = TrackIntervention(intervention_id="int-flush", crisis_id="cri-flush", countries=["IDN"],
                              launched_at=launched, targets=[TargetSpecIn(
                                  target_id="first_expert_accepted", label="First accepted", kind="deadline",
                                  value=1, unit="event", due_at=launched + timedelta(hours=24))]).record()
    await produce(runtime.settings.bootstrap_servers, runtime.settings.topic_name("rrc.delivery"),
                  [(track.key, track.value, track.headers)])
    rows = await consume(runtime.settings.bootstrap_servers, await _named(failed), expect=1, timeout=60)
    assert [r.key for r in rows] == [b"int-flush"]
    assert b'"intervention_id":"int-flush"' in rows[0].value
    assert (b"rrc-type", b"rrc.delivery.updated") in [(k.encode(), v) for k, v in rows[0].headers]
    for _ in range(300):  # the views read the changelog, so they have it once the retry sent it
        if "int-flush" in runtime.views.delivery.interventions:
            break
        await asyncio.sleep(0.1)
    assert runtime.views.delivery.interventions["int-flush"]["crisis_id"] == "cri-flush"


async def _named(failed: list[str]) -> str:
    for _ in range(600):
        if failed:
            return failed[0]
        await asyncio.sleep(0.1)
    raise AssertionError("the owner never sent its changelog")
