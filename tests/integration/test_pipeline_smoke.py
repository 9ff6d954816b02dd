"""Signals through the real broker: normalise stage -> crisis agent (Faust, table) -> rrc.crises -> planning agent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from vocabulary.signals import make_signal_id
from tests.kafka_helpers import consume, produce

pytestmark = pytest.mark.integration
RECENT = datetime.now(timezone.utc) - timedelta(days=1)  # news: a 2024 earthquake would now be history


def _signal(i: int, *, lat: float, lon: float, country: str, ref: str | None = None) -> dict:
    sid = f"smoke-{i}"
    return {"signal_id": make_signal_id("test", sid), "source": "test", "source_id": sid, "kind": "disaster",
            "hazard": "earthquake", "title": f"M5 quake {i}", "countries": [country],
            "location": {"lat": lat, "lon": lon}, "severity": "moderate",
            "observed_at": (RECENT + timedelta(hours=i)).isoformat(),
            "references": [ref] if ref else []}


async def test_faust_agent_consumes_and_produces(start_worker):
    runtime, _worker = await start_worker()
    s = runtime.settings
    signals = [_signal(0, lat=34.6, lon=61.9, country="AFG"), _signal(1, lat=34.7, lon=62.0, country="AFG"),
               _signal(2, lat=-6.0, lon=146.0, country="PNG")]
    await produce(s.bootstrap_servers, s.topic_name("rrc.signals.raw"),
                  [(None, json.dumps(x).encode(), [("rrc-format", b"json")]) for x in signals])
    records = await consume(s.bootstrap_servers, s.topic_name("rrc.crises"), expect=3, timeout=60)
    types = [json.loads(r.value)["event"]["type"] for r in records]
    assert types.count("rrc.crisis.opened") == 2
    assert types.count("rrc.crisis.updated") == 1
    # the public stream: the same crisis facts, and a proposed plan for each new moderate earthquake (planning
    # agent; the roster is empty here, so the plans have roles without candidates)
    public = await consume(s.bootstrap_servers, s.topic_name("rrc.response-events"), expect=5, timeout=30)
    public_types = [dict(r.headers)["ce_type"].decode() for r in public]
    assert sorted(t for t in public_types if t.startswith("rrc.crisis.")) == sorted(types)
    assert public_types.count("rrc.plan.proposed") == 2
    assert all(dict(r.headers)["ce_specversion"] == b"1.0" for r in public)
