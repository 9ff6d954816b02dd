"""Country resolution: ISO 3166 codes, country names (pycountry plus common names) found in free text."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from responders.intake.text import fold
from vocabulary.signals import iso3_codes

# Common and agency spellings that pycountry does not carry (World Bank, ReliefWeb, GDACS, USGS).
_ALIASES: dict[str, str] = {
    "russia": "RUS", "turkey": "TUR", "turkiye": "TUR", "iran": "IRN", "syria": "SYR",
    "laos": "LAO", "lao pdr": "LAO", "vietnam": "VNM", "viet nam": "VNM", "bolivia": "BOL",
    "venezuela": "VEN", "venezuela rb": "VEN", "tanzania": "TZA", "moldova": "MDA",
    "south korea": "KOR", "republic of korea": "KOR", "korea rep": "KOR", "korea republic of": "KOR",
    "north korea": "PRK", "dpr korea": "PRK", "dprk": "PRK", "korea dem peoples rep": "PRK",
    "democratic peoples republic of korea": "PRK",
    "dr congo": "COD", "drc": "COD", "democratic republic of the congo": "COD", "congo dem rep": "COD",
    "congo rep": "COG", "republic of the congo": "COG", "republic of congo": "COG",
    "ivory coast": "CIV", "cote divoire": "CIV",
    "czech republic": "CZE", "slovak republic": "SVK", "kyrgyz republic": "KGZ",
    "macedonia": "MKD", "the former yugoslav republic of macedonia": "MKD",
    "bosnia": "BIH", "cape verde": "CPV", "cabo verde": "CPV", "swaziland": "SWZ", "eswatini": "SWZ",
    "burma": "MMR", "east timor": "TLS", "timor leste": "TLS",
    "palestine": "PSE", "occupied palestinian territory": "PSE", "state of palestine": "PSE",
    "west bank and gaza": "PSE", "gaza": "PSE", "west bank": "PSE",
    "micronesia": "FSM", "micronesia fed sts": "FSM", "federated states of micronesia": "FSM",
    "uk": "GBR", "great britain": "GBR", "britain": "GBR", "england": "GBR", "scotland": "GBR",
    "wales": "GBR", "northern ireland": "GBR",
    "united states of america": "USA", "usa": "USA", "u s a": "USA",
    "brunei": "BRN", "gambia": "GMB", "the gambia": "GMB", "gambia the": "GMB",
    "bahamas": "BHS", "the bahamas": "BHS", "bahamas the": "BHS",
    "egypt arab rep": "EGY", "iran islamic rep": "IRN", "yemen rep": "YEM",
    "hong kong": "HKG", "hong kong sar china": "HKG", "macao": "MAC", "macau": "MAC",
    "macao sar china": "MAC", "taiwan": "TWN", "taiwan china": "TWN", "vatican": "VAT", "holy see": "VAT",
    "kosovo": "XKX", "curacao": "CUW", "reunion": "REU", "sao tome": "STP",
    "saint lucia": "LCA", "saint kitts and nevis": "KNA", "saint vincent and the grenadines": "VCT",
    "virgin islands u s": "VIR", "us virgin islands": "VIR", "british virgin islands": "VGB",
    "falkland islands": "FLK", "the netherlands": "NLD", "holland": "NLD",
    "the philippines": "PHL", "philippine islands": "PHL", "new south wales": "AUS",
}
# Names that stand for several territories at once (GDACS groups some overseas territories), each to all its codes.
_GROUPS: dict[str, tuple[str, ...]] = {
    # Réunion, Mayotte and the French Southern Territories (the Îles Éparses): GDACS "Miscellaneous (French)
    # Indian Ocean Islands", as on the BEJISA-14 cyclone alert near Réunion.
    "miscellaneous french indian ocean islands": ("REU", "MYT", "ATF"),
    "french indian ocean islands": ("REU", "MYT", "ATF"),
}
# Countries whose name pycountry spells with a comma ("Korea, Republic of") are also covered above.
# Multi-word regions that contain a country name but are not that country.
_NOT_A_COUNTRY = {"new mexico", "new guinea", "new jersey", "new york", "new hampshire", "new england",
                  "guinea current", "georgia strait"}

US_STATE_NAMES = (
    "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Hawaii Idaho "
    "Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota "
    "Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee Texas "
    "Utah Vermont Virginia Wisconsin Wyoming"
).split() + ["New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
             "Rhode Island", "South Carolina", "South Dakota", "West Virginia", "Washington"]
# Georgia is deliberately absent: the country wins. Postal codes are only trusted as a place's last part.
US_STATE_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split()
)

# World Bank / OWID aggregate codes and names (regions, income groups, the world).
AGGREGATE_CODES = frozenset(
    "AFE AFW ARB CEB CSS EAP EAR EAS ECA ECS EMU EUU FCS HIC HPC IBD IBT IDA IDB IDX INX LAC LCN LDC "
    "LIC LMC LMY LTE MEA MIC MNA NAC OED OSS PRE PSS PST SAS SSA SSF SST TEA TEC TLA TMN TSA TSS UMC WLD "
    "EA19 EA20 EU27 EU28 OECD G7 G20".split()
)
_AGGREGATE_WORDS = re.compile(
    r"\b(world|euro ?area|european union|oecd|income|region|countries|states of former|"
    r"sub saharan|latin america|middle east|north africa|east asia|south asia|europe and|"
    r"central asia|north america|africa eastern|africa western|arab world|ida |ibrd|"
    r"small states|fragile|heavily indebted|least developed|dividend|members|total|average|"
    r"asia and pacific|caribbean|pacific island|international)\b"
)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                table.setdefault(fold(value), country.alpha_3)
    for alias, code in _ALIASES.items():
        table[fold(alias)] = code
    return table


@lru_cache(maxsize=1)
def _max_words() -> int:
    return max(len(name.split()) for name in _names())


def iso3_from_alpha2(code: str) -> str | None:
    country = pycountry.countries.get(alpha_2=code.strip().upper()) if len(code.strip()) == 2 else None
    return country.alpha_3 if country else None


def iso3_from_numeric(code: str | int) -> str | None:
    """ISO 3166-1 numeric ('4', '004', 4) to alpha-3."""
    try:
        number = int(str(code).strip())
    except ValueError:
        return None
    country = pycountry.countries.get(numeric=f"{number:03d}") if 0 < number < 1000 else None
    return country.alpha_3 if country else None


def valid_iso3(code: str) -> str | None:
    code = code.strip().upper()
    if code == "TMP":  # GLIDE still uses the withdrawn code of East Timor
        return "TLS"
    return code if code in iso3_codes() else None


def resolve_country(name: str) -> str | None:
    """One country name or ISO3 code (exact, case and accent blind) to alpha-3; None if unknown."""
    name = (name or "").strip()
    if not name:
        return None
    if len(name) == 3 and name.isalpha() and name.isupper():
        code = valid_iso3(name)
        if code:
            return code
    folded = re.sub(r"\bst\b", "saint", fold(name))
    return _names().get(folded) or _names().get(folded.removeprefix("the "))


@lru_cache(maxsize=1)
def _us_states() -> frozenset[str]:
    return frozenset(fold(s) for s in US_STATE_NAMES)


def find_countries(text: str, *, us_states: bool = False) -> list[str]:
    """Every country named in free text, in order of appearance, longest names first.

    Never guesses: a word sequence must equal a known name or alias exactly (after folding).
    With `us_states`, a US state name ('Alaska', 'New Mexico') also counts as the USA.
    """
    folded = re.sub(r"\bst\b", "saint", fold(text or ""))
    found: list[str] = []
    for group, codes in _GROUPS.items():
        if re.search(rf"\b{group}\b", folded):
            found += [c for c in codes if c not in found]
            folded = re.sub(rf"\b{group}\b", " ", folded)
    words = folded.split()
    names, states = _names(), _us_states()
    i = 0
    while i < len(words):
        for size in range(min(_max_words(), len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            code = None
            if us_states and phrase in states:
                code = "USA"
            elif phrase in _NOT_A_COUNTRY:
                i += size - 1
                break
            else:
                code = names.get(phrase)
            if code:
                if code not in found:
                    found.append(code)
                i += size - 1
                break
        i += 1
    return found


def us_state_in_place(place: str) -> bool:
    """True when a place text ends with a US state name or postal code ('…, CA', '…, Alaska')."""
    last = (place or "").rsplit(",", 1)[-1].strip()
    if last in US_STATE_CODES:
        return True
    return fold(last) in _us_states()


def is_aggregate(name: str, code: str = "") -> bool:
    """True for regional, income-group and world aggregates found in indicator files."""
    code = (code or "").strip().upper()
    if code in AGGREGATE_CODES or code.startswith("OWID_") and code != "OWID_KOS":
        return True
    if resolve_country(name) or valid_iso3(code):
        return False
    return bool(_AGGREGATE_WORDS.search(fold(name) + " "))
