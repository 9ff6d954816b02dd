"""Build the read views and the topic reader feeding each one."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings
from responders.roster.store import RosterStore
from streams.health import Health
from streams.topics import Topics
from streams.views import Feeds, Readers, Views
from streams.views.audit import AuditView
from streams.views.crises import CrisisView
from streams.views.delivery import DeliveryView
from streams.views.deployments import DeploymentsView
from streams.views.partners import DeliveryLogView, PublicEventsView, SubscriptionsView
from streams.views.plans import PlansView
from streams.views.reader import ViewFeed, ViewsReader
from streams.views.store import DiskStore


def build_views(settings: Settings, topics: Topics, health: Health) -> tuple[Views, Readers]:
    bootstrap = settings.bootstrap_servers
    root = Path(settings.data_dir) / "views" / f"{settings.topic_prefix}{settings.app_id}"
    stores = [DiskStore(root, name) for name in ("crises", "crisis-signals", "plans", "delivery")]
    views = Views(roster=RosterStore(), crises=CrisisView(stores[0], stores[1]), plans=PlansView(stores[2]),
                  deployments=DeploymentsView(settings.deployment_end_reminder_days),
                  subscriptions=SubscriptionsView(), webhook_log=DeliveryLogView(),
                  public_events=PublicEventsView(settings.events_stream_buffer), audit=AuditView(),
                  delivery=DeliveryView(stores[3]), stores=stores)

    def name(topic) -> str:
        return topic.get_topic_name()

    feeds = Feeds(
        roster=ViewFeed("roster", keyed_handlers={name(topics.roster_experts): views.roster.experts.apply_message,
                                                  name(topics.roster_partners): views.roster.partners.apply_message}),
        crises=ViewFeed("crises", {name(topics.crises): views.crises.apply_crisis_message}),
        plans=ViewFeed("plans", {name(topics.plans): views.plans.apply_message}),
        deployments=ViewFeed("deployments", {name(topics.deployments): views.deployments.apply_message}),
        subscriptions=ViewFeed("subscriptions",
                               keyed_handlers={name(topics.subscriptions): views.subscriptions.apply_message}),
        webhook_log=ViewFeed("webhook-log", {name(topics.webhook_deliveries): views.webhook_log.apply_message}),
        public_events=ViewFeed("public-events",
                               record_handlers={name(topics.response_events): views.public_events.apply_record}),
        audit=ViewFeed("audit", {name(topics.audit): views.audit.apply_message}),
        delivery=ViewFeed("delivery", {name(topics.delivery_state): views.delivery.apply_message}),
    )
    readers = Readers(feeds, ViewsReader(bootstrap, feeds.all(), health))
    return views, readers
