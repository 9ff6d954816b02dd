"""One poll of one feed as a plain function: fetch, skip what has not changed, publish, and compute the new state.

Unchanged data is not re-sent at three levels: a 304 (ETag / Last-Modified, or a file's mtime and size) publishes
nothing; a full body whose sha256 equals the last published body is skipped; a changed body is published whole
(the normalise stage splits it into signals). Items inside a changed document that were already sent go again;
that is safe because signals are keyed by `signal_id` and correlation is idempotent per signal_id.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable, Protocol

from streams.pollers.backoff import Backoff, parse_retry_after
from streams.pollers.config import FeedConfig
from streams.pollers.exceptions import FetchError
from streams.pollers.fetch import Fetched
from streams.pollers.outcome import Outcome
from streams.pollers.state import FeedState

Publish = Callable[[FeedConfig, bytes], Awaitable[None]]


class FetcherLike(Protocol):
    async def fetch(self, feed: FeedConfig, etag: str | None = None,
                    last_modified: str | None = None) -> Fetched: ...


@dataclass(frozen=True)
class PollResult:
    outcome: Outcome
    state: FeedState
    published_bytes: int = 0
    error: str | None = None
    retry_in_s: float | None = None


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def poll_feed(feed: FeedConfig, state: FeedState, *, fetcher: FetcherLike, publish: Publish, now: datetime,
                    backoff: Backoff, publish_timeout_s: float) -> PollResult:
    """Never raises for fetch or publish failures: they become a failed outcome with a backoff in the new state."""
    if not state.due(now):
        return PollResult(Outcome.DEFERRED, state)
    try:
        fetched = await fetcher.fetch(feed, state.etag, state.last_modified)
    except FetchError as exc:
        return failed(feed, state, now, backoff, exc.outcome, exc, parse_retry_after(exc.retry_after, now))
    if fetched.not_modified:
        return PollResult(Outcome.NOT_MODIFIED, state.succeeded(now, feed.interval_s, etag=fetched.etag,
                                                                last_modified=fetched.last_modified))
    digest = body_hash(fetched.body)
    validators = dict(etag=fetched.etag, last_modified=fetched.last_modified)
    if digest == state.last_hash:
        return PollResult(Outcome.UNCHANGED, state.succeeded(now, feed.interval_s, **validators))
    try:
        async with asyncio.timeout(publish_timeout_s):
            await publish(feed, fetched.body)
    except Exception as exc:  # noqa: BLE001 - a failed publish is a failed poll: state stays, the next poll retries
        return failed(feed, state, now, backoff, Outcome.PUBLISH_ERROR, exc)
    return PollResult(Outcome.PUBLISHED,
                      state.succeeded(now, feed.interval_s, last_hash=digest, last_published_at=now, **validators),
                      published_bytes=len(fetched.body))


def failed(feed: FeedConfig, state: FeedState, now: datetime, backoff: Backoff, outcome: Outcome,
           exc: BaseException, retry_after_s: float | None = None) -> PollResult:
    """The failed result: one more consecutive failure and the next attempt pushed back."""
    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    delay = backoff.delay(state.failures + 1, feed.interval_s, retry_after_s)
    return PollResult(outcome, state.failed(now, delay, error), error=error, retry_in_s=delay)
