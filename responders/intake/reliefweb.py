"""ReliefWeb API v1 disasters (envelope, single record or list) to normalised signals."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from responders.intake.base import Collector, ParseResult, RecordRejected
from responders.intake.countries import find_countries, resolve_country, valid_iso3
from responders.intake.exceptions import UnreadableInput
from responders.intake.hazards import GLIDE_TYPES, classify_text
from responders.intake.text import clean, clip, fold, load_json, url_or_none
from responders.intake.timeparse import parse_datetime
from vocabulary.signals import Hazard, Signal, SignalStatus, Urgency, kind_of, make_signal_id

SOURCE = "reliefweb"
_GLIDE = re.compile(r"^([A-Z]{2})-(\d{4})-(\d{6})-([A-Z0-9]{3})$")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_NAME_DATE = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{4})\s*$")
# ReliefWeb type names without a GLIDE code of their own spelling.
_TYPE_NAMES = {"complex emergency": Hazard.ARMED_CONFLICT, "insect infestation": Hazard.OTHER,
               "technological disaster": Hazard.TECHNOLOGICAL, "cold wave": Hazard.EXTREME_TEMPERATURE,
               "heat wave": Hazard.EXTREME_TEMPERATURE, "snow avalanche": Hazard.LANDSLIDE,
               "storm surge": Hazard.STORM, "severe local storm": Hazard.STORM}
_PAST_STATUSES = {"past", "alert-archive"}


def _records(doc: object) -> list[object]:
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        return doc["data"]
    if isinstance(doc, dict) and isinstance(doc.get("fields"), dict):
        return [doc]
    if isinstance(doc, list):
        return doc
    raise UnreadableInput("not a ReliefWeb response: expected {data: [...]}, a record with fields, or a list")


def parse_reliefweb(data: bytes, **opts: object) -> ParseResult:
    """Parse ReliefWeb disaster records; one signal per disaster."""
    collector = Collector()
    for number, item in enumerate(_records(load_json(data)), 1):
        rid = item.get("id") if isinstance(item, dict) else None
        record = f"disaster {rid}" if isinstance(rid, (str, int)) and not isinstance(rid, bool) else f"item {number}"
        collector.add(record, lambda item=item: disaster_to_signal(item))
    return collector.result


def _glide(fields: dict) -> tuple[str, re.Match | None]:
    glide = fields.get("glide")
    glide = clean(glide).upper() if isinstance(glide, str) else ""
    return glide, _GLIDE.match(glide)


def hazard_of(fields: dict, glide_match: re.Match | None) -> Hazard:
    """From the primary/first ReliefWeb type, else the GLIDE prefix, else the name text."""
    types = [fields.get("primary_type")] + (fields["type"] if isinstance(fields.get("type"), list) else [])
    for entry in types:
        if not isinstance(entry, dict):
            continue
        code, name = entry.get("code"), fold(str(entry.get("name", "")))
        if isinstance(code, str) and code.upper() in GLIDE_TYPES:
            return GLIDE_TYPES[code.upper()]
        if name in _TYPE_NAMES:
            return _TYPE_NAMES[name]
        found = classify_text(name)
        if found:
            return found
    if glide_match and glide_match.group(1) in GLIDE_TYPES:
        return GLIDE_TYPES[glide_match.group(1)]
    name = fields.get("name") if isinstance(fields.get("name"), str) else ""
    return classify_text(name.rsplit(" - ", 1)[0]) or Hazard.OTHER


def countries_of(fields: dict, glide_match: re.Match | None) -> list[str]:
    """primary_country, then country[], then the name prefix ('Chad: ...'), then the GLIDE suffix."""
    codes: list[str] = []
    entries = [fields.get("primary_country")] + (fields["country"] if isinstance(fields.get("country"), list) else [])
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("iso3"), str):
            code = valid_iso3(entry["iso3"])
            if code:
                codes.append(code)
    name = fields.get("name") if isinstance(fields.get("name"), str) else ""
    if not codes and ":" in name:
        prefix = name.split(":", 1)[0]
        codes += [resolve_country(prefix)] if resolve_country(prefix) else find_countries(prefix)
    if glide_match and not codes:
        code = valid_iso3(glide_match.group(4))
        if code:
            codes.append(code)
    return list(dict.fromkeys(codes))


def observed_of(fields: dict) -> datetime:
    """date.event, else date.created, else the month and year closing the name ('Aug 2024')."""
    dates = fields.get("date") if isinstance(fields.get("date"), dict) else {}
    for key in ("event", "created"):
        value = dates.get(key)
        when = parse_datetime(value) if isinstance(value, str) else None
        if when:
            return when
    name = fields.get("name") if isinstance(fields.get("name"), str) else ""
    match = _NAME_DATE.search(name)
    month = _MONTHS.get(match.group(1)[:3].lower()) if match else None
    if match and month and 1900 <= int(match.group(2)) <= 2100:
        return datetime(int(match.group(2)), month, 1, tzinfo=timezone.utc)
    raise RecordRejected("no date: no date.event/date.created and no 'Mon YYYY' at the end of the name")


def disaster_to_signal(item: object) -> Signal:
    if not isinstance(item, dict):
        raise RecordRejected("record is not an object")
    fields = item.get("fields") if isinstance(item.get("fields"), dict) else item
    rid = item.get("id", fields.get("id"))
    if isinstance(rid, bool) or not isinstance(rid, (str, int)) or not str(rid).strip():
        raise RecordRejected("record has no id")
    rid = str(rid).strip()
    name = clean(fields.get("name")) if isinstance(fields.get("name"), str) else ""
    if not name:
        raise RecordRejected("record has no name")
    glide, glide_match = _glide(fields)
    hazard = hazard_of(fields, glide_match)
    status = str(fields.get("status", "")).lower()
    references = [f"reliefweb:{rid}"] + ([f"glide:{glide}"] if glide_match else [])
    url = fields.get("url_alias") or fields.get("url") or item.get("href")
    return Signal(
        signal_id=make_signal_id(SOURCE, rid),
        source=SOURCE,
        source_id=rid,
        kind=kind_of(hazard),
        hazard=hazard,
        title=clip(name),
        countries=countries_of(fields, glide_match),
        urgency=Urgency.PAST if status in _PAST_STATUSES else Urgency.UNKNOWN,
        observed_at=observed_of(fields),
        status=SignalStatus.ACTUAL,
        references=references,
        url=url_or_none(url if isinstance(url, str) else None),
    )
