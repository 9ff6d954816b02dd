"""Format detection by content, and the dispatching parse() entry point."""

from __future__ import annotations

import pytest

from responders.intake import FORMATS, detect_format, parse
from responders.intake.exceptions import UnknownFormat, UnreadableInput


def test_formats_tuple():
    assert FORMATS == ("auto", "cap", "gdacs", "usgs", "reliefweb", "acled", "indicators", "json")


@pytest.mark.parametrize("body, fmt", [
    (b'<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/>', "cap"),
    (b'<EDXLDistribution xmlns="urn:oasis:names:tc:emergency:EDXL:DE:1.0"><contentObject><xmlContent>'
     b'<embeddedXMLContent><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/></embeddedXMLContent>'
     b'</xmlContent></contentObject></EDXLDistribution>', "cap"),
    (b'<rss xmlns:gdacs="http://www.gdacs.org"><channel><item><gdacs:eventtype>EQ</gdacs:eventtype>'
     b"</item></channel></rss>", "gdacs"),
    (b'{"type": "FeatureCollection", "metadata": {"url": "https://earthquake.usgs.gov/x"}, "features": []}', "usgs"),
    (b'{"data": [{"id": "1", "fields": {"name": "x"}}]}', "reliefweb"),
    (b'[{"id": 1, "fields": {"name": "x"}}]', "reliefweb"),
    (b'{"source": "a", "source_id": "b", "hazard": "flood"}', "json"),
    (b'{"source": "a", "source_id": "b"}\n{"source": "a", "source_id": "c"}\n', "json"),
    (b"EVENT_ID_CNTY,EVENT_DATE,EVENT_TYPE\n", "acled"),
    (b"\xef\xbb\xbfEntity,Year,Unemployment\n", "indicators"),
    (b"Country;Year;Value\n", "indicators"),
    # truncated bodies are recognised from their text, so the parser can say what is wrong
    (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x', "cap"),
    (b'{"type":"FeatureCollection","features":[{"properties":{"mag":4.', "usgs"),
])
def test_detect(body, fmt):
    assert detect_format(body) == fmt


@pytest.mark.parametrize("body", [
    b"", b"   ", b"\x00\x01\x02", b"hello world", b"<html><body/></html>", b'{"type": "FeatureCollection", '
    b'"features": [{"properties": {"name": "park"}}]}', b"[1, 2, 3]", b"name,colour\nx,red\n", b"<rss><channel/></rss>",
])
def test_unknown_content(body):
    with pytest.raises(UnknownFormat):
        detect_format(body)
    with pytest.raises(UnknownFormat):
        parse(body)


def test_bad_format_name():
    with pytest.raises(UnknownFormat):
        parse(b"{}", "xml")


def test_truncated_known_format_is_unreadable(sample):
    data = sample("gdacs/gdacs_rss_2019-12-30.xml")
    with pytest.raises(UnreadableInput):
        parse(data[: len(data) // 2])


def test_explicit_format_overrides_detection(sample):
    with pytest.raises(UnreadableInput):
        parse(sample("usgs/significant_month_2023-10-11.geojson"), "cap")
    with pytest.raises(UnreadableInput):
        parse(sample("cap/canada_ec_thunderstorm_2012-05-02.cap"), "reliefweb")


def test_options_a_parser_does_not_use_are_ignored(sample):
    # 'auto' may route anywhere, so e.g. indicator= must not break a CAP or USGS body
    assert len(parse(sample("usgs/significant_month_2023-10-11.geojson"), indicator="gdp").signals) == 18
