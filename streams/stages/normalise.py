"""The normalise stage: rrc.signals.raw -> rrc.signals (keyed by signal_id) and rrc.signals.by-correlation.

The second output is the same signal keyed by its correlation key, on the partition `partition_for(key)`,
so the crisis agent that owns a correlation key sees every signal that could join its crises (see
responders.crises.keys.correlation_key). Failures go to rrc.signals.deadletter with the original bytes.
"""

from __future__ import annotations

from aiokafka import ConsumerRecord

from streams import metrics
from streams.wiring import Wiring
from responders.crises.keys import correlation_key
from streams.partitioning import partition_for_repeated
from responders.signals.normalise import format_of, normalise
from streams.stages.batch import BatchStage, Failure, Output, Result


def make_handler(signals_topic: str, by_correlation_topic: str, partitions: int):
    parsed_by_source: dict[str, object] = {}

    def handle(msg: ConsumerRecord) -> Result:
        normalised = normalise(msg.value or b"", format_of(msg.headers))
        outputs = []
        for signal in normalised.signals:
            body = signal.model_dump_json().encode()
            source = [("rrc-source", signal.source.encode())]
            outputs.append(Output(topic=signals_topic, key=signal.signal_id.encode(), value=body, headers=source))
            key = correlation_key(signal)
            outputs.append(Output(topic=by_correlation_topic, key=key.encode(), value=body, headers=source,
                                  partition=partition_for_repeated(key, partitions)))
            counter = parsed_by_source.get(signal.source)
            if counter is None:
                counter = parsed_by_source[signal.source] = metrics.SIGNALS_PARSED.labels(signal.source, "stream")
            counter.inc()
        failures = [Failure(reason=r, error_type=t, record=rec) for r, t, rec in normalised.failures]
        return Result(outputs=outputs, failures=failures)

    return handle


def build(wiring: Wiring) -> BatchStage:
    s = wiring.settings
    topics = wiring.topics
    return BatchStage(
        name="normalise",
        bootstrap=s.bootstrap_servers,
        source=topics.signals_raw.get_topic_name(),
        group=f"{s.topic_prefix}{s.app_id}-normalise",
        deadletter=topics.signals_deadletter.get_topic_name(),
        handler=make_handler(topics.signals.get_topic_name(), topics.signals_by_correlation.get_topic_name(),
                             topics.signals_by_correlation.partitions or s.topic_partitions),
        session_timeout_s=s.session_timeout_s,
        health=wiring.health,
    )
