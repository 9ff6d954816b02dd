"""Webhook deliveries through the real path: rrc.response-events -> delivery service -> 1,000 subscriptions.

The worker's `WebhookService` (streams/stages/webhooks.py) runs here against the broker with its two views
(subscriptions, delivery log); every delivery is signed, logged on rrc.webhooks.deliveries (one attempt and one
outcome record) and counted towards the low-watermark commit, as in production. A fast receiver runs in its own
process (a raw asyncio protocol answering 200, keep-alive) and records, for each call, the time between the
event's CloudEvent `time` (set when the bench produces it) and its arrival.

Phases, same run, same broker and receiver:
- throughput: `--events` events (default 30) each wanted by all 1,000 subscriptions are produced at once;
  deliveries per second from the first produce to the last arrival;
- latency: `--rate` deliveries per second (default 500: 0.5 events/s x 1,000) for `--seconds` (default 20);
  p50/p99 from event produced to its delivery received (queueing behind the other 999 included);
- baseline: the same number of signed-size bodies posted by a bare loop (64 coroutines on the service's own pooled
  client) to the same receiver: the sender's ceiling on this machine, so `ratio_service_to_bare_posts` is the
  service's own cost (matching, signing, ordering, logging to Kafka, commits).
Usage: python bench/webhooks.py [--events 30] [--subscriptions 1000] [--rate 500] [--seconds 20]
Starts a throwaway broker unless RRC_BROKER is set. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from datetime import datetime, timezone

from common import bench_settings, emit, peak_rss_mb, percentile

from aiokafka import AIOKafkaProducer
from config.topics import ALL_TOPICS
from responders.partners.delivery import make_client
from responders.partners.subscriptions import SubscriptionCreate, create_subscription
from streams.bootstrap import bootstrap as build_runtime
from streams.broker.admin import ensure_topics
from streams.broker.throwaway import broker_for_run
from vocabulary.cloudevents import CloudEvent
from streams.stages.webhooks import WebhookService

STATS = b"GET /stats"


class _Receiver(asyncio.Protocol):
    """200 to every POST; GET /stats answers {"count": n, "latencies_ms": [...]} and resets the latencies."""

    stats = {"count": 0, "latencies_ms": []}

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.buf = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end])
            lower = head.lower()
            at = lower.find(b"content-length:")
            length = int(lower[at + 15: lower.find(b"\r\n", at) if lower.find(b"\r\n", at) > 0 else None]) \
                if at >= 0 else 0
            total = end + 4 + length
            if len(self.buf) < total:
                return
            body = bytes(self.buf[end + 4: total])
            del self.buf[:total]
            if head.startswith(STATS):
                out = json.dumps(self.stats).encode()
                self.stats["latencies_ms"] = []
                self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(out), out))
                continue
            now = time.time()
            at = body.find(b'"time":"')
            if at >= 0:
                stamp = body[at + 8: body.find(b'"', at + 8)].decode()
                sent = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
                self.stats["latencies_ms"].append(round((now - sent) * 1000, 2))
            self.stats["count"] += 1
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")


async def serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Receiver, "127.0.0.1", 0, backlog=2048)
    print(server.sockets[0].getsockname()[1], flush=True)
    done = loop.create_future()

    class _Watch(asyncio.Protocol):
        def connection_lost(self, exc) -> None:
            if not done.done():
                done.set_result(None)

    await loop.connect_read_pipe(_Watch, sys.stdin)
    await done
    server.close()


async def stats(client, url: str) -> dict:
    return (await client.get(f"{url}/stats")).json()


def crisis_event(i: int) -> CloudEvent:
    crisis = f"cri-bench{i % 50:03d}"
    return CloudEvent(id=f"evt-bench-{i:06d}", type="rrc.crisis.updated", time=datetime.now(timezone.utc),
                      subject=crisis, extensions={"rrcexercise": "false", "rrccrisisid": crisis},
                      data={"crisis": {"crisis_id": crisis, "kind": "disaster", "hazard": "earthquake",
                                       "countries": ["TUR"], "severity": "severe", "title": f"bench {i}",
                                       "summary": "x" * 300}, "changes": [], "exercise": False})


async def main(bootstrap: str, n_events: int, n_subs: int, rate: float, seconds: float) -> None:
    receiver = subprocess.Popen([sys.executable, __file__, "--receiver"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
    url = f"http://127.0.0.1:{int(receiver.stdout.readline())}"
    settings = bench_settings(bootstrap, allow_private_targets=True, webhook_max_in_flight=64,
                              webhook_max_connections=64)
    await ensure_topics(settings, ALL_TOPICS)
    runtime = build_runtime(settings, store="memory://")
    subs_view, log_view = runtime.views.subscriptions, runtime.views.webhook_log
    t = runtime.topics
    feeds = (runtime.readers.feeds.subscriptions, runtime.readers.feeds.webhook_log)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    now = datetime.now(timezone.utc)
    subs = [create_subscription(f"ptn-{i % 300}", SubscriptionCreate(url=f"{url}/hook/{i}", event_types=["rrc.*"]),
                                now, subscription_id=f"sub_bench{i:05d}")[0] for i in range(n_subs)]
    await asyncio.gather(*[await producer.send(t.subscriptions.get_topic_name(), s.model_dump_json().encode(),
                                               key=s.subscription_id.encode()) for s in subs])
    await runtime.readers.reader.start()
    for feed in feeds:
        await feed.caught_up.wait()
    while len(subs_view.records) < n_subs:
        await asyncio.sleep(0.1)
    service = WebhookService(runtime)
    await service.start()
    client = make_client(max_connections=8)
    events_topic = t.response_events.get_topic_name()

    async def send(event: CloudEvent):
        headers, value = event.to_kafka_binary()
        return await producer.send(events_topic, value, key=event.extensions["rrccrisisid"].encode(), headers=headers)

    async def wait_count(target: int, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            got = await stats(client, url)
            if got["count"] >= target or time.monotonic() > deadline:
                return got
            await asyncio.sleep(0.2)

    try:
        # Throughput: every event to every subscription, all at once.
        print(f"throughput: {n_events} events x {n_subs} subscriptions", flush=True)
        started = time.perf_counter()
        await asyncio.gather(*[await send(crisis_event(i)) for i in range(n_events)])
        total = n_events * n_subs
        burst = await wait_count(total, 600)
        elapsed = time.perf_counter() - started
        rss_after_burst = peak_rss_mb()

        # Latency at a sustained rate below the ceiling.
        per_event = n_subs
        interval = per_event / rate
        count = int(seconds / interval)
        print(f"latency: {count} events, one every {interval:.2f} s", flush=True)
        for i in range(count):
            await (await send(crisis_event(100_000 + i)))
            await asyncio.sleep(interval)
        steady = await wait_count(total + count * per_event, 120)
        latencies = steady["latencies_ms"]

        # Baseline: a bare posting loop on the same kind of client, same receiver, same body size.
        body = json.dumps(crisis_event(0).to_structured(), default=str).encode()
        bare = make_client(max_connections=64)
        left = total
        bare_started = time.perf_counter()

        async def poster(k: int) -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await bare.post(f"{url}/hook/{k}", content=body, headers={"content-type": "application/json"})

        await asyncio.gather(*(poster(k) for k in range(64)))
        bare_s = time.perf_counter() - bare_started
        await bare.aclose()
    finally:
        await service.stop()
        await runtime.readers.reader.stop()
        await producer.stop()
        await client.aclose()
        receiver.stdin.close()
        receiver.wait(timeout=10)

    emit({"subscriptions": n_subs, "events_burst": n_events, "deliveries_burst": burst["count"],
          "deliveries_per_s": round(burst["count"] / elapsed), "bare_posts_per_s": round(total / bare_s),
          "ratio_service_to_bare_posts": round((burst["count"] / elapsed) / (total / bare_s), 3),
          "rate_deliveries_per_s": rate, "latency_deliveries": len(latencies),
          "p50_event_to_delivery_ms": percentile(latencies, 50), "p99_event_to_delivery_ms": percentile(latencies, 99),
          "peak_rss_mb": round(max(rss_after_burst, peak_rss_mb()), 1)})


if __name__ == "__main__":
    if "--receiver" in sys.argv:
        asyncio.run(serve())
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with broker_for_run() as broker:
        asyncio.run(main(broker, args.events, args.subscriptions, args.rate, args.seconds))
