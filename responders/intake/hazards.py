"""Hazard vocabularies: GDACS and GLIDE type codes, and a keyword classifier for free-text event names."""

from __future__ import annotations

import re

from responders.intake.text import fold
from vocabulary.signals import Hazard

GDACS_TYPES: dict[str, Hazard] = {
    "EQ": Hazard.EARTHQUAKE,
    "TC": Hazard.TROPICAL_CYCLONE,
    "FL": Hazard.FLOOD,
    "DR": Hazard.DROUGHT,
    "WF": Hazard.WILDFIRE,
    "VO": Hazard.VOLCANO,
    "TS": Hazard.TSUNAMI,
}

# GLIDE hazard codes (glidenumber.net). Judgement calls: FR (fire) is taken as wildfire, as CAP "fire"
# is; CE (complex emergency) as armed conflict; AV (snow avalanche) and MS (mud slide) as landslide,
# the EM-DAT "mass movement" family; SS (storm surge) and EC (extratropical cyclone) and VW (violent
# wind) as storm; IN (insect infestation) and OT as other.
GLIDE_TYPES: dict[str, Hazard] = {
    "EQ": Hazard.EARTHQUAKE, "TS": Hazard.TSUNAMI, "TC": Hazard.TROPICAL_CYCLONE,
    "FL": Hazard.FLOOD, "FF": Hazard.FLOOD, "DR": Hazard.DROUGHT, "WF": Hazard.WILDFIRE,
    "FR": Hazard.WILDFIRE, "VO": Hazard.VOLCANO, "EP": Hazard.EPIDEMIC, "LS": Hazard.LANDSLIDE,
    "MS": Hazard.LANDSLIDE, "AV": Hazard.LANDSLIDE, "ST": Hazard.STORM, "SS": Hazard.STORM,
    "EC": Hazard.STORM, "VW": Hazard.STORM, "TO": Hazard.STORM, "SL": Hazard.STORM,
    "CW": Hazard.EXTREME_TEMPERATURE, "HT": Hazard.EXTREME_TEMPERATURE,
    "AC": Hazard.TECHNOLOGICAL, "CE": Hazard.ARMED_CONFLICT, "WV": Hazard.FLOOD,
    "IN": Hazard.OTHER, "OT": Hazard.OTHER,
}

# Ordered: the first pattern that matches wins ("tsunami warning after an earthquake" is a tsunami,
# "tropical storm" a tropical cyclone before it is a storm). Patterns run over folded text.
_RULES: tuple[tuple[str, Hazard], ...] = (
    (r"tsunami", Hazard.TSUNAMI),
    (r"earthquake|\bquake|seism|sismo|terremoto|\beq\b", Hazard.EARTHQUAKE),
    (r"volcan|eruption|ash ?fall|lahar", Hazard.VOLCANO),
    (r"tropical (cyclone|storm|depression)|typhoon|hurricane|\bcyclone|ciclon|huracan|tormenta tropical"
     r"|\btc\b", Hazard.TROPICAL_CYCLONE),
    (r"flood|inundac|inondation|high water|storm surge|dam (failure|break)", Hazard.FLOOD),
    (r"wild ?fire|bush ?fire|forest fire|grass ?fire|\bfires?\b|incendio|feux? de", Hazard.WILDFIRE),
    (r"drought|sequia|secheresse|dry spell", Hazard.DROUGHT),
    (r"landslide|mudslide|mud slide|debris flow|avalanche|rock ?fall|land slide", Hazard.LANDSLIDE),
    (r"epidemic|pandemic|outbreak|cholera|ebola|measles|dengue|disease|influenza|virus", Hazard.EPIDEMIC),
    (r"heat ?wave|extreme heat|excessive heat|cold wave|extreme cold|frost|freeze|wind ?chill|"
     r"\bheat\b|\bcold\b|canicula|dzud", Hazard.EXTREME_TEMPERATURE),
    (r"storm|orage|tornado|\bwinds?\b|blizzard|\bhail|\bsnow|squall|\bgales?\b|tormenta|lluvia|"
     r"\brain(fall|s)?\b", Hazard.STORM),
    (r"chemical|hazmat|hazardous material|nuclear|radiolog|industrial|explosion|oil spill|gas leak|"
     r"technolog", Hazard.TECHNOLOGICAL),
)
_COMPILED = tuple((re.compile(p), h) for p, h in _RULES)

# CAP <category> values that say enough on their own.
CAP_CATEGORY: dict[str, Hazard] = {
    "fire": Hazard.WILDFIRE,
    "health": Hazard.EPIDEMIC,
    "cbrne": Hazard.TECHNOLOGICAL,
}


def classify_text(*texts: str) -> Hazard | None:
    """The hazard named in the first text that names one (None if none does)."""
    for text in texts:
        folded = fold(text or "")
        if not folded:
            continue
        for pattern, hazard in _COMPILED:
            if pattern.search(folded):
                return hazard
    return None
