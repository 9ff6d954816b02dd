"""What the worker is made of, typed: the wiring every part shares, the owners, stages, readers and timers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from responders.crises.owner import Indexes
from streams.agents.owner import AgentLag, Owner
from streams.pollers.service import PollerService
from streams.scheduler import Job
from streams.stages.batch import BatchStage
from streams.stages.notify import NotificationSender
from streams.stages.webhooks import WebhookService
from streams.wiring import Wiring


class Service(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Owners:
    crises: Owner
    response: Owner
    ledger: Owner
    delivery: Owner
    capacity: Owner
    crisis_indexes: Indexes  # the crisis owner's in-memory index per partition (benches read its size)

    def all(self) -> list[Owner]:
        return [self.crises, self.response, self.ledger, self.delivery, self.capacity]


@dataclass
class Stages:
    normalise: BatchStage
    notify: NotificationSender
    webhooks: WebhookService
    pollers: PollerService | None = None

    def feeding(self) -> list[Service]:
        """What feeds the owners (stopped first)."""
        return [s for s in (self.pollers, self.normalise) if s is not None]

    def reading(self) -> list[Service]:
        """What reads the owners' output (stopped after them)."""
        return [self.notify, self.webhooks]

    def all(self) -> list[Service]:
        return [*self.feeding(), *self.reading()]


@dataclass
class Runtime(Wiring):
    owners: Owners | None = None
    stages: Stages | None = None
    jobs: list[Job] = field(default_factory=list)
    lag: AgentLag | None = None

    def metric_sources(self) -> list:
        """Everything with a `refresh_metrics` for /metrics (consumer lag of stages, readers and owners)."""
        stages = self.stages.all() if self.stages else []
        return [s for s in [*stages, *self.readers.all(), self.lag] if hasattr(s, "refresh_metrics")]
