"""Country resolution: exact names and codes only, free-text search, aggregates."""

from __future__ import annotations

import pytest

from responders.intake.countries import (
    find_countries, is_aggregate, iso3_from_numeric, resolve_country, us_state_in_place, valid_iso3,
)


@pytest.mark.parametrize("text, codes", [
    ("western Afghanistan", ["AFG"]),
    ("45 km NE of Madang, Papua New Guinea", ["PNG"]),
    ("Poland-Slovakia border region", ["POL", "SVK"]),
    ("35 km NNW of Herāt, Afghanistan", ["AFG"]),
    ("Bosnia & Herzegovina, Russia, Moldova", ["BIH", "RUS", "MDA"]),
    ("Guinea-Bissau and Guinea", ["GNB", "GIN"]),
    ("Kermadec Islands Region", []),
    ("Philippine Area of Responsibility", []),
    ("Windsor - Leamington - Essex County", []),
    ("Taiwan (China)", ["TWN"]),
    ("New South Wales", ["AUS"]),
])
def test_find_countries(text, codes):
    assert find_countries(text) == codes


def test_us_states_only_when_asked():
    assert find_countries("Sitka, Alaska") == []
    assert find_countries("Sitka, Alaska", us_states=True) == ["USA"]
    assert find_countries("New Mexico") == [] and find_countries("Gulf of Mexico") == ["MEX"]
    assert find_countries("Georgia", us_states=True) == ["GEO"]
    assert us_state_in_place("3 km SW of Ferndale, CA") and not us_state_in_place("Ferndale, Canada")


@pytest.mark.parametrize("name, code", [
    ("Turkiye", "TUR"), ("Russian Federation", "RUS"), ("Korea, Rep.", "KOR"), ("St. Lucia", "LCA"),
    ("DR Congo", "COD"), ("Cote d'Ivoire", "CIV"), ("Viet Nam", "VNM"), ("ESP", "ESP"), ("Atlantis", None),
    ("", None), ("Kosovo", "XKX"),
])
def test_resolve_country(name, code):
    assert resolve_country(name) == code


def test_codes_and_aggregates():
    assert iso3_from_numeric("4") == "AFG" and iso3_from_numeric("729") == "SDN" and iso3_from_numeric("x") is None
    assert valid_iso3("tmp") == "TLS" and valid_iso3("001") is None
    assert is_aggregate("World", "WLD") and is_aggregate("Euro area") and is_aggregate("Upper middle income")
    assert is_aggregate("World", "OWID_WRL") and not is_aggregate("Spain", "ESP")
    assert not is_aggregate("Kosovo", "OWID_KOS")


def test_a_gdacs_name_for_several_overseas_territories_gives_each_code():
    from responders.intake.countries import find_countries

    assert find_countries("Miscellaneous (French) Indian Ocean Islands") == ["REU", "MYT", "ATF"]
    assert set(find_countries("Mauritius, Miscellaneous (French) Indian Ocean Islands")) == {"MUS", "REU", "MYT",
                                                                                              "ATF"}
