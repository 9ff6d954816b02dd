"""ACLED event CSV (older upper-case and current lower-case layouts) to conflict signals."""

from __future__ import annotations

from responders.intake.base import Collector, ParseResult, RecordRejected
from responders.intake.countries import iso3_from_numeric, resolve_country
from responders.intake.csvtable import read_csv
from responders.intake.exceptions import UnreadableInput
from responders.intake.geo import location
from responders.intake.text import clip
from responders.intake.timeparse import parse_day
from vocabulary.signals import (
    Certainty, Hazard, Magnitude, Severity, Signal, SignalStatus, kind_of, make_signal_id,
)

SOURCE = "acled"
# Event types, current and pre-2019 spellings, by the start of their folded name.
_TYPES: tuple[tuple[str, Hazard | None], ...] = (
    ("battle", Hazard.ARMED_CONFLICT),
    ("violence against civilians", Hazard.ARMED_CONFLICT),
    ("explosions", Hazard.ARMED_CONFLICT),
    ("remote violence", Hazard.ARMED_CONFLICT),
    ("riot", Hazard.CIVIL_UNREST),
    ("protest", Hazard.CIVIL_UNREST),
    ("strategic development", None),
    ("headquarters or base established", None),
    ("non-violent transfer of territory", None),
)
# Fatalities to severity: >= 100 extreme, >= 25 severe, >= 1 moderate, 0 minor.
FATALITY_SEVERITY = ((100, Severity.EXTREME), (25, Severity.SEVERE), (1, Severity.MODERATE))


def hazard_for(event_type: str) -> Hazard:
    lowered = event_type.strip().lower()
    for prefix, hazard in _TYPES:
        if lowered.startswith(prefix):
            if hazard is None:
                raise RecordRejected(f"event type {event_type!r} is not a crisis signal (no violence or unrest)")
            return hazard
    raise RecordRejected(f"unknown ACLED event type {event_type!r}")


def severity_for(fatalities: int) -> Severity:
    return next((sev for floor, sev in FATALITY_SEVERITY if fatalities >= floor), Severity.MINOR)


def parse_acled(data: bytes, **opts: object) -> ParseResult:
    """Parse an ACLED export; column names are matched case-insensitively so both layouts work."""
    header, rows = read_csv(data)
    names = {h.lower() for h in header}
    missing = {"event_id_cnty", "event_date", "event_type", "country"} - names
    if missing:
        raise UnreadableInput(f"not an ACLED export: missing column(s) {', '.join(sorted(missing))}")
    collector = Collector()
    for number, row in rows:
        lowered = {k.lower(): v for k, v in row.items()}
        collector.add(f"row {number}", lambda row=lowered: row_to_signal(row))
    return collector.result


def _float(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def row_to_signal(row: dict[str, str]) -> Signal:
    event_id = row.get("event_id_cnty", "")
    if not event_id:
        raise RecordRejected("row has no event_id_cnty")
    event_type = row.get("event_type", "")
    hazard = hazard_for(event_type)
    observed = parse_day(row.get("event_date"))
    if observed is None:
        raise RecordRejected(f"event_date {row.get('event_date')!r} is not a date")
    fatalities_text = row.get("fatalities", "") or "0"
    try:
        fatalities = int(float(fatalities_text))
    except ValueError:
        raise RecordRejected(f"fatalities {fatalities_text!r} is not a number") from None
    if fatalities < 0:
        raise RecordRejected(f"fatalities {fatalities} is negative")
    country_name = row.get("country", "")
    # 'iso' in current exports is the ISO 3166 numeric code; older exports have none (GWNO is not ISO).
    country = iso3_from_numeric(row["iso"]) if row.get("iso") else None
    country = country or resolve_country(country_name)
    lat, lon = _float(row.get("latitude", "")), _float(row.get("longitude", ""))
    place = ", ".join(p for p in (row.get("admin1", ""), country_name) if p)
    sub_type = row.get("sub_event_type", "")
    title = f"{event_type} in {place}" if place else event_type
    if sub_type and sub_type.lower() != event_type.lower():
        title += f" ({sub_type})"
    if fatalities:
        title += f": {fatalities} fatalit{'y' if fatalities == 1 else 'ies'}"
    return Signal(
        signal_id=make_signal_id(SOURCE, event_id),
        source=SOURCE,
        source_id=event_id,
        kind=kind_of(hazard),
        hazard=hazard,
        title=clip(title),
        countries=[country] if country else [],
        location=location(lat, lon) if lat is not None and lon is not None else None,
        severity=severity_for(fatalities),
        certainty=Certainty.OBSERVED,
        magnitude=Magnitude(value=fatalities, unit="fatalities"),
        observed_at=observed,
        status=SignalStatus.ACTUAL,
        references=[f"acled:{event_id}"],
    )
