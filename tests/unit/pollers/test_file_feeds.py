"""file:// feeds: a real GDACS sample on disk, validated by mtime and size, then by the body hash."""

from __future__ import annotations

import os
import shutil

import pytest

from streams.pollers import FeedConfig, Outcome
from tests.unit.pollers.conftest import CAP


@pytest.fixture
def gdacs_file(shared_data, tmp_path):
    target = tmp_path / "drop" / "gdacs rss.xml"  # a space, to exercise URL quoting
    target.parent.mkdir()
    shutil.copyfile(shared_data / "gdacs" / "gdacs_rss_2019-12-30.xml", target)
    return target


def file_feed(path) -> FeedConfig:
    return FeedConfig(name="gdacs-file", url=path.as_uri(), format="gdacs", interval_s=30)


async def test_file_feed_is_published_then_skipped_then_republished_when_modified(gdacs_file, published,
                                                                                   make_pollers, clock):
    pollers = make_pollers([file_feed(gdacs_file)])
    f = pollers.feeds[0]
    original = gdacs_file.read_bytes()

    assert await pollers.poll_once(f) is Outcome.PUBLISHED
    assert published.bodies("gdacs-file") == [original]
    assert original.startswith(b"\xef\xbb\xbf")  # the sample's BOM is passed through untouched

    assert await pollers.poll_once(f) is Outcome.NOT_MODIFIED  # same mtime and size: not even read

    st = os.stat(gdacs_file)
    os.utime(gdacs_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # touched, same bytes
    assert await pollers.poll_once(f) is Outcome.UNCHANGED

    modified = original.replace(b"CALVINIA-19", b"CALVINIA-20")
    assert modified != original
    gdacs_file.write_bytes(modified + b"\n")
    assert await pollers.poll_once(f) is Outcome.PUBLISHED
    assert published.bodies("gdacs-file") == [original, modified + b"\n"]


async def test_missing_file_is_an_io_failure_with_backoff(tmp_path, make_pollers, clock):
    pollers = make_pollers([file_feed(tmp_path / "absent.xml")])
    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.IO_ERROR
    st = pollers.state(pollers.feeds[0])
    assert st.failures == 1 and "FileNotFoundError" in st.last_error and st.next_attempt > clock()


async def test_a_directory_is_not_a_feed(tmp_path, make_pollers):
    pollers = make_pollers([file_feed(tmp_path)])
    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.IO_ERROR


async def test_file_above_the_body_cap_is_refused(tmp_path, make_pollers, published):
    big = tmp_path / "big.json"
    big.write_bytes(b"[" + b" " * CAP + b"]")
    pollers = make_pollers([file_feed(big)])
    assert await pollers.poll_once(pollers.feeds[0]) is Outcome.TOO_LARGE
    assert published.calls == []
