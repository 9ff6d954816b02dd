"""Prometheus metrics of the feed pollers, registered into `streams.metrics.REGISTRY` (served on /metrics)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from streams.metrics import REGISTRY


@dataclass(frozen=True)
class PollerMetrics:
    """The poller's instruments; tests build their own on a private registry with `create`."""

    polls: Counter  # labels: feed, outcome
    published_bytes: Counter  # labels: feed
    consecutive_failures: Gauge  # labels: feed
    last_success: Gauge  # labels: feed

    @classmethod
    def create(cls, registry: CollectorRegistry) -> "PollerMetrics":
        return cls(
            polls=Counter("rrc_feed_polls_total", "Feed polls by outcome", ["feed", "outcome"], registry=registry),
            published_bytes=Counter("rrc_feed_published_bytes_total", "Feed document bytes published", ["feed"],
                                    registry=registry),
            consecutive_failures=Gauge("rrc_feed_consecutive_failures", "Failed polls in a row", ["feed"],
                                       registry=registry),
            last_success=Gauge("rrc_feed_last_success_timestamp_seconds", "When a feed was last polled successfully",
                               ["feed"], registry=registry),
        )


METRICS = PollerMetrics.create(REGISTRY)
