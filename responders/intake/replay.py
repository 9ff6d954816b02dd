"""Replay as rehearsal: archived signals in event-time order, their times shifted to a new start and compressed.

`rehearsal(signals, start, ...)` is the schedule `rrc replay` publishes: each signal with the moment, in the
rehearsal's own time, it happens again. Event-time order is kept and so are the gaps between signals: the
rehearsal's clock runs `--speed` times faster than the wall (a 24-hour answer window still lasts 24 rehearsal
hours, the wall waits 24 h / speed). Only silences longer than `max_gap` (the months between two archived feeds)
are cut to `max_gap`.

Exercise mode (the default) makes every signal a CAP `Exercise` with its own id for this run (`replay:<run>:<id>`),
so a rehearsal never collides with the actual signal it copies, and partners without the exercise grant see
nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from vocabulary.signals import Signal, SignalStatus, make_signal_id


@dataclass(frozen=True, slots=True)
class Scheduled:
    at: timedelta  # rehearsal time from the start
    signal: Signal
    original_at: datetime


def rehearsal(signals: Iterable[Signal], start: datetime, *, run_id: str, exercise: bool = True,
              max_gap: timedelta = timedelta(hours=24), since: datetime | None = None,
              until: datetime | None = None) -> list[Scheduled]:
    """The signals between `since` and `until` (event time), oldest first, re-timed from `start`."""
    chosen = sorted((s for s in signals if (since is None or s.observed_at >= since)
                     and (until is None or s.observed_at <= until)), key=lambda s: (s.observed_at, s.signal_id))
    out: list[Scheduled] = []
    offset, previous = timedelta(0), None
    for signal in chosen:
        if previous is not None:
            offset += min(signal.observed_at - previous, max_gap)
        previous = signal.observed_at
        update = {"observed_at": start + offset}
        if exercise:
            source_id = f"replay:{run_id}:{signal.signal_id}"
            update |= {"status": SignalStatus.EXERCISE, "source_id": source_id,
                       "signal_id": make_signal_id(signal.source, source_id)}
        out.append(Scheduled(at=offset, signal=signal.model_copy(update=update), original_at=signal.observed_at))
    return out
