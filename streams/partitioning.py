"""Which partition a key lives on: Kafka's default murmur2 partitioner, so Java and Python clients agree."""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import murmur2


def partition_for(key: str | bytes, partitions: int) -> int:
    data = key.encode() if isinstance(key, str) else key
    return (murmur2(data) & 0x7FFFFFFF) % partitions


@lru_cache(maxsize=65536)
def partition_for_repeated(key: str, partitions: int) -> int:
    """For keys that repeat (correlation keys: one per hazard family or country): the pure-Python hash, cached."""
    return partition_for(key, partitions)
