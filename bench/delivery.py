"""Delivery control on the real broker: one sweep over 10,000 open interventions of 8 targets each, and the
latency from a progress report to its status in the view at 50 reports per second.

Phase 1 tracks N interventions (TrackIntervention on rrc.delivery, as the response owner sends at launch:
3 deadline, 4 quantity and 1 share target each) and waits until the delivery view holds them all.
Phase 2 moves the injected clock 19 hours on, so every intervention's next check has come (its 24 h deadline is
past the at-risk line), runs the sweep once and times until the view shows every intervention re-evaluated (and
the worker process's CPU time meanwhile, steadier than the wall clock on a shared machine).
Next to it, the domain code alone re-evaluating the same states in memory (the baseline of the same run).
Phase 3 sends progress reports at a steady rate for a while and times each from its send to the view showing
it; next to it, a raw produce-to-consume hop on the same broker at the same rate.
Usage: python bench/delivery.py [--interventions 10000] [--rate 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
import uuid
from datetime import date, datetime, timedelta, timezone

from common import bench_settings, emit, owner_seconds, owner_seconds_since, peak_rss_mb, percentile

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from config.offices import load_offices
from responders.delivery.models import (
    InterventionDelivery,
    ReportInput,
    ReportValue,
    SubmitReport,
    TargetSpecIn,
    TrackIntervention,
)
from responders.delivery.owner import on_track, reevaluate
from responders.delivery.targets import Rules
from streams.bootstrap import bootstrap as build_runtime
from streams.broker.throwaway import broker_for_run
from streams.worker import Worker

H = timedelta(hours=1)
INTERVENTION_ID = re.compile(rb'^\{"intervention_id":"([^"]+)"')
QUANTITIES = ("person_days", "workers_covered", "enterprises", "trainees")


def tracking(n: int, launched: datetime) -> TrackIntervention:
    targets = [TargetSpecIn(target_id=t, label=t, kind="deadline", value=1, unit="event", due_at=launched + h * H)
               for t, h in (("first_expert_accepted", 24), ("team_on_site", 72), ("assessment_published", 336))]
    targets += [TargetSpecIn(target_id=q, label=q, kind="quantity", value=1000 * (i + 1), unit="units",
                             due_at=launched + (2000 + 500 * i) * H) for i, q in enumerate(QUANTITIES)]
    targets.append(TargetSpecIn(target_id="women_share", label="women", kind="share", value=0.4, unit="beneficiaries",
                                due_at=launched + 2400 * H))
    return TrackIntervention(intervention_id=f"int-bench-{n:06d}", crisis_id=f"cri-bench-{n:06d}",
                             countries=["IDN"], hazard="earthquake", launched_at=launched, targets=targets)


async def produce(bootstrap: str, topic: str, records) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024)
    await producer.start()
    try:
        futures = [await producer.send(topic, r.value, key=r.key, headers=r.headers) for r in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def wait_until(predicate, timeout: float, what: str, poll: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(poll)


def domain_sweep_s(messages: list[TrackIntervention], now: datetime, later: datetime) -> float:
    """The owner's domain step alone over states in memory, with the worker's rules (its offices are notified)."""
    rules = Rules(offices_for=load_offices().responsible_for)
    states: list[InterventionDelivery] = [on_track(None, m, now, rules)[0] for m in messages]
    t0 = time.perf_counter()
    for state in states:
        reevaluate(state, later, rules, time_only=True)  # as the owner's EvaluateDue does
    return time.perf_counter() - t0


async def report_latencies(bootstrap: str, runtime, topic: str, ids: list[str], rate: float, seconds: float,
                           now: datetime) -> list[float]:
    view = runtime.views.delivery
    pending: dict[str, tuple[str, float]] = {}  # report id -> (intervention id, sent at)
    arrived: dict[str, float] = {}
    handlers = runtime.readers.feeds.delivery.handlers
    state_topic = runtime.settings.topic_name("rrc.delivery.state")
    original = handlers[state_topic]

    def watched(value: bytes) -> None:
        original(value)
        t = time.perf_counter()
        found = INTERVENTION_ID.search(value)
        state_of = found.group(1).decode() if found else None
        waiting = [rid for rid, (iid, _) in pending.items() if iid == state_of]
        reports = view.interventions.get(state_of, {}).get("reports", {}) if waiting else {}
        for rid in waiting:
            if rid in reports:
                arrived[rid] = t
                del pending[rid]

    handlers[state_topic] = watched  # the view's feed calls it for every state message
    rnd = random.Random(3)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    sent: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            iid = rnd.choice(ids)
            rid = f"rpt-{uuid.uuid4().hex[:12]}"
            report = ReportInput(period_start=date.today(), period_end=date.today(),
                                 values=[ReportValue(target_id=rnd.choice(QUANTITIES), value=rnd.randint(5, 50))])
            record = SubmitReport(intervention_id=iid, crisis_id=iid.replace("int", "cri"), command_id=f"c-{rid}",
                                  report_id=rid, actor="bench", role="coordinator", issued_at=now,
                                  report=report).record()
            sent[rid] = time.perf_counter()
            pending[rid] = (iid, sent[rid])
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await wait_until(lambda: not pending, 60, "every report in the view")
    finally:
        await producer.stop()
        handlers[state_topic] = original
    return [(arrived[r] - sent[r]) * 1000 for r in sent if r in arrived]


async def raw_hop(bootstrap: str, topic: str, rate: float, count: int) -> list[float]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await consumer.start()
    await producer.start()
    arrived: dict[bytes, float] = {}

    async def read() -> None:
        while len(arrived) < count:
            for records in (await consumer.getmany(timeout_ms=100)).values():
                for r in records:
                    arrived[r.value] = time.perf_counter()

    try:
        await consumer.getmany(timeout_ms=300)  # at the topic's end before anything is sent
        reader = asyncio.create_task(read())
        sent, t0 = {}, time.perf_counter()
        for i in range(count):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            value = f"hop-{i}".encode()
            sent[value] = time.perf_counter()
            await producer.send(topic, value)
        await asyncio.wait_for(reader, 30)
        return [(arrived[v] - sent[v]) * 1000 for v in sent]
    finally:
        await consumer.stop()
        await producer.stop()


async def main(bootstrap: str, interventions: int, rate: float, seconds: float) -> None:
    base = datetime.now(timezone.utc)
    offset = [timedelta(0)]
    settings = bench_settings(bootstrap, delivery_sweep_interval_s=3600, crisis_sweep_interval_s=86400,
                              expiry_sweep_interval_s=86400)
    runtime = build_runtime(settings, store="rocksdb://", clock=lambda: datetime.now(timezone.utc) + offset[0])
    worker = Worker(runtime)
    await worker.start()
    assert await worker.wait_running(120), worker.error
    topic = settings.topic_name("rrc.delivery")
    messages = [tracking(n, base - H) for n in range(interventions)]
    view = runtime.views.delivery.interventions
    try:
        t0 = time.perf_counter()
        await produce(bootstrap, topic, [m.record() for m in messages])
        await wait_until(lambda: len(view) >= interventions, 600, "interventions tracked", poll=0.1)
        track_s = time.perf_counter() - t0
        print(f"tracked {interventions} interventions x 8 targets in {track_s:.1f}s")
        offset[0] = 19 * H
        sweep = next(job for job in runtime.jobs if job.name == "delivery-sweep")
        swept_at = runtime.clock()
        stamp = swept_at.isoformat().replace("+00:00", "Z")[:19]
        handlers = runtime.readers.feeds.delivery.handlers
        state_topic = settings.topic_name("rrc.delivery.state")
        original, swept = handlers[state_topic], set()

        def counted(value: bytes) -> None:  # counts re-evaluated states as the view reads them (no scans)
            original(value)  # the view parses; the count reads what it keeps in memory (a second parse cost 6 %)
            found = INTERVENTION_ID.search(value)
            meta = found and view.meta.get(found.group(1).decode())
            if meta and (meta["evaluated_at"] or "")[:19] >= stamp:
                swept.add(meta["intervention_id"])

        handlers[state_topic] = counted
        phases = owner_seconds()
        t1, cpu1 = time.perf_counter(), time.process_time()
        sent = await sweep.run()
        await wait_until(lambda: len(swept) >= interventions, 300, "every intervention re-evaluated", poll=0.02)
        sweep_s, sweep_cpu_s = time.perf_counter() - t1, time.process_time() - cpu1
        handlers[state_topic] = original
        print("owner seconds per phase in the sweep:", json.dumps(owner_seconds_since(phases)))
        at_risk = sum(1 for d in view.values() for t in d["targets"] if t["status"] == "at_risk")
        print(f"one sweep: {sent} EvaluateDue commands, all re-evaluated in {sweep_s:.2f}s ({at_risk} at risk)")
        pure_s = domain_sweep_s(messages, base, base + 19 * H)
        latencies = await report_latencies(bootstrap, runtime, topic, [m.intervention_id for m in messages], rate,
                                           seconds, runtime.clock())
        peak = peak_rss_mb()
    finally:
        await worker.stop()
    hops = await raw_hop(bootstrap, settings.topic_name("bench.hop"), rate, int(rate * 5))
    emit({"interventions": interventions, "targets_per_intervention": 8, "track_s": round(track_s, 2),
          "sweep_s": round(sweep_s, 3), "sweep_cpu_s": round(sweep_cpu_s, 3), "sweep_commands": sent, "domain_only_sweep_s": round(pure_s, 3),
          "ratio_sweep_to_domain": round(sweep_s / pure_s, 1) if pure_s else None, "reports_per_s": rate,
          "report_to_status_p50_ms": round(percentile(latencies, 50), 1),
          "report_to_status_p99_ms": round(percentile(latencies, 99), 1), "reports": len(latencies),
          "raw_hop_p99_ms": round(percentile(hops, 99), 1), "worker_peak_rss_mb": round(peak, 1)})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--interventions", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with broker_for_run() as broker:
        asyncio.run(main(broker, args.interventions, args.rate, args.seconds))
