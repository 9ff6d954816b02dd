"""Chaos: three `rrc worker` processes sharing the partitions under a sustained mixed load, and three faults.

The load, with a fixed seed: severe earthquakes (each its own crisis, so each is planned for) and one malformed
input in 25 produced to rrc.signals.raw; every proposed plan approved through a live worker's API; offered
experts answering (accepting or declining) through the API with their own tokens; one partner subscribed to every
event with a signed webhook to a local receiver. The faults, in order:
  1. SIGKILL one worker mid-burst (restarted 5 s later);
  2. SIGSTOP another for longer than the session timeout, then SIGCONT;
  3. stop the broker for 20 s and start it again (skipped when RRC_BROKER names a broker this bench does not own).
Recovery of a fault: from the fault (for the broker, from its restart) until probe signals sent then, one to every
partition of the crisis owner's input (whichever worker owns it), are all recorded in crises. Throughput: crisis records per second over the window before the first fault and after the last
recovery. Then it checks from the topics themselves:
  - every accepted signal is counted in exactly one crisis (rrc.crises members, and each crisis's signal count);
  - no plan version is duplicated (rrc.plans: one plan id per crisis and version, and per triggering event);
  - no expert is held for overlapping dates (the last staffing snapshot of each intervention on rrc.deployments);
  - every event the partner may see (rrc.response-events) reached its webhook at least once, with its own id;
  - no dead letters but the malformed inputs it sent.

    python bench/chaos.py [--seed 7] [--rate 8] [--phase-s 25] [--warmup-s 20]

Ends with one JSON line. Goals: signals_lost 0, duplicated_effects 0, double_booked_experts 0,
webhook_events_missing 0, unexpected_dead_letters 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from api.auth.tokens import TokenStore  # noqa: E402
from bench.common import emit  # noqa: E402
from bench.fresh_start import Hooks  # noqa: E402
from config.settings import Settings  # noqa: E402
from responders.partners.filters import Grant, entitled  # noqa: E402
from responders.roster import export_experts_csv, export_partners_csv, generate_roster  # noqa: E402
from responders.signals.normalise import FORMAT_HEADER  # noqa: E402
from streams.broker.local import free_port  # noqa: E402
from streams.broker.throwaway import throwaway_broker  # noqa: E402
from vocabulary.cloudevents import CloudEvent  # noqa: E402
from vocabulary.signals import iso3_codes, make_signal_id  # noqa: E402

WORKERS = 3
PARTITIONS = 4  # the workers' RRC_TOPIC_PARTITIONS (the default)
SESSION_TIMEOUT_S = 10.0
WEBHOOK_RETRY_S = [1, 2, 5, 10, 30]  # the workers' RRC_WEBHOOK_RETRY_S
# How long a delivery cut by a fault may still take: every retry (jittered by up to 20 %), after the partition's new
# owner has taken it over (a session timeout and a rebalance).
WEBHOOK_HORIZON_S = sum(WEBHOOK_RETRY_S) * 1.2 + 3 * SESSION_TIMEOUT_S
PARTNER = "ptn-00001"
MALFORMED = b'{"chaos": "malformed input", "n": %d'  # not JSON: the normalise stage dead-letters it
COUNTRIES = sorted(iso3_codes())


def quake(run: str, n: int) -> dict:
    sid = f"{run}-{n}"
    cell = n // len(COUNTRIES)
    return {"signal_id": make_signal_id("chaos", sid), "source": "chaos", "source_id": sid, "kind": "disaster",
            "hazard": "earthquake", "title": f"M6.8 earthquake {n}", "countries": [COUNTRIES[n % len(COUNTRIES)]],
            "location": {"lat": -60.0 + (cell // 100 % 40) * 3.0, "lon": -178.0 + (cell % 100) * 3.5},
            "severity": "severe", "observed_at": (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()}


@dataclass
class Worker:
    n: int
    env: dict
    url: str
    proc: subprocess.Popen | None = None
    paused: bool = False

    def start(self) -> None:
        log = open(Path(self.env["RRC_DATA_DIR"]).parent / f"worker{self.n}.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=self.env, cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=log)

    @property
    def live(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and not self.paused


@dataclass
class Load:
    accepted: list[str] = field(default_factory=list)
    malformed: int = 0
    approved: set = field(default_factory=set)
    answered: set = field(default_factory=set)
    api_errors: int = 0
    stop: bool = False


class Cluster:
    def __init__(self, bootstrap: str, home: Path, prefix: str, tokens: dict[str, str], expert_tokens: dict):
        self.bootstrap, self.prefix, self.tokens, self.expert_tokens = bootstrap, prefix, tokens, expert_tokens
        self.workers: list[Worker] = []
        template = home / "tokens.json"
        for n in range(WORKERS):
            data = home / f"w{n}" / "data"
            (data / "auth").mkdir(parents=True)
            shutil.copy(template, data / "auth" / "tokens.json")  # one token store, copied: every API knows them
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
            env.update(RRC_BROKER=bootstrap, RRC_TOPIC_PREFIX=prefix, RRC_DATA_DIR=str(data), RRC_API_PORT=str(port),
                       RRC_LOG_LEVEL="WARNING", RRC_ALLOW_PRIVATE_TARGETS="true",
                       RRC_SESSION_TIMEOUT_S=str(SESSION_TIMEOUT_S), RRC_TOPIC_PARTITIONS=str(PARTITIONS), RRC_EXPIRY_SWEEP_INTERVAL_S="5",
                       RRC_RATE_LIMIT_PER_S="500", RRC_RATE_LIMIT_BURST="1000", RRC_WEBHOOK_RETRY_S=json.dumps(WEBHOOK_RETRY_S))
            self.workers.append(Worker(n, env, f"http://127.0.0.1:{port}"))

    def topic(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def live(self, rnd: random.Random) -> Worker | None:
        live = [w for w in self.workers if w.live]
        return rnd.choice(live) if live else None

    async def wait_healthy(self, worker: Worker, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=3) as client:
            while time.monotonic() < deadline:
                try:
                    if (await client.get(f"{worker.url}/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        raise TimeoutError(f"worker {worker.n} never became healthy")


async def call(cluster: Cluster, rnd: random.Random, load: Load, method: str, path: str, token: str, **kw):
    """One API call to a live worker (another one when it fails); None when none answered."""
    for _ in range(WORKERS):
        worker = cluster.live(rnd)
        if worker is None:
            return None
        try:
            async with httpx.AsyncClient(base_url=worker.url, timeout=5,
                                         headers={"Authorization": f"Bearer {token}"}) as client:
                r = await client.request(method, path, **kw)
            if r.status_code < 500:
                return r
        except httpx.HTTPError:
            pass
        load.api_errors += 1
    return None


async def produce_signals(cluster: Cluster, run: str, rate: float, load: Load, start_n: int = 0) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all", enable_idempotence=True,
                                linger_ms=5, request_timeout_ms=60_000)
    await producer.start()
    topic = cluster.topic("rrc.signals.raw")
    n = start_n
    try:
        while not load.stop:
            started = time.monotonic()
            if n % 25 == 24:
                value, key, accepted = MALFORMED % n, f"bad-{n}".encode(), None
            else:
                sig = quake(run, n)
                value, key, accepted = json.dumps(sig).encode(), sig["signal_id"].encode(), sig["signal_id"]
            try:
                await asyncio.wait_for(producer.send_and_wait(topic, value, key=key, headers=[(FORMAT_HEADER, b"json")]),
                                       90)
                if accepted:
                    load.accepted.append(accepted)
                else:
                    load.malformed += 1
            except Exception:  # noqa: BLE001 - not acknowledged: not accepted (the broker may be down)
                pass
            n += 1
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    finally:
        await producer.stop()


async def approve_and_answer(cluster: Cluster, rnd: random.Random, load: Load) -> None:
    coordinator = cluster.tokens["coordinator"]
    while not load.stop:
        r = await call(cluster, rnd, load, "GET", "/v1/plans", coordinator, params={"status": "proposed", "limit": 50})
        for plan in (r.json()["items"] if r is not None and r.status_code == 200 else []):
            if plan["plan_id"] not in load.approved:
                a = await call(cluster, rnd, load, "POST", f"/v1/plans/{plan['plan_id']}/approve", coordinator)
                if a is not None and a.status_code in (200, 201):
                    load.approved.add(plan["plan_id"])
        r = await call(cluster, rnd, load, "GET", "/v1/deployments", coordinator,
                       params={"state": "offered", "limit": 100})
        for offer in (r.json()["items"] if r is not None and r.status_code == 200 else []):
            if offer["request_id"] in load.answered or rnd.random() < 0.5:
                continue
            token = cluster.expert_tokens.get(offer["expert_id"])
            verb = "accept" if rnd.random() < 0.5 else "decline"
            body = {} if verb == "accept" else {"reason": "on another mission"}
            a = await call(cluster, rnd, load, "POST", f"/v1/deployment-requests/{offer['request_id']}/{verb}", token,
                           json=body)
            if a is not None and a.status_code in (200, 409, 410):
                load.answered.add(offer["request_id"])
        await asyncio.sleep(1.0)


class Crises:
    """rrc.crises as it arrives: which crisis holds each signal, and when each was first recorded."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                         auto_offset_reset="earliest", enable_auto_commit=False,
                                         request_timeout_ms=60_000)
        self.members: dict[str, set[str]] = defaultdict(set)
        self.first_seen: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.records: list[float] = []
        self.stop = False

    async def run(self) -> None:
        await self.consumer.start()
        try:
            while not self.stop:
                try:
                    batches = await self.consumer.getmany(timeout_ms=300, max_records=5000)
                except Exception:  # noqa: BLE001 - the broker is down for a while: keep asking
                    await asyncio.sleep(1)
                    continue
                now = time.monotonic()
                for records in batches.values():
                    for r in records:
                        msg = json.loads(r.value)
                        member, crisis = msg.get("member"), msg["crisis"]
                        self.counts[crisis["crisis_id"]] = max(self.counts.get(crisis["crisis_id"], 0),
                                                               crisis["signal_count"])
                        if member is not None:
                            self.members[member["signal_id"]].add(member["crisis_id"])
                            self.first_seen.setdefault(member["signal_id"], now)
                            self.records.append(now)
        finally:
            await self.consumer.stop()


