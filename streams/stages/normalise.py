"""The normalise stage: rrc.signals.raw -> rrc.signals (keyed by signal_id), failures -> rrc.signals.deadletter."""

from __future__ import annotations

from aiokafka import ConsumerRecord

from streams import metrics
from streams.app import Runtime
from streams.signals.normalise import format_of, normalise
from streams.stages.batch import BatchStage, Failure, Output, Result


def make_handler(signals_topic: str):
    def handle(msg: ConsumerRecord) -> Result:
        fmt = format_of(msg.headers)
        normalised = normalise(msg.value or b"", fmt)
        outputs = []
        for signal in normalised.signals:
            outputs.append(Output(topic=signals_topic, key=signal.signal_id.encode(),
                                  value=signal.model_dump_json().encode(),
                                  headers=[("rrc-source", signal.source.encode())]))
            metrics.SIGNALS_PARSED.labels(signal.source, "stream").inc()
        failures = [Failure(reason=r, error_type=t, record=rec) for r, t, rec in normalised.failures]
        return Result(outputs=outputs, failures=failures)

    return handle


def register(runtime: Runtime) -> None:
    s = runtime.settings
    runtime.services["normalise"] = BatchStage(
        name="normalise",
        bootstrap=s.bootstrap_servers,
        source=runtime.topics.signals_raw.get_topic_name(),
        group=f"{s.topic_prefix}{s.app_id}-normalise",
        deadletter=runtime.topics.signals_deadletter.get_topic_name(),
        handler=make_handler(runtime.topics.signals.get_topic_name()),
    )
