"""GDACS RSS: one signal per event episode with alert level, countries, population and GLIDE."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest

from responders.intake.exceptions import UnreadableInput
from responders.intake.gdacs import parse_gdacs
from vocabulary.signals import Hazard, Severity, SignalStatus, Urgency

FEED = "gdacs/gdacs_rss_2019-12-30.xml"


@pytest.fixture(scope="module")
def signals(sample):
    result = parse_gdacs(sample(FEED))
    assert result.rejections == []
    return {s.source_id: s for s in result.signals}


def test_counts_by_severity_and_hazard(signals):
    assert len(signals) == 16
    assert Counter(s.severity for s in signals.values()) == {Severity.SEVERE: 8, Severity.MINOR: 8}
    assert Counter(s.hazard for s in signals.values()) == {
        Hazard.DROUGHT: 11, Hazard.EARTHQUAKE: 2, Hazard.TROPICAL_CYCLONE: 3}
    assert all(s.status is SignalStatus.ACTUAL and s.source == "gdacs" for s in signals.values())


def test_orange_cyclone_with_glide(signals):
    phanfone = signals["TC:1000641:29"]
    assert phanfone.severity is Severity.SEVERE
    assert phanfone.countries == ["PHL"]
    assert phanfone.references == ["gdacs:TC:1000641", "glide:TC-2019-000176-PHL"]
    assert phanfone.affected_population == 4476940
    assert (phanfone.magnitude.value, phanfone.magnitude.unit) == (175.9248, "km/h")
    assert phanfone.observed_at == datetime(2019, 12, 21, 18, 0, tzinfo=timezone.utc)  # gdacs:fromdate
    assert phanfone.url == "http://www.gdacs.org/report.aspx?eventtype=TC&eventid=1000641"


def test_calvinia_location_and_episode_id(signals):
    calvinia = signals["TC:1000643:1"]
    assert (calvinia.location.lat, calvinia.location.lon) == (-19.4, 59.8)
    assert calvinia.countries == ["MUS"] and calvinia.affected_population == 0


def test_multi_country_drought_keeps_every_country(signals):
    drought = signals["DR:1013280:9"]
    assert drought.countries == ["BIH", "BGR", "BLR", "HRV", "MDA", "MNE", "POL", "ROU", "SRB", "RUS", "UKR"]
    assert drought.affected_population is None  # value 0 with no unit: not estimated
    assert (drought.magnitude.value, drought.magnitude.unit) == (518895.0, "km2")
    assert drought.urgency is Urgency.PAST  # gdacs:iscurrent false


def test_offshore_quake_uses_gdacs_iso3(signals):
    assert signals["EQ:1199647:1287433"].countries == ["VUT"]  # "Southeast Of Loyalty Islands"


def _item(**fields: str) -> str:
    values = {"eventtype": "FL", "eventid": "42", "episodeid": "3", "alertlevel": "Red",
              "fromdate": "Mon, 01 Jan 2024 00:00:00 GMT", "iso3": "NPL, IND"} | fields
    inner = "".join(f"<gdacs:{k}>{v}</gdacs:{k}>" for k, v in values.items() if v is not None)
    return f"<item><title>{fields.get('title', 'Red flood alert')}</title>{inner}</item>"


def _feed(*items: str) -> bytes:
    return (f'<rss version="2.0" xmlns:gdacs="http://www.gdacs.org"><channel>{"".join(items)}'
            "</channel></rss>").encode()


def test_synthetic_items_and_rejections():
    result = parse_gdacs(_feed(
        _item(), _item(eventtype="XX"), _item(eventid="43", fromdate="not a date"), _item(),
        _item(eventid="44", title="[TEST] flood", glide="FL-2024-000009-NPL"),
    ))
    first, tested = result.signals
    assert first.severity is Severity.EXTREME and first.countries == ["NPL", "IND"]
    assert tested.status is SignalStatus.TEST and "glide:FL-2024-000009-NPL" in tested.references
    reasons = [r.reason for r in result.rejections]
    assert "eventtype" in reasons[0] and "fromdate" in reasons[1] and "duplicate" in reasons[2]
    assert [r.record for r in result.rejections] == ["item 2", "item 3", "item 4"]


def test_not_rss_is_unreadable():
    with pytest.raises(UnreadableInput):
        parse_gdacs(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>')
