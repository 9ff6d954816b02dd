"""Build the read views and the topic reader feeding each one."""

from __future__ import annotations

from config.settings import Settings
from responders.roster.store import RosterStore
from streams.health import Health
from streams.topics import Topics
from streams.views import Readers, Views
from streams.views.audit import AuditView
from streams.views.crises import CrisisView
from streams.views.deployments import DeploymentsView
from streams.views.partners import DeliveryLogView, PublicEventsView, SubscriptionsView
from streams.views.plans import PlansView
from streams.views.reader import TopicReader


def build_views(settings: Settings, topics: Topics, health: Health) -> tuple[Views, Readers]:
    bootstrap = settings.bootstrap_servers
    views = Views(roster=RosterStore(), crises=CrisisView(), plans=PlansView(), deployments=DeploymentsView(),
                  subscriptions=SubscriptionsView(), webhook_log=DeliveryLogView(),
                  public_events=PublicEventsView(settings.events_stream_buffer), audit=AuditView())

    def name(topic) -> str:
        return topic.get_topic_name()

    def reader(view: str, handlers: dict, **kwargs) -> TopicReader:
        return TopicReader(view, bootstrap, handlers, health=health, **kwargs)

    readers = Readers(
        roster=reader("roster", {}, keyed_handlers={
            name(topics.roster_experts): views.roster.experts.apply_message,
            name(topics.roster_partners): views.roster.partners.apply_message}),
        crises=reader("crises", {name(topics.crises): views.crises.apply_crisis_message,
                                                 name(topics.signals): views.crises.apply_signal_message}),
        plans=reader("plans", {name(topics.plans): views.plans.apply_message}),
        deployments=reader("deployments", {name(topics.deployments): views.deployments.apply_message}),
        subscriptions=reader("subscriptions", {}, keyed_handlers={
            name(topics.subscriptions): views.subscriptions.apply_message}),
        webhook_log=reader("webhook-log",
                                {name(topics.webhook_deliveries): views.webhook_log.apply_message}),
        public_events=reader("public-events", {}, record_handlers={
            name(topics.response_events): views.public_events.apply_record}),
        audit=reader("audit", {name(topics.audit): views.audit.apply_message}),
    )
    return views, readers
