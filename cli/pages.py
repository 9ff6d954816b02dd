"""Reading the API's paginated lists from the CLI (demo, replay): every item, page after page."""

from __future__ import annotations

from collections.abc import Iterator

import httpx


def every(client: httpx.Client, path: str, **params) -> Iterator[dict]:
    """Every item of a list endpoint (`items`, `next` cursor), 500 a page."""
    cursor = None
    while True:
        page = client.get(path, params={**params, "limit": 500, **({"cursor": cursor} if cursor else {})})
        page.raise_for_status()
        body = page.json()
        yield from body["items"]
        cursor = body.get("next")
        if not cursor:
            return
