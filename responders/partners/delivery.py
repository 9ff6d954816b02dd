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

Throughput comes from one pooled `httpx.AsyncClient` with keep-alive (`make_client`), a body serialised once per
event and shared by all its subscriptions, event facts read once per event for matching (`fan_out`), subscription
URLs parsed once, cached HMAC keys, and no per-delivery threads. The client's transport is `OriginPool`, not
httpx's default pool, whose cost per request grows with its number of connections (a sender keeping connections to
hundreds of partners collapses on it: about 1,300 posts/s at 8 connections, 250 at 64 on the bench machine); the
client keeps no cookies. What remains is httpx/httpcore's own HTTP/1.1 work, roughly half a millisecond of CPU
per request; the engine's own work per delivery is a few tens of microseconds. One event loop uses one core: more
throughput means more worker processes, each delivering for its own partitions.

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
import sys
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, Literal

import httpcore
import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict

from responders.partners import signing
from responders.partners.filters import facts_of
from responders.partners.retry import DEFAULT_JITTER, DEFAULT_SCHEDULE_S, next_delay, parse_retry_after
from responders.partners.subscriptions import Subscription, active_secrets, wants
from streams.cloudevents import CloudEvent

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


_HTTPX_ERRORS: dict[type, type] = {}


def _httpx_error(exc: Exception) -> Exception | None:
    """The httpx exception for an httpcore one (same class names), or None for anything else."""
    kind = type(exc)
    if kind not in _HTTPX_ERRORS:
        for base in kind.__mro__:
            if base.__module__.startswith("httpcore") and isinstance(getattr(httpx, base.__name__, None), type):
                _HTTPX_ERRORS[kind] = getattr(httpx, base.__name__)
                break
        else:
            _HTTPX_ERRORS[kind] = None
    mapped = _HTTPX_ERRORS[kind]
    return mapped(str(exc)) if mapped is not None else None


class _PooledStream(httpx.AsyncByteStream):
    """A response body; closing it hands the connection back to its pool."""

    def __init__(self, pool: OriginPool, conn: httpcore.AsyncHTTPConnection, key: tuple, stream: Any) -> None:
        self._pool, self._conn, self._key, self._stream, self._closed = pool, conn, key, stream, False

    async def __aiter__(self):
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            mapped = _httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            await self._pool._checkin(self._conn, self._key)


