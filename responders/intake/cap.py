"""CAP 1.1/1.2 alerts (bare, in EDXL-DE, or embedded in RSS/Atom/any wrapper) to normalised signals."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from responders.intake import capinfo as ci
from responders.intake.base import Collector, ParseResult, RecordRejected
from responders.intake.countries import valid_iso3
from responders.intake.exceptions import UnreadableInput
from responders.intake.hazards import CAP_CATEGORY, GDACS_TYPES, classify_text
from responders.intake.safexml import child_text, children, local, namespace, parse_xml
from responders.intake.text import clean, clip, url_or_none
from responders.intake.timeparse import parse_datetime
from vocabulary.signals import (
    Certainty, Hazard, Severity, Signal, SignalStatus, Urgency, kind_of, make_signal_id,
)

SOURCE = "cap"
CAP_NAMESPACES = frozenset({
    "urn:oasis:names:tc:emergency:cap:1.2",
    "urn:oasis:names:tc:emergency:cap:1.1",
    "http://www.incident.com/cap/1.0",
})
_STATUS = {"actual": SignalStatus.ACTUAL, "exercise": SignalStatus.EXERCISE, "test": SignalStatus.TEST}
_SEVERITY = {s.value: s for s in Severity}
_URGENCY = {u.value: u for u in Urgency}
_CERTAINTY = {c.value: c for c in Certainty} | {"very likely": Certainty.LIKELY}
_GDACS_LEVEL = {"red": Severity.EXTREME, "orange": Severity.SEVERE, "green": Severity.MINOR}


def is_cap_alert(elem: Element) -> bool:
    return local(elem.tag) == "alert" and namespace(elem.tag) in CAP_NAMESPACES


def find_alerts(root: Element) -> list[Element]:
    """Every CAP alert in the document: the root itself, or any element below it (EDXL-DE, RSS, Atom)."""
    return [elem for elem in root.iter() if is_cap_alert(elem)]


def parse_cap(data: bytes, **opts: object) -> ParseResult:
    """Parse a CAP document holding one or several alerts; one signal per alert."""
    root = parse_xml(data)
    alerts = find_alerts(root)
    if not alerts:
        raise UnreadableInput(f"no CAP 1.1/1.2 alert found (root element <{local(root.tag)}>)")
    collector = Collector()
    for number, alert in enumerate(alerts, 1):
        identifier = child_text(alert, "identifier")
        record = f"alert {number}" + (f" ({clip(identifier, 80)})" if identifier else "")
        collector.add(record, lambda alert=alert: alert_to_signal(alert))
    return collector.result


def _status(alert: Element) -> SignalStatus:
    status = child_text(alert, "status")
    if status.lower() in _STATUS:
        return _STATUS[status.lower()]
    if status.lower() in {"system", "draft"}:
        raise RecordRejected(f"status {status} is not an event message (System/Draft are not signals)")
    raise RecordRejected(f"status {status!r} is missing or not a CAP status")


def _msg_type(alert: Element) -> str:
    msg_type = child_text(alert, "msgType") or "Alert"
    if msg_type.lower() in {"ack", "error"}:
        raise RecordRejected(f"msgType {msg_type} acknowledges or reports on another message; not a signal")
    if msg_type.lower() not in {"alert", "update", "cancel"}:
        raise RecordRejected(f"msgType {msg_type!r} is not a CAP message type")
    return msg_type.capitalize()


def cap_references(alert: Element, sender: str, identifier: str) -> list[str]:
    """The alert's own key and one key per 'sender,identifier,sent' triple it references."""
    refs = [f"cap:{sender},{identifier}"]
    for triple in child_text(alert, "references").split():
        parts = triple.split(",")
        if len(parts) >= 2 and parts[0] and parts[1]:
            refs.append(f"cap:{parts[0]},{parts[1]}")
    return refs


def _hazard(pairs: list[tuple[str, str]], infos: list[Element], codes: list[tuple[str, str]]) -> Hazard:
    gdacs_type = ci.param(pairs, "eventtype").upper()
    if gdacs_type in GDACS_TYPES:
        return GDACS_TYPES[gdacs_type]
    events = [child_text(info, "event") for info in infos]
    headlines = [child_text(info, "headline") for info in infos]
    found = classify_text(*events, *(value for _, value in codes), *headlines)
    if found:
        return found
    for info in infos:
        for category in children(info, "category"):
            hazard = CAP_CATEGORY.get(clean(category.text).lower())
            if hazard:
                return hazard
    return Hazard.OTHER


