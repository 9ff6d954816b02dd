"""Intake through the API: validate signals or parse a feed body into accepted signals and rejections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from vocabulary.signals import Signal
from responders.signals.normalise import describe_validation_error


@dataclass
class Rejected:
    record: str
    reason: str
    error_type: str = "ValidationError"

    def to_json(self) -> dict:
        return {"record": self.record, "reason": self.reason, "error_type": self.error_type}


@dataclass
class IntakeResult:
    signals: list[Signal] = field(default_factory=list)
    rejections: list[Rejected] = field(default_factory=list)


def validate_signals(payload: Any) -> IntakeResult:
    """One object or a list of objects; each invalid one becomes a rejection naming its fields."""
    items = payload if isinstance(payload, list) else [payload]
    out = IntakeResult()
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"[{i}]" if isinstance(payload, list) else "(body)"
        try:
            signal = Signal.model_validate(item)
        except ValidationError as exc:
            out.rejections.append(Rejected(record=where, reason=describe_validation_error(exc)))
            continue
        if signal.signal_id in seen:
            out.rejections.append(Rejected(record=where, reason=f"signal_id: duplicate {signal.signal_id}",
                                           error_type="DuplicateSignal"))
            continue
        seen.add(signal.signal_id)
        out.signals.append(signal)
    return out


def parse_feed(body: bytes, fmt: str, indicator: str | None = None) -> IntakeResult:
    """A raw feed body through the same adapters as `rrc parse`; raises UnknownFormat / UnreadableInput."""
    from responders.intake import parse

    result = parse(body, fmt, **({"indicator": indicator} if indicator else {}))
    return IntakeResult(signals=list(result.signals),
                        rejections=[Rejected(record=r.record or "(document)", reason=r.reason, error_type=r.error_type)
                                    for r in result.rejections])
