"""The webhook delivery engine: signed POSTs with retries, ordered per key, concurrent across keys.

Independent of Kafka and of any web framework; the worker feeds it events and records its outcomes.

One delivery (`DeliveryEngine.deliver`) posts one event to one subscription as a CloudEvents structured JSON body
(`content-type: application/cloudevents+json`), signed per Standard Webhooks with every active secret of the
subscription. `webhook-id` is the event id, the same on every retry, so partners can deduplicate; each attempt gets
a fresh `webhook-timestamp` and signature. The answer decides what happens next:

    2xx                              delivered
    410 Gone                         gone: the partner wants no more; the subscription must be disabled
    408, 429, 5xx, network error,
    timeout                          retried after the schedule's next wait (Retry-After is a floor)
    other 3xx/4xx, unusable URL      failed, not retried (redirects are not followed)
    schedule used up                 exhausted

Every attempt is recorded (`Attempt`); the outcome carries them all. Each attempt has one deadline (`timeout_s`)
covering connect, send and the answer; the answer's body is read up to `max_response_bytes` and dropped.

Throughput comes from one pooled HTTP client with keep-alive (`make_client`: a `WebhookClient`, one aiohttp
session), a body serialised once per event and shared by all its subscriptions, event facts read once per event for
matching (`fan_out`), subscription URLs parsed once, cached HMAC keys, and no per-delivery threads. The client keeps
no cookies, follows no redirects, ignores environment proxies and never decompresses (answers are dropped). aiohttp
(C HTTP parser, one timer-free request path) costs roughly a tenth of a millisecond of CPU per request on the bench
machine, about a fifth of the httpx/httpcore client it replaced (bench/webhooks_engine.py: about 8,000 bare posts/s
against 1,800); the engine's own work per delivery is a few tens of microseconds. Its parser is strict: an answer
that breaks HTTP/1.1 framing (say a 204 carrying a body) is a connection error, retried like one. One event loop
uses one core: more throughput means more worker processes, each delivering for its own partitions.

Ordering (`KeyedQueues`): deliveries with the same key, (subscription id, crisis id) in `fan_out`, run strictly
one after another in submission order, including their retries, so a partner never sees a crisis update before
the update it follows. Different keys run concurrently, at most `concurrency` jobs at a time (a semaphore), and
`max_pending` bounds what is queued: `submit` waits for room, which pushes back on the consumer feeding it. Jobs
sleeping between retries hold a job slot; `DeliveryEngine(max_in_flight=...)` bounds the HTTP requests actually on
the wire independently of that, so size `concurrency` generously and `max_in_flight` to the connection pool.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Literal

import aiohttp
from pydantic import AwareDatetime, BaseModel, ConfigDict

from responders.partners import signing
from responders.partners.filters import facts_of
from responders.partners.retry import DEFAULT_JITTER, DEFAULT_SCHEDULE_S, next_delay, parse_retry_after
from responders.partners.subscriptions import Subscription, active_secrets, wants
from vocabulary.cloudevents import CloudEvent
from yarl import URL

log = logging.getLogger("rrc.partners.delivery")

CONTENT_TYPE = "application/cloudevents+json"
USER_AGENT = "rrc-webhooks/1"
RETRY_STATUS = frozenset({408, 429})
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024
URL_CACHE_SIZE = 100_000
DeliveryStatus = Literal["delivered", "failed", "gone", "exhausted"]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Attempt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int
    at: AwareDatetime
    status_code: int | None = None
    error: str | None = None
    latency_ms: float


class DeliveryOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subscription_id: str
    event_id: str
    status: DeliveryStatus
    attempts: list[Attempt]

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"

    @property
    def disable_subscription(self) -> bool:
        """The partner answered 410 Gone: stop delivering to this subscription."""
        return self.status == "gone"


def event_body(event: CloudEvent) -> bytes:
    """The CloudEvents structured-mode JSON body of `event` (compact, UTF-8)."""
    return json.dumps(event.to_structured(), separators=(",", ":"), ensure_ascii=False, default=str).encode()


class Response:
    """A fully read answer (the client's `post` and `get`; the engine streams its answers instead)."""

    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def _ssl_context() -> ssl.SSLContext:
    """The CA bundle the httpx client trusted (certifi's, not the environment's), else the system's."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class WebhookClient:
    """The pooled HTTP client a worker delivers with: one `aiohttp.ClientSession` for every partner.

    Keep-alive connections per origin (idle ones are dropped after `keepalive_expiry_s`, or at once when the
    server closed them), at most `max_connections` requests on the wire across all origins (more wait for a free
    one; idle connections are not counted, so a sender to many partners may keep more open until they expire),
    no cookies, no redirects, no environment proxies, no decompression, `user-agent: rrc-webhooks/1`. The
    session is made on first use, since aiohttp binds it to the running event loop; `aclose()` closes it.
    `stream(...)` is an `async with` request whose answer is read as it comes (the engine's path); `post` and
    `get` read the whole answer (`Response`) and default to `timeout_s` as their overall deadline.
    """

    def __init__(self, *, max_connections: int = 256, keepalive_expiry_s: float = 30.0,
                 timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be >= 1, not {max_connections}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, not {timeout_s}")
        self.max_connections = max_connections
        self.keepalive_expiry_s = keepalive_expiry_s
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None:
            if self._closed:
                raise RuntimeError("the webhook client is closed")
            connector = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0,
                                             keepalive_timeout=self.keepalive_expiry_s, ttl_dns_cache=300,
                                             ssl=_ssl_context())
            session = self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout_s), auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, headers={"user-agent": USER_AGENT},
                skip_auto_headers=("accept-encoding",))  # answers are dropped unread: never ask for compression
        return session

    @property
    def closed(self) -> bool:
        return self._closed

    def stream(self, method: str, url: str | URL, *, content: bytes | None = None,
               headers: Mapping[str, str] | None = None,
               timeout: aiohttp.ClientTimeout | None = None) -> Any:
        """`async with client.stream(...) as response:` an `aiohttp.ClientResponse`, body not yet read; leaving
        the block gives the connection back (or closes it if the body was not read to the end)."""
        if timeout is None:
            return self.session.request(method, url, data=content, headers=headers, allow_redirects=False)
        return self.session.request(method, url, data=content, headers=headers, allow_redirects=False,
                                    timeout=timeout)

    async def request(self, method: str, url: str | URL, *, content: bytes | None = None,
                      headers: Mapping[str, str] | None = None) -> Response:
        async with self.stream(method, url, content=content, headers=headers) as response:
            return Response(response.status, response.headers, await response.read())

    async def post(self, url: str | URL, *, content: bytes | None = None,
                   headers: Mapping[str, str] | None = None) -> Response:
        return await self.request("POST", url, content=content, headers=headers)

    async def get(self, url: str | URL, *, headers: Mapping[str, str] | None = None) -> Response:
        return await self.request("GET", url, headers=headers)

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> WebhookClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()


def make_client(*, max_connections: int = 256, keepalive_expiry_s: float = 30.0,
                timeout_s: float = DEFAULT_TIMEOUT_S) -> WebhookClient:
    """The one client a worker delivers with (`WebhookClient`): keep-alive, no redirects, no environment proxies,
    no cookies."""
    return WebhookClient(max_connections=max_connections, keepalive_expiry_s=keepalive_expiry_s, timeout_s=timeout_s)


_URL_ERRORS = (aiohttp.InvalidURL, getattr(aiohttp, "NonHttpUrlClientError", aiohttp.InvalidURL))  # 3.10+
_NO_TIMEOUT = aiohttp.ClientTimeout()  # per request: no aiohttp timers, the engine's deadline is asyncio.timeout


def _retryable(status_code: int) -> bool:
    return status_code >= 500 or status_code in RETRY_STATUS


class DeliveryEngine:
    """Posts events to subscriptions; see the module docstring for the rules."""

    def __init__(self, client: WebhookClient, *, schedule: Sequence[float] = DEFAULT_SCHEDULE_S,
                 timeout_s: float = DEFAULT_TIMEOUT_S, clock: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, rng: random.Random | None = None,
                 jitter: float = DEFAULT_JITTER, max_in_flight: int | None = None,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
                 on_attempt: Callable[[Subscription, CloudEvent, Attempt], Awaitable[Any]] | None = None) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, not {timeout_s}")
        self.client = client
        self.on_attempt = on_attempt  # e.g. the delivery log: every attempt is recorded as it happens
        self.schedule = tuple(schedule)
        self.timeout_s = timeout_s
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.jitter = jitter
        self.max_response_bytes = max_response_bytes
        self._urls: dict[str, URL] = {}
        self._in_flight = asyncio.Semaphore(max_in_flight) if max_in_flight else None

    async def deliver(self, sub: Subscription, event: CloudEvent, *, body: bytes | None = None,
                      on_attempt: Callable[[Subscription, CloudEvent, Attempt], Awaitable[Any]] | None = None
                      ) -> DeliveryOutcome:
        """Deliver `event` to `sub` until it is delivered, refused, gone or out of retries; never raises for
        anything the partner or the network does. `body` may be passed when one event goes to many subscriptions;
        `on_attempt` replaces the engine's callback for this delivery (e.g. to log it with its replay id).
        """
        body = event_body(event) if body is None else body
        on_attempt = on_attempt or self.on_attempt
        attempts: list[Attempt] = []
        n = 0
        while True:
            n += 1
            attempt, retry_after, permanent = await self._attempt(sub, event.id, body, n)
            attempts.append(attempt)
            if on_attempt is not None:
                await on_attempt(sub, event, attempt)
            code = attempt.status_code
            if code is not None and 200 <= code < 300:
                return self._outcome(sub, event, "delivered", attempts)
            if code == 410:
                log.info("partner endpoint gone", extra={"subscription_id": sub.subscription_id, "url": sub.url})
                return self._outcome(sub, event, "gone", attempts)
            if permanent or (code is not None and not _retryable(code)):
                return self._outcome(sub, event, "failed", attempts)
            delay = next_delay(n, self.schedule, self.rng, self.jitter, retry_after)
            if delay is None:
                return self._outcome(sub, event, "exhausted", attempts)
            await self.sleep(delay)

    @staticmethod
    def _outcome(sub: Subscription, event: CloudEvent, status: DeliveryStatus,
                 attempts: list[Attempt]) -> DeliveryOutcome:
        if status != "delivered":
            last = attempts[-1]
            log.info("webhook %s", status, extra={"subscription_id": sub.subscription_id, "event_id": event.id,
                                                   "attempts": len(attempts), "status_code": last.status_code,
                                                   "error": last.error})
        return DeliveryOutcome(subscription_id=sub.subscription_id, event_id=event.id, status=status,
                               attempts=attempts)

    async def _attempt(self, sub: Subscription, msg_id: str, body: bytes,
                       n: int) -> tuple[Attempt, float | None, bool]:
        """One POST: (the attempt, the Retry-After it asked for, whether retrying is pointless)."""
        at = self.clock()
        secrets = active_secrets(sub, at)
        if not secrets:
            return Attempt(n=n, at=at, error="no active signing secret", latency_ms=0.0), None, True
        headers = signing.headers(secrets, msg_id, int(at.timestamp()), body)
        headers["content-type"] = CONTENT_TYPE
        if self._in_flight is None:
            status, retry_after, error, permanent, latency_ms = await self._post(sub.url, headers, body)
        else:
            async with self._in_flight:
                status, retry_after, error, permanent, latency_ms = await self._post(sub.url, headers, body)
        wait = None
        if status is not None and retry_after is not None and _retryable(status):
            wait = parse_retry_after(retry_after, self.clock())
        attempt = Attempt(n=n, at=at, status_code=status, error=error, latency_ms=round(latency_ms, 3))
        return attempt, wait, permanent

    def _url(self, url: str) -> URL:
        """Subscription URLs parsed once (aiohttp would parse the string on every request)."""
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= URL_CACHE_SIZE:
                self._urls.clear()
            parsed = URL(url)
            if parsed.scheme not in ("http", "https") or not parsed.host:
                raise ValueError(f"{url!r} is not an absolute http(s) URL")
            self._urls[url] = parsed
        return parsed

    async def _post(self, url: str, headers: dict[str, str],
                    body: bytes) -> tuple[int | None, str | None, str | None, bool, float]:
        """(status code, Retry-After header, error, permanent, latency ms) of one POST under one deadline."""
        status: int | None = None
        retry_after: str | None = None
        error: str | None = None
        permanent = False
        started = time.perf_counter()
        try:
            target = self._url(url)
        except ValueError as exc:  # not parseable, or not http(s) with a host
            return None, None, f"unusable url: {exc}", True, (time.perf_counter() - started) * 1000
        try:
            async with asyncio.timeout(self.timeout_s):  # the one deadline (aiohttp's own timeouts are off)
                async with self.client.stream("POST", target, content=body, headers=headers,
                                              timeout=_NO_TIMEOUT) as response:
                    status = response.status
                    retry_after = response.headers.get("retry-after")
                    await self._discard_body(response)
        except TimeoutError as exc:  # also aiohttp's ServerTimeoutError, a TimeoutError
            if status is None:  # a slow body after the status line does not undo the answer
                error = f"timeout after {self.timeout_s:g} s ({type(exc).__name__})"
        except _URL_ERRORS as exc:
            error, permanent = f"unusable url: {exc}", True
        except (aiohttp.ClientError, OSError) as exc:
            if status is None:
                error = f"{type(exc).__name__}: {exc}"[:300]
        return status, retry_after, error, permanent, (time.perf_counter() - started) * 1000

    async def _discard_body(self, response: aiohttp.ClientResponse) -> None:
        """Read (and drop) the answer so the connection can be reused; stop at `max_response_bytes`."""
        content = response.content
        seen = 0
        while True:
            chunk = await content.readany()
            if not chunk:
                return
            seen += len(chunk)
            if seen > self.max_response_bytes:
                response.close()  # drops the connection: a huge answer is not worth reading
                return


class KeyedQueues:
    """Runs jobs in submission order per key, different keys concurrently, at most `concurrency` at once.

    `await submit(key, factory)` queues `factory` (called with no arguments, returning an awaitable) and returns a
    future with its result; it waits while `max_pending` jobs are queued or running. `await drain()` returns when
    every submitted job has finished. A job that raises does not stop its key: the exception is logged and set on
    its future, and the next job of the key runs.
    """

    def __init__(self, concurrency: int = 256, *, max_pending: int | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, not {concurrency}")
        if max_pending is not None and max_pending < 1:
            raise ValueError(f"max_pending must be >= 1, not {max_pending}")
        self.concurrency = concurrency
        self.max_pending = max_pending
        self._slots = asyncio.Semaphore(concurrency)
        self._queues: dict[Hashable, deque[tuple[Callable[[], Awaitable[Any]], asyncio.Future]]] = {}
        self._tasks: set[asyncio.Task] = set()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._room: deque[asyncio.Future] = deque()
        self.completed = 0
        self.errors = 0

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet finished."""
        return self._pending

    @property
    def active_keys(self) -> int:
        return len(self._queues)

    async def submit(self, key: Hashable, factory: Callable[[], Awaitable[Any]]) -> asyncio.Future:
        while self.max_pending is not None and self._pending >= self.max_pending:
            waiter = asyncio.get_running_loop().create_future()
            self._room.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._room:
                    self._room.remove(waiter)
                elif waiter.done() and not waiter.cancelled():
                    self._wake_one()  # pass the room we were given to the next waiter
                raise
        result: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending += 1
        self._idle.clear()
        queue = self._queues.get(key)
        if queue is not None:
            queue.append((factory, result))
        else:
            self._queues[key] = deque([(factory, result)])
            task = asyncio.create_task(self._run_key(key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return result

    async def drain(self) -> None:
        await self._idle.wait()

    async def aclose(self) -> None:
        """Cancel everything queued or running (shutdown without waiting for retries)."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _wake_one(self) -> None:
        while self._room:
            waiter = self._room.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _finished(self) -> None:
        self._pending -= 1
        self.completed += 1
        if self._pending == 0:
            self._idle.set()
        self._wake_one()

    async def _run_key(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                factory, result = queue[0]
                try:
                    async with self._slots:
                        value = await factory()
                except asyncio.CancelledError:
                    if not result.done():
                        result.cancel()
                    raise
                except Exception as exc:  # a bug in a job must not stall the key behind it
                    self.errors += 1
                    log.exception("delivery job failed", extra={"key": repr(key)})
                    if not result.done():
                        result.set_exception(exc)
                else:
                    if not result.done():
                        result.set_result(value)
                queue.popleft()
                self._finished()
        finally:
            if self._queues.get(key) is queue:
                del self._queues[key]
            for _factory, result in queue:  # cancelled: the rest of this key never runs
                if not result.done():
                    result.cancel()
                self._finished()
            queue.clear()


def ordering_key(event: CloudEvent) -> str:
    """What a partner's deliveries are ordered by: the crisis the event is about (else its subject)."""
    crisis = event.extensions.get("rrccrisisid")
    if not crisis and isinstance(event.data, dict):
        crisis = event.data.get("crisis_id")
        nested = event.data.get("crisis")
        if not crisis and isinstance(nested, dict):
            crisis = nested.get("crisis_id")
    return str(crisis or event.subject or "")


async def fan_out(engine: DeliveryEngine, queues: KeyedQueues, subscriptions: Iterable[Subscription],
                  event: CloudEvent, *, entitled: Callable[[Subscription], bool] | None = None) -> list[asyncio.Future]:
    """Queue one delivery of `event` per subscription that wants it (and, with `entitled`, may see it).

    The body is serialised once for all of them; each delivery is keyed by (subscription id, crisis id).
    Returns the futures of the queued deliveries (each resolves to a DeliveryOutcome).
    """
    body: bytes | None = None
    crisis = ordering_key(event)
    facts = facts_of(event)
    futures: list[asyncio.Future] = []
    for sub in subscriptions:
        if not wants(sub, facts) or (entitled is not None and not entitled(sub)):
            continue
        if body is None:
            body = event_body(event)
        futures.append(await queues.submit((sub.subscription_id, crisis), _job(engine, sub, event, body)))
    return futures


def _job(engine: DeliveryEngine, sub: Subscription, event: CloudEvent,
         body: bytes) -> Callable[[], Awaitable[DeliveryOutcome]]:
    return lambda: engine.deliver(sub, event, body=body)
