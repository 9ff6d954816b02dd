"""Which partition a key lives on: Kafka's default murmur2 partitioner, so Java and Python clients agree."""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import murmur2


@lru_cache(maxsize=65536)
def partition_for(key: str | bytes, partitions: int) -> int:
    """Correlation keys repeat (one per hazard family or country), so the pure-Python hash is cached."""
    data = key.encode() if isinstance(key, str) else key
    return (murmur2(data) & 0x7FFFFFFF) % partitions