async def read_all(bootstrap: str, topic: str, timeout: float = 20) -> list:
    """Every record of a topic, read from the start until it is quiet."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    out, quiet_since = [], time.monotonic()
    try:
        while time.monotonic() - quiet_since < 3 and time.monotonic() - quiet_since < timeout:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            got = [r for records in batches.values() for r in records]
            if got:
                out += got
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return out


def conflict(run: str, n: int, country: str) -> dict:
    sid = f"{run}-{n}"
    return {"signal_id": make_signal_id("chaos", sid), "source": "chaos", "source_id": sid, "kind": "conflict",
            "hazard": "armed_conflict", "title": f"Armed clashes {n}", "countries": [country],
            "location": None, "severity": "moderate",
            "observed_at": (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()}


def probes(run: str, n: int, partitions: int) -> list[dict]:
    """One signal for every partition of rrc.signals.by-correlation (conflicts are keyed by country, so a country
    is picked per partition the way Kafka's default partitioner places its key), and one earthquake: whoever
    owns a partition, a probe waits on it."""
    from aiokafka.partitioner import murmur2

    chosen: dict[int, str] = {}
    for country in COUNTRIES:
        part = (murmur2(f"conflict/{country}/actual".encode()) & 0x7FFFFFFF) % partitions
        chosen.setdefault(part, country)
        if len(chosen) == partitions:
            break
    return [quake(f"{run}-probe", n)] + [conflict(f"{run}-probe{n}", p, c) for p, c in sorted(chosen.items())]


async def probe(cluster: Cluster, run: str, n: int, crises: Crises, since: float, timeout: float = 180) -> float:
    """Send a probe to every partition now; seconds from `since` until a crisis holds the last of them (-1: never)."""
    producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all", request_timeout_ms=60_000)
    sent = probes(run, n, PARTITIONS)
    deadline = time.monotonic() + timeout
    while True:
        try:
            await producer.start()
            for sig in sent:
                await producer.send_and_wait(cluster.topic("rrc.signals.raw"), json.dumps(sig).encode(),
                                             key=sig["signal_id"].encode(), headers=[(FORMAT_HEADER, b"json")])
            break
        except Exception:  # noqa: BLE001 - the broker is coming back
            if time.monotonic() > deadline:
                return -1.0
            await asyncio.sleep(0.5)
    await producer.stop()
    ids = [sig["signal_id"] for sig in sent]
    while any(i not in crises.first_seen for i in ids):
        if time.monotonic() > deadline:
            return -1.0
        await asyncio.sleep(0.1)
    return round(max(crises.first_seen[i] for i in ids) - since, 2)


def rate_between(stamps: list[float], start: float, end: float) -> float:
    n = sum(1 for t in stamps if start <= t < end)
    return round(n / max(1e-9, end - start), 2)


async def main(bootstrap: str, kafka, seed: int, rate: float, phase_s: float, warmup_s: float) -> dict:
    rnd = random.Random(seed)
    run = f"c{seed}-{int(time.time())}"
    home = Path(tempfile.mkdtemp(prefix="rrc-chaos-"))
    prefix = f"chaos{free_port()}."
    experts, partners = generate_roster(300, 30, seed=seed, epoch=date.today().replace(day=1))
    store = TokenStore.from_settings(Settings(_env_file=None, data_dir=home / "template"))
    tokens = {"admin": store.issue("admin", office_id="hq").token,
              "coordinator": store.issue("coordinator", office_id="hq").token,
              "partner": store.issue("partner", partner_id=PARTNER).token}
    expert_tokens = {e.expert_id: store.issue("expert", expert_id=e.expert_id).token for e in experts}
    shutil.copy(home / "template" / "auth" / "tokens.json", home / "tokens.json")
    cluster = Cluster(bootstrap, home, prefix, tokens, expert_tokens)
    hooks = Hooks()
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    load = Load()
    figures: dict = {"workers": WORKERS, "seed": seed, "rate_signals_per_s": rate}
    try:
        for w in cluster.workers:
            w.start()
        await asyncio.gather(*(cluster.wait_healthy(w) for w in cluster.workers))
        admin = httpx.Client(base_url=cluster.workers[0].url, headers={"Authorization": f"Bearer {tokens['admin']}"},
                             timeout=60)
        for kind, body in (("experts", export_experts_csv(experts)), ("partners", export_partners_csv(partners))):
            admin.post(f"/v1/{kind}/import", content=body.encode(), headers={"Content-Type": "text/csv"}
                       ).raise_for_status()
        for w in cluster.workers:  # every API has the roster (identities) before the load
            deadline = time.monotonic() + 120
            while httpx.get(f"{w.url}/v1/experts", params={"limit": 1}, timeout=10, headers={
                    "Authorization": f"Bearer {tokens['admin']}"}).json().get("total", 0) < len(experts):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"worker {w.n} never saw the roster")
                await asyncio.sleep(0.5)
        partner = httpx.Client(base_url=cluster.workers[0].url, timeout=30,
                               headers={"Authorization": f"Bearer {tokens['partner']}"})
        partner.post("/v1/subscriptions", json={"url": hooks.url, "event_types": ["rrc.*"]}).raise_for_status()
        await asyncio.sleep(3)

        crises = Crises(bootstrap, cluster.topic("rrc.crises"))
        tasks = [asyncio.create_task(crises.run()), asyncio.create_task(produce_signals(cluster, run, rate, load)),
                 asyncio.create_task(approve_and_answer(cluster, rnd, load))]
        t0 = time.monotonic()
        await asyncio.sleep(warmup_s)
        before = rate_between(crises.records, t0 + warmup_s / 3, time.monotonic())
        recovery: dict[str, float] = {}

        # 1. SIGKILL one worker mid-burst; it comes back 5 s later.
        victim = cluster.workers[rnd.randrange(WORKERS)]
        victim.proc.send_signal(signal.SIGKILL)
        hit = time.monotonic()
        probe_task = asyncio.create_task(probe(cluster, run, 1, crises, hit))
        await asyncio.sleep(5)
        victim.start()
        recovery["sigkill"] = await probe_task
        await asyncio.sleep(max(0.0, phase_s - (time.monotonic() - hit)))

        # 2. SIGSTOP another for longer than the session timeout, then SIGCONT.
        frozen = rnd.choice([w for w in cluster.workers if w is not victim])
        frozen.proc.send_signal(signal.SIGSTOP)
        frozen.paused = True
        hit = time.monotonic()
        probe_task = asyncio.create_task(probe(cluster, run, 2, crises, hit))
        await asyncio.sleep(SESSION_TIMEOUT_S + 5)
        frozen.proc.send_signal(signal.SIGCONT)
        frozen.paused = False
        recovery["sigstop"] = await probe_task
        await asyncio.sleep(max(0.0, phase_s - (time.monotonic() - hit)))

        # 3. The broker stops for 20 s and comes back.
        if kafka is not None:
            await asyncio.to_thread(kafka.down)  # the broker manager is synchronous (it runs its own loop)
            await asyncio.sleep(20)
            await asyncio.to_thread(kafka.up)
            recovery["broker_restart"] = await probe(cluster, run, 3, crises, time.monotonic(), timeout=240)
        last = time.monotonic()
        await asyncio.sleep(phase_s)
        after = rate_between(crises.records, last + max(0.0, recovery.get("broker_restart", 0)), time.monotonic())

        load.stop = True
        await asyncio.gather(*tasks[1:], return_exceptions=True)
        deadline = time.monotonic() + 180  # let every accepted signal through
        while time.monotonic() < deadline and any(s not in crises.first_seen for s in load.accepted):
            await asyncio.sleep(1)
        await asyncio.sleep(10)  # the last approvals, offers and webhooks
        crises.stop = True
        await tasks[0]

        figures.update(await end_state(cluster, crises, load, hooks))
        figures.update({"faults_injected": len(recovery), "faults": list(recovery),
                        **{f"recovery_s_{k}": v for k, v in recovery.items()},
                        "throughput_before_records_per_s": before, "throughput_after_records_per_s": after,
                        "signals_accepted": len(load.accepted), "malformed_sent": load.malformed,
                        "plans_approved": len(load.approved), "answers_sent": len(load.answered),
                        "api_calls_failed_over": load.api_errors, "broker_restart_skipped": kafka is None})
        return figures
    finally:
        load.stop = True
        for w in cluster.workers:
            if w.proc is not None and w.proc.poll() is None:
                if w.paused:
                    w.proc.send_signal(signal.SIGCONT)
                w.proc.send_signal(signal.SIGINT)
        for w in cluster.workers:
            if w.proc is not None:
                try:
                    w.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    w.proc.kill()
        hooks.shutdown()
        if not _clean(figures):  # keep the workers' logs of a run that found something
            kept = Path("test-output") / "chaos" / run
            kept.mkdir(parents=True, exist_ok=True)
            for log in [*home.rglob("worker*.log"), *home.rglob("rrc.jsonl")]:
                shutil.copy(log, kept / "-".join(log.relative_to(home).parts))
            print(f"worker logs kept in {kept}", flush=True)
        shutil.rmtree(home, ignore_errors=True)


def _clean(figures: dict) -> bool:
    keys = ("signals_lost", "duplicated_effects", "double_booked_experts", "webhook_events_missing")
    return "signals_lost" in figures and not any(figures.get(k) for k in keys)


async def end_state(cluster: Cluster, crises: Crises, load: Load, hooks: Hooks) -> dict:
    b = cluster.bootstrap
    lost = [s for s in load.accepted if s not in crises.members]
    in_two = [s for s, ids in crises.members.items() if len(ids) > 1]
    held_per_crisis: dict[str, set[str]] = defaultdict(set)
    for s, ids in crises.members.items():
        for cid in ids:
            held_per_crisis[cid].add(s)
    miscounted = [cid for cid, n in crises.counts.items() if n != len(held_per_crisis.get(cid, ()))]

    per_version, per_trigger = defaultdict(set), defaultdict(set)
    for r in await read_all(b, cluster.topic("rrc.plans")):
        msg = json.loads(r.value)
        plan = msg.get("plan")
        if msg.get("type") == "rrc.plan.proposed" and plan:
            per_version[(plan["crisis_id"], plan["version"])].add(plan["plan_id"])
            per_trigger[plan.get("trigger_event_id")].add(plan["plan_id"])
    duplicate_plans = sum(len(v) - 1 for v in per_version.values()) + sum(
        len(v) - 1 for k, v in per_trigger.items() if k)

    snapshots: dict[str, dict] = {}
    for r in await read_all(b, cluster.topic("rrc.deployments")):
        msg = json.loads(r.value)
        if msg.get("type") == "rrc.staffing.updated" or "staffing" in msg:
            snapshots[msg["intervention_id"]] = msg
    holding = defaultdict(list)
    for snap in snapshots.values():
        for req in snap.get("staffing", {}).get("requests", {}).values():
            if req["state"] in ("offered", "accepted", "confirmed", "deployed"):
                holding[req["expert_id"]].append((req["start"], req["end"]))
    double_booked = set()
    for expert, spans in holding.items():
        spans.sort()
        if any(s2 <= e1 for (_, e1), (s2, _) in zip(spans, spans[1:])):
            double_booked.add(expert)

    expected, partition_of, sent_at = set(), {}, {}
    for r in await read_all(b, cluster.topic("rrc.response-events")):
        event = CloudEvent.from_kafka_binary(r.headers, r.value)
        if entitled(Grant(), event, PARTNER):
            expected.add(event.id)
            partition_of[event.id], sent_at[event.id] = r.partition, r.timestamp
    deadline = time.monotonic() + WEBHOOK_HORIZON_S  # retries of deliveries cut by the faults (was 60 s: less
    while time.monotonic() < deadline and expected - {h["id"] for h in hooks.received}:  # than the retries take)
        await asyncio.sleep(1)
    received = [h["id"] for h in hooks.received]
    missing = expected - set(received)
    if missing:  # which partitions and when: a stuck partition and a slow retry look different
        by_partition = Counter(partition_of[i] for i in missing)
        print(f"webhook events missing by partition of rrc.response-events: {dict(by_partition)}; first: "
              f"{sorted(missing, key=lambda i: sent_at[i])[:5]}", flush=True)
    unknown = set(received) - expected

    dead = await read_all(b, cluster.topic("rrc.signals.deadletter")) + await read_all(b, cluster.topic("rrc.deadletter"))
    ours = [r.value for r in dead if r.value.startswith(b'{"chaos": "malformed input"')]
    # at least once: an input dead-lettered just before its worker died is dead-lettered again (the same bytes)
    return {"signals_lost": len(lost), "signals_in_two_crises": len(in_two), "crises_miscounted": len(miscounted),
            "duplicated_plan_versions": duplicate_plans,
            "duplicated_effects": len(in_two) + len(miscounted) + duplicate_plans,
            "double_booked_experts": len(double_booked), "interventions_checked": len(snapshots),
            "webhook_events_expected": len(expected), "webhook_events_missing": len(missing),
            "webhook_deliveries": len(received), "webhook_repeats_same_id": len(received) - len(set(received)),
            "webhook_ids_unknown": len(unknown), "dead_letters_malformed": len(set(ours)),
            "dead_letter_repeats_same_input": len(ours) - len(set(ours)), "unexpected_dead_letters": len(dead) - len(ours)}


def run(seed: int = 7, rate: float = 8, phase_s: float = 25, warmup_s: float = 20, broker: str | None = None) -> dict:
    """The whole run on a broker this bench starts (so it can stop it), or on `broker` / RRC_BROKER (a broker it
    does not own: fault 3 is skipped)."""
    with ExitStack() as stack:
        external = broker or os.environ.get("RRC_BROKER")
        kafka = None if external else stack.enter_context(throwaway_broker())
        bootstrap = external or kafka.bootstrap
        return asyncio.run(main(bootstrap, kafka, seed, rate, phase_s, warmup_s))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=8, help="signals per second")
    parser.add_argument("--phase-s", type=float, default=25, help="seconds between faults")
    parser.add_argument("--warmup-s", type=float, default=20)
    args = parser.parse_args()
    emit(run(args.seed, args.rate, args.phase_s, args.warmup_s))
