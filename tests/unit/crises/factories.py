"""Signals for crisis tests: read straight from the USGS GeoJSON sample, or built by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pycountry

from vocabulary.signals import (
    Hazard,
    Location,
    Magnitude,
    Severity,
    Signal,
    SignalStatus,
    kind_of,
    make_signal_id,
)

DATA = Path("/work/shared/data")
USGS_SIGNIFICANT = DATA / "usgs" / "significant_month_2023-10-11.geojson"

PAGER_SEVERITY = {
    "red": Severity.EXTREME,
    "orange": Severity.SEVERE,
    "yellow": Severity.MODERATE,
    "green": Severity.MINOR,
    None: Severity.UNKNOWN,
}
US_PLACES = {"CA", "WA", "Alaska", "Hawaii", "AK", "NV", "OR"}
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def countries_in(place: str) -> list[str]:
    """ISO3 codes named in a USGS ``place`` text ("35 km NNW of Herat, Afghanistan", "western
    Afghanistan", "Poland-Slovakia border region", "3 km SW of Ferndale, CA")."""
    tail = place.rsplit(",", 1)[-1].strip()
    if tail in US_PLACES:
        return ["USA"]
    names = {c.name: c.alpha_3 for c in pycountry.countries if c.name in place}
    # "Papua New Guinea" also contains "Guinea": keep only names not inside a longer match
    kept = [n for n in names if not any(n != m and n in m for m in names)]
    return [names[n] for n in sorted(kept, key=place.index)]


def usgs_signals(path: Path = USGS_SIGNIFICANT) -> list[Signal]:
    """One Signal per feature of a USGS GeoJSON summary feed, in file order."""
    features = json.loads(path.read_text())["features"]
    out = []
    for f in features:
        p, (lon, lat, _depth) = f["properties"], f["geometry"]["coordinates"]
        ids = [i for i in p["ids"].split(",") if i]
        out.append(
            Signal(
                signal_id=make_signal_id("usgs", f["id"]),
                source="usgs",
                source_id=f["id"],
                kind=kind_of(Hazard.EARTHQUAKE),
                hazard=Hazard.EARTHQUAKE,
                title=p["title"],
                countries=countries_in(p["place"]),
                location=Location(lat=lat, lon=lon),
                severity=PAGER_SEVERITY[p["alert"]],
                magnitude=Magnitude(value=p["mag"], unit=p["magType"]),
                observed_at=datetime.fromtimestamp(p["time"] / 1000, tz=timezone.utc),
                references=[f"usgs:{i}" for i in ids],
                url=p["url"],
            )
        )
    return out


def by_source_id(signals: list[Signal]) -> dict[str, Signal]:
    return {s.source_id: s for s in signals}


def make_signal(
    source_id: str,
    *,
    hazard: Hazard = Hazard.EARTHQUAKE,
    countries: tuple[str, ...] = ("AFG",),
    at: datetime = T0,
    lat: float | None = 34.5,
    lon: float | None = 62.0,
    severity: Severity = Severity.MODERATE,
    references: tuple[str, ...] = (),
    status: SignalStatus = SignalStatus.ACTUAL,
    population: int | None = None,
    magnitude: float | None = None,
    source: str = "test",
) -> Signal:
    return Signal(
        signal_id=make_signal_id(source, source_id),
        source=source,
        source_id=source_id,
        kind=kind_of(hazard),
        hazard=hazard,
        title=f"{hazard} {source_id}",
        countries=list(countries),
        location=Location(lat=lat, lon=lon) if lat is not None and lon is not None else None,
        severity=severity,
        magnitude=Magnitude(value=magnitude, unit="mw") if magnitude is not None else None,
        affected_population=population,
        observed_at=at,
        status=status,
        references=list(references),
    )


def days(n: float) -> timedelta:
    return timedelta(days=n)
