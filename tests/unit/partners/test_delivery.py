"""The delivery engine against a real local HTTP server: retries, 410, timeouts, Retry-After, ordering per key."""

from __future__ import annotations

import asyncio
import json
import random
import socket
from datetime import timedelta

import pytest

from responders.partners.delivery import (
    CONTENT_TYPE,
    DeliveryEngine,
    KeyedQueues,
    event_body,
    fan_out,
    make_client,
    ordering_key,
)
from responders.partners.filters import Grant, entitled
from responders.partners.signing import verify
from responders.partners.subscriptions import rotate_secret

from .factories import T0, event, subscription
from .receiver import Receiver, Reply


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self):
        return self.now


class FakeSleep:
    """Records the waits and moves the clock instead of sleeping."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self.clock.now += timedelta(seconds=delay)


@pytest.fixture
async def receiver():
    r = await Receiver().start()
    yield r
    await r.stop()


@pytest.fixture
async def client():
    c = make_client(max_connections=32, timeout_s=5)
    yield c
    await c.aclose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sleep(clock):
    return FakeSleep(clock)


@pytest.fixture
def engine(client, clock, sleep):
    return DeliveryEngine(client, schedule=(5, 300, 1800), timeout_s=2, clock=clock, sleep=sleep,
                          rng=random.Random(1), jitter=0.2)


async def test_500_500_200_is_delivered_on_the_third_attempt(receiver, engine, sleep, clock):
    sub, secret = subscription(receiver.url("/hook"))
    receiver.script("/hook", Reply(500), Reply(500), Reply(200))
    ev = event(hazard="flood", countries=["PHL"])
    outcome = await engine.deliver(sub, ev)
    assert outcome.status == "delivered" and outcome.delivered and not outcome.disable_subscription
    assert [a.status_code for a in outcome.attempts] == [500, 500, 200]
    assert [a.n for a in outcome.attempts] == [1, 2, 3]
    assert len(sleep.delays) == 2 and 4 <= sleep.delays[0] <= 6 and 240 <= sleep.delays[1] <= 360
    assert outcome.attempts[1].at == T0 + timedelta(seconds=sleep.delays[0])
    got = receiver.on("/hook")
    assert len(got) == 3
    for req, attempt in zip(got, outcome.attempts):
        assert req.headers["content-type"] == CONTENT_TYPE and req.headers["webhook-id"] == ev.id
        assert req.headers["webhook-timestamp"] == str(int(attempt.at.timestamp()))  # fresh per attempt
        verify(secret, req.headers, req.body, now=int(attempt.at.timestamp()))
    body = json.loads(got[0].body)
    assert body["specversion"] == "1.0" and body["id"] == ev.id and body["type"] == ev.type
    assert body["data"] == {"hazard": "flood", "countries": ["PHL"]} and body["rrcexercise"] == "false"


async def test_410_means_gone_without_retry(receiver, engine, sleep):
    sub, _ = subscription(receiver.url("/gone"))
    receiver.script("/gone", Reply(410))
    outcome = await engine.deliver(sub, event())
    assert outcome.status == "gone" and outcome.disable_subscription
    assert len(outcome.attempts) == 1 and sleep.delays == []


@pytest.mark.parametrize("status", [400, 401, 404, 301])
async def test_other_4xx_and_redirects_fail_without_retry(receiver, engine, sleep, status):
    sub, _ = subscription(receiver.url("/no"))
    receiver.script("/no", Reply(status, headers={"location": "https://elsewhere.example/"}))
    outcome = await engine.deliver(sub, event())
    assert outcome.status == "failed" and [a.status_code for a in outcome.attempts] == [status]
    assert sleep.delays == []


async def test_a_timeout_is_recorded_and_retried(receiver, client, clock, sleep):
    engine = DeliveryEngine(client, schedule=(5,), timeout_s=0.1, clock=clock, sleep=sleep, rng=random.Random(2))
    sub, _ = subscription(receiver.url("/slow"))
    receiver.script("/slow", Reply(200, delay_s=0.5), Reply(200))
    outcome = await engine.deliver(sub, event())
    assert outcome.status == "delivered" and len(outcome.attempts) == 2
    first = outcome.attempts[0]
    assert first.status_code is None and "timeout" in first.error and 90 <= first.latency_ms < 450
    assert len(sleep.delays) == 1


async def test_retry_after_is_honoured_on_429(receiver, engine, sleep):
    sub, _ = subscription(receiver.url("/busy"))
    # A 204 carries no body (aiohttp's parser rejects a 204 that has one, as a protocol error).
    receiver.script("/busy", Reply(429, headers={"retry-after": "120"}), Reply(204, body=b""))
    outcome = await engine.deliver(sub, event())
    assert outcome.status == "delivered" and sleep.delays == [120.0]


async def test_exhausted_after_the_schedule(receiver, engine, sleep):
    sub, _ = subscription(receiver.url("/down"))
    receiver.script("/down", *[Reply(503)] * 10)
    outcome = await engine.deliver(sub, event())
    assert outcome.status == "exhausted" and len(outcome.attempts) == 4 and len(sleep.delays) == 3


async def test_connection_refused_is_retried(client, clock, sleep):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    engine = DeliveryEngine(client, schedule=(1, 1), timeout_s=1, clock=clock, sleep=sleep, rng=random.Random(3))
    sub, _ = subscription(f"http://127.0.0.1:{port}/x")
    outcome = await engine.deliver(sub, event())
    assert outcome.status == "exhausted" and len(outcome.attempts) == 3
    assert all(a.status_code is None and a.error for a in outcome.attempts)


async def test_rotation_overlap_is_signed_with_both_secrets(receiver, engine, clock):
    sub, old = subscription(receiver.url("/rot"))
    sub, new = rotate_secret(sub, T0, overlap_s=3600)
    await engine.deliver(sub, event())
    req = receiver.on("/rot")[0]
    assert len(req.headers["webhook-signature"].split()) == 2
    for secret in (old, new):
        verify(secret, req.headers, req.body, now=int(T0.timestamp()))
    clock.now = T0 + timedelta(hours=2)
    await engine.deliver(sub, event())
    later = receiver.on("/rot")[1]
    assert len(later.headers["webhook-signature"].split()) == 1
    verify(new, later.headers, later.body, now=int(clock.now.timestamp()))


async def test_order_is_kept_per_key_while_keys_interleave(receiver, client):
    engine = DeliveryEngine(client, schedule=(), timeout_s=2)
    queues = KeyedQueues(concurrency=8)
    subs = {name: subscription(receiver.url(f"/{name}"))[0] for name in ("a", "b")}
    for name in ("a", "b"):
        receiver.script(f"/{name}", *[Reply(200, delay_s=0.02)] * 5)
    sent = {name: [] for name in subs}
    futures = []
    for i in range(5):
        for name, sub in subs.items():
            ev = event(crisis_id="C-9", seq=i)
            sent[name].append(ev.id)
            futures.append(await queues.submit((sub.subscription_id, "C-9"), lambda s=sub, e=ev: engine.deliver(s, e)))
    await queues.drain()
    assert queues.pending == 0 and queues.active_keys == 0
    assert all(f.result().status == "delivered" for f in futures)
    for name in subs:
        assert [r.headers["webhook-id"] for r in receiver.on(f"/{name}")] == sent[name]
        assert receiver.max_in_flight[f"/{name}"] == 1  # never two of one key on the wire
    arrivals = [r.path for r in sorted(receiver.requests, key=lambda r: r.arrived)]
    assert arrivals[:2] in (["/a", "/b"], ["/b", "/a"])  # the two keys ran side by side, not one after the other


async def test_fan_out_sends_to_wanting_and_entitled_subscriptions_with_one_body(receiver, client):
    engine = DeliveryEngine(client, schedule=(), timeout_s=2)
    queues = KeyedQueues(concurrency=4)
    flood, _ = subscription(receiver.url("/flood"), hazards=["flood"])
    quake, _ = subscription(receiver.url("/quake"), hazards=["earthquake"])
    everything, _ = subscription(receiver.url("/all"))
    grants = {flood.subscription_id: Grant(exercise=True), everything.subscription_id: Grant()}
    real = event(hazard="flood", crisis_id="C-1")
    drill = event(hazard="flood", exercise=True, crisis_id="C-2")
    for ev in (real, drill):
        await fan_out(engine, queues, [flood, quake, everything], ev,
                      entitled=lambda s, e=ev: entitled(grants.get(s.subscription_id, Grant()), e))
    await queues.drain()
    assert [r.headers["webhook-id"] for r in receiver.on("/flood")] == [real.id, drill.id]
    assert receiver.on("/quake") == []
    assert [r.headers["webhook-id"] for r in receiver.on("/all")] == [real.id]
    assert receiver.on("/flood")[0].body == receiver.on("/all")[0].body == event_body(real)


def test_ordering_key_prefers_the_crisis():
    assert ordering_key(event(crisis_id="C-7")) == "C-7"
    plain = event()
    bare = type(plain)(id="x", type="rrc.plan.proposed", time=T0, subject="PLAN-1", data={"crisis_id": "C-3"})
    assert ordering_key(bare) == "C-3"
    assert ordering_key(type(plain)(id="y", type="rrc.plan.proposed", time=T0, subject="PLAN-1", data={})) == "PLAN-1"


async def test_queues_limit_concurrency_and_keep_going_after_a_failing_job():
    queues = KeyedQueues(concurrency=3)
    running = peak = 0
    order: dict[int, list[int]] = {k: [] for k in range(6)}

    async def job(key: int, i: int):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001 * ((key + i) % 3))
        running -= 1
        if i == 1 and key == 0:
            raise RuntimeError("boom")
        order[key].append(i)
        return i

    futures = [await queues.submit(k, lambda k=k, i=i: job(k, i)) for i in range(4) for k in range(6)]
    await queues.drain()
    assert peak == 3 and queues.errors == 1 and queues.completed == 24
    assert order[0] == [0, 2, 3] and all(order[k] == [0, 1, 2, 3] for k in range(1, 6))
    assert isinstance(futures[6].exception(), RuntimeError)  # key 0, job 1


async def test_submit_waits_while_max_pending_jobs_are_queued():
    queues = KeyedQueues(concurrency=2, max_pending=2)
    gate = asyncio.Event()

    async def job():
        await gate.wait()

    await queues.submit("a", job)
    await queues.submit("b", job)
    third = asyncio.create_task(queues.submit("c", job))
    await asyncio.sleep(0.01)
    assert not third.done() and queues.pending == 2
    gate.set()
    await asyncio.wait_for(third, 1)
    await queues.drain()
    assert queues.pending == 0 and queues.completed == 3


async def test_aclose_cancels_queued_work():
    queues = KeyedQueues(concurrency=1)
    never = asyncio.Event()
    first = await queues.submit("k", never.wait)
    second = await queues.submit("k", never.wait)
    await asyncio.sleep(0)
    await queues.aclose()
    assert first.cancelled() and second.cancelled() and queues.pending == 0
    await asyncio.wait_for(queues.drain(), 1)


async def test_an_answer_over_max_response_bytes_counts_but_its_connection_is_dropped(receiver, client, clock, sleep):
    engine = DeliveryEngine(client, schedule=(5,), timeout_s=2, clock=clock, sleep=sleep, max_response_bytes=1024)
    sub, _ = subscription(receiver.url("/big"))
    receiver.script("/big", Reply(200, body=b"x" * 200_000), Reply(200, body=b"y" * 1000), Reply(200))
    for _ in range(3):
        assert (await engine.deliver(sub, event())).status == "delivered"
    assert receiver.connections == 2  # the huge answer was not read to the end; the 1,000-byte one was


async def test_a_slow_body_after_the_status_line_keeps_the_answer(client, clock, sleep):
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 999\r\n\r\nok")  # the rest never comes
        await asyncio.sleep(1)
        writer.close()

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    try:
        engine = DeliveryEngine(client, schedule=(5,), timeout_s=0.2, clock=clock, sleep=sleep)
        sub, _ = subscription(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/trickle")
        outcome = await engine.deliver(sub, event())
    finally:
        server.close()
    assert outcome.status == "delivered" and outcome.attempts[0].error is None and sleep.delays == []
    assert 150 <= outcome.attempts[0].latency_ms < 900  # it waited for the body until the deadline


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "http://[::1/x", "/relative/only"])
async def test_an_unusable_url_fails_at_once(client, clock, sleep, url):
    engine = DeliveryEngine(client, schedule=(5,), timeout_s=1, clock=clock, sleep=sleep)
    sub, _ = subscription("https://partner.example/hook")
    outcome = await engine.deliver(sub.model_copy(update={"url": url}), event())
    assert outcome.status == "failed" and len(outcome.attempts) == 1 and sleep.delays == []
    assert outcome.attempts[0].status_code is None and outcome.attempts[0].error.startswith("unusable url: ")
