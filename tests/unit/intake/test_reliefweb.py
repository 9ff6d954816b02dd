"""ReliefWeb disasters: full records, the 1000-item list, hazard/country/date derivation and rejections."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

import pytest

from responders.intake.exceptions import UnreadableInput
from responders.intake.reliefweb import parse_reliefweb
from vocabulary.signals import Hazard, Kind, SignalStatus, Urgency

LIST = "reliefweb/disasters_list_preset-external_limit-1000.json"


def test_full_record(sample):
    result = parse_reliefweb(sample("reliefweb/disaster_25466_burkina_faso_floods_aug2015.json"))
    (signal,) = result.signals
    assert signal.source_id == "25466" and signal.title == "Burkina Faso: Floods - Aug 2015"
    assert signal.hazard is Hazard.FLOOD and signal.countries == ["BFA"]
    assert signal.references == ["reliefweb:25466", "glide:FL-2015-000106-BFA"]
    assert signal.observed_at == datetime(2015, 8, 7, tzinfo=timezone.utc)  # date.event
    assert signal.urgency is Urgency.PAST and signal.status is SignalStatus.ACTUAL
    assert signal.url == "https://reliefweb.int/disaster/fl-2015-000106-bfa"


@pytest.fixture(scope="module")
def listing(sample):
    result = parse_reliefweb(sample(LIST))
    return result, {s.source_id: s for s in result.signals}


def test_list_counts_sum_to_1000(listing):
    result, _ = listing
    assert len(result.signals) + len(result.rejections) == 1000
    assert (len(result.signals), len(result.rejections)) == (979, 21)
    assert all("no date" in r.reason for r in result.rejections)


def test_list_hazards_from_glide_prefix(listing):
    result, _ = listing
    hazards = Counter(s.hazard for s in result.signals)
    assert hazards[Hazard.TROPICAL_CYCLONE] == 113 and hazards[Hazard.EARTHQUAKE] == 62
    assert hazards[Hazard.VOLCANO] == 27 and hazards[Hazard.TSUNAMI] == 1
    assert sum(hazards.values()) == 979


def test_list_urgency_follows_status(listing):
    result, _ = listing
    # 813 past + 104 alert-archive, less the year-range names among them, are past
    assert Counter(s.urgency for s in result.signals) == {Urgency.PAST: 902, Urgency.UNKNOWN: 77}


@pytest.mark.parametrize("rid, hazard, countries, observed", [
    ("52108", Hazard.FLOOD, ["TCD"], datetime(2024, 8, 1, tzinfo=timezone.utc)),        # name prefix
    ("52104", Hazard.EPIDEMIC, ["TGO"], datetime(2024, 6, 1, tzinfo=timezone.utc)),
    ("52091", Hazard.TROPICAL_CYCLONE, ["CHN"], datetime(2024, 7, 1, tzinfo=timezone.utc)),  # GLIDE suffix
    ("52089", Hazard.LANDSLIDE, ["ETH"], datetime(2024, 7, 1, tzinfo=timezone.utc)),
    ("51531", Hazard.EARTHQUAKE, ["AFG", "PAK"], datetime(2023, 3, 1, tzinfo=timezone.utc)),
    ("50792", Hazard.WILDFIRE, ["TUR"], datetime(2021, 7, 1, tzinfo=timezone.utc)),      # "July 2021"
    ("42869", Hazard.ARMED_CONFLICT, ["IRQ"], None),                                     # year range
    ("49848", Hazard.EPIDEMIC, [], datetime(2020, 1, 1, tzinfo=timezone.utc)),           # GLIDE '001'
])
def test_list_records(listing, rid, hazard, countries, observed):
    _, by_id = listing
    if observed is None:
        assert rid not in by_id
        return
    signal = by_id[rid]
    assert (signal.hazard, signal.countries, signal.observed_at) == (hazard, countries, observed)
    assert f"reliefweb:{rid}" in signal.references


def test_cold_wave_and_complex_emergency_kinds():
    records = [{"id": 1, "fields": {"name": "Mongolia: Dzud - Dec 2020", "glide": "CW-2020-000243-MNG"}},
               {"id": 2, "fields": {"name": "Iraq: Crisis - Jun 2016", "type": [{"name": "Complex Emergency"}]}}]
    result = parse_reliefweb(json.dumps(records).encode())
    dzud, crisis = result.signals
    assert dzud.hazard is Hazard.EXTREME_TEMPERATURE and dzud.countries == ["MNG"]
    assert crisis.hazard is Hazard.ARMED_CONFLICT and crisis.kind is Kind.CONFLICT


def test_bad_records_become_rejections():
    records = {"data": [{"fields": {"name": "No id - Jan 2020"}}, {"id": 3, "fields": {"name": ""}}, 7,
                        {"id": 4, "fields": {"name": "Chad: Floods", "glide": "FL-2024-000001-TCD"}}]}
    result = parse_reliefweb(json.dumps(records).encode())
    assert result.signals == []
    assert [r.record for r in result.rejections] == ["item 1", "disaster 3", "item 3", "disaster 4"]
    assert "no date" in result.rejections[3].reason


def test_not_reliefweb_is_unreadable():
    with pytest.raises(UnreadableInput):
        parse_reliefweb(b'"just a string"')
