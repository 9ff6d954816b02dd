"""USGS GeoJSON: earthquakes only, PAGER or magnitude severity, ids as references, countries from place."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

import pytest

from responders.intake.exceptions import UnreadableInput
from responders.intake.usgs import parse_usgs, severity_for
from vocabulary.signals import Certainty, Hazard, Severity

FEED = "usgs/significant_month_2023-10-11.geojson"


@pytest.fixture(scope="module")
def signals(sample):
    result = parse_usgs(sample(FEED))
    assert result.rejections == []
    return {s.source_id: s for s in result.signals}


def test_severities(signals):
    assert len(signals) == 18
    assert all(s.hazard is Hazard.EARTHQUAKE for s in signals.values())
    # PAGER: 1 red, 2 orange, 4 yellow, 10 green; the one without alert (M5.0) is minor by magnitude.
    assert Counter(s.severity for s in signals.values()) == {
        Severity.EXTREME: 1, Severity.SEVERE: 2, Severity.MODERATE: 4, Severity.MINOR: 11}
    assert signals["us6000lec2"].severity is Severity.MINOR


def test_herat_sequence_is_afghanistan(signals):
    herat = [s for s in signals.values() if "Afghanistan" in s.title]
    assert len(herat) == 5 and all(s.countries == ["AFG"] for s in herat)
    red = signals["us6000len8"]
    assert red.severity is Severity.EXTREME and red.title == "M 6.3 - western Afghanistan"
    assert (red.magnitude.value, red.magnitude.unit) == (6.3, "mww")
    assert (red.location.lat, red.location.lon) == (34.5565, 62.0449)
    assert red.observed_at == datetime(2023, 10, 11, 0, 41, 56, 160000, tzinfo=timezone.utc)
    assert red.certainty is Certainty.OBSERVED
    assert red.url == "https://earthquake.usgs.gov/earthquakes/eventpage/us6000len8"


def test_references_include_every_associated_id(signals):
    assert signals["uw61965081"].references == [
        "usgs:uw61965081", "usgs:ew1696818070", "usgs:at00s28p79", "usgs:us6000le56"]


@pytest.mark.parametrize("source_id, countries", [
    ("us6000ldqf", ["PNG"]), ("uw61965081", ["USA"]), ("ak023ctna5d5", ["USA"]),
    ("us6000lec2", ["POL", "SVK"]), ("us6000ldny", ["MEX"]), ("us7000kwg2", ["JPN"]),
    ("us6000lc8t", ["IND"]), ("us6000lcgj", ["NPL"]),
])
def test_countries_from_place(signals, source_id, countries):
    assert signals[source_id].countries == countries


@pytest.mark.parametrize("alert, mag, expected", [
    (None, 7.5, Severity.EXTREME), (None, 7.49, Severity.SEVERE), (None, 6.5, Severity.SEVERE),
    (None, 5.5, Severity.MODERATE), (None, 5.49, Severity.MINOR), (None, None, Severity.UNKNOWN),
    ("yellow", 4.0, Severity.MODERATE), ("RED", 4.0, Severity.EXTREME),
])
def test_severity_thresholds(alert, mag, expected):
    assert severity_for(alert, mag) is expected


def _feature(fid: str, **props) -> dict:
    base = {"mag": 4.1, "place": "10 km N of Somewhere, Chile", "time": 1700000000000, "type": "earthquake",
            "magType": "ml", "ids": f",{fid},", "alert": None, "status": "reviewed"}
    return {"type": "Feature", "id": fid, "properties": base | props,
            "geometry": {"type": "Point", "coordinates": [-70.1, -33.2, 10]}}


def test_non_earthquakes_and_broken_features_are_rejected():
    doc = {"type": "FeatureCollection", "features": [
        _feature("a1"), _feature("a2", type="quarry blast"), _feature("a3", type="explosion"),
        _feature("a4", time="yesterday"), _feature("a5", status="deleted"), "junk", _feature("a1"),
        _feature("a6", mag=None, magType=None),
    ]}
    result = parse_usgs(json.dumps(doc).encode())
    assert [s.source_id for s in result.signals] == ["a1", "a6"]
    assert result.signals[0].countries == ["CHL"] and result.signals[1].magnitude is None
    reasons = {r.record: r.reason for r in result.rejections}
    assert "'quarry blast' is not an earthquake" in reasons["feature a2"]
    assert "'explosion'" in reasons["feature a3"] and "epoch" in reasons["feature a4"]
    assert "deleted" in reasons["feature a5"] and "properties" in reasons["feature 6"]
    assert "duplicate" in reasons["feature a1"]


def test_single_feature_and_default_mag_type():
    result = parse_usgs(json.dumps(_feature("b1", magType="")).encode())
    assert result.signals[0].magnitude.unit == "Mw"


def test_not_geojson_is_unreadable():
    with pytest.raises(UnreadableInput):
        parse_usgs(b'{"data": []}')
    with pytest.raises(UnreadableInput):
        parse_usgs(b"not json")
