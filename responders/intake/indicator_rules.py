"""Economic indicator families, series kinds and the year-on-year shock rules that turn them into signals."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from responders.intake.text import fold
from vocabulary.signals import Hazard, Severity

FAMILY_HAZARD = {"gdp": Hazard.GDP_CONTRACTION, "unemployment": Hazard.UNEMPLOYMENT_SHOCK,
                 "inflation": Hazard.INFLATION_SHOCK}
_PERIOD = re.compile(r"^(\d{4})(?:\.0+)?(?:[-\s]?(Q)([1-4])|[-M](\d{1,2}))?$", re.I)


@dataclass(frozen=True, slots=True)
class SeriesKind:
    """What a series measures: its family and whether values are levels, rates or an index."""

    family: str   # gdp | unemployment | inflation
    measure: str  # level | growth | rate | index


def series_kind(name: str) -> SeriesKind | None:
    """Classify a column or indicator name ('GDP (current US$)', 'NY.GDP.MKTP.KD.ZG', 'Unemployment …')."""
    text = fold(name)
    growth = bool(re.search(r"growth|annual|change|\bzg\b|percent|\bpct\b", text))
    if re.search(r"unemploy|\bsl uem\b", text):
        return SeriesKind("unemployment", "rate")
    if re.search(r"inflation|consumer price|\bcpi\b|\bfp cpi\b|\bhicp\b", text):
        if "inflation" in text or growth:
            return SeriesKind("inflation", "rate")
        return SeriesKind("inflation", "index")
    if re.search(r"\bgdp\b|gross domestic product|\bny gdp\b", text):
        return SeriesKind("gdp", "growth" if growth else "level")
    return None


@dataclass(frozen=True, order=True, slots=True)
class Period:
    year: int
    sub: int = 0       # quarter or month number; 0 for a year
    freq: str = "Y"    # Y | Q | M

    @property
    def previous_year(self) -> Period:
        return Period(self.year - 1, self.sub, self.freq)

    @property
    def label(self) -> str:
        return {"Y": f"{self.year}", "Q": f"{self.year}-Q{self.sub}", "M": f"{self.year}-{self.sub:02d}"}[self.freq]

    def end(self) -> datetime:
        """The last day of the period (Dec 31 for a year), midnight UTC."""
        month = {"Y": 12, "Q": self.sub * 3, "M": self.sub}[self.freq]
        day = calendar.monthrange(self.year, month)[1]
        return datetime(self.year, month, day, tzinfo=timezone.utc)


def parse_period(text: str) -> Period | None:
    match = _PERIOD.match(text.strip())
    if not match or not 1800 <= int(match.group(1)) <= 2200:
        return None
    year = int(match.group(1))
    if match.group(2):
        return Period(year, int(match.group(3)), "Q")
    if match.group(4):
        month = int(match.group(4))
        return Period(year, month, "M") if 1 <= month <= 12 else None
    return Period(year)


@dataclass(frozen=True, slots=True)
class Shock:
    """One rule firing: the hazard, its severity and the number that fired it."""

    hazard: Hazard
    severity: Severity
    value: float
    unit: str
    summary: str


def _band(x: float, extreme: float, severe: float) -> Severity:
    return Severity.EXTREME if x >= extreme else Severity.SEVERE if x >= severe else Severity.MODERATE


def gdp_shock(value: float, previous: float | None, measure: str) -> Shock | None:
    """GDP level down 3 % or more on the year, or growth of -3 % or less.

    Severity: a fall of 10 % or more is extreme, 6 % or more severe, else moderate.
    """
    if measure == "growth":
        change = value
    elif previous is not None and previous > 0 and value >= 0:
        change = (value - previous) / previous * 100
    else:
        return None
    change = round(change, 6)
    if change > -3:
        return None
    what = "growth" if measure == "growth" else "level change"
    return Shock(Hazard.GDP_CONTRACTION, _band(-change, 10, 6), round(change, 2), "%",
                 f"GDP {what} {change:.1f}% year on year")


def unemployment_shock(value: float, previous: float | None) -> Shock | None:
    """Unemployment rate up 2.0 points or more on the year: 6+ extreme, 4+ severe, else moderate."""
    if previous is None:
        return None
    rise = round(value - previous, 6)
    if rise < 2.0:
        return None
    return Shock(Hazard.UNEMPLOYMENT_SHOCK, _band(rise, 6, 4), round(rise, 2), "pp",
                 f"unemployment up {rise:.1f} pp year on year to {value:.1f}%")


def inflation_shock(rate: float, previous_rate: float | None) -> Shock | None:
    """Inflation of 20 % or more, or 10 points or more above the year before.

    Severity: 50 %+ or a 25-point jump extreme; 30 %+ or a 15-point jump severe; else moderate.
    The magnitude is the inflation rate itself (%), the level being what hurts.
    """
    rise = round(rate - previous_rate, 6) if previous_rate is not None else None
    if rate < 20 and (rise is None or rise < 10):
        return None
    rise_ = rise if rise is not None else 0.0
    if rate >= 50 or rise_ >= 25:
        severity = Severity.EXTREME
    elif rate >= 30 or rise_ >= 15:
        severity = Severity.SEVERE
    else:
        severity = Severity.MODERATE
    detail = f" (up {rise:.1f} points)" if rise is not None and rise >= 10 else ""
    return Shock(Hazard.INFLATION_SHOCK, severity, round(rate, 2), "%", f"inflation {rate:.1f}%{detail}")
