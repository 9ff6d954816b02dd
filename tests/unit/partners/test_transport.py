"""The webhook client (one pooled aiohttp session): reuse, limits, expiry, server hang-ups, errors, no cookies."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from responders.partners.delivery import WebhookClient, make_client

from .receiver import Receiver, Reply


@pytest.fixture
async def receivers():
    started = [await Receiver().start() for _ in range(3)]
    yield started
    for r in started:
        await r.stop()


async def test_sequential_requests_reuse_one_connection(receivers):
    r = receivers[0]
    async with make_client(max_connections=8) as client:
        for _ in range(5):
            assert (await client.post(r.url("/x"), content=b"{}")).status_code == 200
    assert r.connections == 1


async def test_concurrent_requests_open_parallel_connections_up_to_the_limit(receivers):
    r = receivers[0]
    r.script("/slow", *[Reply(200, delay_s=0.05)] * 6)
    async with make_client(max_connections=3) as client:
        answers = await asyncio.gather(*(client.post(r.url("/slow"), content=b"{}") for _ in range(6)))
        assert [a.status_code for a in answers] == [200] * 6
    assert r.connections == 3 and r.max_in_flight["/slow"] == 3


async def test_requests_on_the_wire_stay_within_the_limit_across_origins(receivers):
    for r in receivers:
        r.script("/slow", *[Reply(200, delay_s=0.2)] * 2)
    async with make_client(max_connections=2) as client:
        calls = [asyncio.create_task(client.post(r.url("/slow"), content=b"")) for r in receivers * 2]
        await asyncio.sleep(0.1)
        assert sum(r.in_flight["/slow"] for r in receivers) == 2  # the other four wait for a free connection
        assert [c.status_code for c in await asyncio.gather(*calls)] == [200] * 6


async def test_a_connection_the_server_closed_is_not_reused(receivers):
    r = receivers[0]
    r.script("/bye", Reply(200, hang_up=True))
    async with make_client(max_connections=4) as client:
        assert (await client.post(r.url("/bye"), content=b"")).status_code == 200
        await asyncio.sleep(0.05)  # the FIN arrives
        assert (await client.post(r.url("/x"), content=b"")).status_code == 200
    assert r.connections == 2


async def test_idle_connections_expire(receivers):
    r = receivers[0]
    async with make_client(max_connections=4, keepalive_expiry_s=0.05) as client:
        await client.post(r.url("/x"), content=b"")
        await asyncio.sleep(0.1)
        await client.post(r.url("/x"), content=b"")
    assert r.connections == 2


async def test_connection_errors_are_aiohttp_client_errors():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    async with make_client(max_connections=2) as client:
        with pytest.raises(aiohttp.ClientConnectorError):
            await client.post(f"http://127.0.0.1:{port}/x", content=b"")


async def test_the_client_timeout_covers_the_answer_and_the_client_recovers(receivers):
    r = receivers[0]
    r.script("/slow", Reply(200, delay_s=0.5))
    async with make_client(max_connections=2, timeout_s=0.05) as client:
        with pytest.raises(TimeoutError):
            await client.post(r.url("/slow"), content=b"")
        assert (await client.post(r.url("/x"), content=b"")).status_code == 200


async def test_redirects_are_not_followed(receivers):
    r = receivers[0]
    r.script("/moved", Reply(301, headers={"location": r.url("/elsewhere")}))
    async with make_client(max_connections=2) as client:
        answer = await client.post(r.url("/moved"), content=b"")
    assert answer.status_code == 301 and answer.headers["location"].endswith("/elsewhere") and not r.on("/elsewhere")


async def test_the_webhook_client_keeps_no_cookies(receivers):
    r = receivers[0]
    r.script("/c", Reply(200, headers={"set-cookie": "session=abc; Path=/"}))
    async with make_client(max_connections=2) as client:
        await client.post(r.url("/c"), content=b"")
        await client.post(r.url("/x"), content=b"")
        assert len(client.session.cookie_jar) == 0 and "cookie" not in r.on("/x")[0].headers
        assert r.on("/x")[0].headers["user-agent"].startswith("rrc-webhooks/")


async def test_get_reads_a_json_answer(receivers):
    r = receivers[0]
    r.script("/stats", Reply(200, body=b'{"count": 3}'))
    async with make_client(max_connections=2) as client:
        assert (await client.get(r.url("/stats"))).json() == {"count": 3}


async def test_closed_client_refuses_requests(receivers):
    used = make_client(max_connections=1)
    await used.post(receivers[0].url("/x"), content=b"")
    await used.aclose()
    never_used = make_client(max_connections=1)
    await never_used.aclose()
    for client in (used, never_used):
        assert client.closed
        with pytest.raises(RuntimeError):
            await client.post(receivers[0].url("/x"), content=b"")


def test_the_client_can_be_made_outside_an_event_loop():
    client = make_client(max_connections=2)  # the session itself is made on first use, inside the loop
    assert isinstance(client, WebhookClient) and not client.closed


def test_bad_limits():
    with pytest.raises(ValueError):
        WebhookClient(max_connections=0)
    with pytest.raises(ValueError):
        WebhookClient(timeout_s=0)
