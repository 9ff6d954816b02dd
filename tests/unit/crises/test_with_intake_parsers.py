"""Cross-check with the intake adapters (skipped when responders.intake is not available)."""

import pytest

from responders.crises import CrisisIndex, correlate

from .factories import DATA, USGS_SIGNIFICANT
from .test_usgs_sample import HERAT_IDS

intake = pytest.importorskip("responders.intake")


def test_parsed_usgs_feed_gives_one_herat_crisis_and_redelivery_is_a_no_op():
    signals = intake.parse(USGS_SIGNIFICANT.read_bytes(), "usgs").signals
    index = CrisisIndex()
    for s in signals:
        correlate(index, s, s.observed_at)
    groups = {frozenset(s.source_id for s in signals if s.signal_id in c.signal_ids) for c in index.open_crises()}
    assert frozenset(HERAT_IDS) in groups
    assert all(not correlate(index, s, s.observed_at).changed for s in signals)


def test_parsed_gdacs_feed_correlates_without_errors():
    signals = intake.parse((DATA / "gdacs" / "gdacs_rss_2019-12-30.xml").read_bytes(), "gdacs").signals
    assert signals
    index = CrisisIndex()
    for s in signals:
        correlate(index, s, s.observed_at)
    assert sum(c.signal_count for c in index.open_crises()) == len({s.signal_id for s in signals})
