"""Feed configuration: the YAML loader, the example file, URL schemes, ${VAR} expansion and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from streams.pollers import FeedConfig, FeedConfigError, FeedFormat, load_feeds

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "feeds.example.yaml"


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text)
    return path


def test_example_file_lists_the_public_feeds_all_disabled(monkeypatch):
    monkeypatch.delenv("RRC_RELIEFWEB_APPNAME", raising=False)
    feeds = {f.name: f for f in load_feeds(EXAMPLE)}

    assert not any(f.enabled for f in feeds.values())
    urls = {f.url for f in feeds.values()}
    assert "https://www.gdacs.org/xml/rss.xml" in urls
    assert "https://www.gdacs.org/xml/gdacs_cap.xml" in urls
    assert "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/significant_week.geojson" in urls
    assert "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/4.5_day.geojson" in urls
    assert feeds["reliefweb-disasters"].url.startswith("https://api.reliefweb.int/")
    assert feeds["gdacs-rss"].format is FeedFormat.GDACS and feeds["usgs-4.5-day"].format is FeedFormat.USGS
    assert feeds["local-drop"].is_file


def test_defaults_apply_unless_the_feed_sets_the_field(tmp_path):
    path = write(tmp_path, """
defaults: {interval_s: 120, timeout_s: 5}
feeds:
  - {name: a, url: "https://a.test/x", format: cap}
  - {name: b, url: "https://b.test/x", interval_s: 30, enabled: false, headers: {Accept: application/json}}
""")
    a, b = load_feeds(path)
    assert (a.interval_s, a.timeout_s, a.enabled, a.format) == (120, 5, True, FeedFormat.CAP)
    assert (b.interval_s, b.enabled, b.headers, b.format) == (30, False, {"Accept": "application/json"},
                                                             FeedFormat.AUTO)


def test_a_bare_list_is_accepted(tmp_path):
    assert [f.name for f in load_feeds(write(tmp_path, "- {name: a, url: 'https://a.test/'}\n"))] == ["a"]


def test_env_vars_are_expanded_and_unset_ones_fail_only_when_enabled(tmp_path, monkeypatch):
    monkeypatch.setenv("RW_APP", "rrc-test")
    monkeypatch.delenv("NOPE_UNSET", raising=False)
    path = write(tmp_path, """
feeds:
  - {name: rw, url: "https://api.test/d?appname=${RW_APP}", headers: {X-Key: "k-${RW_APP}"}}
  - {name: later, url: "https://api.test/d?key=${NOPE_UNSET}", enabled: false}
""")
    rw, later = load_feeds(path)
    assert rw.url == "https://api.test/d?appname=rrc-test" and rw.headers == {"X-Key": "k-rrc-test"}
    assert "${NOPE_UNSET}" in later.url

    with pytest.raises(FeedConfigError, match="NOPE_UNSET is not set"):
        load_feeds(write(tmp_path, "feeds:\n  - {name: on, url: 'https://api.test/?k=${NOPE_UNSET}'}\n"))


@pytest.mark.parametrize("text, message", [
    ("feeds:\n  - {name: a, url: 'ftp://a.test/x'}\n", "unsupported URL scheme"),
    ("feeds:\n  - {name: a, url: 'file://host/x'}\n", "file:///absolute/path"),
    ("feeds:\n  - {name: a, url: 'https://a.test/', format: rss}\n", "format"),
    ("feeds:\n  - {name: a, url: 'https://a.test/', interval_s: 0}\n", "interval_s"),
    ("feeds:\n  - {name: 'a b', url: 'https://a.test/'}\n", "name"),
    ("feeds:\n  - {name: a, url: 'https://a.test/', colour: red}\n", "colour"),
    ("feeds:\n  - {name: a, url: 'https://a.test/'}\n  - {name: a, url: 'https://b.test/'}\n", "appears twice"),
    ("feeds: {name: a}\n", "feeds"),
    ("feeds: [\n", "cannot read"),
])
def test_invalid_files_name_the_problem(tmp_path, text, message):
    with pytest.raises(FeedConfigError, match=message):
        load_feeds(write(tmp_path, text))


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(FeedConfigError, match="cannot read"):
        load_feeds(tmp_path / "absent.yaml")


def test_file_urls_resolve_to_paths(tmp_path):
    target = tmp_path / "with space.xml"
    feed = FeedConfig(name="f", url=target.as_uri())
    assert feed.is_file and feed.path == target
    assert FeedConfig(name="g", url="file://localhost/var/x.xml").path == Path("/var/x.xml")


def test_header_injection_is_refused():
    with pytest.raises(ValidationError):
        FeedConfig(name="a", url="https://a.test/", headers={"X-A": "1\r\nHost: evil"})
