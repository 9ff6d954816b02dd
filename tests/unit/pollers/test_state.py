"""Poller state survives a restart: a new FeedPollers on the same state file re-sends nothing unchanged."""

from __future__ import annotations

import json

import httpx

from streams.pollers import FeedState, Outcome, StateStore
from tests.unit.pollers.conftest import FeedServer, feed


async def test_restart_with_the_same_state_file_does_not_republish(router, published, make_pollers, state_path):
    server = FeedServer()
    router.add("gdacs.test", server)
    first = make_pollers([feed()])
    assert await first.poll_once(first.feeds[0]) is Outcome.PUBLISHED

    again = make_pollers([feed()])
    assert await again.poll_once(again.feeds[0]) is Outcome.NOT_MODIFIED
    assert server.requests[-1].headers["If-None-Match"] == server.etag
    assert len(published.calls) == 1


async def test_restart_without_validators_skips_by_the_saved_hash(router, published, make_pollers):
    router.add("gdacs.test", FeedServer(etag=False, last_modified=False))
    await make_pollers([feed()]).poll_once(feed())

    again = make_pollers([feed()])
    assert await again.poll_once(again.feeds[0]) is Outcome.UNCHANGED
    assert len(published.calls) == 1


async def test_restart_remembers_a_backoff(router, make_pollers, clock):
    server = FeedServer()
    router.add("gdacs.test", server)
    server.queue = [httpx.Response(429, headers={"Retry-After": "600"})]
    await make_pollers([feed()]).poll_once(feed())

    again = make_pollers([feed()])
    assert await again.poll_once(again.feeds[0]) is Outcome.DEFERRED
    assert len(server.requests) == 1


async def test_state_file_is_json_written_atomically(router, make_pollers, state_path):
    router.add("gdacs.test", FeedServer())
    await make_pollers([feed()]).poll_once(feed())

    doc = json.loads(state_path.read_text())
    saved = doc["feeds"]["gdacs"]
    assert doc["version"] == 1
    assert saved["etag"] == '"v1"' and len(saved["last_hash"]) == 64 and saved["failures"] == 0
    assert saved["url"] == "https://gdacs.test/feed.xml"
    assert [p.name for p in state_path.parent.iterdir()] == ["state.json"]  # no temp files left


async def test_deferred_polls_do_not_rewrite_the_state_file(router, make_pollers, state_path):
    server = FeedServer()
    router.add("gdacs.test", server)
    server.queue = [httpx.Response(500)]
    pollers = make_pollers([feed()])
    await pollers.poll_once(pollers.feeds[0])
    state_path.unlink()

    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.DEFERRED
    assert not state_path.exists()


def test_unreadable_state_file_starts_afresh(tmp_path, caplog):
    path = tmp_path / "state.json"
    path.write_text("{not json")
    assert StateStore(path).load() == {}
    assert "unreadable" in caplog.text
    assert StateStore(tmp_path / "missing.json").load() == {}


async def test_store_round_trip(tmp_path, clock):
    store = StateStore(tmp_path / "deep" / "state.json")
    states = {"a": FeedState(url="https://a.test/", etag='"x"', failures=2, next_attempt=clock())}
    await store.save(states)
    assert store.load() == states
