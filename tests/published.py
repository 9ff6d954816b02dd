"""Public events as the tests saw them arrive over HTTP (webhook bodies, SSE data), kept for the last check of
the suite (`tests/zz_published`): each is validated against the AsyncAPI document."""

from __future__ import annotations

import json
from typing import Any

SEEN: list[tuple[str, dict[str, Any]]] = []  # (where: "webhook" | "sse", the structured CloudEvent)
MAX_KEPT = 20_000


def saw(where: str, body: bytes | str) -> None:
    """Keep a structured CloudEvent body; anything else (a notification, a probe) is not an event and is left."""
    if len(SEEN) >= MAX_KEPT:
        return
    try:
        doc = json.loads(body)
    except ValueError:
        return
    if isinstance(doc, dict) and doc.get("specversion") == "1.0" and "type" in doc:
        SEEN.append((where, doc))
