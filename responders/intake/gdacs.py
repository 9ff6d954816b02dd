"""GDACS RSS (gdacs:, geo:, georss: namespaces) to normalised signals, one per event episode."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from responders.intake.base import Collector, ParseResult, RecordRejected
from responders.intake.countries import find_countries, valid_iso3
from responders.intake.exceptions import UnreadableInput
from responders.intake.geo import location
from responders.intake.hazards import GDACS_TYPES
from responders.intake.safexml import child_text, children, local, namespace, parse_xml
from responders.intake.text import clean, clip, url_or_none
from responders.intake.timeparse import parse_datetime
from vocabulary.signals import (
    Location, Magnitude, Severity, Signal, SignalStatus, Urgency, kind_of, make_signal_id,
)

SOURCE = "gdacs"
GDACS_NS = "http://www.gdacs.org"
ALERT_LEVELS = {"red": Severity.EXTREME, "orange": Severity.SEVERE, "green": Severity.MINOR}
_TRUE = {"true", "1", "yes"}


def parse_gdacs(data: bytes, **opts: object) -> ParseResult:
    """Parse a GDACS RSS feed: each <item> is one episode of one event."""
    root = parse_xml(data)
    if local(root.tag) != "rss":
        raise UnreadableInput(f"not an RSS document (root element <{local(root.tag)}>)")
    items = [item for channel in children(root, "channel") for item in children(channel, "item")]
    collector = Collector()
    for number, item in enumerate(items, 1):
        guid = child_text(item, "guid")
        record = f"item {number}" + (f" ({clip(guid, 60)})" if guid else "")
        collector.add(record, lambda item=item: item_to_signal(item))
    return collector.result


def _g(item: Element, name: str) -> Element | None:
    """The gdacs:<name> child of an item."""
    return next((c for c in item if local(c.tag) == name and namespace(c.tag) == GDACS_NS), None)


def _gtext(item: Element, name: str) -> str:
    found = _g(item, name)
    return clean(found.text) if found is not None else ""


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _location(item: Element) -> Location | None:
    point = next((c for c in item if local(c.tag) == "Point"), None)
    if point is not None:
        lat, lon = _float(child_text(point, "lat")), _float(child_text(point, "long"))
        if lat is not None and lon is not None:
            return location(lat, lon)
    parts = child_text(item, "point").split()
    if len(parts) == 2 and all(_float(p) is not None for p in parts):
        return location(float(parts[0]), float(parts[1]))
    return None


def _countries(item: Element) -> list[str]:
    codes = [c for c in (valid_iso3(t) for t in re.split(r"[\s,;]+", _gtext(item, "iso3")) if t) if c]
    codes += find_countries(_gtext(item, "country"))
    return list(dict.fromkeys(codes))


def _status(item: Element, title: str) -> SignalStatus:
    """TEST only on an explicit marker; gdacs:temporary means provisional, not a test."""
    if _gtext(item, "istest").lower() in _TRUE or _gtext(item, "test").lower() in _TRUE:
        return SignalStatus.TEST
    if re.search(r"\[\s*test\s*\]|^test\b", title, re.I):
        return SignalStatus.TEST
    return SignalStatus.ACTUAL


def _magnitude(item: Element) -> Magnitude | None:
    severity = _g(item, "severity")
    if severity is None:
        return None
    value, unit = _float(severity.get("value")), clean(severity.get("unit"))
    return Magnitude(value=value, unit=unit[:40]) if value is not None and unit else None


def _population(item: Element) -> int | None:
    """gdacs:population value; a 0 with no unit (droughts) means 'not estimated', not 'nobody'."""
    population = _g(item, "population")
    if population is None:
        return None
    value = _float(population.get("value"))
    if value is None or value < 0 or (value == 0 and not clean(population.get("unit"))):
        return None
    return int(value)


def item_to_signal(item: Element) -> Signal:
    event_type = _gtext(item, "eventtype").upper()
    if event_type not in GDACS_TYPES:
        raise RecordRejected(f"unknown or missing gdacs:eventtype {event_type!r}")
    event_id, episode_id = _gtext(item, "eventid"), _gtext(item, "episodeid")
    if not event_id:
        raise RecordRejected("item has no gdacs:eventid")
    observed = parse_datetime(_gtext(item, "fromdate")) or parse_datetime(child_text(item, "pubDate"))
    if observed is None:
        raise RecordRejected("item has no valid gdacs:fromdate or pubDate")
    hazard = GDACS_TYPES[event_type]
    level = _gtext(item, "alertlevel").lower()
    title = child_text(item, "title") or f"{level.capitalize()} {hazard.value} alert {_gtext(item, 'eventname')}"
    references = [f"gdacs:{event_type}:{event_id}"]
    glide = _gtext(item, "glide")
    if glide:
        references.append(f"glide:{glide}")
    source_id = f"{event_type}:{event_id}:{episode_id or '0'}"
    return Signal(
        signal_id=make_signal_id(SOURCE, source_id),
        source=SOURCE,
        source_id=source_id,
        kind=kind_of(hazard),
        hazard=hazard,
        title=clip(title.strip()),
        countries=_countries(item),
        location=_location(item),
        severity=ALERT_LEVELS.get(level, Severity.UNKNOWN),
        urgency=Urgency.PAST if _gtext(item, "iscurrent").lower() == "false" else Urgency.UNKNOWN,
        magnitude=_magnitude(item),
        affected_population=_population(item),
        observed_at=observed,
        status=_status(item, title),
        references=references,
        url=url_or_none(child_text(item, "link")),
    )
