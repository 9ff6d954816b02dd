"""Which partition a key lives on: Kafka's default murmur2 partitioner, so Java and Python clients agree."""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import DefaultPartitioner, murmur2


def partition_for(key: str | bytes, partitions: int) -> int:
    data = key.encode() if isinstance(key, str) else key
    return (murmur2(data) & 0x7FFFFFFF) % partitions


@lru_cache(maxsize=65536)
def partition_for_repeated(key: str | bytes, partitions: int) -> int:
    """For keys that repeat (correlation keys: one per hazard family or country; the producer's keys): the
    pure-Python hash, cached."""
    return partition_for(key, partitions)


class CachedPartitioner:
    """The producer's partitioner: Kafka's default (murmur2 of the key, random without a key), with each key's hash
    cached. aiokafka's murmur2 is pure Python, and an owner sends several records under one key (a crisis's
    recorded event and its CloudEvent, a plan's events): hashing took 3 % of the crisis path."""

    def __call__(self, key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
        if key is None:
            return DefaultPartitioner()(key, all_partitions, available)
        return all_partitions[partition_for_repeated(key, len(all_partitions))]
