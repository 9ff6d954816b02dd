"""The owners' sends go out as record batches (`faust_adapter.send_batched`): every message once, on the partition
Kafka's default partitioner gives its key (or the one it names), in order within each partition; the metadata
returned names the last offset of each batch, which is what the store records as persisted."""

from __future__ import annotations

from collections import defaultdict

import pytest

from streams.agents.records import send_out
from streams.partitioning import partition_for
from tests.kafka_helpers import consume

pytestmark = pytest.mark.integration

N = 900  # 3 KB each: several 512 KB batches per topic


async def test_send_out_sends_every_message_once_in_order_per_partition(start_worker):
    runtime, _ = await start_worker()
    settings = runtime.settings
    # topics the worker declares and nobody reads back as public events (the suite's last check reads every
    # rrc.response-events topic as such)
    keyed, states = settings.topic_name("rrc.deadletter"), settings.topic_name("rrc.delivery.state")
    partitions = settings.topic_partitions
    outgoing = []
    for i in range(N):
        outgoing.append((keyed, f"cri-{i % 7}".encode(), f"{i}:".encode() + b"e" * 3000, None,
                         [("n", str(i).encode())]))
        outgoing.append((states, f"int-{i}".encode(), f"{i}:".encode() + b"s" * 3000, i % partitions, []))
    metas = await send_out(runtime.app, settings, outgoing)
    assert 2 * partitions <= len(metas) < N  # batches, not one acknowledgement per message

    for topic, named in ((keyed, False), (states, True)):
        records = await consume(settings.bootstrap_servers, topic, expect=N, timeout=60)
        numbers = [int(r.value.split(b":")[0]) for r in records]
        assert sorted(numbers) == list(range(N))  # each once
        by_partition: dict[int, list] = defaultdict(list)
        for record, n in zip(records, numbers):
            expected = n % partitions if named else partition_for(record.key, partitions)
            assert record.partition == expected, (topic, n)
            by_partition[record.partition].append((record.offset, n))
            if not named:
                assert dict(record.headers)["n"] == str(n).encode()
        for partition, seen in by_partition.items():
            assert [n for _, n in sorted(seen)] == sorted(n for _, n in seen)  # in the order sent
            last = max(m.offset for m in metas if m.topic == topic and m.partition == partition)
            assert last == max(offset for offset, _ in seen)  # what mark_persisted records
