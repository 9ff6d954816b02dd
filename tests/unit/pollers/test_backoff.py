"""Backoff delays and Retry-After parsing."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from streams.pollers import Backoff, parse_retry_after

NOW = datetime(2024, 2, 6, 12, 0, tzinfo=timezone.utc)


def test_delay_doubles_from_the_interval_up_to_the_cap():
    b = Backoff(cap_s=600, jitter=0.0)
    assert [b.delay(n, 60) for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_delay_is_never_below_the_interval_even_above_the_cap():
    assert Backoff(cap_s=600, jitter=0.0).delay(3, 3600) == 3600


@pytest.mark.parametrize("rand, expected", [(0.0, 100.0), (0.5, 112.5), (0.999, 124.975)])
def test_jitter_only_lengthens(rand, expected):
    assert Backoff(jitter=0.25, rand=lambda: rand).delay(1, 100) == pytest.approx(expected)


def test_retry_after_wins_when_longer_and_is_clamped():
    b = Backoff(jitter=0.0, max_retry_after_s=7200)
    assert b.delay(1, 60, retry_after_s=30) == 60
    assert b.delay(1, 60, retry_after_s=900) == 900
    assert b.delay(1, 60, retry_after_s=10**9) == 7200


def test_huge_failure_counts_do_not_overflow():
    assert Backoff(jitter=0.0).delay(10_000, 60) == 3600


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), (" 5 ", 5.0), ("Tue, 06 Feb 2024 12:10:00 GMT", 600.0),
    ("Tue, 06 Feb 2024 11:00:00 GMT", 0.0), (None, None), ("", None), ("soon", None), ("-5", None),
])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected
