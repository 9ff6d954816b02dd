"""Property tests: no input, random or mutated from a real sample, makes a parser raise anything
but UnknownFormat/UnreadableInput; every record that fails ends as a rejection with a reason."""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from responders.intake import PARSERS, ParseResult, parse
from responders.intake.exceptions import UnknownFormat, UnreadableInput
from vocabulary.signals import Signal

from .conftest import shared_data_dir
from .test_samples import EXPECTED

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALLOWED = (UnknownFormat, UnreadableInput)
TOKENS = [b"<", b">", b"&", b"&amp;", b'"', b"'", b"\x00", b",", b"\n", b"{", b"}", b"[", b"]", b":", b"]]>",
          b"<!DOCTYPE a [<!ENTITY x 'y'>]>", b"\xef\xbb\xbf", b"\xff", b"-1e999", b"NaN", b"null", b"</item>",
          b"<cap:alert>", b"</alert>", b"\\u0000", b";"]


def check(outcome_of) -> ParseResult | None:
    """Run a parse; only documented errors may escape, and results must be well-formed."""
    try:
        result = outcome_of()
    except ALLOWED:
        return None
    assert isinstance(result, ParseResult)
    ids = [s.signal_id for s in result.signals]
    assert len(ids) == len(set(ids))
    assert all(isinstance(s, Signal) for s in result.signals)
    for rejection in result.rejections:
        assert rejection.record and rejection.reason and rejection.error_type
    return result


def run_all(data: bytes) -> None:
    check(lambda: parse(data))
    for parser in PARSERS.values():
        check(lambda parser=parser: parser(data))


@SETTINGS
@given(st.binary(max_size=2048))
def test_random_bytes(data):
    run_all(data)


@SETTINGS
@given(st.lists(st.sampled_from(list('<>/="&;:,{}[]\n aZ09-.#') + ["cap:", "alert", "gdacs", "item", "<?xml",
                                                                     "urn:oasis:names:tc:emergency:cap:1.2"]),
                max_size=120))
def test_random_markup_like_text(pieces):
    run_all("".join(pieces).encode())


def _sample_bytes(relative: str) -> bytes:
    return (shared_data_dir() / relative).read_bytes()


mutations = st.one_of(
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                                        min_size=1, max_size=25)),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("delete"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 400)),
                                          min_size=1, max_size=5)),
    st.tuples(st.just("insert"), st.lists(st.tuples(st.floats(0, 1), st.sampled_from(TOKENS)),
                                          min_size=1, max_size=8)),
)


def mutate(data: bytes, mutation) -> bytes:
    kind, ops = mutation
    out = bytearray(data)
    if kind == "truncate":
        return bytes(out[: int(len(out) * ops)])
    for where, what in ops:
        pos = int(where * len(out))
        if kind == "flip" and out:
            out[min(pos, len(out) - 1)] = what
        elif kind == "delete":
            del out[pos: pos + what]
        elif kind == "insert":
            out[pos:pos] = what
    return bytes(out)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
@FEW
@given(mutation=mutations)
def test_mutated_real_files(relative, mutation):
    fmt = EXPECTED[relative][0]
    data = mutate(_sample_bytes(relative), mutation)
    check(lambda: parse(data))
    check(lambda: PARSERS[fmt](data))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
SIGNAL_KEYS = ["signal_id", "source", "source_id", "kind", "hazard", "title", "countries", "location", "severity",
               "urgency", "certainty", "magnitude", "affected_population", "observed_at", "status", "references", "url"]
USGS_KEYS = ["mag", "place", "time", "type", "alert", "magType", "ids", "url", "title", "status"]
RW_KEYS = ["id", "name", "status", "glide", "primary_country", "country", "type", "primary_type", "date", "url"]


@SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(SIGNAL_KEYS), json_values, max_size=12), max_size=5))
def test_structured_json_signals(objects):
    check(lambda: PARSERS["json"](json.dumps(objects).encode()))


@SETTINGS
@given(st.lists(st.fixed_dictionaries({}, optional={
    "id": json_values, "type": st.just("Feature") | json_values,
    "properties": st.dictionaries(st.sampled_from(USGS_KEYS), json_values, max_size=10),
    "geometry": st.fixed_dictionaries({"type": st.just("Point"), "coordinates": st.lists(json_values, max_size=3)}),
}), max_size=5))
def test_structured_usgs(features):
    check(lambda: PARSERS["usgs"](json.dumps({"type": "FeatureCollection", "features": features}).encode()))


@SETTINGS
@given(st.lists(st.fixed_dictionaries({}, optional={
    "id": json_values, "fields": st.dictionaries(st.sampled_from(RW_KEYS), json_values, max_size=10)}), max_size=5))
def test_structured_reliefweb(records):
    check(lambda: PARSERS["reliefweb"](json.dumps({"data": records}).encode()))


cells = st.text(max_size=12) | st.sampled_from(["", "0", "-3.5", "1e308", "nan", "2009", "2009-Q3", "Spain", "ESP",
                                                 "World", "Battles", "Riots", "Strategic developments", "4", "12"])
ACLED_HEADER = ["event_id_cnty", "event_date", "event_type", "sub_event_type", "country", "iso", "admin1",
                "latitude", "longitude", "fatalities"]
IND_HEADERS = [["Country Name", "Country Code", "Year", "Value"], ["Entity", "Year", "Unemployment rate", "GDP growth"],
               ["country", "period", "indicator", "value"]]


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


@SETTINGS
@given(st.lists(st.lists(cells, min_size=0, max_size=12), max_size=8))
def test_structured_acled(rows):
    check(lambda: PARSERS["acled"](to_csv(ACLED_HEADER, rows)))


@SETTINGS
@given(st.sampled_from(IND_HEADERS), st.lists(st.lists(cells, min_size=0, max_size=5), max_size=10))
def test_structured_indicators(header, rows):
    check(lambda: PARSERS["indicators"](to_csv(header, rows), indicator="inflation"))
    check(lambda: PARSERS["indicators"](to_csv(header, rows)))


CAP_FIELDS = ["identifier", "sender", "sent", "status", "msgType", "references"]
INFO_FIELDS = ["language", "category", "event", "urgency", "severity", "certainty", "headline", "onset", "web"]
cap_text = st.text(max_size=30) | st.sampled_from(["Actual", "Test", "Cancel", "Update", "en-CA", "fr",
                                                   "2024-01-01T00:00:00Z", "a,b,c d,e,f", "Severe", "Earthquake"])


@SETTINGS
@given(st.dictionaries(st.sampled_from(CAP_FIELDS), cap_text),
       st.lists(st.dictionaries(st.sampled_from(INFO_FIELDS), cap_text), max_size=3),
       st.lists(st.tuples(st.sampled_from(["circle", "polygon", "areaDesc"]), cap_text), max_size=3))
def test_structured_cap(alert, infos, area):
    def el(name, value):
        clean = "".join(ch for ch in value if ch in "\t\n\r" or 0x20 <= ord(ch) < 0xD800 or 0xE000 <= ord(ch) < 0xFFFE)
        return f"<{name}>{escape(clean)}</{name}>"

    area_xml = "<area>" + "".join(el(k, v) for k, v in area) + "</area>"
    info_xml = "".join("<info>" + "".join(el(k, v) for k, v in info.items()) + area_xml + "</info>" for info in infos)
    body = ('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">' + "".join(el(k, v) for k, v in alert.items())
            + info_xml + "</alert>")
    check(lambda: PARSERS["cap"](body.encode()))
