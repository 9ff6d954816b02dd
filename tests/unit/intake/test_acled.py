"""ACLED CSV in both layouts. No ACLED sample is shared, so the fixtures below are small hand-made rows
in the real column layouts (values are illustrative, not real ACLED records)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from responders.intake import detect_format, parse
from responders.intake.acled import parse_acled, severity_for
from responders.intake.exceptions import UnreadableInput
from vocabulary.signals import Certainty, Hazard, Kind, Severity

CURRENT = """event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp
AFG71234,2023-10-07,2023,1,Political violence,Battles,Armed clash,Military Forces of Afghanistan (2021-),,1,NSAG,,2,12,,4,Caucasus and Central Asia,Afghanistan,Herat,Zindah Jan,,Zindah Jan,34.3421,61.7458,2,Local media,National,Clash reported near the district centre.,27,,1697000000
SDN30001,2023-06-15,2023,1,Political violence,Violence against civilians,Attack,RSF,,2,Civilians (Sudan),,7,27,Civilian targeting,729,Northern Africa,Sudan,West Darfur,El Geneina,,El Geneina,13.4525,22.4472,1,Sudan Tribune,National,"Attack on displaced people; ""many"" killed.",120,,1687000000
UKR90001,2023-05-02,2023,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,Military Forces of Russia (2000-),,8,,,0,80,,804,Europe,Ukraine,Kharkiv,Kupianskyi,,Kupiansk,49.7106,37.6156,1,Ukrinform,National,Shelling of the town.,1,,1683000000
FRA10001,2023-06-29,2023,1,Demonstrations,Riots,Violent demonstration,Rioters (France),,5,,,0,50,,250,Europe,France,Ile-de-France,Hauts-de-Seine,,Nanterre,48.8924,2.2069,1,Le Monde,National,Riot after a police shooting.,0,,1688000000
KEN20001,2023-07-07,2023,1,Demonstrations,Protests,Peaceful protest,Protesters (Kenya),,6,,,0,60,,404,Eastern Africa,Kenya,Nairobi,Nairobi,,Nairobi,-1.2864,36.8172,1,The Star,National,Protest over taxes.,0,,1689000000
AFG71235,2023-10-08,2023,1,Strategic developments,Strategic developments,Looting/property destruction,Unidentified Armed Group (Afghanistan),,3,,,0,30,,4,Caucasus and Central Asia,Afghanistan,Herat,Herat,,Herat,34.3482,62.1997,1,Local media,National,Shops looted.,0,,1697000001
AFG71236,2023-10-09,2023,1,Political violence,Battles,Armed clash,NSAG,,2,NSAG,,2,22,,4,Caucasus and Central Asia,Afghanistan,Herat,Herat,,Herat,34.3482,62.1997,1,Local media,National,Clash.,many,,1697000002
AFG71234,2023-10-07,2023,1,Political violence,Battles,Armed clash,Military Forces of Afghanistan (2021-),,1,NSAG,,2,12,,4,Caucasus and Central Asia,Afghanistan,Herat,Zindah Jan,,Zindah Jan,34.3421,61.7458,2,Local media,National,Repeated row.,27,,1697000000
"""

OLDER = """GWNO,EVENT_ID_CNTY,EVENT_ID_NO_CNTY,EVENT_DATE,YEAR,TIME_PRECISION,EVENT_TYPE,ACTOR1,ALLY_ACTOR_1,INTER1,ACTOR2,ALLY_ACTOR_2,INTER2,INTERACTION,COUNTRY,ADMIN1,ADMIN2,ADMIN3,LOCATION,LATITUDE,LONGITUDE,GEO_PRECISION,SOURCE,NOTES,FATALITIES
520,SOM12345,12345,15/01/2017,2017,1,Battle-No change of territory,Al Shabaab,,2,Military Forces of Somalia (2012-),,1,12,Somalia,Lower Shabelle,Marka,,Marka,1.7159,44.7717,1,Shabelle Media,Clashes near Marka.,12
520,SOM12346,12346,16/01/2017,2017,1,Remote violence,Al Shabaab,,2,,,0,20,Somalia,Banadir,Mogadishu,,Mogadishu,2.0372,45.3438,1,Garowe Online,IED in the capital.,0
475,NIG5001,5001,17/01/2017,2017,1,Riots/Protests,Protesters (Nigeria),,6,,,0,60,Nigeria,Lagos,Ikeja,,Ikeja,6.6018,3.3515,1,Vanguard,Protest.,0
520,SOM12347,12347,18/01/2017,2017,1,Headquarters or base established,Al Shabaab,,2,,,0,20,Somalia,Bay,Baidoa,,Baidoa,3.1137,43.6498,1,Shabelle Media,Base set up.,0
520,SOM12348,12348,2017-13-40,2017,1,Violence against civilians,Al Shabaab,,2,Civilians (Somalia),,7,27,Somalia,Bay,Baidoa,,Baidoa,3.1137,43.6498,1,Shabelle Media,Bad date.,3
"""


@pytest.fixture(scope="module")
def current():
    return parse_acled(CURRENT.encode())


def test_current_layout_counts(current):
    assert [s.source_id for s in current.signals] == ["AFG71234", "SDN30001", "UKR90001", "FRA10001", "KEN20001"]
    reasons = {r.record: r.reason for r in current.rejections}
    assert set(reasons) == {"row 7", "row 8", "row 9"}
    assert "not a crisis signal" in reasons["row 7"]
    assert "fatalities 'many'" in reasons["row 8"] and "duplicate" in reasons["row 9"]


def test_current_layout_fields(current):
    battle, sudan, ukraine, riot, protest = current.signals
    assert battle.title == "Battles in Herat, Afghanistan (Armed clash): 27 fatalities"
    assert battle.hazard is Hazard.ARMED_CONFLICT and battle.kind is Kind.CONFLICT
    assert battle.countries == ["AFG"]  # iso 4 is numeric ISO 3166 for Afghanistan
    assert battle.severity is Severity.SEVERE and battle.certainty is Certainty.OBSERVED
    assert battle.references == ["acled:AFG71234"]
    assert (battle.location.lat, battle.location.lon) == (34.3421, 61.7458)
    assert battle.observed_at == datetime(2023, 10, 7, tzinfo=timezone.utc)
    assert (battle.magnitude.value, battle.magnitude.unit) == (27, "fatalities")
    assert sudan.severity is Severity.EXTREME and sudan.countries == ["SDN"]
    assert ukraine.hazard is Hazard.ARMED_CONFLICT and ukraine.severity is Severity.MODERATE
    assert riot.hazard is Hazard.CIVIL_UNREST and riot.severity is Severity.MINOR
    assert protest.hazard is Hazard.CIVIL_UNREST and protest.countries == ["KEN"]


def test_older_upper_case_layout():
    result = parse_acled(OLDER.encode())
    battle, remote, protest = result.signals
    assert battle.hazard is Hazard.ARMED_CONFLICT and battle.countries == ["SOM"]
    assert battle.title.startswith("Battle-No change of territory in Lower Shabelle, Somalia")
    assert battle.observed_at == datetime(2017, 1, 15, tzinfo=timezone.utc)
    assert battle.severity is Severity.MODERATE
    assert remote.hazard is Hazard.ARMED_CONFLICT and protest.hazard is Hazard.CIVIL_UNREST
    assert protest.countries == ["NGA"]
    reasons = {r.record: r.reason for r in result.rejections}
    assert "not a crisis signal" in reasons["row 5"] and "event_date" in reasons["row 6"]


@pytest.mark.parametrize("fatalities, expected", [
    (0, Severity.MINOR), (1, Severity.MODERATE), (24, Severity.MODERATE), (25, Severity.SEVERE),
    (99, Severity.SEVERE), (100, Severity.EXTREME)])
def test_fatality_thresholds(fatalities, expected):
    assert severity_for(fatalities) is expected


def test_detected_as_acled():
    assert detect_format(CURRENT.encode()) == detect_format(OLDER.encode()) == "acled"
    assert len(parse(OLDER.encode()).signals) == 3


def test_missing_columns_is_unreadable():
    with pytest.raises(UnreadableInput):
        parse_acled(b"event_id_cnty,notes\nX1,hello\n")
