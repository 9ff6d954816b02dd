"""Small text helpers shared by the parsers: decoding, whitespace clean-up, safe truncation."""

from __future__ import annotations

import json
import re
import unicodedata

from responders.intake.exceptions import UnreadableInput

_WS = re.compile(r"\s+")
UTF8_BOM = b"\xef\xbb\xbf"


def strip_bom(data: bytes) -> bytes:
    return data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data


def decode_text(data: bytes, *, fallback: str | None = "cp1252") -> str:
    """Decode bytes as UTF-8 (BOM stripped), else with `fallback`; UnreadableInput if neither works."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UnreadableInput(f"expected bytes, got {type(data).__name__}")
    data = strip_bom(bytes(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if fallback is None:
            raise UnreadableInput(f"not UTF-8 text: {exc}") from exc
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            raise UnreadableInput(f"neither UTF-8 nor {fallback} text: {exc}") from exc


def clean(text: str | None) -> str:
    """Collapse runs of whitespace (feeds are often pretty-printed) and trim."""
    return _WS.sub(" ", text or "").strip()


def clip(text: str, limit: int = 1000) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fold(text: str) -> str:
    """Lower-case, accents removed, '&' as 'and', punctuation as single spaces: for name matching."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return _WS.sub(" ", re.sub(r"[^a-z0-9]+", " ", text)).strip()


def url_or_none(value: str | None) -> str | None:
    """A URL fit for Signal.url (trimmed, at most 2000 characters) or None."""
    value = clean(value)
    if not value or len(value) > 2000 or " " in value:
        return None
    return value


def load_json(data: bytes) -> object:
    """The whole body as one JSON document; UnreadableInput when it is not JSON."""
    try:
        return json.loads(decode_text(data, fallback=None))
    except (ValueError, RecursionError) as exc:
        raise UnreadableInput(f"not valid JSON: {type(exc).__name__}: {exc}"[:300]) from exc
