"""Wire the read views into the runtime: one topic reader feeding each view."""

from __future__ import annotations

from streams.app import Runtime
from streams.views.crises import CrisisView
from streams.views.reader import TopicReader


def register(runtime: Runtime) -> None:
    topics = runtime.topics
    crises = CrisisView()
    runtime.views["crises"] = crises
    runtime.services["crisis-view"] = TopicReader(
        "crises", runtime.settings.bootstrap_servers,
        {topics.crises.get_topic_name(): crises.apply_crisis_message,
         topics.signals.get_topic_name(): crises.apply_signal_message},
    )
