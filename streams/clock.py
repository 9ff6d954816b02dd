"""The worker's clock. Time is injected everywhere (`Runtime.clock`), so tests move it instead of sleeping.

`skewed_clock(path)` is the cross-process form for tests that run the worker as a subprocess: the file holds a
number of seconds added to the wall clock; the test rewrites it to move time forward (expiring offers, for
example). The file is read again only when it changes. Refused in production (see Settings). `accelerated_clock`
is a rehearsal's: time running faster than the wall from an epoch (RRC_CLOCK_SPEED, RRC_CLOCK_EPOCH).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def skewed_clock(path: Path) -> Callable[[], datetime]:
    cache: dict[str, float] = {"mtime": -1.0, "skew": 0.0}

    def now() -> datetime:
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            return system_clock() + timedelta(seconds=cache["skew"])
        if mtime != cache["mtime"]:
            text = Path(path).read_text().strip()
            cache["skew"] = float(text) if text else 0.0
            cache["mtime"] = mtime
        return system_clock() + timedelta(seconds=cache["skew"])

    return now


def accelerated_clock(epoch: datetime, speed: float) -> Callable[[], datetime]:
    """A rehearsal's clock (`rrc replay`): from `epoch` on, time runs `speed` times faster than the wall, so the
    timers of a replayed crisis (offer expiry, escalation, delivery checks) play out as they would have."""

    def now() -> datetime:
        wall = system_clock()
        return epoch + (wall - epoch) * speed

    return now


def set_skew(path: Path, seconds: float) -> None:
    """Move a skewed clock (atomically: readers never see a half-written number)."""
    tmp = Path(f"{path}.tmp")
    tmp.write_text(f"{seconds}\n")
    os.replace(tmp, path)
