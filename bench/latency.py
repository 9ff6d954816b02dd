"""Signal-in to plan-proposed latency on the real broker, at a sustained rate (default 100 signals/s for 30 s);
then a realistic mix (100 signals/s of which 5% open new crises, the rest update crises already open); then the
sustainable plan rate: the highest of --steps rates (10 s each) at which p99 stays under 1 s.

Every signal is a severe earthquake of two hours ago that opens a new crisis (a country and place of its own, so
none merge), so every one
goes the whole way: raw topic -> normalise -> by-correlation -> crisis agent -> rrc.crises -> planning agent (plan
staffed from a generated roster of --experts experts) -> rrc.plans. Latency is from just before the send to the
arrival of its `rrc.plan.proposed` (matched by the trigger signal id) at a consumer of rrc.plans. The baseline in
the same run: one produce-to-consume hop through a plain topic at the same rate.
With --workers N > 1 the bench also starts N-1 `rrc worker` processes on the same app id, so the partitions
(and the planning work) are shared as in a deployment; a warm-up wave of signals lets every worker build its
roster index before the measured run.
Usage: python bench/latency.py [--rate 100] [--seconds 30] [--experts 10000] [--workers 1]
                               [--steps 100,150,200,250,300] [--mix-seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone

from common import bench_settings, emit, peak_rss_mb, percentile

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from responders.roster import generate_roster
from responders.roster.store import record_message
from streams.bootstrap import bootstrap as build_runtime
from streams.broker.local import free_port
from streams.broker.throwaway import broker_for_run
from vocabulary.signals import iso3_codes, make_signal_id
from streams.worker import Worker

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


ALL_COUNTRIES = sorted(iso3_codes())
RECENT = datetime.now(timezone.utc) - timedelta(hours=2)  # news, not history: within every quiet period


def quake(n: int) -> dict:
    """A severe earthquake observed two hours ago that joins no other: a (country, place) pair of its own, so every
    one opens a crisis and is planned for. Places of one country are 3 degrees of latitude or 7 of longitude apart
    (at least 333 and 388 km between 60 S and 60 N), farther than seismic matching reaches (300 km); a grid of
    3.5 degrees of longitude was 194 km at 60 S, and 60 % of the quakes joined another crisis instead."""
    sid = f"lat{n}"
    country, cell = ALL_COUNTRIES[n % len(ALL_COUNTRIES)], n // len(ALL_COUNTRIES)
    return {"signal_id": make_signal_id("bench", sid), "source": "bench", "source_id": sid, "kind": "disaster",
            "hazard": "earthquake", "title": f"M6.9 earthquake {n}", "countries": [country],
            "location": {"lat": -60.0 + (cell % 41) * 3.0, "lon": -178.0 + (cell // 41 % 51) * 7.0},
            "severity": "severe", "observed_at": RECENT.isoformat()}


def update_of(n: int, j: int) -> dict:
    """A later report of quake(n): same place, minutes later, lower severity (it joins, never escalates)."""
    first = quake(n)
    sid = f"lat{n}-u{j}"
    at = datetime.fromisoformat(first["observed_at"]) + timedelta(minutes=30 + j)
    return {**first, "signal_id": make_signal_id("bench", sid), "source_id": sid, "title": f"aftershock {n}/{j}",
            "severity": "moderate", "observed_at": at.isoformat()}


def mix(first_new: int, total: int, updates_of: int) -> list[dict]:
    """`total` signals, one in 20 a new crisis (numbered from first_new), the others updates of crises 0..updates_of."""
    out, new = [], first_new
    for i in range(total):
        if i % 20 == 0:
            out.append(quake(new))
            new += 1
        else:
            out.append(update_of(i % updates_of, i))
    return out


async def load_roster(bootstrap: str, settings, experts: int, runtime) -> None:
    ex, pa = generate_roster(experts, max(10, experts // 200), seed=5, epoch=date.today().replace(day=1))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    try:
        futs = [await producer.send(settings.topic_name("rrc.roster.experts"), record_message(e),
                                    key=e.expert_id.encode()) for e in ex]
        futs += [await producer.send(settings.topic_name("rrc.roster.partners"), record_message(p),
                                     key=p.partner_id.encode()) for p in pa]
        await asyncio.gather(*futs)
    finally:
        await producer.stop()
    store = runtime.views.roster
    deadline = time.monotonic() + 300
    while len(store.experts.records) < experts:
        if time.monotonic() > deadline:
            raise TimeoutError(f"roster view holds {len(store.experts.records)} of {experts} experts")
        await asyncio.sleep(0.1)


async def paced_send(bootstrap: str, topic: str, values: list[tuple[str, bytes]], rate: float,
                     sent_at: dict[str, float], headers=None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, acks="all")
    await producer.start()
    try:
        t0 = time.perf_counter()
        futs = []
        for i, (ident, value) in enumerate(values):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_at[ident] = time.perf_counter()
            futs.append(await producer.send(topic, value, headers=headers or []))
        await asyncio.gather(*futs)
    finally:
        await producer.stop()


async def collect(bootstrap: str, topic: str, wanted: set[str], arrived: dict[str, float], ident_of,
                  ready: asyncio.Event, timeout: float) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest")
    await consumer.start()
    try:
        await consumer.getmany(timeout_ms=200)  # join the topic's end before anything is sent
        ready.set()
        deadline = time.monotonic() + timeout
        while len(arrived) < len(wanted) and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=100)).values():
                now = time.perf_counter()
                for r in records:
                    ident = ident_of(r)
                    if ident in wanted and ident not in arrived:
                        arrived[ident] = now
    finally:
        await consumer.stop()


def plan_trigger(record) -> str | None:
    if dict(record.headers or ()).get("rrc-event-type") != b"rrc.plan.proposed":
        return None
    return json.loads(record.value).get("trigger_signal_id")


async def measure(bootstrap, consume_topic, send_topic, values, rate, ident_of, timeout, headers=None):
    sent, arrived, ready = {}, {}, asyncio.Event()
    collector = asyncio.create_task(collect(bootstrap, consume_topic, {i for i, _ in values}, arrived, ident_of,
                                            ready, timeout))
    await ready.wait()
    await paced_send(bootstrap, send_topic, values, rate, sent, headers)
    await collector
    return [(arrived[i] - sent[i]) * 1000 for i in sent if i in arrived]


def spawn_workers(settings, count: int) -> list[subprocess.Popen]:
    procs = []
    for _ in range(count):
        env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
        env.update(RRC_BROKER=settings.bootstrap_servers, RRC_TOPIC_PREFIX=settings.topic_prefix,
                   RRC_DATA_DIR=tempfile.mkdtemp(prefix="rrc-bench-worker-"), RRC_API_PORT=str(free_port()),
                   RRC_LOG_LEVEL="WARNING", RRC_CRISIS_SWEEP_INTERVAL_S="86400")
        procs.append(subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, cwd=REPO,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs


async def group_members(bootstrap: str, group: str) -> int:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
        # DescribeGroupsResponse.groups: (error_code, group_id, state, protocol_type, protocol, members, ...)
        return sum(len(g[5]) for r in responses for g in r.groups if g[1] == group and g[2] == "Stable")
    except Exception:  # noqa: BLE001 - the group may not exist yet
        return 0
    finally:
        await admin.close()


async def measure_mix(bootstrap, plans_topic, raw_topic, signals, rate, timeout):
    """The mix at `rate`; latency of the new crises' plans (updates propose nothing)."""
    sent, arrived, ready = {}, {}, asyncio.Event()
    wanted = {s["signal_id"] for s in signals if "-u" not in s["source_id"]}
    collector = asyncio.create_task(collect(bootstrap, plans_topic, wanted, arrived, plan_trigger, ready, timeout))
    await ready.wait()
    await paced_send(bootstrap, raw_topic, [(s["signal_id"], json.dumps(s).encode()) for s in signals], rate, sent,
                     [("rrc-format", b"json")])
    await collector
    return [(arrived[i] - sent[i]) * 1000 for i in wanted if i in arrived]


