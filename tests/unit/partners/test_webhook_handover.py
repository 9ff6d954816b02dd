"""The webhook service across a rebalance: what it commits, when, and what it posts again.

A commit sent while the group rebalances is refused, and aiokafka answers a refusal by rejoining once more; the
service's once-a-second committer kept a group's leader rejoining for minutes after a SIGSTOP in the chaos run
(its partitions were not read meanwhile). These pin the rules that stop it, on the service's own logic with a
stand-in consumer; the chaos test runs them on a real broker.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from aiokafka import TopicPartition

from config.settings import Settings
from streams.stages.webhooks import WebhookService, Watermarks
from tests.unit.partners.factories import event, subscription

EVENTS, JOBS = "rrc.response-events", "rrc.webhooks.jobs"
P0, P1 = TopicPartition(EVENTS, 0), TopicPartition(EVENTS, 1)


class Consumer:
    """What the service asks of its consumer: the assignment and commits."""

    def __init__(self, *assigned: TopicPartition) -> None:
        self.assigned = set(assigned)
        self.commits: list[dict[TopicPartition, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    async def commit(self, offsets) -> None:
        self.commits.append({tp: meta.offset for tp, meta in offsets.items()})


class Queues:
    def __init__(self) -> None:
        self.submitted: list[tuple] = []

    async def submit(self, key, factory) -> None:
        self.submitted.append(key)


def _topic(name: str):
    return SimpleNamespace(get_topic_name=lambda: name)


def service(*assigned: TopicPartition, subs=()) -> WebhookService:
    topics = SimpleNamespace(response_events=_topic(EVENTS), webhook_jobs=_topic(JOBS),
                             webhook_deliveries=_topic("rrc.webhooks.deliveries"),
                             webhook_deadletter=_topic("rrc.webhooks.deadletter"), subscriptions=_topic("rrc.subs"))
    views = SimpleNamespace(subscriptions=SimpleNamespace(records={s.subscription_id: s for s in subs}),
                            webhook_log=SimpleNamespace(finished=lambda *_: False))
    runtime = SimpleNamespace(settings=Settings(session_timeout_s=10), topics=topics, views=views)
    svc = WebhookService(runtime)
    svc._consumer = Consumer(*assigned)
    svc.queues = Queues()
    return svc


def test_a_revocation_commits_the_leaving_partitions_then_nothing_is_committed_until_the_assignment():
    svc = service(P0, P1)
    svc.marks.read(P0, 10, 0)  # P0: done through 10
    svc.marks.read(P1, 4, 1)  # P1: offset 4 still being delivered
    svc.marks.read(P1, 5, 0)

    asyncio.run(svc.revoked({P0, P1}))
    assert svc._consumer.commits == [{P0: 11, P1: 4}]  # the low watermark, while this member still holds them
    assert svc.rebalancing and svc.marks.commits() == {}  # forgotten: a partition that returns is read again

    asyncio.run(svc.commit_due())  # the timer during the rebalance: no commit
    assert len(svc._consumer.commits) == 1

    svc._consumer.assigned = {P1}
    svc.assigned({P1})
    assert not svc.rebalancing
    svc.marks.read(P1, 4, 0)
    asyncio.run(svc.commit_due())
    assert svc._consumer.commits[-1] == {P1: 5}


def test_a_delivery_still_running_when_its_partition_returns_is_counted_not_posted_again():
    sub, _secret = subscription()
    svc = service(TopicPartition(JOBS, 0), subs=[sub])
    tp = TopicPartition(JOBS, 0)
    job = {"event": event().to_structured(), "subscription_id": sub.subscription_id, "replay_id": "rp-1"}
    record = SimpleNamespace(value=json.dumps(job, default=str).encode(), offset=7, headers=[], key=None)

    asyncio.run(svc._dispatch(tp, record))
    assert len(svc.queues.submitted) == 1 and svc.marks.commits() == {tp: 7}

    asyncio.run(svc.revoked({tp}))  # the job is still running (retrying) here
    svc.assigned({tp})
    asyncio.run(svc._dispatch(tp, record))  # read again from the commit
    assert len(svc.queues.submitted) == 1  # not a second delivery
    assert svc.marks.commits() == {tp: 7}  # but it holds the commit until the running one ends
    svc.marks.done(tp, 7)  # what the running job does when it ends
    assert svc.marks.commits() == {tp: 8}


def test_watermarks_forget_only_the_partitions_named():
    marks = Watermarks()
    marks.read(P0, 3, 1)
    marks.read(P1, 9, 0)
    marks.forget({P0})
    assert marks.commits() == {P1: 10}