def _severity(infos: list[Element], pairs: list[tuple[str, str]]) -> Severity:
    levels = [_SEVERITY.get(child_text(info, "severity").lower(), Severity.UNKNOWN) for info in infos]
    best = max(levels, key=lambda s: s.rank, default=Severity.UNKNOWN)
    if best is Severity.UNKNOWN:
        best = _GDACS_LEVEL.get(ci.param(pairs, "alertlevel").lower(), Severity.UNKNOWN)
    return best


def _countries(alert: Element, infos: list[Element], pairs: list[tuple[str, str]]) -> list[str]:
    codes = [c for c in (valid_iso3(t) for t in re.split(r"[\s,;]+", ci.param(pairs, "iso3")) if t) if c]
    area_list = ci.areas(infos)
    codes += ci.geocode_countries(area_list)
    texts = [ci.param(pairs, "country")]
    texts += [child_text(area, "areaDesc") for area in area_list]
    texts += [child_text(info, "headline") for info in infos]
    codes += ci.text_countries(texts)
    web = next((child_text(info, "web") for info in infos if child_text(info, "web")), "")
    hint = ci.sender_countries(child_text(alert, "sender"), web)
    if hint == ["USA"]:  # a US authority's "Georgia" is the state
        codes = ["USA" if code == "GEO" else code for code in codes]
    return list(dict.fromkeys(codes or hint))


def alert_to_signal(alert: Element) -> Signal:
    """One CAP alert element to a Signal (RecordRejected for messages that are not signals)."""
    identifier, sender = child_text(alert, "identifier"), child_text(alert, "sender")
    if not identifier or not sender:
        raise RecordRejected("CAP alert without <identifier> or <sender> cannot be keyed")
    status, msg_type = _status(alert), _msg_type(alert)
    sent = parse_datetime(child_text(alert, "sent"))
    _, infos = ci.choose_infos(alert)
    references = cap_references(alert, sender, identifier)
    if not infos:
        if msg_type != "Cancel":
            raise RecordRejected("CAP alert has no <info> block to describe an event")
        if sent is None:
            raise RecordRejected("CAP alert has no valid <sent> time")
        return Signal(
            signal_id=make_signal_id(SOURCE, f"{sender},{identifier}"), source=SOURCE,
            source_id=f"{sender},{identifier}", kind=kind_of(Hazard.OTHER), hazard=Hazard.OTHER,
            title=clip(f"Cancelled: earlier alert(s) from {sender}"), observed_at=sent,
            status=status, urgency=Urgency.PAST, references=references,
        )
    first = infos[0]
    pairs = ci.parameters(infos)
    codes = ci.parameters(infos, "eventCode")
    onset = next((parse_datetime(child_text(i, "onset")) for i in infos if child_text(i, "onset")), None)
    observed = onset or sent
    if observed is None:
        raise RecordRejected("CAP alert has no valid <sent> or <onset> time")
    gdacs_type, gdacs_id = ci.param(pairs, "eventtype").upper(), ci.param(pairs, "eventid")
    if gdacs_type and gdacs_id:
        references.append(f"gdacs:{gdacs_type}:{gdacs_id}")
    glide = ci.param(pairs, "glide")
    if glide:
        references.append(f"glide:{glide}")
    hazard = _hazard(pairs, infos, codes)
    title = child_text(first, "headline") or child_text(first, "event") or f"{hazard.value} alert from {sender}"
    if msg_type == "Cancel":
        title = f"Cancelled: {title}"
    urgency = Urgency.PAST if msg_type == "Cancel" else _URGENCY.get(
        child_text(first, "urgency").lower(), Urgency.UNKNOWN)
    return Signal(
        signal_id=make_signal_id(SOURCE, f"{sender},{identifier}"),
        source=SOURCE,
        source_id=f"{sender},{identifier}",
        kind=kind_of(hazard),
        hazard=hazard,
        title=clip(title),
        countries=_countries(alert, infos, pairs),
        location=ci.area_location(ci.areas(infos), pairs),
        severity=_severity(infos, pairs),
        urgency=urgency,
        certainty=_CERTAINTY.get(child_text(first, "certainty").lower(), Certainty.UNKNOWN),
        magnitude=ci.magnitude_from_params(pairs),
        affected_population=ci.population_from_text(ci.param(pairs, "population")),
        observed_at=observed,
        status=status,
        references=references[:200],
        url=url_or_none(child_text(first, "web")),
    )
