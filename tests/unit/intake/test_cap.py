"""CAP 1.1/1.2 parsing: the national-authority samples, GDACS CAP, wrappers and message rules."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from responders.intake import parse
from responders.intake.cap import parse_cap
from responders.intake.exceptions import UnreadableInput
from vocabulary.signals import Certainty, Hazard, Kind, Severity, SignalStatus, Urgency, make_signal_id

CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"


def alert_xml(body: str, ns: str = CAP12, identifier: str = "A-1", status: str = "Actual",
              msg_type: str = "Alert", extra: str = "") -> str:
    return (f'<alert xmlns="{ns}"><identifier>{identifier}</identifier><sender>ops@example.org</sender>'
            f"<sent>2024-03-01T10:00:00+02:00</sent><status>{status}</status><msgType>{msg_type}</msgType>"
            f"<scope>Public</scope>{extra}{body}</alert>")


INFO = ("<info><language>en-US</language><category>Geo</category><event>Flood</event>"
        "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
        "<headline>River flood in Bangladesh</headline></info>")


def one(data: bytes | str):
    result = parse_cap(data.encode() if isinstance(data, str) else data)
    assert not result.rejections, result.rejections
    assert len(result.signals) == 1
    return result.signals[0]


def test_pagasa_test_alert_keeps_status_test(sample):
    signal = one(sample("cap/philippines_pagasa_typhoon_alert_TEST_2014-11-03.cap"))
    assert signal.status is SignalStatus.TEST and signal.exercise
    assert signal.hazard is Hazard.TROPICAL_CYCLONE
    assert signal.countries == ["PHL"]
    assert signal.source_id == "PAGASA-DOST,103ff55e-b538-49a2-a94a-64470ddea2cc"
    assert signal.signal_id == make_signal_id("cap", signal.source_id)
    assert signal.observed_at == datetime(2014, 11, 3, 6, 57, 33, tzinfo=timezone.utc)
    assert signal.location is not None  # polygon centroid of the Philippine Area of Responsibility
    assert 5 < signal.location.lat < 21 and 113 < signal.location.lon < 130


def test_iso_8859_1_usgs_alert(sample):
    data = sample("cap/usgs_earthquake_m4.6_el_salvador_2012-10-14.cap")
    assert b'encoding="ISO-8859-1"' in data
    signal = one(data)
    assert signal.hazard is Hazard.EARTHQUAKE and signal.kind is Kind.DISASTER
    assert signal.magnitude.value == 4.6
    assert signal.countries == ["SLV"]  # from the place text, not from the (global) USGS sender
    assert "Usulután" in signal.title
    assert (signal.location.lat, signal.location.lon) == (12.747, -88.783)
    assert signal.observed_at == datetime(2012, 10, 14, 22, 40, 56, tzinfo=timezone.utc)  # onset
    assert signal.urgency is Urgency.PAST and signal.certainty is Certainty.LIKELY


def test_alert_inside_edxl_de_is_found(sample):
    signal = one(sample("cap/australia_nsw_rfs_edxl-de_wrapped_cap_2014-05-08.xml"))
    assert signal.title == "MVA Gwandalan"
    assert signal.countries == ["AUS"]  # geocode AU-NSW
    assert signal.severity is Severity.MINOR
    assert signal.hazard is Hazard.OTHER and signal.kind is Kind.OTHER  # a motor vehicle accident
    assert (signal.location.lat, signal.location.lon) == (-33.1347, 151.558)


def test_canada_bilingual_alert_picks_english(sample):
    signal = one(sample("cap/canada_ec_thunderstorm_2012-05-02.cap"))
    assert signal.title == "severe thunderstorm watch"
    assert signal.hazard is Hazard.STORM
    assert signal.countries == ["CAN"]
    assert signal.url.endswith("warnings_e.html")
    assert signal.references == [
        "cap:cap@ec.gc.ca,2.49.0.1.124.6bddbc91.2012",
        "cap:cap@ec.gc.ca,2.49.0.1.124.a3f342a4.2012",
        "cap:cap@ec.gc.ca,2.49.0.1.124.60f31a3a.2012",
    ]


def test_noaa_tsunami_update(sample):
    signal = one(sample("cap/noaa_wcatwc_tsunami_warning_2011-09-02.cap"))
    assert signal.hazard is Hazard.TSUNAMI
    assert signal.severity is Severity.EXTREME and signal.urgency is Urgency.IMMEDIATE
    assert signal.countries == ["USA"]
    assert (signal.magnitude.value, signal.magnitude.unit) == (7.1, "Mw")
    assert (signal.location.lat, signal.location.lon) == (51.8, -171.4)  # EventLatLon parameter
    assert "cap:PAAQ,PAAQ-1-lqw6d6" in signal.references


def test_mexico_spanish_alert(sample):
    signal = one(sample("cap/mexico_smn_tropical_storm_vicente_2018-10-20.xml"))
    assert signal.hazard is Hazard.TROPICAL_CYCLONE  # "Aviso de Ciclón Tropical"
    assert signal.countries == ["MEX"]
    assert signal.severity is Severity.UNKNOWN
    assert signal.references[1] == "cap:smn.cna.gob.mx,avisossmn-ciclontropical-4061"


def test_gdacs_cap_feed_gives_one_signal_per_alert(sample):
    result = parse_cap(sample("gdacs/gdacs_cap_feed_2020-11-10.xml"))
    by_id = {s.source_id.split(",", 1)[1]: s for s in result.signals}
    assert set(by_id) == {"GDACS_EQ_1243255_1342589", "GDACS_TC_1000742_1", "GDACS_EQ_1243234_1342580"}
    guam = by_id["GDACS_EQ_1243255_1342589"]
    assert guam.countries == ["GUM"] and guam.affected_population == 0
    assert "gdacs:EQ:1243255" in guam.references
    assert (guam.magnitude.value, guam.magnitude.unit) == (4.8, "M")
    theta = by_id["GDACS_TC_1000742_1"]
    assert theta.hazard is Hazard.TROPICAL_CYCLONE and theta.countries == []
    assert (theta.magnitude.value, theta.magnitude.unit) == (93.0, "km/h")


def test_gdacs_single_cap_alert(sample):
    signal = one(sample("gdacs/gdacs_cap_alert_EQ_1278646_2021-07-26.xml"))
    assert signal.references == ["cap:info-gdacs@gdacs.org,GDACS_EQ_1278646_1387477", "gdacs:EQ:1278646"]
    assert signal.countries == []  # "Kermadec Islands Region" names no country: none invented
    assert signal.severity is Severity.MINOR


def test_cap_1_1_and_glide_parameter():
    info = INFO.replace("</info>", "<parameter><valueName>glide</valueName><value>FL-2024-000001-BGD</value>"
                        "</parameter><area><areaDesc>Sylhet</areaDesc><circle>24.9,91.87 10</circle></area></info>")
    signal = one(alert_xml(info, ns="urn:oasis:names:tc:emergency:cap:1.1"))
    assert signal.hazard is Hazard.FLOOD and signal.countries == ["BGD"]
    assert "glide:FL-2024-000001-BGD" in signal.references
    assert signal.observed_at == datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
    assert (signal.location.lat, signal.location.lon) == (24.9, 91.87)


@pytest.mark.parametrize("status, expected", [("Exercise", SignalStatus.EXERCISE), ("Test", SignalStatus.TEST),
                                              ("Actual", SignalStatus.ACTUAL)])
def test_status_mapping(status, expected):
    assert one(alert_xml(INFO, status=status)).status is expected


@pytest.mark.parametrize("status", ["System", "Draft", "Bogus", ""])
def test_system_draft_and_unknown_status_are_rejected(status):
    result = parse_cap(alert_xml(INFO, status=status).encode())
    assert result.signals == []
    assert "status" in result.rejections[0].reason
    assert result.rejections[0].record == "alert 1 (A-1)"


@pytest.mark.parametrize("msg_type", ["Ack", "Error"])
def test_ack_and_error_are_rejected(msg_type):
    result = parse_cap(alert_xml(INFO, msg_type=msg_type).encode())
    assert result.signals == [] and msg_type in result.rejections[0].reason


def test_update_and_cancel_keep_references():
    refs = "<references>ops@example.org,A-0,2024-03-01T09:00:00Z other@x.org,B-7,2024-03-01T09:30:00Z</references>"
    update = one(alert_xml(INFO, msg_type="Update", identifier="A-1", extra=refs))
    assert update.references == ["cap:ops@example.org,A-1", "cap:ops@example.org,A-0", "cap:other@x.org,B-7"]
    cancel = one(alert_xml(INFO, msg_type="Cancel", identifier="A-2", extra=refs))
    assert cancel.title.startswith("Cancelled: ") and cancel.urgency is Urgency.PAST
    bare_cancel = one(alert_xml("", msg_type="Cancel", identifier="A-3", extra=refs))
    assert bare_cancel.hazard is Hazard.OTHER and "cap:ops@example.org,A-0" in bare_cancel.references


def test_alert_without_info_is_rejected():
    result = parse_cap(alert_xml("").encode())
    assert "no <info>" in result.rejections[0].reason


def test_non_english_only_alert_uses_its_language():
    info = INFO.replace("en-US", "fr-FR").replace("River flood in Bangladesh", "Crue au Bangladesh")
    assert one(alert_xml(info)).title == "Crue au Bangladesh"


def test_info_without_language_counts_as_english():
    fr = INFO.replace("en-US", "fr-FR").replace("River flood in Bangladesh", "Crue")
    en = INFO.replace("<language>en-US</language>", "")
    assert one(alert_xml(fr + en)).title == "River flood in Bangladesh"


def test_atom_feed_with_several_alerts_and_a_duplicate():
    entries = "".join(f"<entry><content type='text/xml'>{alert_xml(INFO, identifier=i)}</content></entry>"
                      for i in ("X-1", "X-2", "X-1"))
    result = parse(f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'.encode())
    assert [s.source_id for s in result.signals] == ["ops@example.org,X-1", "ops@example.org,X-2"]
    assert len(result.rejections) == 1 and "duplicate signal_id" in result.rejections[0].reason


def test_bad_alert_does_not_stop_the_others():
    broken = alert_xml(INFO, identifier="B-1").replace("<sent>2024-03-01T10:00:00+02:00</sent>", "<sent>soon</sent>")
    good = alert_xml(INFO, identifier="B-2")
    result = parse_cap(f"<bundle>{broken}{good}</bundle>".encode())
    assert [s.source_id for s in result.signals] == ["ops@example.org,B-2"]
    assert "sent" in result.rejections[0].reason


def test_document_without_alert_is_unreadable_as_cap():
    with pytest.raises(UnreadableInput):
        parse_cap(b"<rss><channel/></rss>")


def test_fire_category_and_thunderstorm_keywords():
    fire = INFO.replace("<category>Geo</category><event>Flood</event>",
                        "<category>Fire</category><event>Bush Fire</event>")
    assert one(alert_xml(fire)).hazard is Hazard.WILDFIRE
    storm = INFO.replace("<event>Flood</event>", "<event>Severe Thunderstorm Warning</event>").replace(
        "River flood in Bangladesh", "Thunderstorms")
    assert one(alert_xml(storm)).hazard is Hazard.STORM
