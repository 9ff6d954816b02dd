"""Read views: every API instance folds whole event topics into in-memory query models."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from responders.roster.store import RosterStore
    from streams.views.audit import AuditView
    from streams.views.crises import CrisisView
    from streams.views.deployments import DeploymentsView
    from streams.views.partners import DeliveryLogView, PublicEventsView, SubscriptionsView
    from streams.views.plans import PlansView
    from streams.views.reader import TopicReader


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


@dataclass
class Readers:
    """The topic reader feeding each view (same names as `Views`)."""

    roster: TopicReader
    crises: TopicReader
    plans: TopicReader
    deployments: TopicReader
    subscriptions: TopicReader
    webhook_log: TopicReader
    public_events: TopicReader
    audit: TopicReader

    def all(self) -> list[TopicReader]:
        return [getattr(self, f.name) for f in fields(self)]
