"""Register the feed pollers on the worker's runtime when `RRC_FEEDS_FILE` names a feeds file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from streams.pollers.backoff import Backoff
from streams.pollers.config import load_feeds
from streams.pollers.service import PollerService

if TYPE_CHECKING:
    from streams.wiring import Wiring

log = logging.getLogger("rrc.pollers")


def build(runtime: "Wiring") -> PollerService | None:
    """The pollers of RRC_FEEDS_FILE (None without one); a bad feeds file raises FeedConfigError at build time."""
    s = runtime.settings
    if s.feeds_file is None:
        return None
    feeds = load_feeds(s.feeds_file)
    if not any(f.enabled for f in feeds):
        log.info("feeds file %s has no enabled feed; no polling", s.feeds_file)
        return None
    return PollerService(
        feeds,
        bootstrap_servers=s.bootstrap_servers,
        topic=runtime.topics.signals_raw.get_topic_name(),
        state_path=Path(s.data_dir) / "pollers" / f"{s.topic_prefix}state.json",
        clock=runtime.clock,
        max_body_bytes=s.feeds_max_body_bytes,
        backoff=Backoff(cap_s=s.feeds_max_backoff_s),
    )
