"""USGS earthquake GeoJSON summary feeds (FeatureCollection or a single Feature) to signals."""

from __future__ import annotations

import math

from responders.intake.base import Collector, ParseResult, RecordRejected
from responders.intake.countries import find_countries, us_state_in_place
from responders.intake.exceptions import UnreadableInput
from responders.intake.geo import location
from responders.intake.text import clean, clip, load_json, url_or_none
from responders.intake.timeparse import from_epoch_ms
from vocabulary.signals import (
    Certainty, Hazard, Location, Magnitude, Severity, Signal, SignalStatus, kind_of, make_signal_id,
)

SOURCE = "usgs"
PAGER_ALERTS = {"red": Severity.EXTREME, "orange": Severity.SEVERE, "yellow": Severity.MODERATE,
                "green": Severity.MINOR}
# Without a PAGER alert, severity follows magnitude: >= 7.5 extreme, >= 6.5 severe, >= 5.5 moderate,
# anything smaller minor (roughly the magnitudes at which PAGER alerts usually reach those levels).
MAGNITUDE_SEVERITY = ((7.5, Severity.EXTREME), (6.5, Severity.SEVERE), (5.5, Severity.MODERATE))


def parse_usgs(data: bytes, **opts: object) -> ParseResult:
    """Parse a USGS GeoJSON FeatureCollection (or one Feature); only earthquakes become signals."""
    doc = load_json(data)
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    else:
        raise UnreadableInput("not a GeoJSON FeatureCollection or Feature")
    collector = Collector()
    for number, feature in enumerate(features, 1):
        fid = feature.get("id") if isinstance(feature, dict) else None
        record = f"feature {clip(str(fid), 60)}" if isinstance(fid, str) and fid else f"feature {number}"
        collector.add(record, lambda feature=feature: feature_to_signal(feature))
    return collector.result


def severity_for(alert: object, mag: float | None) -> Severity:
    if isinstance(alert, str) and alert.lower() in PAGER_ALERTS:
        return PAGER_ALERTS[alert.lower()]
    if mag is None:
        return Severity.UNKNOWN
    return next((sev for floor, sev in MAGNITUDE_SEVERITY if mag >= floor), Severity.MINOR)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _location(geometry: object) -> Location | None:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        return None
    lon, lat = _number(coords[0]), _number(coords[1])
    return location(lat, lon) if lat is not None and lon is not None else None


def place_countries(place: str) -> list[str]:
    """Countries named in a USGS place ('45 km NE of X, Papua New Guinea'); US states count as USA."""
    codes = find_countries(place, us_states=True)
    if us_state_in_place(place) and "USA" not in codes:
        codes.append("USA")
    return codes


def feature_to_signal(feature: object) -> Signal:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise RecordRejected("feature has no properties object")
    props = feature["properties"]
    fid = feature.get("id") or (str(props.get("net", "")) + str(props.get("code", "")))
    if not isinstance(fid, str) or not fid:
        raise RecordRejected("feature has no id")
    event_type = props.get("type")
    if event_type != "earthquake":
        raise RecordRejected(f"event type {event_type!r} is not an earthquake")
    if props.get("status") == "deleted":
        raise RecordRejected("event was deleted by USGS")
    observed = from_epoch_ms(props.get("time"))
    if observed is None:
        raise RecordRejected("properties.time is not epoch milliseconds")
    mag = _number(props.get("mag"))
    mag_type = props.get("magType") if isinstance(props.get("magType"), str) and props.get("magType") else "Mw"
    place = props.get("place") if isinstance(props.get("place"), str) else ""
    title = props.get("title") if isinstance(props.get("title"), str) and props.get("title") else (
        f"M {mag} - {place}" if mag is not None else place or f"Earthquake {fid}")
    references = [f"usgs:{fid}"]
    ids = props.get("ids")
    if isinstance(ids, str):
        references += [f"usgs:{part.strip()}" for part in ids.split(",") if part.strip()]
    hazard = Hazard.EARTHQUAKE
    return Signal(
        signal_id=make_signal_id(SOURCE, fid),
        source=SOURCE,
        source_id=fid,
        kind=kind_of(hazard),
        hazard=hazard,
        title=clip(clean(title)),
        countries=place_countries(place),
        location=_location(feature.get("geometry")),
        severity=severity_for(props.get("alert"), mag),
        certainty=Certainty.OBSERVED,
        magnitude=Magnitude(value=mag, unit=mag_type[:40]) if mag is not None else None,
        observed_at=observed,
        status=SignalStatus.ACTUAL,
        references=references[:200],
        url=url_or_none(props.get("url") if isinstance(props.get("url"), str) else None),
    )
