"""Webhook delivery engine throughput (component bench), next to a bare posting loop on its client.

A receiver answering `200 ok` to every POST runs in its own process (a raw asyncio protocol, keep-alive, so it is
never the bottleneck and does not share the engine's core). 1,000 subscriptions with hazard, country and severity
filters point at it. Events are fanned out through the engine as the worker will do it: `fan_out` matches every
event against every subscription, serialises the CloudEvent once, and queues one signed delivery per match keyed
by (subscription, crisis) in `KeyedQueues`; the engine posts with one pooled aiohttp session. Events are
generated until at least N deliveries result (`--events`, default 20,000).

Baselines, in the same run against the same receiver, post bodies to the same URLs with a bare loop:
`--concurrency` coroutines calling `client.post`, no matching, no signing, no queues. `baseline_posts_per_s` uses
the engine's client (`make_client`: a `WebhookClient`, one pooled aiohttp session) for all N bodies: the ceiling
for this sender, so `ratio_engine_to_baseline` is the engine's own cost. `httpx_default_pool_posts_per_s` uses a
plain httpx.AsyncClient (its default pool, httpx.Limits of the same size) for `--default-pool-posts` bodies: for
comparison with the httpx client the engine used before (that pool slows down as connections grow).
`p50/p99_delivery_ms` are the engine's per-delivery HTTP latencies (its `Attempt.latency_ms`);
`p50/p99_event_to_delivered_ms` run from the event entering `fan_out` to the delivery's outcome, queueing included
(`submit` pushes back once `--max-pending` deliveries are queued). The receiver takes one core, the sender the other.
Usage: python bench/webhooks_engine.py [--events 20000] [--concurrency 64] [--subscriptions 1000]
                                       [--default-pool-posts 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from datetime import datetime, timezone

import httpx
from common import emit, peak_rss_mb, percentile

from responders.partners.delivery import DeliveryEngine, KeyedQueues, event_body, fan_out, make_client
from responders.partners.filters import SubscriptionFilter
from responders.partners.subscriptions import Subscription, SubscriptionCreate, create_subscription, wants
from vocabulary.cloudevents import CloudEvent

HAZARDS = ["earthquake", "flood", "drought", "cyclone", "wildfire", "epidemic", "landslide", "tsunami"]
COUNTRIES = ["AFG", "TUR", "PHL", "MEX", "HTI", "BGD", "PAK", "IDN", "NPL", "ETH", "SOM", "SDN", "MOZ", "MMR",
             "YEM", "SYR", "UKR", "COD", "NGA", "PER"]
SEVERITIES = ["minor", "moderate", "severe", "extreme"]
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
RESPONSE = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"


class _Ok(asyncio.Protocol):
    """Answers every complete HTTP/1.1 request on the connection with 200 (keep-alive, pipelining-safe)."""

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.buf = bytearray()

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        answers = 0
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = bytes(buf[:end]).lower()
            at = head.find(b"content-length:")
            length = 0
            if at >= 0:
                stop = head.find(b"\r\n", at)
                length = int(head[at + 15: stop if stop >= 0 else len(head)])
            total = end + 4 + length
            if len(buf) < total:
                break
            del buf[:total]
            answers += 1
        if answers:
            self.transport.write(RESPONSE * answers)


async def serve() -> None:
    """The receiver process: prints its port, answers until its stdin closes (the bench ended or died)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Ok, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    stdin_closed = loop.create_future()

    class _Watch(asyncio.Protocol):
        def connection_lost(self, exc) -> None:
            if not stdin_closed.done():
                stdin_closed.set_result(None)

    await loop.connect_read_pipe(_Watch, sys.stdin)
    await stdin_closed
    server.close()


def start_receiver() -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, __file__, "--receiver"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    return proc, int(proc.stdout.readline())


def make_subscriptions(n: int, base_url: str, rnd: random.Random) -> list[Subscription]:
    subs = []
    for i in range(n):
        style = i % 3
        if style == 0:
            f = SubscriptionFilter(hazards=[rnd.choice(HAZARDS)])
        elif style == 1:
            f = SubscriptionFilter(countries=rnd.sample(COUNTRIES, 2))
        else:
            f = SubscriptionFilter(hazards=rnd.sample(HAZARDS, 2), min_severity=rnd.choice(SEVERITIES[1:]))
        types = rnd.choice([["rrc.*"], ["rrc.crisis.*"], ["rrc.crisis.opened", "rrc.crisis.escalated"]])
        body = SubscriptionCreate(url=f"{base_url}/hook/{i}", event_types=types, filters=f)
        subs.append(create_subscription(f"P-{i % 300}", body, T0, subscription_id=f"sub_{i:05d}")[0])
    return subs


def make_events(subs: list[Subscription], deliveries: int, rnd: random.Random) -> tuple[list[CloudEvent], int]:
    """Crisis events until they fan out to at least `deliveries` deliveries; (events, deliveries)."""
    events, total = [], 0
    while total < deliveries:
        i = len(events)
        crisis = f"C-{rnd.randrange(60):03d}"
        ev = CloudEvent(
            id=f"evt-{i:06d}", type=rnd.choice(["rrc.crisis.opened", "rrc.crisis.updated", "rrc.crisis.escalated"]),
            time=T0, subject=crisis, extensions={"rrcexercise": "false", "rrccrisisid": crisis},
            data={"crisis_id": crisis, "kind": "disaster", "hazard": rnd.choice(HAZARDS),
                  "countries": [rnd.choice(COUNTRIES)], "severity": rnd.choice(SEVERITIES),
                  "title": f"bench crisis {crisis} update {i}", "affected_population": rnd.randrange(10 ** 6),
                  "summary": "x" * 300})
        total += sum(1 for s in subs if wants(s, ev))
        events.append(ev)
    return events, total


