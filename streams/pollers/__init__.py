"""Feed pollers: fetch configured feeds on a schedule and publish changed documents to rrc.signals.raw."""

from streams.pollers.backoff import Backoff, parse_retry_after
from streams.pollers.config import FeedConfig, FeedFormat, load_feeds
from streams.pollers.exceptions import FeedConfigError, FetchError, PollerError
from streams.pollers.fetch import DEFAULT_MAX_BYTES, Fetched, Fetcher
from streams.pollers.outcome import Outcome
from streams.pollers.poll import Publish, poll_feed
from streams.pollers.publish import FEED_HEADER, feed_headers, kafka_publisher
from streams.pollers.scheduler import FeedPollers
from streams.pollers.state import FeedState, StateStore

__all__ = [
    "DEFAULT_MAX_BYTES", "FEED_HEADER", "Backoff", "FeedConfig", "FeedConfigError", "FeedFormat", "FeedPollers",
    "FeedState", "Fetched", "Fetcher", "FetchError", "Outcome", "PollerError", "Publish", "StateStore",
    "feed_headers", "kafka_publisher", "load_feeds", "parse_retry_after", "poll_feed",
]
