"""Exponential backoff with jitter after failed polls, and Retry-After parsing."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable


@dataclass(frozen=True)
class Backoff:
    """Delay after the n-th consecutive failure: the feed's interval doubled per failure, capped, plus jitter."""

    cap_s: float = 3600.0
    jitter: float = 0.25  # up to +25 %, never less than the plain delay
    max_retry_after_s: float = 6 * 3600.0  # a Retry-After beyond this is clamped
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, failures: int, base_s: float, retry_after_s: float | None = None) -> float:
        exponent = min(max(failures, 1) - 1, 32)
        plain = max(base_s, min(self.cap_s, base_s * 2.0**exponent))
        delay = plain * (1.0 + self.jitter * self.rand())
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self.max_retry_after_s))
        return delay


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())
