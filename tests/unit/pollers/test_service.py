"""The worker-facing pieces: the Kafka publish (headers the normaliser reads), PollerService and build()."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from streams.pollers import FeedConfig, FeedConfigError, kafka_publisher
from streams.pollers.register import build
from streams.pollers.service import PollerService
from responders.signals.normalise import format_of, normalise


class FakeProducer:
    """Stands in for AIOKafkaProducer: records what would be sent."""

    def __init__(self, bootstrap_servers: str = "fake:9092") -> None:
        self.bootstrap_servers = bootstrap_servers
        self.sent: list[dict] = []
        self.started = self.stopped = False
        self.event = asyncio.Event()

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def send_and_wait(self, topic, value=None, key=None, partition=None, timestamp_ms=None, headers=None):
        self.sent.append(dict(topic=topic, value=value, key=key, headers=list(headers or [])))
        self.event.set()


async def test_kafka_publish_sets_the_headers_the_normaliser_reads(shared_data):
    producer = FakeProducer()
    publish = kafka_publisher(producer, "p.rrc.signals.raw")
    feed = FeedConfig(name="gdacs-rss", url="https://gdacs.test/rss.xml", format="gdacs")
    body = (shared_data / "gdacs" / "gdacs_rss_2019-12-30.xml").read_bytes()

    await publish(feed, body)

    (msg,) = producer.sent
    assert msg["topic"] == "p.rrc.signals.raw" and msg["key"] == b"gdacs-rss" and msg["value"] == body
    assert msg["headers"] == [("rrc-format", b"gdacs"), ("rrc-feed", b"gdacs-rss")]
    result = normalise(msg["value"], format_of(msg["headers"]))
    assert len(result.signals) == 16 and not result.failures


async def test_auto_format_is_detected_downstream(shared_data):
    producer = FakeProducer()
    feed = FeedConfig(name="usgs", url="https://usgs.test/x.geojson")  # format: auto
    body = (shared_data / "usgs" / "significant_month_2023-10-11.geojson").read_bytes()
    await kafka_publisher(producer, "raw")(feed, body)
    assert format_of(producer.sent[0]["headers"]) == "auto"
    assert len(normalise(body, "auto").signals) == 18


async def test_poller_service_starts_polls_publishes_and_stops(shared_data, tmp_path):
    sample = tmp_path / "cap.xml"
    shutil.copyfile(shared_data / "gdacs" / "gdacs_cap_feed_2020-11-10.xml", sample)
    producers: list[FakeProducer] = []

    def factory(bootstrap):
        producers.append(FakeProducer(bootstrap))
        return producers[-1]

    service = PollerService([FeedConfig(name="cap", url=sample.as_uri(), format="cap", interval_s=60)],
                            bootstrap_servers="b:9092", topic="raw", state_path=tmp_path / "state.json",
                            clock=lambda: datetime.now(timezone.utc), producer_factory=factory, start_delay_s=0)
    await service.start()
    try:
        (producer,) = producers
        assert producer.started and producer.bootstrap_servers == "b:9092"
        await asyncio.wait_for(producer.event.wait(), 5)
    finally:
        await service.stop()
    assert producer.stopped and service.pollers is None
    assert producer.sent[0]["value"] == sample.read_bytes()
    assert (tmp_path / "state.json").exists()


def runtime_for(tmp_path: Path, feeds_file: Path | None) -> SimpleNamespace:
    settings = SimpleNamespace(feeds_file=feeds_file, bootstrap_servers="k:9092", data_dir=tmp_path / "data",
                               topic_prefix="t1.", feeds_max_body_bytes=500_000, feeds_max_backoff_s=1800.0)
    topics = SimpleNamespace(signals_raw=SimpleNamespace(get_topic_name=lambda: "t1.rrc.signals.raw"))
    return SimpleNamespace(settings=settings, topics=topics, clock=lambda: datetime.now(timezone.utc))


def test_build_makes_the_service_for_enabled_feeds(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - {name: a, url: 'https://a.test/'}\n  - {name: b, url: 'https://b.test/', "
                    "enabled: false}\n")
    service = build(runtime_for(tmp_path, path))
    assert [f.name for f in service.feeds] == ["a", "b"]
    assert service.topic == "t1.rrc.signals.raw" and service.bootstrap_servers == "k:9092"
    assert service.state_path == tmp_path / "data" / "pollers" / "t1.state.json"
    assert service.max_body_bytes == 500_000 and service.backoff.cap_s == 1800.0


def test_build_makes_nothing_without_a_file_or_enabled_feeds(tmp_path):
    assert build(runtime_for(tmp_path, None)) is None
    example = Path(__file__).resolve().parents[3] / "config" / "feeds.example.yaml"
    assert build(runtime_for(tmp_path, example)) is None


def test_build_fails_fast_on_a_bad_file(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - {name: a, url: 'gopher://a.test/'}\n")
    with pytest.raises(FeedConfigError, match="gopher"):
        build(runtime_for(tmp_path, path))
