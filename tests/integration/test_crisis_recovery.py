"""SIGKILL the worker in the middle of a stream: the crisis table recovers from its changelog (RocksDB store),
no crisis is lost or duplicated, and each crisis counts exactly the distinct signals sent for it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from streams.broker.local import free_port
from vocabulary.signals import make_signal_id
from tests.kafka_helpers import consume, produce
from tests.workers import spawn_worker, topic_exists, wait_for

pytestmark = pytest.mark.integration

EVENTS = 120
PER_EVENT = 12


def event_signals(event: int) -> list[dict]:
    """PER_EVENT signals of one earthquake: the same USGS id, far from every other event in space and time."""
    base = datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(days=40 * event)
    lat, lon = -60 + (event % 12) * 10, -170 + (event // 12) * 30
    out = []
    for k in range(PER_EVENT):
        sid = f"ev{event}-s{k}"
        out.append({"signal_id": make_signal_id("recovery", sid), "source": "recovery", "source_id": sid,
                    "kind": "disaster", "hazard": "earthquake", "title": f"event {event} report {k}",
                    "countries": [], "location": {"lat": lat, "lon": lon},
                    "severity": "moderate", "observed_at": (base + timedelta(minutes=k)).isoformat(),
                    "references": [f"usgs:recovery{event}"]})
    return out


async def test_sigkill_midstream_recovers(kafka_bootstrap, topic_prefix, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_BROKER=kafka_bootstrap, RRC_TOPIC_PREFIX=topic_prefix, RRC_DATA_DIR=str(tmp_path / "data"),
               RRC_API_PORT=str(free_port()), RRC_LOG_LEVEL="INFO", RRC_SESSION_TIMEOUT_S="10")
    raw = f"{topic_prefix}rrc.signals.raw"
    crises_topic = f"{topic_prefix}rrc.crises"
    # Interleave events so every crisis is still receiving signals when the worker dies.
    all_signals = [s for k in range(PER_EVENT) for e in range(EVENTS) for s in [event_signals(e)[k]]]
    expected = defaultdict(set)
    for s in all_signals:
        expected[s["references"][0]].add(s["signal_id"])

    worker = spawn_worker(env, tmp_path / "worker1.log")
    try:
        half = len(all_signals) // 2
        await wait_for(lambda: topic_exists(kafka_bootstrap, raw), 90, "topics")
        await produce(kafka_bootstrap, raw, [(None, json.dumps(s).encode(), [("rrc-format", b"json")])
                                             for s in all_signals[:half]])

        async def some_progress():
            recs = await consume(kafka_bootstrap, crises_topic, expect=EVENTS, timeout=2)
            return len(recs) >= EVENTS

        await wait_for(some_progress, 120, "first crises")
        # Keep feeding while we kill, so the kill lands in the middle of a stream.
        feeder = asyncio.create_task(produce(kafka_bootstrap, raw, [
            (None, json.dumps(s).encode(), [("rrc-format", b"json")]) for s in all_signals[half:]]))
        await asyncio.sleep(0.3)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        await feeder
        worker = spawn_worker(env, tmp_path / "worker2.log")

        seen = {}

        async def final_state():
            recs = await consume(kafka_bootstrap, crises_topic, expect=10**9, timeout=3)
            seen["records"] = len(recs)
            latest: dict[str, dict] = {}
            for r in recs:
                crisis = json.loads(r.value)["crisis"]
                cur = latest.get(crisis["crisis_id"])
                if cur is None or crisis["signal_count"] >= cur["signal_count"]:
                    latest[crisis["crisis_id"]] = crisis
            seen["crises"], seen["signals"] = len(latest), sum(c["signal_count"] for c in latest.values())
            have = {sid for c in latest.values() for sid in c["signal_ids"]}
            missing = [s["source_id"] for s in all_signals if s["signal_id"] not in have]
            seen["missing"] = missing[:20]
            return latest if seen["signals"] >= len(all_signals) else None

        try:
            latest = await wait_for(final_state, 180, "all signals correlated after restart",
                                    progress=lambda: f"seen {seen} of {len(all_signals)} signals")
        except AssertionError as exc:
            # Say where the missing signals were lost: before or after the re-keyed topic.
            missing = set(seen.get("missing", []))
            routed = await consume(kafka_bootstrap, f"{topic_prefix}rrc.signals.by-correlation", expect=10**9,
                                   timeout=3)
            routed_ids = {json.loads(r.value).get("source_id") for r in routed if b"signal_id" in r.value}
            where = {json.loads(r.value).get("source_id"): (r.partition, r.offset) for r in routed
                     if b"signal_id" in r.value and json.loads(r.value).get("source_id") in missing}
            print("MISSING AT", where, flush=True)
            names = {s["signal_id"]: s["source_id"] for s in all_signals}
            _dump_history(tmp_path / "missing.txt", missing, routed, await consume(
                kafka_bootstrap, crises_topic, expect=10**9, timeout=5), names)
            raise AssertionError(f"{exc}; routed to the crisis agent: {sorted(missing & routed_ids)}, "
                                 f"not routed: {sorted(missing - routed_ids)}") from None
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=40)
            except subprocess.TimeoutExpired:
                worker.kill()

    assert len(latest) == EVENTS, f"{len(latest)} crises for {EVENTS} events (lost or duplicated)"
    by_ref = {}
    for crisis in latest.values():
        refs = [r for r in crisis["references"] if r.startswith("usgs:")]
        assert len(refs) == 1
        assert refs[0] not in by_ref, f"two crises for {refs[0]}"
        by_ref[refs[0]] = crisis
    for ref, ids in expected.items():
        crisis = by_ref[ref]
        assert crisis["signal_count"] == len(ids) == len(set(crisis["signal_ids"]))
        assert set(crisis["signal_ids"]) == ids


def _dump_history(path, missing: set, routed, crisis_records, names: dict) -> None:
    """For each crisis that lost a signal: where its signals sat on the routed topic and every snapshot of it."""
    events = {sid.split("-")[0] for sid in missing}
    with open(path, "w") as out:
        for r in routed:
            value = json.loads(r.value) if b"signal_id" in r.value else {}
            if value.get("source_id", "").split("-")[0] in events:
                out.write(f"routed p{r.partition} o{r.offset} {value['source_id']}\n")
        for r in crisis_records:
            body = json.loads(r.value)
            crisis = body["crisis"]
            if any(ref.endswith(tuple(f"recovery{e[2:]}" for e in events)) for ref in crisis["references"]):
                out.write(f"crisis p{r.partition} o{r.offset} {body['event']['type']} {crisis['crisis_id']} "
                          f"n={crisis['signal_count']} by={names.get(body['event'].get('signal_id'))} "
                          f"{[names.get(s) for s in crisis['signal_ids']]}\n")
