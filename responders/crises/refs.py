"""Strong references (GLIDE, GDACS, USGS, CAP): the keys that identify one real-world event."""

from __future__ import annotations

import re
from collections.abc import Iterable

STRONG_PREFIXES = frozenset({"glide", "gdacs", "usgs", "cap"})

# GLIDE numbers are issued per country: EQ-2023-000015-TUR and EQ-2023-000015-SYR are one event.
_GLIDE = re.compile(r"^([A-Z]{2})-(\d{4})-(\d{6})(?:-[A-Z]{3})?$")


def normalise_strong_ref(ref: str) -> str | None:
    """The event-identifying form of a reference, or None when it is not a strong reference.

    - ``glide:EQ-2023-000015-TUR`` -> ``glide:EQ-2023-000015`` (the country suffix is dropped);
    - ``gdacs:EQ:1234`` and ``gdacs:eq:1234:7`` (with an episode) -> ``gdacs:EQ:1234``;
    - ``usgs:US6000LEN8`` -> ``usgs:us6000len8`` (USGS ids are lower case);
    - ``cap:<identifier>`` is kept as it is (CAP identifiers are case-sensitive).
    Generic references such as ``indicator:`` or ``reliefweb:`` are not strong.
    """
    prefix, sep, rest = ref.strip().partition(":")
    prefix = prefix.lower()
    rest = rest.strip()
    if not sep or not rest or prefix not in STRONG_PREFIXES:
        return None
    if prefix == "glide":
        m = _GLIDE.match(rest.upper())
        return f"glide:{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else f"glide:{rest.upper()}"
    if prefix == "gdacs":
        parts = [p.strip() for p in rest.split(":")]
        if len(parts) >= 2 and parts[0] and parts[1]:
            return f"gdacs:{parts[0].upper()}:{parts[1]}"
        return None
    if prefix == "usgs":
        return f"usgs:{rest.lower()}"
    return f"cap:{rest}"


def strong_refs(refs: Iterable[str]) -> frozenset[str]:
    """The normalised strong references among ``refs``."""
    out = set()
    for ref in refs:
        key = normalise_strong_ref(ref)
        if key is not None:
            out.add(key)
    return frozenset(out)
