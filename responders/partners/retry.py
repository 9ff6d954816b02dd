"""When to try a webhook delivery again.

The schedule is the wait after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 24 h, so a delivery
is attempted 8 times over about 42 hours before it is given up (`exhausted`). Each wait is spread by a random
fraction (±20 % by default) so that the retries of many deliveries that failed together (a partner's outage) do
not return together. A `Retry-After` from the partner (429 or 503) is a floor: we never come back sooner than
asked, and a later scheduled retry stays later. Randomness comes from a `random.Random` the caller owns, so tests
are deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

DEFAULT_SCHEDULE_S: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 86400)
DEFAULT_JITTER = 0.2
MAX_RETRY_AFTER_S = 86400.0  # a partner cannot park a delivery for longer than the longest scheduled wait


def next_delay(attempt: int, schedule: Sequence[float], rng: random.Random, jitter: float = DEFAULT_JITTER,
               retry_after: float | None = None) -> float | None:
    """Seconds to wait after failed attempt number `attempt` (1 = the first try), or None when none are left."""
    if attempt < 1:
        raise ValueError(f"attempt numbers start at 1, not {attempt}")
    if not 0 <= jitter < 1:
        raise ValueError(f"jitter is a fraction in [0, 1), not {jitter}")
    if attempt > len(schedule):
        return None
    base = float(schedule[attempt - 1])
    delay = base * (1 + rng.uniform(-jitter, jitter)) if jitter else base
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER_S))
    return max(delay, 0.0)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` header asks to wait: delta-seconds or an HTTP-date; None when absent or unreadable.

    A date in the past means "now" (0). `now` must be timezone-aware.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive result means "-0000"
        when = when.replace(tzinfo=timezone.utc)
    return max((when - now).total_seconds(), 0.0)
