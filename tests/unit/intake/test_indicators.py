"""Economic indicator CSVs: shock rules, long and wide layouts, aggregates and malformed rows."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest

from responders.intake import parse
from responders.intake.exceptions import UnreadableInput
from responders.intake.indicators import parse_indicators
from vocabulary.signals import Hazard, Kind, Severity, make_signal_id

WB = "economic/world_bank_gdp_current_usd_17_economies_2000-2023.csv"
ILO = "economic/ilostat_unemployment_rate_25-54_by_education_12_countries.csv"


@pytest.fixture(scope="module")
def gdp(sample):
    return parse_indicators(sample(WB))


@pytest.fixture(scope="module")
def ilo(sample):
    return parse_indicators(sample(ILO))


def by_id(result):
    return {s.source_id: s for s in result.signals}


def test_world_bank_gdp_contractions(gdp):
    signals = by_id(gdp)
    assert len(signals) == 76
    assert all(s.hazard is Hazard.GDP_CONTRACTION and s.kind is Kind.ECONOMIC_SHOCK for s in signals.values())
    spain = signals["gdp:ESP:2009"]
    assert spain.countries == ["ESP"] and spain.severity is Severity.SEVERE
    assert (spain.magnitude.value, spain.magnitude.unit) == (-8.6, "%")
    assert spain.observed_at == datetime(2009, 12, 31, tzinfo=timezone.utc)
    assert spain.references == ["indicator:gdp:ESP:2009"]
    assert spain.signal_id == make_signal_id("indicators", "gdp:ESP:2009")
    assert signals["gdp:GRC:2012"].severity is Severity.EXTREME  # -14.5 %
    assert signals["gdp:GBR:2009"].severity is Severity.EXTREME  # -17.6 % in current US$
    assert {"gdp:DEU:2009", "gdp:FRA:2009", "gdp:ITA:2009", "gdp:IRL:2009", "gdp:RUS:2009",
            "gdp:MEX:2009", "gdp:TUR:2009"} <= set(signals)
    assert Counter(s.severity for s in signals.values()) == {
        Severity.EXTREME: 28, Severity.SEVERE: 24, Severity.MODERATE: 24}


def test_usa_2009_fall_is_below_the_three_percent_rule(gdp):
    # 14.77 tn -> 14.48 tn is -1.98 %: a fall, but not the 3 % the rule asks for.
    assert not any(s.countries == ["USA"] for s in gdp.signals)


def test_world_aggregate_rejected_once(gdp):
    (rejection,) = gdp.rejections
    assert rejection.record == "row 386" and "aggregate" in rejection.reason and "World" in rejection.reason


def test_ilostat_euro_crisis_unemployment(ilo):
    signals = by_id(ilo)
    assert ilo.rejections == []
    assert {"unemployment:ESP:2008", "unemployment:ESP:2009", "unemployment:GRC:2010",
            "unemployment:GRC:2011", "unemployment:GRC:2012", "unemployment:GRC:2013"} <= set(signals)
    spain = signals["unemployment:ESP:2009"]  # all levels of education: 10.1 -> 16.3
    assert spain.severity is Severity.EXTREME and spain.hazard is Hazard.UNEMPLOYMENT_SHOCK
    assert (spain.magnitude.value, spain.magnitude.unit) == (6.2, "pp")
    assert signals["unemployment:GRC:2011"].severity is Severity.SEVERE  # +5.1 pp
    assert signals["unemployment:GRC:2013"].severity is Severity.MODERATE  # +3.2 pp
    # only the "all levels" series is used, so no per-education source ids
    assert all(s.source_id.count(":") == 2 for s in ilo.signals)
    assert len(signals) == 22


def test_long_form_with_indicator_column_and_inflation():
    csv = ("Country Name,Country Code,Indicator Name,Year,Value\n"
           "Turkiye,TUR,\"Inflation, consumer prices (annual %)\",2020,12.3\n"
           "Turkiye,TUR,\"Inflation, consumer prices (annual %)\",2021,19.6\n"
           "Turkiye,TUR,\"Inflation, consumer prices (annual %)\",2022,72.3\n"
           "Argentina,ARG,\"Inflation, consumer prices (annual %)\",2017,25.7\n"
           "Zimbabwe,ZWE,\"Inflation, consumer prices (annual %)\",2018,10.6\n"
           "Zimbabwe,ZWE,\"Inflation, consumer prices (annual %)\",2019,19.9\n"
           "Spain,ESP,\"GDP growth (annual %)\",2020,-11.2\n"
           "Spain,ESP,\"GDP growth (annual %)\",2021,6.4\n"
           "Spain,ESP,Population total,2021,47000000\n"
           "Atlantis,ATL,Population total,2021,5\n")
    result = parse_indicators(csv.encode())
    assert result.rejections == []  # rows of other indicators are not ours to judge
    signals = by_id(result)
    assert set(signals) == {"inflation:TUR:2022", "inflation:ARG:2017", "gdp:ESP:2020"}
    assert signals["inflation:TUR:2022"].severity is Severity.EXTREME
    assert (signals["inflation:TUR:2022"].magnitude.value, signals["inflation:TUR:2022"].magnitude.unit) == (72.3, "%")
    assert signals["inflation:ARG:2017"].severity is Severity.MODERATE  # 25.7 %, no prior year
    assert signals["gdp:ESP:2020"].severity is Severity.EXTREME and signals["gdp:ESP:2020"].magnitude.value == -11.2


def test_inflation_jump_of_ten_points_below_twenty_percent():
    csv = "country,year,value\nGhana,2021,4.0\nGhana,2022,14.5\n"
    (signal,) = parse_indicators(csv.encode(), indicator="inflation").signals
    assert signal.source_id == "inflation:GHA:2022" and signal.severity is Severity.MODERATE


def test_cpi_index_becomes_a_rate():
    csv = "Country,Code,Year,CPI (2010 = 100)\nLebanon,LBN,2019,100\nLebanon,LBN,2020,184.9\nLebanon,LBN,2021,467.1\n"
    signals = by_id(parse_indicators(csv.encode()))
    assert set(signals) == {"inflation:LBN:2020", "inflation:LBN:2021"}
    assert signals["inflation:LBN:2021"].magnitude.value == pytest.approx(152.62, abs=0.01)


def test_only_consecutive_years_compare():
    csv = "Entity,Year,Unemployment rate\nSpain,2007,8\nSpain,2009,18\nSpain,2010,21\n"
    signals = by_id(parse_indicators(csv.encode()))
    assert set(signals) == {"unemployment:ESP:2010"}
    assert signals["unemployment:ESP:2010"].magnitude.value == 3.0


def test_wide_series_without_a_total_are_kept_apart():
    csv = ("Entity,Year,Unemployment rate (men),Unemployment rate (women)\n"
           "Greece,2010,10,14\nGreece,2011,13,15\n")
    signals = by_id(parse_indicators(csv.encode()))
    assert set(signals) == {"unemployment:GRC:2011:unemployment-rate-men"}
    assert signals["unemployment:GRC:2011:unemployment-rate-men"].references == ["indicator:unemployment:GRC:2011"]


def test_quarterly_periods_compare_year_on_year():
    csv = "country,period,value\nItaly,2008-Q4,100\nItaly,2009-Q3,99\nItaly,2009-Q4,95\n"
    (signal,) = parse_indicators(csv.encode(), indicator="GDP, constant prices").signals
    assert signal.source_id == "gdp:ITA:2009-Q4"
    assert signal.observed_at == datetime(2009, 12, 31, tzinfo=timezone.utc)


def test_malformed_rows_and_aggregates_are_rejected():
    csv = ("Country Name,Country Code,Year,Value\n"
           "Spain,ESP,2008,100\nSpain,ESP,2009,abc\nAtlantis,ATL,2009,5\nSpain,ESP,two thousand,4\n"
           "Euro area,EMU,2008,10\nEuro area,EMU,2009,9\nHigh income,HIC,2009,1\nSpain,ESP,2010,90\n")
    result = parse_indicators(csv.encode())
    reasons = {r.record: r.reason for r in result.rejections}
    assert "not a number" in reasons["row 3"] and "unknown country 'Atlantis'" in reasons["row 4"]
    assert "period" in reasons["row 5"] and "aggregate" in reasons["row 6"] and "aggregate" in reasons["row 8"]
    assert "row 7" not in reasons  # one rejection per aggregate
    assert result.signals == []  # 2010 does not compare with a missing 2009


def test_unknown_indicator_and_non_tables_are_unreadable():
    with pytest.raises(UnreadableInput):
        parse_indicators(b"country,year,value\nSpain,2009,1\n")  # which indicator?
    with pytest.raises(UnreadableInput):
        parse_indicators(b"country,year,value\nSpain,2009,1\n", indicator="population")
    with pytest.raises(UnreadableInput):
        parse_indicators(b"name,colour\nx,red\n")
    with pytest.raises(UnreadableInput):
        parse(b"Entity,Year,Population\nSpain,2009,1\n", "indicators")


def test_indicator_option_passes_through_parse():
    csv = b"country,year,value\nSpain,2008,10\nSpain,2009,13\n"
    assert [s.source_id for s in parse(csv, indicator="unemployment rate").signals] == ["unemployment:ESP:2009"]
