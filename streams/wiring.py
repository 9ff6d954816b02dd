"""What every owner, stage and job of the worker is built from: settings, the app, topics, clock, views, health."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import faust

from config.offices import OfficeSet, load_offices
from config.settings import Settings
from streams.faults import Faults
from streams.health import Health
from streams.topics import Topics
from streams.views import Readers, Views


@dataclass
class Wiring:
    settings: Settings
    app: faust.App
    topics: Topics
    clock: Callable[[], datetime]
    health: Health
    faults: Faults
    views: Views
    readers: Readers
    offices: OfficeSet = field(default_factory=load_offices)  # the field structure (validated at start-up)

    def roster_ready(self) -> bool:
        """Whether the roster view has read its topics once (owners deciding on experts wait for it)."""
        return self.readers.feeds.roster.caught_up.is_set()
