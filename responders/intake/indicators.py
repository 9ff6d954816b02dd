"""Economic indicator CSV (long or wide form) to economic-shock signals for GDP, unemployment, inflation."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pycountry

from responders.intake import indicator_rules as rules
from responders.intake.base import Collector, ParseResult, RecordRejected
from responders.intake.countries import is_aggregate, resolve_country, valid_iso3
from responders.intake.csvtable import column, read_csv
from responders.intake.exceptions import UnreadableInput
from responders.intake.text import clip, fold
from vocabulary.signals import Certainty, Magnitude, Signal, SignalStatus, kind_of, make_signal_id

SOURCE = "indicators"
COUNTRY_COLUMNS = ("Country Name", "Country", "Entity", "country_name", "Area", "Reference area",
                   "REF_AREA_LABEL", "Location", "geo")
CODE_COLUMNS = ("Country Code", "Code", "iso3", "iso_code", "ISO", "REF_AREA", "country_code", "Country ISO3")
PERIOD_COLUMNS = ("Year", "Period", "TIME_PERIOD", "Time", "Date")
VALUE_COLUMNS = ("Value", "OBS_VALUE", "obs_value")
INDICATOR_COLUMNS = ("Indicator Name", "Indicator", "Series Name", "Series", "INDICATOR_LABEL",
                     "Indicator Code", "Series Code", "indicator_name")
# The World Bank data-package layout without an indicator column (datasets/gdp) is GDP in current US$.
WORLD_BANK_GDP_HEADER = ["Country Name", "Country Code", "Year", "Value"]
_LABELS = {"gdp": "GDP contraction", "unemployment": "Unemployment shock", "inflation": "Inflation shock"}


@dataclass
class Series:
    kind: rules.SeriesKind
    slug: str  # '' when the series is the family's only (or total) series
    values: dict[rules.Period, tuple[float, int]] = field(default_factory=dict)  # period -> (value, row)


def _slug(name: str) -> str:
    return "-".join(fold(name).split())[:60]


def _pick_wide_series(names: list[str]) -> dict[str, tuple[rules.SeriesKind, str]]:
    """Known-family columns; where a family has several, its 'all levels'/'total' one, else each apart."""
    kinds = {n: rules.series_kind(n) for n in names}
    chosen: dict[str, tuple[rules.SeriesKind, str]] = {}
    for family in rules.FAMILY_HAZARD:
        cols = [n for n in names if kinds[n] and kinds[n].family == family]
        total = [n for n in cols if re.search(r"\ball levels\b|\btotal\b|\ball\b", fold(n))]
        if total:
            chosen[total[0]] = (kinds[total[0]], "")
        elif len(cols) == 1:
            chosen[cols[0]] = (kinds[cols[0]], "")
        else:
            chosen.update({n: (kinds[n], _slug(n)) for n in cols})
    return chosen


def _country(row: dict[str, str], name_col: str | None, code_col: str | None) -> tuple[str | None, str]:
    """(ISO3 or None for an aggregate, display name); RecordRejected when neither resolves."""
    name = row.get(name_col, "") if name_col else ""
    code = row.get(code_col, "") if code_col else ""
    if is_aggregate(name, code):
        return None, name or code
    iso3 = valid_iso3(code) if code else None
    iso3 = iso3 or resolve_country(name)
    if not iso3:
        raise RecordRejected(f"unknown country {name or code!r}")
    return iso3, name or getattr(pycountry.countries.get(alpha_3=iso3), "name", iso3)


def parse_indicators(data: bytes, indicator: str | None = None, **opts: object) -> ParseResult:
    """Parse an indicator CSV; rows that are not shocks give nothing, malformed rows are rejections."""
    header, rows = read_csv(data)
    name_col, code_col = column(header, *COUNTRY_COLUMNS), column(header, *CODE_COLUMNS)
    period_col = column(header, *PERIOD_COLUMNS)
    if not period_col or not (name_col or code_col):
        raise UnreadableInput("not an indicator table: needs a country (or code) column and a year/period column")
    value_col, indicator_col = column(header, *VALUE_COLUMNS), column(header, *INDICATOR_COLUMNS)
    fixed: tuple[rules.SeriesKind, str] | None = None
    wide: dict[str, tuple[rules.SeriesKind, str]] = {}
    if value_col and not indicator_col:
        name = indicator or ("GDP (current US$)" if header == WORLD_BANK_GDP_HEADER else None)
        kind = rules.series_kind(name) if name else None
        if kind is None:
            raise UnreadableInput(f"indicator {name!r} is not a GDP, unemployment or inflation series"
                                  if name else "long table without an indicator column: pass indicator=")
        fixed = (kind, "")
    elif not value_col:
        others = [h for h in header if h not in {name_col, code_col, period_col} and h]
        wide = _pick_wide_series(others)
        if not wide:
            raise UnreadableInput("no GDP, unemployment or inflation column in this table")
    collector = Collector()
    series: dict[tuple[str, str, str], Series] = {}
    names: dict[str, str] = {}
    aggregates: set[str] = set()
    for number, row in rows:
        if indicator_col:
            kind = rules.series_kind(row.get(indicator_col, ""))
            if kind is None:
                continue  # another indicator in a multi-indicator file: not ours, not an error
            cells = {value_col: (kind, "")}
        else:
            cells = {value_col: fixed} if fixed else wide
        try:
            iso3, display = _country(row, name_col, code_col)
        except RecordRejected as exc:
            collector.reject(f"row {number}", str(exc))
            continue
        if iso3 is None:
            if display not in aggregates:
                aggregates.add(display)
                collector.reject(f"row {number}", f"{display!r} is an aggregate, not a country "
                                 "(one rejection per aggregate; its other rows are skipped)")
            continue
        names.setdefault(iso3, display)
        period = rules.parse_period(row.get(period_col, ""))
        if period is None:
            collector.reject(f"row {number}", f"period {row.get(period_col, '')!r} is not a year or period")
            continue
        for col, (kind, slug) in cells.items():
            text = row.get(col, "")
            if not text or text.lower() in {"..", "na", "n/a", "nan", "-"}:
                continue  # missing observation
            value = _number(text)
            if value is None:
                collector.reject(f"row {number}", f"value {text!r} in {col!r} is not a number")
                continue
            entry = series.setdefault((kind.family, slug, iso3), Series(kind, slug))
            if period in entry.values and entry.values[period][0] != value:
                collector.reject(f"row {number}", f"second, different value for {iso3} {period.label} in {col!r}")
                continue
            entry.values[period] = (value, number)
    for (family, slug, iso3), entry in series.items():
        _emit(collector, family, iso3, names[iso3], entry)
    return collector.result


def _number(text: str) -> float | None:
    """A finite number; thousands separators ('1,234.5') allowed, decimal commas are not guessed."""
    if "," in text:
        if not re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", text):
            return None
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _rates(entry: Series) -> dict[rules.Period, float]:
    """Values as rates: an index becomes its year-on-year % change (consecutive years only)."""
    if entry.kind.measure != "index":
        return {p: v for p, (v, _) in entry.values.items()}
    rates = {}
    for period, (value, _) in entry.values.items():
        prev = entry.values.get(period.previous_year)
        if prev and prev[0] > 0:
            rates[period] = (value / prev[0] - 1) * 100
    return rates


def _emit(collector: Collector, family: str, iso3: str, name: str, entry: Series) -> None:
    values = _rates(entry)
    for period in sorted(values):
        value, previous = values[period], values.get(period.previous_year)
        row = entry.values[period][1]
        if family == "gdp":
            level_prev = entry.values.get(period.previous_year)
            shock = rules.gdp_shock(entry.values[period][0], level_prev[0] if level_prev else None,
                                    entry.kind.measure)
        elif family == "unemployment":
            shock = rules.unemployment_shock(value, previous)
        else:
            shock = rules.inflation_shock(value, previous)
        if shock is None:
            continue
        collector.add(f"row {row}", lambda s=shock, p=period: _signal(family, iso3, name, entry.slug, p, s))


def _signal(family: str, iso3: str, name: str, slug: str, period: rules.Period, shock: rules.Shock) -> Signal:
    source_id = f"{family}:{iso3}:{period.label}" + (f":{slug}" if slug else "")
    label = _LABELS[family]
    series_note = f" [{slug.replace('-', ' ')}]" if slug else ""
    return Signal(
        signal_id=make_signal_id(SOURCE, source_id),
        source=SOURCE,
        source_id=source_id,
        kind=kind_of(shock.hazard),
        hazard=shock.hazard,
        title=clip(f"{label} in {name}, {period.label}: {shock.summary}{series_note}"),
        countries=[iso3],
        severity=shock.severity,
        certainty=Certainty.OBSERVED,
        magnitude=Magnitude(value=shock.value, unit=shock.unit),
        observed_at=period.end(),
        status=SignalStatus.ACTUAL,
        references=[f"indicator:{family}:{iso3}:{period.label}"],
    )
