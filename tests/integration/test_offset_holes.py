"""The crisis agent's hole filler reads exactly the missing offsets of a partition from the real broker."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition

from streams.agents.offsets import HoleReader, OffsetGuard, fill_hole
from tests.kafka_helpers import produce

pytestmark = pytest.mark.integration


async def test_a_hole_is_filled_with_the_missing_records_in_order(kafka_bootstrap, topic_prefix):
    topic = f"{topic_prefix}holes"
    await produce(kafka_bootstrap, topic, [(b"k", f"v{i}".encode(), [("h", str(i).encode())]) for i in range(10)])
    tp = TopicPartition(topic, 0)
    carrier = SimpleNamespace(message=SimpleNamespace(topic=topic, partition=0, offset=7, tp=tp))
    guard = OffsetGuard()
    for offset in (0, 1, 2):
        assert not guard.check(tp, offset)
    missing = guard.check(tp, 7)  # 3..6 never handed over
    reader = HoleReader(kafka_bootstrap, timeout_s=10)
    try:
        filled = await fill_hole(reader, carrier, missing)
    finally:
        await reader.stop()
    assert [e.message.offset for e in filled] == [3, 4, 5, 6]
    assert [e.value for e in filled] == [b"v3", b"v4", b"v5", b"v6"]
    assert all(e.carrier is carrier and e.message.tp == tp and e.key == b"k" for e in filled)
    assert dict(filled[0].message.headers) == {"h": b"3"}
