"""Normalised-signal JSON: one object, a list or JSON lines; invalid objects are named rejections."""

from __future__ import annotations

import json

import pytest

from responders.intake import detect_format, parse
from responders.intake.exceptions import UnreadableInput
from responders.intake.jsonfeed import parse_json
from vocabulary.signals import Hazard, Kind, make_signal_id


def signal_dict(source_id: str = "EQ-1", **changes) -> dict:
    base = {"source": "partner", "source_id": source_id, "hazard": "earthquake", "title": "Quake",
            "countries": ["TUR"], "observed_at": "2023-02-06T01:17:34Z", "severity": "extreme",
            "references": ["glide:EQ-2023-000015-TUR"]}
    return base | changes


def test_single_object_fills_id_and_kind():
    (signal,) = parse_json(json.dumps(signal_dict()).encode()).signals
    assert signal.signal_id == make_signal_id("partner", "EQ-1")
    assert signal.kind is Kind.DISASTER and signal.hazard is Hazard.EARTHQUAKE


def test_round_trip_of_parsed_signals(sample):
    original = parse(sample("usgs/significant_month_2023-10-11.geojson")).signals
    body = "\n".join(json.dumps(s.to_json_dict()) for s in original).encode()
    assert detect_format(body) == "json"
    again = parse(body).signals
    assert [s.signal_id for s in again] == [s.signal_id for s in original]
    assert again[0].countries == ["AFG"]


def test_list_with_invalid_objects_names_the_field():
    items = [signal_dict("a"), signal_dict("b", countries=["XXX"]), signal_dict("c", observed_at="2023-02-06T01:17:34"),
             signal_dict("d", severity="apocalyptic"), signal_dict("e", colour="red"), "nope",
             signal_dict("f", signal_id="sig-made-up"), signal_dict("g", kind="conflict"), signal_dict("a")]
    result = parse_json(json.dumps(items).encode())
    assert [s.source_id for s in result.signals] == ["a"]
    reasons = {r.record: r.reason for r in result.rejections}
    assert reasons["item 2"].startswith("countries") and "alpha-3" in reasons["item 2"]
    assert reasons["item 3"].startswith("observed_at")
    assert reasons["item 4"].startswith("severity")
    assert reasons["item 5"].startswith("colour")
    assert "expected a signal object" in reasons["item 6"]
    assert reasons["item 7"].startswith("signal_id")
    assert reasons["item 8"].startswith("kind")
    assert "duplicate" in reasons["item 9"]
    assert result.rejections[1].error_type == "ValidationError"


def test_json_lines_with_a_broken_line():
    body = "\n".join([json.dumps(signal_dict("a")), "{broken", "", json.dumps(signal_dict("b"))]).encode()
    result = parse_json(body)
    assert [s.source_id for s in result.signals] == ["a", "b"]
    assert [r.record for r in result.rejections] == ["line 2"]


@pytest.mark.parametrize("body", [b"", b"42", b"not json at all", b"\xff\xfe\x00"])
def test_unreadable_bodies(body):
    with pytest.raises(UnreadableInput):
        parse_json(body)
