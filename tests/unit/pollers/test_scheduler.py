"""FeedPollers under APScheduler: one interval job per enabled feed, clean start/stop in the running loop."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from streams.pollers import FeedState, StateStore
from tests.unit.pollers.conftest import FeedServer, feed


async def wait_until(predicate, timeout: float = 5.0) -> None:
    """Waits for the scheduler to have run a job (real scheduling; no interval is ever slept through)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def seconds_from_now(when: datetime) -> float:
    return (when - datetime.now(timezone.utc)).total_seconds()


async def test_one_interval_job_per_enabled_feed(make_pollers):
    feeds = [feed("a", interval_s=60), feed("b", interval_s=300, enabled=False), feed("c", interval_s=900.5)]
    pollers = make_pollers(feeds, start_delay_s=30, stagger_s=2)
    await pollers.start()
    scheduler = pollers.scheduler
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"feed:a", "feed:c"}
        assert jobs["feed:a"].trigger.interval == timedelta(seconds=60)
        assert jobs["feed:c"].trigger.interval == timedelta(seconds=900.5)
        for job in jobs.values():
            assert (job.max_instances, job.coalesce) == (1, True)
        assert jobs["feed:a"].misfire_grace_time == 60 and jobs["feed:c"].misfire_grace_time == 300
        assert seconds_from_now(jobs["feed:a"].next_run_time) == pytest.approx(30, abs=5)
        gap = (jobs["feed:c"].next_run_time - jobs["feed:a"].next_run_time).total_seconds()
        assert gap == pytest.approx(2, abs=0.5)  # first runs are staggered
        assert scheduler.running
        await pollers.start()  # a second start changes nothing
        assert pollers.scheduler is scheduler
    finally:
        await pollers.stop()
    assert not scheduler.running and pollers.scheduler is None
    await pollers.stop()  # stopping twice is harmless


async def test_stop_without_start_is_harmless(make_pollers):
    await make_pollers([feed()]).stop()


async def test_a_job_polls_and_publishes(router, published, make_pollers):
    router.add("gdacs.test", FeedServer(b"<rss>live</rss>"))
    pollers = make_pollers([feed()], start_delay_s=0)
    await pollers.start()
    try:
        await asyncio.wait_for(published.event.wait(), 5)
    finally:
        await pollers.stop()
    assert published.calls == [("gdacs", b"<rss>live</rss>")]


async def test_a_failing_job_does_not_stop_the_other_feed(router, published, make_pollers):
    def explode(request):
        raise RuntimeError("boom")

    router.add("broken.test", explode)
    router.add("usgs.test", FeedServer(b'{"type": "FeatureCollection", "features": []}'))
    pollers = make_pollers([feed("broken"), feed("usgs")], start_delay_s=0, stagger_s=0)
    await pollers.start()
    try:
        await wait_until(lambda: published.calls and "broken" in pollers.states)
        assert pollers.scheduler.get_job("feed:broken") is not None  # the job is still scheduled
    finally:
        await pollers.stop()
    assert pollers.states["broken"].failures == 1
    assert published.bodies("usgs") == [b'{"type": "FeatureCollection", "features": []}']


async def test_a_failed_job_is_rescheduled_at_its_backoff(router, make_pollers):
    server = FeedServer()
    server.queue = [httpx.Response(500)]
    router.add("gdacs.test", server)
    pollers = make_pollers([feed(interval_s=60)], start_delay_s=0)
    await pollers.start()
    try:
        await wait_until(lambda: "gdacs" in pollers.states)
        job = pollers.scheduler.get_job("feed:gdacs")
        assert seconds_from_now(job.next_run_time) == pytest.approx(60 * 1.125, abs=5)
    finally:
        await pollers.stop()


async def test_start_honours_a_saved_backoff(make_pollers, state_path, clock):
    saved = FeedState(url=feed().url, failures=2, next_attempt=clock() + timedelta(seconds=600))
    await StateStore(state_path).save({"gdacs": saved})
    pollers = make_pollers([feed(interval_s=60)], start_delay_s=1)
    await pollers.start()
    try:
        job = pollers.scheduler.get_job("feed:gdacs")
        assert seconds_from_now(job.next_run_time) == pytest.approx(601, abs=5)
    finally:
        await pollers.stop()


async def test_stop_lets_a_running_poll_finish(router, make_pollers, state_path):
    router.add("gdacs.test", FeedServer())
    entered, release, done = asyncio.Event(), asyncio.Event(), []

    async def slow_publish(feed, body):
        entered.set()
        await release.wait()
        done.append(body)

    pollers = make_pollers([feed()], publish=slow_publish, start_delay_s=0, stop_timeout_s=5)
    await pollers.start()
    await asyncio.wait_for(entered.wait(), 5)
    stopping = asyncio.create_task(pollers.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert done and pollers.states["gdacs"].last_hash is not None


async def test_stop_cancels_a_poll_that_outlives_the_timeout_without_advancing_state(router, make_pollers):
    router.add("gdacs.test", FeedServer())
    entered = asyncio.Event()

    async def hang(feed, body):
        entered.set()
        await asyncio.Event().wait()

    pollers = make_pollers([feed()], publish=hang, start_delay_s=0, stop_timeout_s=0.05)
    await pollers.start()
    await asyncio.wait_for(entered.wait(), 5)
    await asyncio.wait_for(pollers.stop(), 5)
    assert "gdacs" not in pollers.states