async def main(bootstrap: str, rate: float, seconds: float, experts: int, workers: int, steps: list[float],
               mix_seconds: float) -> None:
    settings = bench_settings(bootstrap, crisis_sweep_interval_s=86400, log_level="WARNING")
    runtime = build_runtime(settings, store="rocksdb://")
    worker = Worker(runtime)
    await worker.start()
    assert await worker.wait_running(120), worker.error
    n = int(rate * seconds)
    warm = max(20, 10 * workers)
    signals = [quake(i) for i in range(warm + n)]
    others = []
    raw, plans = settings.topic_name("rrc.signals.raw"), settings.topic_name("rrc.plans")
    try:
        await load_roster(bootstrap, settings, experts, runtime)
        if workers > 1:
            others = spawn_workers(settings, workers - 1)
            app_group = f"{settings.topic_prefix}{settings.app_id}"
            for group in (app_group, f"{app_group}-normalise"):  # the Faust agents' group and the normalise stage's
                deadline = time.monotonic() + 180
                while await group_members(bootstrap, group) < workers:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{workers} workers never joined {group}")
                    await asyncio.sleep(1)
            await asyncio.sleep(5)  # table recovery after the rebalance; the new workers read the roster
        warmup = [(s["signal_id"], json.dumps(s).encode()) for s in signals[:warm]]
        await measure(bootstrap, plans, raw, warmup, 10, plan_trigger, timeout=120, headers=[("rrc-format", b"json")])
        print(f"{workers} worker(s), roster of {experts} experts; sending {n} signals at {rate:g}/s", flush=True)
        values = [(s["signal_id"], json.dumps(s).encode()) for s in signals[warm:]]
        lat = await measure(bootstrap, plans, raw, values, rate, plan_trigger, timeout=seconds + 120,
                            headers=[("rrc-format", b"json")])
        next_quake = warm + n
        mixed = mix(next_quake, int(100 * mix_seconds), updates_of=warm + n)
        next_quake += sum(1 for m in mixed if "-u" not in m["source_id"])
        mix_lat = await measure_mix(bootstrap, plans, raw, mixed, 100, timeout=mix_seconds + 120)
        print(f"mix: {len(mixed)} signals at 100/s, {len(mix_lat)} plans; p99 {percentile(mix_lat, 99):.0f} ms",
              flush=True)
        sustainable, stepped = 0.0, {}
        for step in steps:
            wave = [quake(next_quake + i) for i in range(int(step * 10))]
            next_quake += len(wave)
            got = await measure(bootstrap, plans, raw, [(s["signal_id"], json.dumps(s).encode()) for s in wave],
                                step, plan_trigger, timeout=60, headers=[("rrc-format", b"json")])
            p99 = percentile(got, 99) if len(got) == len(wave) else float("inf")
            stepped[step] = round(p99, 1)
            print(f"step {step:g} plans/s: {len(got)} of {len(wave)}, p99 {p99:.0f} ms", flush=True)
            if p99 >= 1000:
                break
            sustainable = step
    finally:
        for proc in others:
            proc.send_signal(signal.SIGINT)
        for proc in others:
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
        await worker.stop()
    hop_topic = settings.topic_name("bench.hop")
    hop = await measure(bootstrap, hop_topic, hop_topic, [(f"h{i}", f"h{i}".encode()) for i in range(n)], rate,
                        lambda r: r.value.decode(), timeout=seconds + 60)
    print(f"plans proposed for {len(lat)} of {n} signals; p50 {percentile(lat, 50):.0f} ms, "
          f"p99 {percentile(lat, 99):.0f} ms; one raw hop p50 {percentile(hop, 50):.1f} ms", flush=True)
    emit({"rate_signals_per_s": rate, "seconds": seconds, "signals": n, "experts": experts, "workers": workers,
          "plans_proposed": len(lat), "signal_to_plan_p50_ms": round(percentile(lat, 50), 1),
          "signal_to_plan_p99_ms": round(percentile(lat, 99), 1),
          "signal_to_plan_max_ms": round(max(lat, default=float("nan")), 1),
          "raw_hop_p50_ms": round(percentile(hop, 50), 1), "raw_hop_p99_ms": round(percentile(hop, 99), 1),
          "mix_signals_per_s": 100, "mix_new_share": 0.05, "mix_plans": len(mix_lat),
          "mix_signal_to_plan_p50_ms": round(percentile(mix_lat, 50), 1),
          "mix_signal_to_plan_p99_ms": round(percentile(mix_lat, 99), 1),
          "sustainable_plans_per_s": sustainable, "step_p99_ms": stepped,
          "worker_peak_rss_mb": round(peak_rss_mb(), 1)})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--experts", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes sharing the partitions")
    parser.add_argument("--steps", default="100,150,200,250,300", help="plan rates tried for the sustainable rate")
    parser.add_argument("--mix-seconds", type=float, default=30)
    args = parser.parse_args()
    with broker_for_run() as broker:
        asyncio.run(main(broker, args.rate, args.seconds, args.experts, args.workers,
                         [float(x) for x in args.steps.split(",")], args.mix_seconds))
