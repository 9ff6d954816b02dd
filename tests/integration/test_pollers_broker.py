"""A file:// GDACS feed polled by the worker's APScheduler job lands as signals on rrc.signals."""

from __future__ import annotations

import shutil

import pytest

from tests.kafka_helpers import consume

pytestmark = pytest.mark.integration


async def test_polled_feed_reaches_signals(start_worker, make_settings, shared_data, tmp_path):
    feed = tmp_path / "gdacs.xml"
    shutil.copy(shared_data / "gdacs" / "gdacs_rss_2019-12-30.xml", feed)
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - name: gdacs-local\n    url: file://{feed}\n    format: gdacs\n"
                     f"    interval_s: 1\n    enabled: true\n")
    runtime, _ = await start_worker(make_settings(feeds_file=feeds))
    s = runtime.settings
    signals = await consume(s.bootstrap_servers, s.topic_name("rrc.signals"), expect=16, timeout=60, idle=3)
    assert len(signals) == 16, "one document polled once: unchanged polls publish nothing"
    raw = await consume(s.bootstrap_servers, s.topic_name("rrc.signals.raw"), expect=1, timeout=10, idle=1)
    assert len(raw) == 1 and dict(raw[0].headers)["rrc-format"] == b"gdacs"
