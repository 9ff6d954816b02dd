"""Parse results, per-record rejections and the collector every parser uses to build them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from vocabulary.signals import Signal


@dataclass(frozen=True, slots=True)
class Rejection:
    """One record that did not become a signal, and why."""

    record: str
    reason: str
    error_type: str


@dataclass(slots=True)
class ParseResult:
    """What one parse produced: the signals and the records rejected on the way."""

    signals: list[Signal] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


class RecordRejected(Exception):
    """Raised by a record builder to reject its record with a plain reason."""


def describe_validation_error(exc: ValidationError) -> str:
    """A short human text naming each invalid field, from a pydantic error."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "record"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    more = len(exc.errors()) - 5
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


class Collector:
    """Accumulates signals and rejections; a failing record never stops the parse."""

    def __init__(self) -> None:
        self.result = ParseResult()
        self._seen: set[str] = set()

    def reject(self, record: str, reason: str, error_type: str = "RecordRejected") -> None:
        self.result.rejections.append(Rejection(record=record, reason=reason, error_type=error_type))

    def add(self, record: str, build: Callable[[], Signal | None]) -> None:
        """Run one record builder; keep its signal, or turn its failure into a rejection.

        A builder returns None for a record that is legitimately not a signal (and not an error).
        """
        try:
            signal = build()
        except RecordRejected as exc:
            self.reject(record, str(exc) or "rejected", "RecordRejected")
            return
        except ValidationError as exc:
            self.reject(record, describe_validation_error(exc), "ValidationError")
            return
        except RecursionError as exc:  # pathological nesting in one record
            self.reject(record, "record nested too deeply", type(exc).__name__)
            return
        except Exception as exc:  # noqa: BLE001 - a bad record must never escape the parse
            self.reject(record, f"{type(exc).__name__}: {exc}"[:500], type(exc).__name__)
            return
        if signal is None:
            return
        if signal.signal_id in self._seen:
            self.reject(record, f"duplicate signal_id {signal.signal_id}", "DuplicateSignal")
            return
        self._seen.add(signal.signal_id)
        self.result.signals.append(signal)
