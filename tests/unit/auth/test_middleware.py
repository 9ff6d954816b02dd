"""Edge middleware: body size limit, per-token rate limit."""

from __future__ import annotations

from api.auth import Role
from api.auth.ratelimit import RateLimit, RateLimiter

from .conftest import bearer


async def test_declared_content_length_over_the_limit_is_413(make_client, store):
    token = store.issue(Role.COORDINATOR, office_id="hq").token
    async with make_client() as client:
        r = await client.post("/v1/signals", content=b"x" * 4096, headers=bearer(token))
        anonymous = await client.post("/v1/signals", content=b"x" * 4096)
    for response in (r, anonymous):
        assert response.status_code == 413
        assert response.json() == {"error": "payload_too_large", "detail": "request body exceeds 2048 bytes"}


async def test_streamed_body_without_content_length_over_the_limit_is_413(make_client, store):
    token = store.issue(Role.COORDINATOR, office_id="hq").token

    async def chunks():
        for _ in range(8):
            yield b'{"signal_id": "' + b"x" * 500

    async with make_client() as client:
        r = await client.post("/v1/signals", content=chunks(), headers={**bearer(token),
                                                                         "content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"


async def test_small_streamed_body_passes(make_client, store):
    token = store.issue(Role.COORDINATOR, office_id="hq").token

    async def chunks():
        yield b'{"signal_id": "s1",'
        yield b' "title": "quake"}'

    async with make_client() as client:
        r = await client.post("/v1/signals", content=chunks(), headers={**bearer(token),
                                                                         "content-type": "application/json"})
    assert r.status_code == 202 and r.json()["accepted"] == ["s1"]


async def test_bad_content_length_is_400(make_client):
    async with make_client() as client:
        r = await client.post("/v1/signals", content=b"{}", headers={"content-length": "lots"})
    assert r.status_code == 400 and r.json()["error"] == "bad_request"


async def test_rate_limit_is_per_token_with_retry_after(make_client, store):
    a = store.issue(Role.ADMIN).token
    b = store.issue(Role.ADMIN).token
    async with make_client(rate=RateLimit(per_s=0.5, burst=2)) as client:
        statuses = [(await client.get("/v1/me", headers=bearer(a))).status_code for _ in range(3)]
        limited = await client.get("/v1/me", headers=bearer(a))
        other = await client.get("/v1/me", headers=bearer(b))
        public = [(await client.get("/health")).status_code for _ in range(5)]
    assert statuses == [200, 200, 429]
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
    assert limited.headers["retry-after"] == "2"
    assert other.status_code == 200 and public == [200] * 5


def test_token_bucket_refills_with_the_clock():
    now = [0.0]
    limiter = RateLimiter(RateLimit(per_s=2, burst=3), monotonic=lambda: now[0])
    assert [limiter.take("t") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("t")
    assert wait == 0.5 and limiter.retry_after(wait) == 1
    now[0] += 0.5
    assert limiter.take("t") == 0.0
    now[0] += 10
    assert [limiter.take("t") for _ in range(4)][:3] == [0.0, 0.0, 0.0]
    assert limiter.take("other") == 0.0
