"""Publishing a feed document to rrc.signals.raw: the whole body as value, format and feed name as headers."""

from __future__ import annotations

from typing import Protocol, Sequence

from streams.pollers.config import FeedConfig
from streams.pollers.poll import Publish
from responders.signals.normalise import FORMAT_HEADER

FEED_HEADER = "rrc-feed"


class ProducerLike(Protocol):
    """What is used of aiokafka's AIOKafkaProducer."""

    async def send_and_wait(self, topic: str, value: bytes | None = None, key: bytes | None = None,
                            partition: int | None = None, timestamp_ms: int | None = None,
                            headers: Sequence[tuple[str, bytes]] | None = None) -> object: ...


def feed_headers(feed: FeedConfig) -> list[tuple[str, bytes]]:
    return [(FORMAT_HEADER, feed.format.value.encode()), (FEED_HEADER, feed.name.encode())]


def kafka_publisher(producer: ProducerLike, topic: str) -> Publish:
    """A `publish` that returns once the broker acknowledged; keyed by feed name so one feed stays in order."""

    async def publish(feed: FeedConfig, body: bytes) -> None:
        await producer.send_and_wait(topic, value=body, key=feed.name.encode(), headers=feed_headers(feed))

    return publish
