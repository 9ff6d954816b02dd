"""Fetch a feed body: conditional GET over one pooled httpx client, or a file:// read validated by mtime and size."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from streams.pollers.config import FeedConfig
from streams.pollers.exceptions import (
    BodyTooLarge, EmptyBody, FetchTimeout, FileFailure, HTTPStatusFailure, NetworkFailure, RateLimited,
)

# Below Kafka's default 1 MiB message limit, with room for headers and batch overhead.
DEFAULT_MAX_BYTES = 960 * 1024
USER_AGENT = "rrc-feed-poller/0.1"


@dataclass(frozen=True)
class Fetched:
    """A fetch result: `body` is None when the source says it has not changed."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200

    @property
    def not_modified(self) -> bool:
        return self.body is None


class Fetcher:
    """Owns one pooled AsyncClient for every http(s) feed; pass `transport` (httpx.MockTransport) in tests."""

    def __init__(self, *, client: httpx.AsyncClient | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, user_agent: str = USER_AGENT) -> None:
        self.max_bytes = max_bytes
        self._owns_client = client is None
        self.client = client or httpx.AsyncClient(
            transport=transport, follow_redirects=True, timeout=httpx.Timeout(30.0),
            headers={"User-Agent": user_agent}, limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        )

    async def fetch(self, feed: FeedConfig, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """The body if changed since these validators; raises a FetchError subclass on any failure."""
        try:
            async with asyncio.timeout(feed.timeout_s):
                if feed.is_file:
                    return await self._fetch_file(feed, etag)
                return await self._fetch_http(feed, etag, last_modified)
        except TimeoutError as exc:
            raise FetchTimeout(f"no complete answer within {feed.timeout_s:g}s") from exc

    async def _fetch_http(self, feed: FeedConfig, etag: str | None, last_modified: str | None) -> Fetched:
        headers = dict(feed.headers)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with self.client.stream("GET", feed.url, headers=headers, timeout=feed.timeout_s) as resp:
                new_etag, new_lm = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
                if resp.status_code == 304:
                    return Fetched(None, new_etag or etag, new_lm or last_modified, 304)
                _check_status(resp)
                body = await self._read(resp)
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"{type(exc).__name__}: {exc}") from exc
        except httpx.RequestError as exc:
            raise NetworkFailure(f"{type(exc).__name__}: {exc}") from exc
        return Fetched(_non_empty(body), new_etag, new_lm, resp.status_code)

    async def _read(self, resp: httpx.Response) -> bytes:
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise BodyTooLarge(f"Content-Length {declared} exceeds the {self.max_bytes}-byte limit")
        chunks, size = [], 0
        async for chunk in resp.aiter_bytes():  # decoded bytes: the cap also stops compression bombs
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge(f"body exceeds the {self.max_bytes}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _fetch_file(self, feed: FeedConfig, etag: str | None) -> Fetched:
        try:
            return await asyncio.to_thread(_read_file, feed.path, etag, self.max_bytes)
        except OSError as exc:
            raise FileFailure(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _check_status(resp: httpx.Response) -> None:
    status = resp.status_code
    if 200 <= status < 300:
        return
    retry_after = resp.headers.get("Retry-After")
    message = f"HTTP {status} {resp.reason_phrase}".strip()
    if status == 429:
        raise RateLimited(status, message, retry_after=retry_after)
    raise HTTPStatusFailure(status, message, retry_after=retry_after)


def _non_empty(body: bytes) -> bytes:
    if not body.strip():
        raise EmptyBody("the feed answered with an empty body")
    return body


def file_validator(st: os.stat_result) -> str:
    """The ETag of a local file: its modification time (ns) and size."""
    return f"file:{st.st_mtime_ns}-{st.st_size}"


def _read_file(path: Path, etag: str | None, max_bytes: int) -> Fetched:
    st = path.stat()  # validator taken before the read: a change during the read is seen next time
    if not path.is_file():
        raise FileFailure(f"{path} is not a regular file")
    validator = file_validator(st)
    if validator == etag:
        return Fetched(None, validator, None, 304)
    if st.st_size > max_bytes:
        raise BodyTooLarge(f"{path} has {st.st_size} bytes, above the {max_bytes}-byte limit")
    with path.open("rb") as fh:
        body = fh.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise BodyTooLarge(f"{path} grew above the {max_bytes}-byte limit")
    return Fetched(_non_empty(body), validator, None, 200)