async def engine_run(subs, events, concurrency: int, max_pending: int) -> dict:
    client = make_client(max_connections=concurrency)
    engine = DeliveryEngine(client, timeout_s=10, rng=random.Random(1))
    queues = KeyedQueues(concurrency=concurrency, max_pending=max_pending)
    event_ms: list[float] = []
    outcomes = []

    def done(started: float):
        def record(fut: asyncio.Future) -> None:
            event_ms.append((time.perf_counter() - started) * 1000)
            if not fut.cancelled() and fut.exception() is None:
                outcomes.append(fut.result())
        return record

    try:
        await asyncio.gather(*(engine.deliver(s, events[0]) for s in subs[:concurrency]))  # open the connections
        started = time.perf_counter()
        for ev in events:
            at = time.perf_counter()
            for fut in await fan_out(engine, queues, subs, ev):
                fut.add_done_callback(done(at))
        await queues.drain()
        elapsed = time.perf_counter() - started
    finally:
        await client.aclose()
    latencies = [a.latency_ms for o in outcomes for a in o.attempts]
    return {"seconds": elapsed, "deliveries": len(outcomes),
            "failed": sum(1 for o in outcomes if o.status != "delivered"),
            "attempts": sum(len(o.attempts) for o in outcomes), "latencies": latencies, "event_ms": event_ms}


async def baseline_run(posts: list[tuple[str, bytes]], concurrency: int, *, default_pool: bool) -> tuple[float, int]:
    """Seconds for a bare loop of `concurrency` workers to post every body once; (seconds, non-200 answers)."""
    if default_pool:
        client = httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency,
                                                       max_keepalive_connections=concurrency), trust_env=False)
    else:
        client = make_client(max_connections=concurrency)
    headers = {"content-type": "application/cloudevents+json"}
    failures = 0
    feed = iter(posts)

    async def worker() -> None:
        nonlocal failures
        for url, body in feed:
            response = await client.post(url, content=body, headers=headers)
            failures += response.status_code != 200

    try:
        await asyncio.gather(*(client.post(url, content=body, headers=headers) for url, body in posts[:concurrency]))
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, failures
    finally:
        await client.aclose()


async def main(n: int, n_subs: int, concurrency: int, max_pending: int, default_pool_posts: int) -> None:
    proc, port = start_receiver()
    try:
        rnd = random.Random(7)
        subs = make_subscriptions(n_subs, f"http://127.0.0.1:{port}", rnd)
        events, deliveries = make_events(subs, n, rnd)
        posts = [(s.url, event_body(ev)) for ev in events for s in subs if wants(s, ev)]
        print(f"{n_subs} subscriptions, {len(events)} events fanning out to {deliveries} deliveries "
              f"({sum(len(b) for _, b in posts) / len(posts):.0f} bytes each); receiver pid {proc.pid} port {port}; "
              f"concurrency {concurrency}")
        default_posts = posts[:default_pool_posts]
        default_s, default_failures = await baseline_run(default_posts, concurrency, default_pool=True)
        base_s, base_failures = await baseline_run(posts, concurrency, default_pool=False)
        run = await engine_run(subs, events, concurrency, max_pending)
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(10)
    default_rate = len(default_posts) / default_s
    base_rate = len(posts) / base_s
    rate = run["deliveries"] / run["seconds"]
    print(f"bare httpx loop, default pool ({len(default_posts)} posts): {default_rate:,.0f} posts/s "
          f"({default_failures} non-200)")
    print(f"bare loop, engine client (aiohttp): {base_rate:,.0f} posts/s ({base_failures} non-200)")
    print(f"engine fan-out (match, sign, ordered queues, post): {rate:,.0f} deliveries/s, {run['failed']} not "
          f"delivered, {run['attempts']} attempts; ratio to the bare loop {rate / base_rate:.2f}")
    emit({"deliveries": run["deliveries"], "deliveries_per_s": round(rate),
          "p50_delivery_ms": round(percentile(run["latencies"], 50), 2),
          "p99_delivery_ms": round(percentile(run["latencies"], 99), 2),
          "p50_event_to_delivered_ms": round(percentile(run["event_ms"], 50), 1),
          "p99_event_to_delivered_ms": round(percentile(run["event_ms"], 99), 1),
          "baseline_posts_per_s": round(base_rate), "ratio_engine_to_baseline": round(rate / base_rate, 3),
          "httpx_default_pool_posts_per_s": round(default_rate), "failed_deliveries": run["failed"],
          "baseline_failed_posts": base_failures + default_failures, "events": len(events),
          "subscriptions": n_subs, "concurrency": concurrency, "peak_rss_mb": round(peak_rss_mb(), 1)})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000, help="deliveries to produce (events fan out to them)")
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-pending", type=int, default=1024)
    parser.add_argument("--default-pool-posts", type=int, default=3000,
                        help="posts for the httpx default-pool baseline (it is slow at this concurrency)")
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        asyncio.run(serve())
    else:
        asyncio.run(main(args.events, args.subscriptions, args.concurrency, args.max_pending,
                         args.default_pool_posts))
