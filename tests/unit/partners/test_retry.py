"""Retry waits: the schedule, jitter bounds, exhaustion and Retry-After (seconds or HTTP-date) as a floor."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from responders.partners.retry import DEFAULT_SCHEDULE_S, MAX_RETRY_AFTER_S, next_delay, parse_retry_after

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def test_default_schedule_without_jitter_then_exhausted():
    rng = random.Random(1)
    waits = [next_delay(n, DEFAULT_SCHEDULE_S, rng, jitter=0) for n in range(1, 9)]
    assert waits == [5, 300, 1800, 7200, 18000, 36000, 86400, None]


def test_jitter_stays_within_the_fraction_and_spreads():
    rng = random.Random(7)
    waits = [next_delay(2, DEFAULT_SCHEDULE_S, rng, jitter=0.2) for _ in range(500)]
    assert all(240 <= w <= 360 for w in waits)
    assert max(waits) - min(waits) > 60  # spread, not constant


def test_jitter_is_deterministic_per_seed():
    a = [next_delay(1, (10,), random.Random(3)) for _ in range(3)]
    b = [next_delay(1, (10,), random.Random(3)) for _ in range(3)]
    assert a == b


def test_retry_after_is_a_floor_not_a_ceiling():
    rng = random.Random(1)
    assert next_delay(1, (5, 300), rng, jitter=0, retry_after=120) == 120
    assert next_delay(2, (5, 300), rng, jitter=0, retry_after=120) == 300
    assert next_delay(1, (5,), rng, jitter=0, retry_after=10 ** 9) == MAX_RETRY_AFTER_S
    assert next_delay(2, (5,), rng, jitter=0, retry_after=120) is None  # exhausted stays exhausted


@pytest.mark.parametrize("attempt, jitter", [(0, 0.2), (1, 1.0), (1, -0.1)])
def test_bad_arguments(attempt, jitter):
    with pytest.raises(ValueError):
        next_delay(attempt, DEFAULT_SCHEDULE_S, random.Random(), jitter=jitter)


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0),
    (" 0 ", 0.0),
    ("Wed, 01 May 2024 12:01:30 GMT", 90.0),
    ("Wed, 01 May 2024 11:00:00 GMT", 0.0),  # in the past: now
    ("Wednesday, 01-May-24 12:00:10 GMT", 10.0),  # RFC 850 form
    ("soon", None),
    ("-5", None),
    ("", None),
    (None, None),
])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected
