"""Reading the parts of a CAP alert: the chosen <info> blocks, parameters, areas, place and size."""

from __future__ import annotations

import re
from urllib.parse import urlparse
from xml.etree.ElementTree import Element

from responders.intake.countries import find_countries, iso3_from_alpha2, valid_iso3
from responders.intake.geo import centroid, parse_point, parse_polygon
from responders.intake.safexml import child_text, children
from responders.intake.text import fold
from vocabulary.signals import Location, Magnitude

# National alerting authorities whose alerts concern their own country. Global senders (USGS, GDACS)
# are deliberately absent: their country must come from the alert's own place text or geocodes.
_SENDER_HINTS: tuple[tuple[str, str], ...] = (
    ("ec.gc.ca", "CAN"), ("weather.gc.ca", "CAN"), ("weatheroffice.gc.ca", "CAN"),
    ("noaa.gov", "USA"), ("weather.gov", "USA"), ("fema.gov", "USA"),
    ("pagasa", "PHL"), ("smn.cna.gob.mx", "MEX"), ("conagua", "MEX"),
    ("rfs.nsw.gov.au", "AUS"), ("bom.gov.au", "AUS"), ("vedur.is", "ISL"),
    ("smhi.se", "SWE"), ("krisinformation.se", "SWE"), ("wra.gov.tw", "TWN"),
)
_GOV_HOST = re.compile(r"\.(?:gov|gob|go|gouv|govt|gv|gc)\.([a-z]{2})$")
_MAGNITUDE_NAMES = ("eventmagnitude", "magnitude", "eventpreliminarymagnitude", "earthquakemagnitude")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def is_english(language: str) -> bool:
    """CAP's default language is en-US, so an info block without <language> is English."""
    lang = language.strip().lower()
    return not lang or lang == "en" or lang.startswith("en-") or lang.startswith("en_")


def choose_infos(alert: Element) -> tuple[str, list[Element]]:
    """The preferred language (English when offered, else the first block's) and its info blocks."""
    infos = list(children(alert, "info"))
    if not infos:
        return "", []
    langs = [child_text(info, "language") for info in infos]
    chosen = next((lang for lang in langs if is_english(lang)), langs[0])
    return chosen or "en-US", [info for info, lang in zip(infos, langs) if lang == chosen]


def parameters(infos: list[Element], tag: str = "parameter") -> list[tuple[str, str]]:
    """(valueName, value) pairs of <parameter> (or <eventCode>) elements across the chosen blocks."""
    pairs = []
    for info in infos:
        for elem in children(info, tag):
            pairs.append((child_text(elem, "valueName"), child_text(elem, "value")))
    return pairs


def param(pairs: list[tuple[str, str]], *names: str) -> str:
    """The first non-empty value whose valueName matches one of `names` (case-insensitive)."""
    wanted = {n.lower() for n in names}
    return next((value for name, value in pairs if name.lower() in wanted and value), "")


def areas(infos: list[Element]) -> list[Element]:
    return [area for info in infos for area in children(info, "area")]


def area_location(area_list: list[Element], pairs: list[tuple[str, str]]) -> Location | None:
    """A circle centre, else a polygon centroid, else an 'EventLatLon' style parameter point."""
    for area in area_list:
        for circle in children(area, "circle"):
            point = parse_point(circle.text or "")
            if point:
                return point
    for area in area_list:
        for polygon in children(area, "polygon"):
            point = centroid(parse_polygon(polygon.text or ""))
            if point:
                return point
    latlon = param(pairs, "EventLatLon", "EventLocation", "epicenter", "latlon")
    return parse_point(latlon) if latlon else None


def _hosts(*values: str) -> list[str]:
    hosts = []
    for value in values:
        value = value.strip().lower()
        if "@" in value and "://" not in value:
            hosts.append(value.rsplit("@", 1)[-1])
        elif value:
            hosts.append(urlparse(value if "://" in value else f"//{value}").hostname or value)
    return hosts


def sender_countries(sender: str, web: str) -> list[str]:
    """Countries implied by a national authority's sender id or web host (see _SENDER_HINTS)."""
    lowered = f"{sender} {web}".lower()
    for needle, code in _SENDER_HINTS:
        if needle in lowered:
            return [code]
    for host in _hosts(sender, web):
        match = _GOV_HOST.search(host)
        code = iso3_from_alpha2(match.group(1)) if match else None
        if code:
            return [code]
    return []


def geocode_countries(area_list: list[Element]) -> list[str]:
    """Countries from ISO 3166 geocodes ('AU-NSW', 'AUS', 'FR')."""
    found = []
    for area in area_list:
        for geocode in children(area, "geocode"):
            if "iso3166" not in fold(child_text(geocode, "valueName")).replace(" ", ""):
                continue
            head = child_text(geocode, "value").split("-")[0].strip()
            code = iso3_from_alpha2(head) if len(head) == 2 else valid_iso3(head) if len(head) == 3 else None
            if code and code not in found:
                found.append(code)
    return found


def magnitude_from_params(pairs: list[tuple[str, str]]) -> Magnitude | None:
    """Earthquake magnitude from CAP parameters (USGS, NWS, GDACS styles); wind speed for GDACS TCs."""
    lowered = [(name.lower(), value) for name, value in pairs]
    for wanted in _MAGNITUDE_NAMES:
        for name, value in lowered:
            number = _NUMBER.search(value) if name == wanted else None
            if number:
                unit = param(pairs, f"{wanted}type", "magnitudetype", "magtype") or "M"
                return Magnitude(value=float(number.group()), unit=unit[:40])
    components = param(pairs, "hazardcomponents")
    found = re.search(r"magnitude=([-+]?\d+(?:\.\d+)?)", components)
    if found:
        return Magnitude(value=float(found.group(1)), unit="M")
    severity = param(pairs, "severity")
    found = re.search(r"magnitude\s+([-+]?\d+(?:\.\d+)?)\s*(m\w*)?", severity, re.I)
    if found:
        return Magnitude(value=float(found.group(1)), unit=found.group(2) or "M")
    found = re.search(r"wind speed of\s+(\d+(?:\.\d+)?)\s*(km/h|kt|mph)", severity, re.I)
    if found:
        return Magnitude(value=float(found.group(1)), unit=found.group(2))
    return None


def population_from_text(text: str) -> int | None:
    """GDACS population phrases: 'No people within 100km' -> 0, '... is 4.477 million' -> 4477000."""
    text = text.strip()
    if not text:
        return None
    if re.match(r"no people\b", text, re.I):
        return 0
    found = re.search(r"\bis\s+([\d.,]+)\s*(million|thousand)?\s*\.?$", text, re.I) or re.match(
        r"^([\d.,]+)\s*(million|thousand)?\s+(?:people|persons|in)\b", text, re.I
    )
    if not found:
        return int(text) if text.isdigit() else None
    try:
        number = float(found.group(1).replace(",", ""))
    except ValueError:
        return None
    scale = {"million": 1_000_000, "thousand": 1_000}.get((found.group(2) or "").lower(), 1)
    return int(round(number * scale))


def text_countries(texts: list[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        for code in find_countries(text, us_states=True):
            if code not in found:
                found.append(code)
    return found
