"""Read the roster as the running system has it: both compacted roster topics, from their start to their end.

`rrc token create` uses it to issue expert and partner tokens only for ids on the roster. The wait on the broker
is bounded: an unreachable broker or a read that does not reach the end in time is an error naming the broker.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from config.settings import Settings
from config.topics import ROSTER_EXPERTS, ROSTER_PARTNERS
from responders.roster.store import RosterStore
from streams.faust_adapter import refresh_metadata


class RosterUnreachable(Exception):
    """The roster topics could not be read to their end within the time allowed."""


async def _read(settings: Settings, timeout_s: float) -> RosterStore:
    roster = RosterStore()
    targets = {settings.topic_name(ROSTER_EXPERTS.name): roster.experts,
               settings.topic_name(ROSTER_PARTNERS.name): roster.partners}
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None, enable_auto_commit=False,
                                client_id="rrc-cli-roster", request_timeout_ms=int(timeout_s * 1000))
    try:
        await asyncio.wait_for(consumer.start(), timeout_s)
        await refresh_metadata(consumer)  # a fresh consumer knows no topic's partitions yet
        tps = [TopicPartition(t, p) for t in targets for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not tps:
            return roster  # no roster topics yet: the system has never run with this prefix
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        todo = {tp: end for tp, end in (await consumer.end_offsets(tps)).items() if end > 0}
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=500, max_records=10_000)
            for tp, records in batches.items():
                for r in records:
                    targets[tp.topic].apply_message(r.key, r.value)
                if records and records[-1].offset + 1 >= todo.get(tp, 0):
                    todo.pop(tp, None)
        return roster
    finally:
        await consumer.stop()


def read_roster(settings: Settings, timeout_s: float = 20.0) -> RosterStore:
    """The roster on `settings`' broker; `RosterUnreachable` when it cannot be read within `timeout_s`."""
    try:
        return asyncio.run(asyncio.wait_for(_read(settings, timeout_s), timeout_s))
    except (KafkaError, OSError, TimeoutError, asyncio.TimeoutError) as exc:
        raise RosterUnreachable(
            f"cannot read the roster from the broker at {settings.bootstrap_servers} within {timeout_s:g}s "
            f"({type(exc).__name__}: {exc or 'no answer'}); is the system running (`make run`, `rrc up`)? "
            "Or issue the token through the running API: POST /v1/tokens with an admin token") from exc
