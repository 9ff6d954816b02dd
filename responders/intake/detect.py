"""Format detection from content (never the file name): XML roots and namespaces, JSON shapes, CSV headers."""

from __future__ import annotations

import csv
import io
import json
import re

from responders.intake.cap import find_alerts
from responders.intake.exceptions import UnknownFormat, UnreadableInput
from responders.intake.gdacs import GDACS_NS
from responders.intake.safexml import local, namespace, parse_xml
from responders.intake.text import strip_bom

_SNIFF = 64 * 1024
_SIGNAL_KEYS = {"signal_id", "source", "source_id", "hazard", "observed_at"}


def detect_format(data: bytes) -> str:
    """One of cap, gdacs, usgs, reliefweb, acled, indicators, json; UnknownFormat otherwise."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UnknownFormat(f"expected bytes, got {type(data).__name__}")
    body = strip_bom(bytes(data)).lstrip()
    if not body:
        raise UnknownFormat("empty body")
    if body[:1] == b"<":
        return _detect_xml(bytes(data))
    if body[:1] in b"[{":
        return _detect_json(body)
    return _detect_csv(body)


def _detect_xml(data: bytes) -> str:
    try:
        root = parse_xml(data)
    except UnreadableInput:
        return _sniff_xml_text(data)
    if find_alerts(root):
        return "cap"
    if local(root.tag) == "rss" and any(namespace(e.tag) == GDACS_NS for e in root.iter()):
        return "gdacs"
    raise UnknownFormat(f"XML with root <{local(root.tag)}> is neither CAP (bare, EDXL-DE, feed) nor GDACS RSS")


def _sniff_xml_text(data: bytes) -> str:
    """For XML that does not parse: guess from the text so the right parser can report what is wrong."""
    head = data[:_SNIFF].decode("latin-1")
    if re.search(r"urn:oasis:names:tc:emergency:cap:1\.[12]", head) and re.search(r"<(\w+:)?alert\b", head):
        return "cap"
    if "http://www.gdacs.org" in head and re.search(r"<rss\b", head):
        return "gdacs"
    raise UnknownFormat("unreadable XML of no recognised format")


def _looks_usgs(doc: dict) -> bool:
    meta = doc.get("metadata")
    if isinstance(meta, dict) and "usgs.gov" in str(meta.get("url", "")):
        return True
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    props = [f.get("properties") for f in features[:5] if isinstance(f, dict)] if isinstance(features, list) else []
    return any(isinstance(p, dict) and "mag" in p for p in props) or (features == [] and meta is not None)


def _is_signal(obj: object) -> bool:
    return isinstance(obj, dict) and len(_SIGNAL_KEYS & obj.keys()) >= 2


def _classify_json(doc: object) -> str | None:
    if isinstance(doc, dict):
        if doc.get("type") in {"FeatureCollection", "Feature"}:
            return "usgs" if _looks_usgs(doc) else None
        data = doc.get("data")
        if isinstance(data, list) and (not data or any(isinstance(d, dict) and "fields" in d for d in data)):
            return "reliefweb"
        if isinstance(doc.get("fields"), dict):
            return "reliefweb"
        return "json" if _is_signal(doc) else None
    if isinstance(doc, list):
        dicts = [d for d in doc[:20] if isinstance(d, dict)]
        if dicts and all(isinstance(d.get("fields"), dict) for d in dicts):
            return "reliefweb"
        if not doc or any(_is_signal(d) for d in dicts):
            return "json"
    return None


def _detect_json(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    try:
        found = _classify_json(json.loads(text))
    except (ValueError, RecursionError):
        first = text.splitlines()[0] if text.splitlines() else ""
        try:
            found = "json" if _is_signal(json.loads(first)) else None
        except (ValueError, RecursionError):
            found = _sniff_json_text(text[:_SNIFF])
    if found:
        return found
    raise UnknownFormat("JSON of no recognised shape (USGS GeoJSON, ReliefWeb, normalised signals)")


def _sniff_json_text(head: str) -> str | None:
    """For JSON that does not parse (truncated): guess from tell-tale keys."""
    if '"FeatureCollection"' in head and ('"mag"' in head or "usgs.gov" in head):
        return "usgs"
    if '"fields"' in head and ('"data"' in head or '"glide"' in head):
        return "reliefweb"
    if '"signal_id"' in head or ('"source_id"' in head and '"hazard"' in head):
        return "json"
    return None


def _detect_csv(body: bytes) -> str:
    first = body[:_SNIFF].decode("utf-8", errors="replace").splitlines()[0]
    try:
        header = {h.strip().lower() for h in next(csv.reader(io.StringIO(first), delimiter=_delimiter(first)))}
    except (csv.Error, StopIteration):
        raise UnknownFormat("not a recognised CSV header") from None
    if {"event_id_cnty", "event_date"} <= header:
        return "acled"
    has_period = bool(header & {"year", "period", "time_period", "time", "date"})
    has_country = bool(header & {"country name", "country", "entity", "country code", "code", "iso3",
                                 "iso_code", "ref_area", "country_code", "country_name", "area"})
    if has_period and has_country:
        return "indicators"
    raise UnknownFormat("CSV header matches neither ACLED nor an indicator table")


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","
