"""Fault injection for tests (RRC_FAULT_FILE, refused in production): stages named in the file stall on purpose.

The file is JSON, e.g. `{"stall": ["ledger"]}`. A stage listed under `stall` holds its current batch (it stays
busy, unacked) until the file no longer lists it, which is what a wedged stage looks like from outside.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path


class Faults:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._seen: tuple[float, frozenset[str]] = (-1.0, frozenset())

    def stalled(self, stage: str) -> bool:
        if self.path is None:
            return False
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return False
        if mtime != self._seen[0]:
            try:
                names = frozenset(json.loads(self.path.read_text() or "{}").get("stall", []))
            except (OSError, ValueError):
                names = frozenset()
            self._seen = (mtime, names)
        return stage in self._seen[1]

    async def hold(self, stage: str) -> None:
        while self.stalled(stage):
            await asyncio.sleep(0.2)
