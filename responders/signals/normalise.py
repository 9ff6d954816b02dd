"""Turn one raw intake message (a signal JSON or a whole feed document) into normalised signals or failures."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from vocabulary.signals import Signal

FORMAT_HEADER = "rrc-format"
DEFAULT_FORMAT = "json"


@dataclass
class Normalised:
    signals: list[Signal] = field(default_factory=list)
    # (reason, error_type, record locator)
    failures: list[tuple[str, str, str | None]] = field(default_factory=list)


def describe_validation_error(exc: ValidationError) -> str:
    """Name every failing field: `countries.0: 'XXX' is not an ISO 3166-1 alpha-3 country code`."""
    parts = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(body)"
        parts.append(f"{loc}: {err.get('msg')}")
    return "; ".join(parts)


def normalise(value: bytes, fmt: str = DEFAULT_FORMAT) -> Normalised:
    """JSON of one signal is validated directly (the hot path); anything else goes through the feed parsers."""
    out = Normalised()
    if fmt == DEFAULT_FORMAT and value[:1] == b"{":
        try:
            out.signals.append(Signal.model_validate_json(value))
            return out
        except ValidationError as exc:
            # Not a single valid signal: let the JSON adapter decide (it also reads lists and JSON lines).
            first_error = (describe_validation_error(exc), "ValidationError")
            if b"\n{" not in value:
                out.failures.append((*first_error, None))
                return out
    from responders.intake import parse
    from responders.intake.exceptions import UnknownFormat, UnreadableInput

    try:
        result = parse(value, fmt)
    except (UnknownFormat, UnreadableInput) as exc:
        out.failures.append((str(exc), type(exc).__name__, None))
        return out
    out.signals.extend(result.signals)
    out.failures.extend((r.reason, r.error_type, r.record) for r in result.rejections)
    return out


def format_of(headers) -> str:
    for key, val in headers or ():
        if key == FORMAT_HEADER and val:
            return val.decode("ascii", "replace").strip().lower()
    return DEFAULT_FORMAT
