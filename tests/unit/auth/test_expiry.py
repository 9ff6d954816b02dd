"""Expiry strings: durations and ISO 8601 datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.auth.exceptions import TokenSpecError
from api.auth.expiry import parse_expiry

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("text, delta", [
    ("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("15m", timedelta(minutes=15)),
    ("45s", timedelta(seconds=45)), ("2w", timedelta(weeks=2)), (" 3D ", timedelta(days=3)),
])
def test_durations(text, delta):
    assert parse_expiry(text, NOW) == NOW + delta


@pytest.mark.parametrize("text, expected", [
    ("2025-02-01T00:00:00Z", datetime(2025, 2, 1, tzinfo=UTC)),
    ("2025-02-01T02:00:00+02:00", datetime(2025, 2, 1, tzinfo=UTC)),
    ("2025-02-01", datetime(2025, 2, 1, tzinfo=UTC)),
])
def test_iso_datetimes_are_utc(text, expected):
    assert parse_expiry(text, NOW) == expected


@pytest.mark.parametrize("text, message", [
    ("0d", "positive"), ("soon", "neither"), ("12y", "neither"), ("2024-12-31T00:00:00Z", "past"),
    ("99999999999999w", "too far"),
])
def test_refused(text, message):
    with pytest.raises(TokenSpecError, match=message):
        parse_expiry(text, NOW)
