"""Keyset pagination shared by list endpoints: opaque cursors over a stable sort key."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class BadCursor(ValueError):
    """The cursor was not issued by this API."""


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise BadCursor("cursor is not valid") from exc
    if not isinstance(value, list):
        raise BadCursor("cursor is not valid")
    return value


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    next: str | None

    def to_json(self, render: Callable[[Any], Any] = lambda x: x) -> dict:
        return {"items": [render(i) for i in self.items], "total": self.total, "next": self.next}


def paginate(items: Iterable[T], sort_key: Callable[[T], tuple], limit: int, cursor: str | None) -> Page:
    """Sort ascending by `sort_key` (make it descending by negating), return the page after `cursor`."""
    ordered = sorted(items, key=sort_key)
    start = 0
    if cursor:
        after = tuple(decode_cursor(cursor))
        # First index whose key is greater than the cursor's key (keys are unique: they end with an id).
        lo, hi = 0, len(ordered)
        while lo < hi:
            mid = (lo + hi) // 2
            try:
                beyond = tuple(sort_key(ordered[mid])) <= after
            except TypeError as exc:  # a forged cursor whose values do not compare with this list's keys
                raise BadCursor("cursor is not valid") from exc
            if beyond:
                lo = mid + 1
            else:
                hi = mid
        start = lo
    page = ordered[start:start + limit]
    more = start + limit < len(ordered)
    return Page(items=page, total=len(ordered), next=encode_cursor(sort_key(page[-1])) if more and page else None)
