"""FeedPollers: one APScheduler interval job per enabled feed; each poll's outcome is counted, logged and saved."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from streams.pollers.backoff import Backoff
from streams.pollers.config import FeedConfig
from streams.pollers.metrics import METRICS, PollerMetrics
from streams.pollers.outcome import Outcome
from streams.pollers.poll import FetcherLike, PollResult, Publish, failed, poll_feed
from streams.pollers.state import FeedState, StateStore

log = logging.getLogger("rrc.pollers")


def job_id(feed: FeedConfig) -> str:
    return f"feed:{feed.name}"


class FeedPollers:
    """Start from a running loop (the worker's start-up), never at import time; one failing feed never stops another."""

    def __init__(self, feeds: Iterable[FeedConfig], fetcher: FetcherLike, publish: Publish,
                 clock: Callable[[], datetime], state_path: str | os.PathLike[str], *,
                 metrics: PollerMetrics | None = None, backoff: Backoff | None = None,
                 publish_timeout_s: float = 30.0, start_delay_s: float = 1.0, stagger_s: float = 2.0,
                 stop_timeout_s: float = 10.0) -> None:
        self.feeds = list(feeds)
        names = [f.name for f in self.feeds]
        if len(set(names)) != len(names):
            raise ValueError(f"feed names must be unique: {names}")
        self.fetcher, self.publish, self.clock = fetcher, publish, clock
        self.metrics = metrics or METRICS
        self.backoff = backoff or Backoff()
        self.publish_timeout_s, self.start_delay_s, self.stagger_s = publish_timeout_s, start_delay_s, stagger_s
        self.stop_timeout_s = stop_timeout_s
        self.store = StateStore(state_path)
        self.states: dict[str, FeedState] = self.store.load()
        self.scheduler: AsyncIOScheduler | None = None
        self._inflight: set[asyncio.Task] = set()
        self._stopping = False

    def state(self, feed: FeedConfig) -> FeedState:
        """The feed's saved state; a feed whose URL changed starts afresh (its validators were for the old URL)."""
        st = self.states.get(feed.name)
        return st if st is not None and st.url == feed.url else FeedState(url=feed.url)

    async def poll_once(self, feed: FeedConfig) -> Outcome:
        """The job body: poll, count, log, save; never raises (except cancellation)."""
        now = self.clock()
        state = self.state(feed)
        try:
            result = await poll_feed(feed, state, fetcher=self.fetcher, publish=self.publish, now=now,
                                     backoff=self.backoff, publish_timeout_s=self.publish_timeout_s)
        except Exception as exc:  # noqa: BLE001 - a bug in one feed's poll must not stop the others
            log.exception("feed %s: poll failed unexpectedly", feed.name, extra={"feed": feed.name})
            result = failed(feed, state, now, self.backoff, Outcome.ERROR, exc)
        self._record(feed, result, now)
        if result.outcome is not Outcome.DEFERRED:
            self.states[feed.name] = result.state
            try:
                await self.store.save(self.states)
            except OSError:
                log.exception("feed %s: cannot save poller state to %s", feed.name, self.store.path,
                              extra={"feed": feed.name})
        return result.outcome

    def _record(self, feed: FeedConfig, result: PollResult, now: datetime) -> None:
        m, name, outcome = self.metrics, feed.name, result.outcome
        m.polls.labels(name, outcome.value).inc()
        m.consecutive_failures.labels(name).set(result.state.failures)
        extra = {"feed": name, "outcome": outcome.value}
        if outcome is Outcome.PUBLISHED:
            m.published_bytes.labels(name).inc(result.published_bytes)
        if not outcome.is_failure and outcome is not Outcome.DEFERRED:
            m.last_success.labels(name).set(now.timestamp())
        if outcome is Outcome.PUBLISHED:
            log.info("feed %s: published %d bytes", name, result.published_bytes,
                     extra={**extra, "bytes": result.published_bytes})
        elif outcome.is_failure:
            log.warning("feed %s: %s (%s); failure %d in a row, next attempt in %.0fs", name, outcome.value,
                        result.error, result.state.failures, result.retry_in_s or 0,
                        extra={**extra, "failures": result.state.failures, "error": result.error})
        else:
            log.debug("feed %s: %s", name, outcome.value, extra=extra)

    async def start(self) -> None:
        """One interval job per enabled feed, first run after any saved backoff or interval, staggered."""
        if self.scheduler is not None:
            return
        scheduler = AsyncIOScheduler(timezone=timezone.utc)
        for index, feed in enumerate(f for f in self.feeds if f.enabled):
            first = self._initial_delay(feed) + self.start_delay_s + index * self.stagger_s
            scheduler.add_job(self._job, "interval", seconds=feed.interval_s, args=(feed,), id=job_id(feed),
                              name=job_id(feed), next_run_time=_wall_in(first), max_instances=1, coalesce=True,
                              misfire_grace_time=max(1, int(min(feed.interval_s, 300))))
        scheduler.start()  # takes the running loop; raises outside one
        self._stopping = False
        self.scheduler = scheduler
        log.info("feed pollers started: %s", ", ".join(j.name for j in scheduler.get_jobs()) or "no enabled feeds")

    def _initial_delay(self, feed: FeedConfig) -> float:
        st = self.state(feed)
        if st.next_attempt is None:
            return 0.0
        longest = max(feed.interval_s, self.backoff.cap_s, self.backoff.max_retry_after_s)
        return min(longest, max(0.0, (st.next_attempt - self.clock()).total_seconds()))

    async def _job(self, feed: FeedConfig) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await self.poll_once(feed)
            self._reschedule_backoff(feed)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Cut off by stop(): its state was not advanced, so the next start polls it again.
            log.info("feed %s: poll cancelled at shutdown", feed.name, extra={"feed": feed.name})
        finally:
            self._inflight.discard(task)

    def _reschedule_backoff(self, feed: FeedConfig) -> None:
        """After a failure run next at the backoff time instead of the next interval tick."""
        st = self.states.get(feed.name)
        if self.scheduler is None or st is None or not st.failures or st.next_attempt is None:
            return
        delay = max(0.0, (st.next_attempt - self.clock()).total_seconds())
        try:
            self.scheduler.modify_job(job_id(feed), next_run_time=_wall_in(delay))
        except JobLookupError:
            pass

    async def stop(self) -> None:
        """No new polls; let running ones finish (up to stop_timeout_s), then shut the scheduler down."""
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is None or not scheduler.running:
            return
        self._stopping = True
        scheduler.pause()
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=self.stop_timeout_s)
        scheduler.shutdown(wait=False)  # cancels polls still running; their state was not advanced
        for _ in range(10):  # AsyncIOScheduler shuts down in a loop callback
            if not scheduler.running:
                break
            await asyncio.sleep(0)
        if self._inflight:  # let the cancelled polls unwind before returning
            await asyncio.wait(set(self._inflight), timeout=1.0)


def _wall_in(seconds: float) -> datetime:
    """APScheduler runs on wall-clock time: durations computed with the injected clock are anchored here."""
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)