class OriginPool(httpx.AsyncBaseTransport):
    """An httpx transport keeping idle keep-alive connections per origin: taking one and giving it back cost O(1).

    httpx's default pool (httpcore 1.0) rescans all its connections on every request and release, with a
    quadratic step over idle ones, so its throughput falls as connections grow (measured here: about 1,300 posts/s
    at 8 connections, about 250/s at 64); a sender keeping connections to hundreds of partners cannot use it. This
    pool keeps a stack of idle connections per (scheme, host, port), newest on top, and one LRU order across
    origins. At most `max_connections` requests are on the wire (waiting beyond the request's pool timeout raises
    httpx.PoolTimeout); open connections never exceed `max_connections` (the least recently used idle connection is
    closed to make room) and idle ones `max_keepalive_connections`. Idle connections are checked for a server-side
    close before reuse and dropped after `keepalive_expiry` seconds. The HTTP/1.1 exchange itself is httpcore's
    (HTTP/1.1 only, no proxies).
    """

    def __init__(self, *, max_connections: int = 256, max_keepalive_connections: int | None = None,
                 keepalive_expiry: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be >= 1, not {max_connections}")
        self.max_connections = max_connections
        self.max_keepalive = max_connections if max_keepalive_connections is None else max_keepalive_connections
        self.keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: dict[tuple, list[httpcore.AsyncHTTPConnection]] = {}
        self._lru: OrderedDict[httpcore.AsyncHTTPConnection, tuple[tuple, float]] = OrderedDict()
        self._checked_out = 0
        self._closed = False

    @property
    def open_connections(self) -> int:
        return self._checked_out + len(self._lru)

    @property
    def idle_connections(self) -> int:
        return len(self._lru)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        core_url = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
        origin = core_url.origin
        key = (origin.scheme, origin.host, origin.port)
        timeouts = request.extensions.get("timeout") or {}
        await self._take_slot(timeouts.get("pool"))
        try:
            conn = await self._checkout(key, origin)
        except BaseException:
            self._slots.release()
            raise
        core_request = httpcore.Request(method=request.method, url=core_url, headers=request.headers.raw,
                                        content=request.stream, extensions=request.extensions)
        try:
            response = await conn.handle_async_request(core_request)
        except BaseException as exc:
            await self._discard(conn)  # a failed exchange leaves the connection suspect (or never connected)
            mapped = _httpx_error(exc) if isinstance(exc, Exception) else None
            if mapped is None:
                raise
            raise mapped from exc
        return httpx.Response(status_code=response.status, headers=response.headers,
                              stream=_PooledStream(self, conn, key, response.stream), extensions=response.extensions)

    async def aclose(self) -> None:
        self._closed = True
        idle = list(self._lru)
        self._lru.clear()
        self._idle.clear()
        for conn in idle:
            await self._close(conn)

    async def _take_slot(self, timeout: float | None) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # free slot: no suspension, no timer
            return
        try:
            async with asyncio.timeout(timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout(f"no free connection within {timeout} s") from None

    async def _checkout(self, key: tuple, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        await self._expire_oldest()
        stack = self._idle.get(key)
        while stack:
            conn = stack.pop()
            del self._lru[conn]
            if not stack:
                del self._idle[key]
            if conn.is_idle() and not conn.has_expired():
                self._checked_out += 1
                return conn
            await self._close(conn)
        while self.open_connections >= self.max_connections and self._lru:
            await self._evict_lru()
        self._checked_out += 1
        return httpcore.AsyncHTTPConnection(origin, ssl_context=self._context(origin),
                                            keepalive_expiry=self.keepalive_expiry)

    async def _checkin(self, conn: httpcore.AsyncHTTPConnection, key: tuple) -> None:
        self._checked_out -= 1
        self._slots.release()
        if self._closed or not conn.is_idle() or self.max_keepalive == 0:
            await self._close(conn)
            return
        self._idle.setdefault(key, []).append(conn)
        self._lru[conn] = (key, time.monotonic())
        while len(self._lru) > self.max_keepalive:
            await self._evict_lru()

    async def _discard(self, conn: httpcore.AsyncHTTPConnection) -> None:
        self._checked_out -= 1
        self._slots.release()
        await self._close(conn)

    async def _evict_lru(self) -> None:
        conn, (key, _since) = self._lru.popitem(last=False)
        stack = self._idle.get(key)
        if stack is not None:
            stack.remove(conn)
            if not stack:
                del self._idle[key]
        await self._close(conn)

    async def _expire_oldest(self, at_most: int = 2) -> None:
        """Close up to `at_most` connections idle for longer than `keepalive_expiry` (amortised sweep)."""
        now = time.monotonic()
        for _ in range(at_most):
            if not self._lru:
                return
            _conn, (_key, since) = next(iter(self._lru.items()))
            if now - since <= self.keepalive_expiry:
                return
            await self._evict_lru()

    def _context(self, origin: httpcore.Origin) -> ssl.SSLContext | None:
        if origin.scheme != b"https":
            return None
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    @staticmethod
    async def _close(conn: httpcore.AsyncHTTPConnection) -> None:
        try:
            await conn.aclose()
        except Exception:  # closing a broken socket: nothing left to do
            log.debug("error closing a webhook connection", exc_info=True)


def _skip_missing_sniffio() -> None:
    """Remember that `sniffio` is absent so httpcore's per-request `import sniffio` fails at once.

    httpcore 1.0 imports sniffio (optional) each time it creates a lock or a cancellation shield, four times per
    request; when it is not installed every attempt searches the whole import path again (about a fifth of the
    CPU of a request here). A None entry in sys.modules makes the import fail immediately, which is what the
    absence means anyway (httpcore then assumes asyncio). Nothing changes when sniffio is installed.
    """
    if "sniffio" in sys.modules:
        return
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing: a webhook sender has no session with partners, and one partner's cookies must
    not pile up in a client shared by all of them (httpx would otherwise parse every response for cookies)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class WebhookClient(httpx.AsyncClient):
    """httpx.AsyncClient without a cookie jar."""

    _no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, value: Any) -> None:
        raise TypeError("the webhook client keeps no cookies")


def make_client(*, max_connections: int = 256, keepalive_expiry_s: float = 30.0,
                timeout_s: float = DEFAULT_TIMEOUT_S) -> httpx.AsyncClient:
    """The one client a worker delivers with: an `OriginPool` transport, keep-alive, no redirects, no environment
    proxies, no cookies."""
    _skip_missing_sniffio()
    return WebhookClient(transport=OriginPool(max_connections=max_connections, keepalive_expiry=keepalive_expiry_s),
                         timeout=httpx.Timeout(timeout_s), follow_redirects=False, trust_env=False,
                         headers={"user-agent": USER_AGENT})


def _retryable(status_code: int) -> bool:
    return status_code >= 500 or status_code in RETRY_STATUS


class DeliveryEngine:
    """Posts events to subscriptions; see the module docstring for the rules."""

    def __init__(self, client: httpx.AsyncClient, *, schedule: Sequence[float] = DEFAULT_SCHEDULE_S,
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
        self._timeout = httpx.Timeout(timeout_s)
        self._urls: dict[str, httpx.URL] = {}
        self._in_flight = asyncio.Semaphore(max_in_flight) if max_in_flight else None

    async def deliver(self, sub: Subscription, event: CloudEvent, *, body: bytes | None = None) -> DeliveryOutcome:
        """Deliver `event` to `sub` until it is delivered, refused, gone or out of retries; never raises for
        anything the partner or the network does. `body` may be passed when one event goes to many subscriptions.
        """
        body = event_body(event) if body is None else body
        attempts: list[Attempt] = []
        n = 0
        while True:
            n += 1
            attempt, retry_after, permanent = await self._attempt(sub, event.id, body, n)
            attempts.append(attempt)
            if self.on_attempt is not None:
                await self.on_attempt(sub, event, attempt)
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

    def _url(self, url: str) -> httpx.URL:
        """Subscription URLs parsed once (httpx would parse the string on every request)."""
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= URL_CACHE_SIZE:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
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
            async with asyncio.timeout(self.timeout_s):
                async with self.client.stream("POST", self._url(url), content=body, headers=headers,
                                              timeout=self._timeout) as response:
                    status = response.status_code
                    retry_after = response.headers.get("retry-after")
                    await self._discard_body(response)
        except (TimeoutError, httpx.TimeoutException) as exc:
            if status is None:  # a slow body after the status line does not undo the answer
                error = f"timeout after {self.timeout_s:g} s ({type(exc).__name__})"
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            error, permanent = f"unusable url: {exc}", True
        except (httpx.HTTPError, OSError) as exc:
            if status is None:
                error = f"{type(exc).__name__}: {exc}"[:300]
        return status, retry_after, error, permanent, (time.perf_counter() - started) * 1000

    async def _discard_body(self, response: httpx.Response) -> None:
        """Read (and drop) the answer so the connection can be reused; stop at `max_response_bytes`."""
        seen = 0
        async for chunk in response.aiter_raw():
            seen += len(chunk)
            if seen > self.max_response_bytes:
                break  # closing an unread response closes its connection; a huge answer is not worth reading


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
