"""The Fetcher alone: request headers, status mapping, the body cap, deadlines, redirects and file validators."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from streams.pollers import FeedConfig, Fetcher
from streams.pollers.exceptions import (
    BodyTooLarge, FetchTimeout, HTTPStatusFailure, NetworkFailure, RateLimited,
)
from streams.pollers.fetch import file_validator


def fetcher_for(handler, **kw) -> Fetcher:
    return Fetcher(transport=httpx.MockTransport(handler), **kw)


FEED = FeedConfig(name="f", url="https://feed.test/x.xml", headers={"Accept": "application/xml"}, timeout_s=5)


async def test_sends_feed_headers_user_agent_and_validators():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, content=b"<x/>", headers={"ETag": '"e2"', "Last-Modified": "Mon, 05 Feb 2024"})

    async with fetcher_for(handler) as fetcher:
        got = await fetcher.fetch(FEED, '"e1"', "Sun, 04 Feb 2024")
    assert got.body == b"<x/>" and got.etag == '"e2"' and got.last_modified == "Mon, 05 Feb 2024"
    h = seen[0].headers
    assert h["If-None-Match"] == '"e1"' and h["If-Modified-Since"] == "Sun, 04 Feb 2024"
    assert h["Accept"] == "application/xml" and h["User-Agent"].startswith("rrc-feed-poller/")


async def test_304_keeps_the_stored_validators_unless_new_ones_come():
    async with fetcher_for(lambda r: httpx.Response(304)) as fetcher:
        got = await fetcher.fetch(FEED, '"e1"', "lm")
    assert got.not_modified and (got.etag, got.last_modified, got.status) == ('"e1"', "lm", 304)


@pytest.mark.parametrize("status, error", [(404, HTTPStatusFailure), (500, HTTPStatusFailure), (429, RateLimited),
                                           (204, None)])
async def test_status_mapping(status, error):
    async with fetcher_for(lambda r: httpx.Response(status, headers={"Retry-After": "7"})) as fetcher:
        if error is None:
            with pytest.raises(Exception, match="empty body"):
                await fetcher.fetch(FEED)
            return
        with pytest.raises(error) as info:
            await fetcher.fetch(FEED)
    assert info.value.status == status and info.value.retry_after == "7"


async def test_redirects_are_followed():
    def handler(request):
        if request.url.path == "/x.xml":
            return httpx.Response(301, headers={"Location": "https://feed.test/new.xml"})
        return httpx.Response(200, content=b"moved")

    async with fetcher_for(handler) as fetcher:
        assert (await fetcher.fetch(FEED)).body == b"moved"


async def test_declared_length_above_the_cap_is_refused_before_reading():
    async with fetcher_for(lambda r: httpx.Response(200, content=b"x" * 2048), max_bytes=1024) as fetcher:
        with pytest.raises(BodyTooLarge, match="Content-Length 2048"):
            await fetcher.fetch(FEED)


async def test_streamed_body_above_the_cap_is_cut_off():
    async def chunks():
        for _ in range(100):
            yield b"x" * 512

    async with fetcher_for(lambda r: httpx.Response(200, content=chunks()), max_bytes=4096) as fetcher:
        with pytest.raises(BodyTooLarge, match="4096-byte limit"):
            await fetcher.fetch(FEED)


async def test_whole_fetch_has_a_deadline():
    async def stall(request):
        await asyncio.Event().wait()

    slow = FEED.model_copy(update={"timeout_s": 0.05})
    async with fetcher_for(stall) as fetcher:
        with pytest.raises(FetchTimeout, match="0.05s"):
            await fetcher.fetch(slow)


@pytest.mark.parametrize("exc, error", [(httpx.ConnectTimeout("t"), FetchTimeout),
                                        (httpx.ConnectError("refused"), NetworkFailure),
                                        (httpx.RemoteProtocolError("eof"), NetworkFailure)])
async def test_transport_errors_are_mapped(exc, error):
    def handler(request):
        raise exc

    async with fetcher_for(handler) as fetcher:
        with pytest.raises(error):
            await fetcher.fetch(FEED)


async def test_an_injected_client_is_not_closed():
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"ok")))
    async with Fetcher(client=client) as fetcher:
        assert (await fetcher.fetch(FEED)).body == b"ok"
    assert not client.is_closed
    await client.aclose()


async def test_file_validator_is_mtime_and_size(tmp_path):
    path = tmp_path / "f.json"
    path.write_bytes(b"[1]")
    feed = FeedConfig(name="f", url=path.as_uri())
    async with Fetcher() as fetcher:
        first = await fetcher.fetch(feed)
        assert first.body == b"[1]" and first.etag == file_validator(path.stat())
        assert (await fetcher.fetch(feed, first.etag)).not_modified
        path.write_bytes(b"[1, 2]")
        assert (await fetcher.fetch(feed, first.etag)).body == b"[1, 2]"
