"""FeedPollers.poll_once against a fake feed server: conditional GET, hash skip, publish failures, metrics."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from streams.pollers import Outcome
from tests.unit.pollers.conftest import CAP, FeedServer, feed


async def test_first_poll_publishes_the_document(router, published, make_pollers, registry):
    server = FeedServer(b"<rss>first</rss>")
    router.add("gdacs.test", server)
    pollers = make_pollers([feed()])

    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.PUBLISHED

    assert published.calls == [("gdacs", b"<rss>first</rss>")]
    first = server.requests[0]
    assert "If-None-Match" not in first.headers and "If-Modified-Since" not in first.headers
    assert registry.get_sample_value("rrc_feed_polls_total", {"feed": "gdacs", "outcome": "published"}) == 1
    assert registry.get_sample_value("rrc_feed_published_bytes_total", {"feed": "gdacs"}) == len(b"<rss>first</rss>")


async def test_second_poll_is_conditional_and_a_304_publishes_nothing(router, published, make_pollers, registry):
    server = FeedServer()
    router.add("gdacs.test", server)
    pollers = make_pollers([feed()])
    await pollers.poll_once(pollers.feeds[0])

    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.NOT_MODIFIED

    second = server.requests[1]
    assert second.headers["If-None-Match"] == server.etag
    assert second.headers["If-Modified-Since"] == server.last_modified
    assert len(published.calls) == 1
    assert registry.get_sample_value("rrc_feed_polls_total", {"feed": "gdacs", "outcome": "not_modified"}) == 1


async def test_last_modified_alone_is_sent_when_there_is_no_etag(router, published, make_pollers):
    server = FeedServer(etag=False)
    router.add("gdacs.test", server)
    pollers = make_pollers([feed()])
    await pollers.poll_once(pollers.feeds[0])

    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.NOT_MODIFIED
    assert "If-None-Match" not in server.requests[1].headers
    assert server.requests[1].headers["If-Modified-Since"] == server.last_modified


async def test_same_body_with_200_is_skipped_by_hash(router, published, make_pollers):
    server = FeedServer(etag=False, last_modified=False)
    router.add("gdacs.test", server)
    pollers = make_pollers([feed()])
    await pollers.poll_once(pollers.feeds[0])

    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.UNCHANGED
    assert len(published.calls) == 1


async def test_changed_body_is_published(router, published, make_pollers):
    server = FeedServer(b"<rss>one</rss>")
    router.add("gdacs.test", server)
    pollers = make_pollers([feed()])
    await pollers.poll_once(pollers.feeds[0])
    server.change(b"<rss>two</rss>")

    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.PUBLISHED
    assert published.bodies("gdacs") == [b"<rss>one</rss>", b"<rss>two</rss>"]
    assert server.requests[1].headers["If-None-Match"] == '"v1"'


async def test_new_etag_with_identical_body_updates_validators_without_publishing(router, published, make_pollers):
    server = FeedServer(b"<rss>same</rss>")
    router.add("gdacs.test", server)
    pollers = make_pollers([feed()])
    await pollers.poll_once(pollers.feeds[0])
    server.change(b"<rss>same</rss>")  # new ETag, same bytes

    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.UNCHANGED
    assert pollers.state(pollers.feeds[0]).etag == '"v2"'
    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.NOT_MODIFIED
    assert len(published.calls) == 1


async def test_server_errors_back_off_exponentially_and_reset_after_success(router, published, make_pollers, clock,
                                                                            registry):
    server = FeedServer()
    router.add("gdacs.test", server)
    pollers = make_pollers([feed(interval_s=60)])
    f = pollers.feeds[0]
    server.queue = [httpx.Response(500), httpx.Response(503), httpx.Response(502)]

    delays = []
    for failures in (1, 2, 3):
        assert await pollers.poll_once(f) is Outcome.HTTP_ERROR
        st = pollers.state(f)
        assert st.failures == failures
        delays.append((st.next_attempt - clock()).total_seconds())
        assert await pollers.poll_once(f) is Outcome.DEFERRED  # not due: nothing fetched
        assert len(server.requests) == failures
        clock.set(st.next_attempt)
    assert delays == [60 * 1.125, 120 * 1.125, 240 * 1.125]  # doubling, +12.5 % jitter at rand()=0.5
    assert registry.get_sample_value("rrc_feed_consecutive_failures", {"feed": "gdacs"}) == 3

    assert await pollers.poll_once(f) is Outcome.PUBLISHED
    st = pollers.state(f)
    assert st.failures == 0 and st.last_error is None
    assert st.next_attempt == clock() + timedelta(seconds=60)
    assert registry.get_sample_value("rrc_feed_consecutive_failures", {"feed": "gdacs"}) == 0
    server.queue = [httpx.Response(500)]
    await pollers.poll_once(f)
    assert (pollers.state(f).next_attempt - clock()).total_seconds() == 60 * 1.125  # back to the first step


async def test_backoff_is_capped(router, make_pollers, clock):
    server = FeedServer()
    router.add("gdacs.test", server)
    pollers = make_pollers([feed(interval_s=600)])
    f = pollers.feeds[0]
    for _ in range(8):
        server.queue = [httpx.Response(500)]
        await pollers.poll_once(f)
        clock.set(pollers.state(f).next_attempt)
    server.queue = [httpx.Response(500)]
    before = clock()
    await pollers.poll_once(f)
    assert (pollers.state(f).next_attempt - before).total_seconds() == 3600 * 1.125


async def test_429_retry_after_seconds_is_honoured(router, published, make_pollers, clock, registry):
    server = FeedServer()
    router.add("gdacs.test", server)
    pollers = make_pollers([feed(interval_s=60)])
    f = pollers.feeds[0]
    server.queue = [httpx.Response(429, headers={"Retry-After": "1800"})]

    assert await pollers.poll_once(f) is Outcome.RATE_LIMITED
    assert pollers.state(f).next_attempt == clock() + timedelta(seconds=1800)
    clock.advance(1799)
    assert await pollers.poll_once(f) is Outcome.DEFERRED
    assert len(server.requests) == 1
    clock.advance(1)
    assert await pollers.poll_once(f) is Outcome.PUBLISHED
    assert registry.get_sample_value("rrc_feed_polls_total", {"feed": "gdacs", "outcome": "rate_limited"}) == 1


async def test_429_retry_after_http_date_is_honoured(router, make_pollers, clock):
    server = FeedServer()
    router.add("gdacs.test", server)
    pollers = make_pollers([feed(interval_s=60)])
    server.queue = [httpx.Response(429, headers={"Retry-After": "Tue, 06 Feb 2024 13:30:00 GMT"})]

    await pollers.poll_once(pollers.feeds[0])
    assert (pollers.state(pollers.feeds[0]).next_attempt - clock()).total_seconds() == 90 * 60


async def test_503_retry_after_is_honoured_too(router, make_pollers, clock):
    server = FeedServer()
    router.add("gdacs.test", server)
    pollers = make_pollers([feed(interval_s=60)])
    server.queue = [httpx.Response(503, headers={"Retry-After": "900"})]

    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.HTTP_ERROR
    assert (pollers.state(pollers.feeds[0]).next_attempt - clock()).total_seconds() == 900


async def test_network_errors_and_timeouts_back_off(router, make_pollers):
    server = FeedServer()
    router.add("gdacs.test", server)
    pollers = make_pollers([feed()])
    f = pollers.feeds[0]
    server.queue = [httpx.ConnectError("connection refused")]
    assert await pollers.poll_once(f) is Outcome.NETWORK_ERROR
    assert "ConnectError" in pollers.state(f).last_error
    pollers.clock.set(pollers.state(f).next_attempt)
    server.queue = [httpx.ReadTimeout("slow")]
    assert await pollers.poll_once(f) is Outcome.TIMEOUT
    assert pollers.state(f).failures == 2


async def test_one_feed_raising_never_stops_another(router, published, make_pollers, registry):
    def explode(request):
        raise RuntimeError("bug in a transport")

    router.add("broken.test", explode)
    router.add("usgs.test", FeedServer(b'{"type": "FeatureCollection", "features": []}'))
    pollers = make_pollers([feed("broken"), feed("usgs", format="usgs")])

    outcomes = await asyncio.gather(*(pollers.poll_once(f) for f in pollers.feeds))

    assert outcomes == [Outcome.ERROR, Outcome.PUBLISHED]
    assert published.bodies("usgs") == [b'{"type": "FeatureCollection", "features": []}']
    assert pollers.state(pollers.feeds[0]).failures == 1
    assert "RuntimeError: bug in a transport" == pollers.state(pollers.feeds[0]).last_error
    assert registry.get_sample_value("rrc_feed_polls_total", {"feed": "broken", "outcome": "error"}) == 1


async def test_failed_publish_does_not_advance_state_so_the_next_poll_retries(router, published, make_pollers, clock):
    server = FeedServer(etag=False, last_modified=False)
    router.add("gdacs.test", server)
    pollers = make_pollers([feed(interval_s=60)])
    f = pollers.feeds[0]
    published.fail_with = ConnectionError("broker down")

    assert await pollers.poll_once(f) is Outcome.PUBLISH_ERROR
    st = pollers.state(f)
    assert st.last_hash is None and st.failures == 1 and "broker down" in st.last_error

    published.fail_with = None
    clock.set(st.next_attempt)
    assert await pollers.poll_once(f) is Outcome.PUBLISHED  # same body, but it was never published
    assert published.bodies("gdacs") == [server.body]


async def test_failed_publish_keeps_the_old_validators(router, published, make_pollers, clock):
    server = FeedServer(b"<rss>one</rss>")
    router.add("gdacs.test", server)
    pollers = make_pollers([feed(interval_s=60)])
    f = pollers.feeds[0]
    await pollers.poll_once(f)
    server.change(b"<rss>two</rss>")
    published.fail_with = ConnectionError("broker down")
    await pollers.poll_once(f)

    published.fail_with = None
    clock.set(pollers.state(f).next_attempt)
    assert await pollers.poll_once(f) is Outcome.PUBLISHED
    assert server.requests[-1].headers["If-None-Match"] == '"v1"'  # not the unpublished v2
    assert published.bodies("gdacs") == [b"<rss>one</rss>", b"<rss>two</rss>"]


async def test_a_publish_that_hangs_times_out(router, make_pollers):
    router.add("gdacs.test", FeedServer())

    async def hang(feed, body):
        await asyncio.Event().wait()

    pollers = make_pollers([feed()], publish=hang, publish_timeout_s=0.05)
    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.PUBLISH_ERROR
    assert pollers.state(pollers.feeds[0]).last_error == "TimeoutError"


async def test_too_large_and_empty_bodies_are_failures(router, published, make_pollers, clock):
    server = FeedServer(b"x" * (CAP + 1))
    router.add("gdacs.test", server)
    pollers = make_pollers([feed()])
    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.TOO_LARGE
    clock.set(pollers.state(pollers.feeds[0]).next_attempt)
    server.change(b"  \n")
    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.EMPTY
    assert published.calls == []


async def test_a_changed_url_starts_with_fresh_state(router, published, make_pollers):
    server = FeedServer()
    router.add("gdacs.test", server)
    router.add("mirror.test", server)
    pollers = make_pollers([feed()])
    await pollers.poll_once(pollers.feeds[0])

    moved = feed(url="https://mirror.test/feed.xml")
    assert await pollers.poll_once(moved) is Outcome.PUBLISHED
    assert "If-None-Match" not in server.requests[-1].headers


async def test_feed_names_must_be_unique(make_pollers):
    import pytest

    with pytest.raises(ValueError, match="unique"):
        make_pollers([feed(), feed()])
