"""Fixtures of the poller tests: a fake clock, a fake feed server on httpx.MockTransport, a recording publish."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from streams.pollers import Backoff, FeedConfig, FeedPollers, Fetcher
from streams.pollers.metrics import PollerMetrics

T0 = datetime(2024, 2, 6, 12, 0, tzinfo=timezone.utc)
CAP = 512 * 1024  # body cap of the test fetcher


class FakeClock:
    """The injected clock; tests move it instead of sleeping."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        self.now = when


class FeedServer:
    """One feed URL with real conditional-GET semantics; `queue` forces the next responses (errors, 429s)."""

    def __init__(self, body: bytes = b"<rss>one</rss>", *, etag: bool = True, last_modified: bool = True) -> None:
        self.body = body
        self.version = 1
        self.use_etag, self.use_lm = etag, last_modified
        self.requests: list[httpx.Request] = []
        self.queue: list[httpx.Response | Exception] = []

    def change(self, body: bytes) -> None:
        self.body, self.version = body, self.version + 1

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'

    @property
    def last_modified(self) -> str:
        return f"Tue, 06 Feb 2024 1{self.version % 10}:00:00 GMT"

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.queue:
            item = self.queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        headers = {}
        if self.use_etag:
            headers["ETag"] = self.etag
        if self.use_lm:
            headers["Last-Modified"] = self.last_modified
        if self.use_etag and request.headers.get("If-None-Match") == self.etag:
            return httpx.Response(304, headers=headers)
        if not self.use_etag and self.use_lm and request.headers.get("If-Modified-Since") == self.last_modified:
            return httpx.Response(304, headers=headers)
        return httpx.Response(200, content=self.body, headers=headers)


class Router:
    """Routes requests by host to FeedServers (or to a handler that raises)."""

    def __init__(self) -> None:
        self.servers: dict[str, object] = {}

    def add(self, host: str, server) -> None:
        self.servers[host] = server

    def __call__(self, request: httpx.Request) -> httpx.Response:
        target = self.servers[request.url.host]
        return target.handler(request) if hasattr(target, "handler") else target(request)


class Published:
    """The injected publish: records (feed name, body); `fail_with` makes the next calls raise."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.fail_with: Exception | None = None
        self.event = asyncio.Event()

    async def __call__(self, feed: FeedConfig, body: bytes) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.calls.append((feed.name, body))
        self.event.set()

    def bodies(self, name: str) -> list[bytes]:
        return [b for n, b in self.calls if n == name]


def feed(name: str = "gdacs", url: str | None = None, **kw) -> FeedConfig:
    return FeedConfig(name=name, url=url or f"https://{name}.test/feed.xml", **kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router() -> Router:
    return Router()


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry) -> PollerMetrics:
    return PollerMetrics.create(registry)


@pytest.fixture
def state_path(tmp_path) -> Path:
    return tmp_path / "data" / "pollers" / "state.json"


@pytest.fixture
async def fetcher(router):
    async with Fetcher(transport=httpx.MockTransport(router), max_bytes=CAP) as f:
        yield f


@pytest.fixture
def make_pollers(fetcher, published, clock, state_path, metrics):
    """FeedPollers with the fakes; jitter fixed at the midpoint so delays are exact."""

    def make(feeds, **kw) -> FeedPollers:
        kw.setdefault("backoff", Backoff(cap_s=3600, jitter=0.25, rand=lambda: 0.5))
        kw.setdefault("metrics", metrics)
        return FeedPollers(feeds, kw.pop("fetcher", fetcher), kw.pop("publish", published), clock, state_path, **kw)

    return make
