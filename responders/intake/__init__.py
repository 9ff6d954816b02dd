"""Feed intake: parse raw feed bytes (CAP, GDACS, USGS, ReliefWeb, ACLED, indicators, JSON) into signals."""

from __future__ import annotations

from collections.abc import Callable

from responders.intake.acled import parse_acled
from responders.intake.base import ParseResult, Rejection
from responders.intake.cap import parse_cap
from responders.intake.detect import detect_format
from responders.intake.exceptions import IntakeError, UnknownFormat, UnreadableInput
from responders.intake.gdacs import parse_gdacs
from responders.intake.indicators import parse_indicators
from responders.intake.jsonfeed import parse_json
from responders.intake.reliefweb import parse_reliefweb
from responders.intake.usgs import parse_usgs

FORMATS = ("auto", "cap", "gdacs", "usgs", "reliefweb", "acled", "indicators", "json")

PARSERS: dict[str, Callable[..., ParseResult]] = {
    "cap": parse_cap,
    "gdacs": parse_gdacs,
    "usgs": parse_usgs,
    "reliefweb": parse_reliefweb,
    "acled": parse_acled,
    "indicators": parse_indicators,
    "json": parse_json,
}


def parse(data: bytes, fmt: str = "auto", **opts: object) -> ParseResult:
    """Parse one feed body. Raises only UnknownFormat (bad name / unrecognised content) or UnreadableInput."""
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UnreadableInput(f"expected bytes, got {type(data).__name__}")
    try:
        name = detect_format(data) if fmt == "auto" else fmt
        return PARSERS[name](bytes(data), **opts)
    except IntakeError:
        raise
    except TypeError as exc:  # an option the parser does not take
        raise UnreadableInput(f"bad parse options for {fmt}: {exc}") from exc
    except (RecursionError, MemoryError) as exc:
        raise UnreadableInput(f"input too deeply nested or too large ({type(exc).__name__})") from exc
    except Exception as exc:  # noqa: BLE001 - last line of defence; parsers should not get here
        raise UnreadableInput(f"unexpected {type(exc).__name__} while parsing: {exc}"[:500]) from exc


__all__ = [
    "FORMATS", "PARSERS", "ParseResult", "Rejection", "UnknownFormat", "UnreadableInput",
    "detect_format", "parse",
]
