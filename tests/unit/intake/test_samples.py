"""Every shared feed sample: detected format and exact signal/rejection counts."""

from __future__ import annotations

from collections import Counter

import pytest

from responders.intake import detect_format, parse
from vocabulary.signals import Signal

# file -> (detected format, signals, rejections)
EXPECTED = {
    "gdacs/gdacs_rss_2019-12-30.xml": ("gdacs", 16, 0),
    "gdacs/gdacs_cap_feed_2020-11-10.xml": ("cap", 3, 0),
    "gdacs/gdacs_cap_alert_EQ_1278646_2021-07-26.xml": ("cap", 1, 0),
    "usgs/significant_month_2023-10-11.geojson": ("usgs", 18, 0),
    "cap/noaa_wcatwc_tsunami_warning_2011-09-02.cap": ("cap", 1, 0),
    "cap/canada_ec_thunderstorm_2012-05-02.cap": ("cap", 1, 0),
    "cap/usgs_earthquake_m4.6_el_salvador_2012-10-14.cap": ("cap", 1, 0),
    "cap/mexico_smn_tropical_storm_vicente_2018-10-20.xml": ("cap", 1, 0),
    "cap/australia_nsw_rfs_edxl-de_wrapped_cap_2014-05-08.xml": ("cap", 1, 0),
    "cap/philippines_pagasa_typhoon_alert_TEST_2014-11-03.cap": ("cap", 1, 0),
    "reliefweb/disaster_25466_burkina_faso_floods_aug2015.json": ("reliefweb", 1, 0),
    # 21 disasters are named with a year range only ("Syria: Drought - 2021-2024"): no date, rejected.
    "reliefweb/disasters_list_preset-external_limit-1000.json": ("reliefweb", 979, 21),
    # 76 year-on-year falls of 3 % or more; the World aggregate is rejected once.
    "economic/world_bank_gdp_current_usd_17_economies_2000-2023.csv": ("indicators", 76, 1),
    "economic/ilostat_unemployment_rate_25-54_by_education_12_countries.csv": ("indicators", 22, 0),
}
FEED_DIRS = ("gdacs", "usgs", "cap", "reliefweb", "economic")


def test_every_sample_file_has_expectations(shared_data):
    present = {f"{d}/{p.name}" for d in FEED_DIRS for p in (shared_data / d).iterdir() if p.is_file()}
    assert present == set(EXPECTED)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_sample_counts(sample, relative):
    fmt, n_signals, n_rejections = EXPECTED[relative]
    data = sample(relative)
    assert detect_format(data) == fmt
    result = parse(data)
    assert (len(result.signals), len(result.rejections)) == (n_signals, n_rejections)
    assert parse(data, fmt).signals == result.signals
    for rejection in result.rejections:
        assert rejection.record and rejection.reason and rejection.error_type


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_sample_signals_are_well_formed(sample, relative):
    result = parse(sample(relative))
    ids = [s.signal_id for s in result.signals]
    assert len(ids) == len(set(ids))
    for signal in result.signals:
        assert isinstance(signal, Signal)
        assert signal.observed_at.utcoffset().total_seconds() == 0
        assert Signal.model_validate(signal.to_json_dict()) == signal.model_copy(
            update={"observed_at": signal.observed_at.replace(microsecond=0)})


def test_parsing_is_deterministic(sample):
    data = sample("gdacs/gdacs_rss_2019-12-30.xml")
    assert [s.signal_id for s in parse(data).signals] == [s.signal_id for s in parse(data).signals]


def test_reliefweb_list_statuses_are_all_actual(sample):
    result = parse(sample("reliefweb/disasters_list_preset-external_limit-1000.json"))
    assert Counter(s.status.value for s in result.signals) == {"actual": 979}
