"""Calls waiting until a view holds something (a command's result, the state a command made), by key."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterator


class Waiters:
    """The view wakes a key when what was awaited may have arrived; `wait` checks `ready` and returns."""

    def __init__(self) -> None:
        self._events: dict[Hashable, asyncio.Event] = {}

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._events))

    def wake(self, key: Hashable) -> None:
        event = self._events.get(key)
        if event is not None:
            event.set()

    async def wait(self, key: Hashable, ready: Callable[[], bool], timeout: float) -> bool:
        """True once `ready()` holds (at once if it does now; checked again at every wake); False after `timeout`
        seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        event = self._events.setdefault(key, asyncio.Event())
        try:
            while not ready():
                event.clear()
                try:
                    await asyncio.wait_for(event.wait(), max(0.0, deadline - loop.time()))
                except asyncio.TimeoutError:
                    return ready()
            return True
        finally:
            self._events.pop(key, None)
