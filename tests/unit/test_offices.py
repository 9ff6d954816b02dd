"""The shipped ILO field structure loads and places every country; broken office files are refused with an error
naming the office, the field or the countries at fault."""

from __future__ import annotations

import copy

import pycountry
import pytest
import yaml

from config.offices import OFFICES_PATH, OfficeKind, OfficesError, OfficeSet, load_offices

ALL_CODES = sorted({c.alpha_3 for c in pycountry.countries} | {"XKX"})


@pytest.fixture(scope="module")
def offices() -> OfficeSet:
    return load_offices()


@pytest.fixture
def raw() -> dict:
    """The shipped file as plain data, to mutate (load_offices is cached: never mutate its result)."""
    return yaml.safe_load(OFFICES_PATH.read_text(encoding="utf-8"))


def _office(data: dict, office_id: str) -> dict:
    return next(o for o in data["offices"] if o["office_id"] == office_id)


def _codes(office: dict) -> list[str]:
    countries = office.get("countries", "")
    return countries.split() if isinstance(countries, str) else list(countries)


def _load(tmp_path, data: dict) -> OfficeSet:
    path = tmp_path / "offices.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_offices(path)


def test_the_shipped_file_loads(offices, raw):
    assert offices.version == 1
    assert [o.office_id for o in offices.offices] == [o["office_id"] for o in raw["offices"]]
    kinds = [o.kind for o in offices.offices]
    assert kinds.count(OfficeKind.HEADQUARTERS) == 1 and kinds.count(OfficeKind.REGIONAL) == 5
    assert load_offices() is offices and load_offices(OFFICES_PATH) == offices


def test_jakarta_covers_indonesia_and_timor_leste(offices):
    jakarta = offices.office("co-jakarta")
    assert jakarta.kind is OfficeKind.COUNTRY and jakarta.city == "Jakarta" and jakarta.region == "ro-asia-pacific"
    assert offices.countries_of("co-jakarta") == {"IDN", "TLS"}
    for iso3 in ("IDN", "TLS"):
        assert offices.covers("co-jakarta", iso3)
        assert offices.for_country(iso3) == jakarta


def test_peru_is_lima_and_the_americas_not_jakarta(offices):
    assert not offices.covers("co-jakarta", "PER")
    assert offices.for_country("PER").office_id == "co-lima"
    assert offices.covers("co-lima", "PER") and offices.covers("ro-americas", "PER")
    assert offices.region_of("PER").office_id == "ro-americas"
    assert not offices.covers("ro-asia-pacific", "PER")
    assert offices.countries_of("co-lima") == {"PER", "BOL", "COL", "ECU", "VEN"}


def test_headquarters_covers_everything(offices):
    assert offices.countries_of("hq") == set(ALL_CODES)
    assert all(offices.covers("hq", iso3) for iso3 in ALL_CODES)


def test_a_region_covers_its_own_countries_and_those_of_its_country_offices(offices):
    americas = offices.countries_of("ro-americas")
    assert {"GUF", "PRI"} <= americas and offices.countries_of("co-lima") <= americas
    assert offices.for_country("GUF").office_id == "ro-americas"
    regions = [offices.countries_of(o.office_id) for o in offices.offices if o.kind is OfficeKind.REGIONAL]
    assert sum(len(r) for r in regions) == len(ALL_CODES) and set().union(*regions) == set(ALL_CODES)


def test_chain_is_country_office_region_headquarters(offices):
    assert [o.office_id for o in offices.chain("TLS")] == ["co-jakarta", "ro-asia-pacific", "hq"]
    assert [o.office_id for o in offices.chain("PER")] == ["co-lima", "ro-americas", "hq"]
    assert [o.office_id for o in offices.chain("REU")] == ["ro-africa", "hq"]


@pytest.mark.parametrize("iso3", ALL_CODES)
def test_every_code_resolves(offices, iso3):
    office = offices.for_country(iso3)
    assert office.kind in (OfficeKind.COUNTRY, OfficeKind.REGIONAL)
    assert offices.covers(office.office_id, iso3)
    assert offices.region_of(iso3).kind is OfficeKind.REGIONAL
    assert offices.chain(iso3)[-1].office_id == "hq"


def test_unknown_lookups_raise(offices):
    with pytest.raises(KeyError, match="co-atlantis"):
        offices.office("co-atlantis")
    with pytest.raises(KeyError, match="ZZZ"):
        offices.for_country("ZZZ")


def test_a_country_in_two_offices_is_refused(tmp_path, raw):
    data = copy.deepcopy(raw)
    jakarta = _office(data, "co-jakarta")
    jakarta["countries"] = " ".join(_codes(jakarta) + ["PER"])
    with pytest.raises(OfficesError, match=r"more than one office: PER \(co-lima, co-jakarta\)"):
        _load(tmp_path, data)


def test_a_missing_country_is_refused(tmp_path, raw):
    data = copy.deepcopy(raw)
    jakarta = _office(data, "co-jakarta")
    jakarta["countries"] = "IDN"
    with pytest.raises(OfficesError, match="covered by no country or regional office: TLS"):
        _load(tmp_path, data)


def test_an_unknown_parent_is_refused(tmp_path, raw):
    data = copy.deepcopy(raw)
    _office(data, "ro-africa")["parent"] = "hq-mars"
    with pytest.raises(OfficesError, match=r"office 'ro-africa', field 'parent': 'hq-mars' is not an office id"):
        _load(tmp_path, data)


def test_a_bad_iso_code_is_refused(tmp_path, raw):
    data = copy.deepcopy(raw)
    jakarta = _office(data, "co-jakarta")
    jakarta["countries"] = " ".join(_codes(jakarta) + ["XYZ"])
    expected = r"office 'co-jakarta', field 'countries': not ISO 3166-1 alpha-3 codes: XYZ"
    with pytest.raises(OfficesError, match=expected):
        _load(tmp_path, data)


def test_kinds_must_be_consistent(tmp_path, raw):
    data = copy.deepcopy(raw)
    _office(data, "co-jakarta")["region"] = "co-bangkok"
    _office(data, "co-jakarta")["parent"] = "co-bangkok"
    data["offices"].append({"office_id": "hq-two", "name": "Second HQ", "kind": "headquarters", "city": "Turin"})
    with pytest.raises(OfficesError) as err:
        _load(tmp_path, data)
    message = str(err.value)
    assert "exactly one headquarters office is needed, found 2" in message
    assert "office 'co-jakarta', field 'region': 'co-bangkok' is a country office, not a regional one" in message


def test_field_errors_name_the_office(tmp_path, raw):
    data = copy.deepcopy(raw)
    _office(data, "co-lima")["kind"] = "embassy"
    with pytest.raises(OfficesError, match=r"office 'co-lima', field 'kind'"):
        _load(tmp_path, data)


def test_duplicate_ids_are_refused(tmp_path, raw):
    data = copy.deepcopy(raw)
    _office(data, "co-tokyo")["office_id"] = "co-manila"
    with pytest.raises(OfficesError, match="office id 'co-manila' is used more than once"):
        _load(tmp_path, data)
