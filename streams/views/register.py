"""Wire the read views into the runtime: one topic reader feeding each view."""

from __future__ import annotations

from streams.app import Runtime
from streams.views.audit import AuditView
from streams.views.crises import CrisisView
from streams.views.deployments import DeploymentsView
from streams.views.partners import DeliveryLogView, PublicEventsView, SubscriptionsView
from streams.views.plans import PlansView
from streams.views.reader import TopicReader


def register(runtime: Runtime) -> None:
    from responders.roster.store import RosterStore

    topics = runtime.topics
    roster = RosterStore()
    runtime.views["roster"] = roster
    runtime.services["roster-view"] = TopicReader(
        "roster", runtime.settings.bootstrap_servers, {},
        keyed_handlers={topics.roster_experts.get_topic_name(): roster.experts.apply_message,
                        topics.roster_partners.get_topic_name(): roster.partners.apply_message},
    )
    crises = CrisisView()
    runtime.views["crises"] = crises
    runtime.services["crisis-view"] = TopicReader(
        "crises", runtime.settings.bootstrap_servers,
        {topics.crises.get_topic_name(): crises.apply_crisis_message,
         topics.signals.get_topic_name(): crises.apply_signal_message},
    )
    audit = AuditView()
    runtime.views["audit"] = audit
    runtime.services["audit-view"] = TopicReader(
        "audit", runtime.settings.bootstrap_servers, {topics.audit.get_topic_name(): audit.apply_message},
    )
    plans = PlansView()
    runtime.views["plans"] = plans
    runtime.services["plans-view"] = TopicReader(
        "plans", runtime.settings.bootstrap_servers, {topics.plans.get_topic_name(): plans.apply_message},
    )
    deployments = DeploymentsView()
    runtime.views["deployments"] = deployments
    runtime.services["deployments-view"] = TopicReader(
        "deployments", runtime.settings.bootstrap_servers,
        {topics.deployments.get_topic_name(): deployments.apply_message},
    )
    subscriptions = SubscriptionsView()
    runtime.views["subscriptions"] = subscriptions
    runtime.services["subscriptions-view"] = TopicReader(
        "subscriptions", runtime.settings.bootstrap_servers, {},
        keyed_handlers={topics.subscriptions.get_topic_name(): subscriptions.apply_message},
    )
    webhook_log = DeliveryLogView()
    runtime.views["webhook-log"] = webhook_log
    runtime.services["webhook-log-view"] = TopicReader(
        "webhook-log", runtime.settings.bootstrap_servers,
        {topics.webhook_deliveries.get_topic_name(): webhook_log.apply_message},
    )
    public = PublicEventsView(runtime.settings.events_stream_buffer)
    runtime.views["public-events"] = public
    runtime.services["public-events-view"] = TopicReader(
        "public-events", runtime.settings.bootstrap_servers, {},
        record_handlers={topics.response_events.get_topic_name(): public.apply_record},
    )
