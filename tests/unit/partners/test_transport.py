"""The OriginPool transport and the webhook client: reuse, limits, expiry, server hang-ups, errors, no cookies."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from responders.partners.delivery import OriginPool, WebhookClient, make_client

from .receiver import Receiver, Reply


@pytest.fixture
async def receivers():
    started = [await Receiver().start() for _ in range(3)]
    yield started
    for r in started:
        await r.stop()


def client_on(pool: OriginPool, **kwargs) -> httpx.AsyncClient:
    return WebhookClient(transport=pool, trust_env=False, **kwargs)


async def test_sequential_requests_reuse_one_connection(receivers):
    r = receivers[0]
    pool = OriginPool(max_connections=8)
    async with client_on(pool) as client:
        for _ in range(5):
            assert (await client.post(r.url("/x"), content=b"{}")).status_code == 200
        assert r.connections == 1 and pool.open_connections == 1 and pool.idle_connections == 1
    assert pool.open_connections == 0


async def test_concurrent_requests_open_parallel_connections_up_to_the_limit(receivers):
    r = receivers[0]
    r.script("/slow", *[Reply(200, delay_s=0.05)] * 6)
    pool = OriginPool(max_connections=3)
    async with client_on(pool) as client:
        answers = await asyncio.gather(*(client.post(r.url("/slow"), content=b"{}") for _ in range(6)))
        assert [a.status_code for a in answers] == [200] * 6
        assert r.connections == 3 and r.max_in_flight["/slow"] == 3 and pool.open_connections == 3


async def test_open_connections_stay_within_the_limit_across_origins(receivers):
    pool = OriginPool(max_connections=2)
    async with client_on(pool) as client:
        for r in receivers * 2:
            assert (await client.post(r.url("/x"), content=b"")).status_code == 200
            assert pool.open_connections <= 2
    assert [r.connections for r in receivers] == [2, 2, 2]  # each origin's idle connection was evicted in turn


async def test_waiting_longer_than_the_pool_timeout_raises_pool_timeout(receivers):
    r = receivers[0]
    r.script("/slow", Reply(200, delay_s=0.3))
    pool = OriginPool(max_connections=1)
    async with client_on(pool, timeout=httpx.Timeout(2, pool=0.05)) as client:
        slow = asyncio.create_task(client.post(r.url("/slow"), content=b""))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout):
            await client.post(r.url("/x"), content=b"")
        assert (await slow).status_code == 200
        assert (await client.post(r.url("/x"), content=b"")).status_code == 200  # the slot came back


async def test_a_connection_the_server_closed_is_not_reused(receivers):
    r = receivers[0]
    r.script("/bye", Reply(200, hang_up=True))
    async with client_on(OriginPool(max_connections=4)) as client:
        assert (await client.post(r.url("/bye"), content=b"")).status_code == 200
        await asyncio.sleep(0.05)  # the FIN arrives
        assert (await client.post(r.url("/x"), content=b"")).status_code == 200
    assert r.connections == 2


async def test_idle_connections_expire(receivers):
    r = receivers[0]
    pool = OriginPool(max_connections=4, keepalive_expiry=0.05)
    async with client_on(pool) as client:
        await client.post(r.url("/x"), content=b"")
        await asyncio.sleep(0.1)
        await client.post(r.url("/x"), content=b"")
    assert r.connections == 2


async def test_max_keepalive_zero_closes_after_each_request(receivers):
    r = receivers[0]
    pool = OriginPool(max_connections=4, max_keepalive_connections=0)
    async with client_on(pool) as client:
        for _ in range(3):
            await client.post(r.url("/x"), content=b"")
        assert pool.open_connections == 0
    assert r.connections == 3


async def test_transport_errors_are_httpx_errors():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pool = OriginPool(max_connections=2)
    async with client_on(pool) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"http://127.0.0.1:{port}/x", content=b"")
        assert pool.open_connections == 0


async def test_read_timeout_is_an_httpx_timeout(receivers):
    r = receivers[0]
    r.script("/slow", Reply(200, delay_s=0.5))
    pool = OriginPool(max_connections=2)
    async with client_on(pool, timeout=httpx.Timeout(0.05)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(r.url("/slow"), content=b"")
        assert pool.open_connections == 0 and (await client.post(r.url("/x"), content=b"")).status_code == 200


async def test_the_webhook_client_keeps_no_cookies(receivers):
    r = receivers[0]
    r.script("/c", Reply(200, headers={"set-cookie": "session=abc; Path=/"}))
    async with make_client(max_connections=2) as client:
        await client.post(r.url("/c"), content=b"")
        await client.post(r.url("/x"), content=b"")
        assert len(client.cookies) == 0 and "cookie" not in r.on("/x")[0].headers
        assert r.on("/x")[0].headers["user-agent"].startswith("rrc-webhooks/")
        with pytest.raises(TypeError):
            client.cookies = {"a": "b"}


async def test_closed_transport_refuses_requests(receivers):
    pool = OriginPool(max_connections=1)
    client = client_on(pool)
    await client.aclose()
    with pytest.raises(RuntimeError):
        await client.post(receivers[0].url("/x"), content=b"")


def test_bad_limits():
    with pytest.raises(ValueError):
        OriginPool(max_connections=0)
