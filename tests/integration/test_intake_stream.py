"""10,000 signals with 1% malformed through the real broker: valid ones once on rrc.signals, bad ones dead-lettered."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from vocabulary.signals import make_signal_id
from tests.kafka_helpers import consume, produce

pytestmark = pytest.mark.integration

COUNTRIES = ["AFG", "TUR", "PHL", "MEX", "SLV", "PNG", "ESP", "GRC", "BFA", "TCD"]
HAZARDS = ["earthquake", "flood", "tropical_cyclone", "drought", "wildfire"]


def make_signals(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    base = datetime(2024, 3, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        sid = f"bulk-{i}"
        out.append({
            "signal_id": make_signal_id("bulk", sid), "source": "bulk", "source_id": sid, "kind": "disaster",
            "hazard": rnd.choice(HAZARDS), "title": f"bulk signal {i}", "countries": [rnd.choice(COUNTRIES)],
            "location": {"lat": rnd.uniform(-60, 60), "lon": rnd.uniform(-170, 170)},
            "severity": rnd.choice(["minor", "moderate", "severe", "extreme"]),
            "observed_at": (base + timedelta(minutes=i)).isoformat(),
        })
    return out


MALFORMED = [
    (b"{not json", "json"),
    (json.dumps({"signal_id": 5}).encode(), "field"),
    (json.dumps({"signal_id": "x", "source": "s", "source_id": "1", "kind": "disaster", "hazard": "earthquake",
                 "title": "t", "countries": ["XXX"], "observed_at": "2024-01-01T00:00:00Z"}).encode(), "countries"),
    (b"\xff\xfe\x00garbage", "bytes"),
    (json.dumps({"signal_id": "y", "source": "s", "source_id": "1", "kind": "disaster", "hazard": "earthquake",
                 "title": "t", "observed_at": "not a date"}).encode(), "observed_at"),
]


async def test_ten_thousand_with_one_percent_malformed(start_worker):
    runtime, _ = await start_worker()
    s = runtime.settings
    valid = make_signals(9900)
    bad = [MALFORMED[i % len(MALFORMED)] for i in range(100)]
    messages = [(None, json.dumps(v).encode(), [("rrc-format", b"json")]) for v in valid]
    rnd = random.Random(3)
    for value, _ in bad:
        messages.insert(rnd.randrange(len(messages)), (None, value, [("rrc-format", b"json")]))
    await produce(s.bootstrap_servers, s.topic_name("rrc.signals.raw"), messages)

    out = await consume(s.bootstrap_servers, s.topic_name("rrc.signals"), expect=len(valid), timeout=120, idle=2)
    ids = Counter(r.key.decode() for r in out)
    assert len(out) == len(valid), "every valid signal arrives, and only once"
    assert set(ids) == {v["signal_id"] for v in valid}
    assert max(ids.values()) == 1

    dead = await consume(s.bootstrap_servers, s.topic_name("rrc.signals.deadletter"), expect=100, timeout=60, idle=1)
    assert len(dead) == 100
    originals = Counter(r.value for r in dead)
    assert originals == Counter(v for v, _ in bad), "the original bytes are kept"
    for r in dead:
        h = dict(r.headers)
        assert h["rrc-dlq-reason"] and h["rrc-dlq-error-type"]
        assert h["rrc-dlq-source-topic"].decode() == s.topic_name("rrc.signals.raw")
        assert int(h["rrc-dlq-source-offset"]) >= 0 and int(h["rrc-dlq-source-partition"]) >= 0
    reasons = [dict(r.headers)["rrc-dlq-reason"].decode() for r in dead]
    assert any("countries" in x for x in reasons)
    assert any("observed_at" in x for x in reasons)

    # The stage went on after every poison message: the correlation side saw every valid signal too.
    routed = await consume(s.bootstrap_servers, s.topic_name("rrc.signals.by-correlation"), expect=len(valid),
                           timeout=60)
    routed_signals = {r.value for r in routed if "rrc-type" not in dict(r.headers)}
    assert len(routed_signals) == len(valid)
