"""Read views: every API instance folds whole event topics into in-memory query models."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from responders.roster.store import RosterStore
    from streams.views.audit import AuditView
    from streams.views.crises import CrisisView
    from streams.views.delivery import DeliveryView
    from streams.views.deployments import DeploymentsView
    from streams.views.partners import DeliveryLogView, PublicEventsView, SubscriptionsView
    from streams.views.plans import PlansView
    from streams.views.reader import ViewFeed, ViewsReader
    from streams.views.store import DiskStore


@dataclass
class Views:
    """The read models the API and the owners query."""

    roster: RosterStore
    crises: CrisisView
    plans: PlansView
    deployments: DeploymentsView
    subscriptions: SubscriptionsView
    webhook_log: DeliveryLogView
    public_events: PublicEventsView
    audit: AuditView
    delivery: DeliveryView
    stores: list[DiskStore] = field(default_factory=list)  # the views' local disk stores (closed at stop)

    def close(self) -> None:
        for store in self.stores:
            store.close()


@dataclass
class Feeds:
    """What each view reads (same names as `Views`), each with its own `caught_up`."""

    roster: ViewFeed
    crises: ViewFeed
    plans: ViewFeed
    deployments: ViewFeed
    subscriptions: ViewFeed
    webhook_log: ViewFeed
    public_events: ViewFeed
    audit: ViewFeed
    delivery: ViewFeed

    def all(self) -> list[ViewFeed]:
        return [getattr(self, f.name) for f in fields(self)]


@dataclass
class Readers:
    """The views' feeds and the one reader that fills them all."""

    feeds: Feeds
    reader: ViewsReader

    def all(self) -> list[ViewsReader]:
        return [self.reader]
