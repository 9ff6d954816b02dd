"""Token buckets keyed by bearer token id: `rate` requests per second on average, bursts up to `burst`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RATE_PER_S = 20.0
DEFAULT_BURST = 60


@dataclass(frozen=True)
class RateLimit:
    per_s: float = DEFAULT_RATE_PER_S
    burst: int = DEFAULT_BURST

    def __post_init__(self) -> None:
        if self.per_s <= 0 or self.burst < 1:
            raise ValueError("rate limit needs per_s > 0 and burst >= 1")

    @classmethod
    def from_settings(cls, settings) -> "RateLimit":
        """`settings.rate_limit_per_s` / `settings.rate_limit_burst`, with the defaults above when absent."""
        return cls(per_s=getattr(settings, "rate_limit_per_s", DEFAULT_RATE_PER_S),
                   burst=getattr(settings, "rate_limit_burst", DEFAULT_BURST))


class RateLimiter:
    """One bucket per key, refilled continuously; `take` answers 0 when admitted, else seconds to wait."""

    def __init__(self, limit: RateLimit, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)

    def take(self, key: str) -> float:
        now = self._monotonic()
        tokens, last = self._buckets.get(key, (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - last) * self.limit.per_s)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.limit.per_s

    @staticmethod
    def retry_after(wait_s: float) -> int:
        """Whole seconds for the Retry-After header (at least 1)."""
        return max(1, math.ceil(wait_s))
