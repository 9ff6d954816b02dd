"""Writing audit events: publish to rrc.audit, add to this instance's view, count what fails; never raises."""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import Counter

from api.audit.events import AuditEvent
from api.publish import publish_record
from streams.runtime import Runtime
from streams.metrics import REGISTRY

log = logging.getLogger("rrc.api.audit")

PUBLISH_TIMEOUT_S = 5.0

AUDIT_EVENTS = Counter("rrc_audit_events_total", "Audit events written to rrc.audit", ["outcome"],
                       registry=REGISTRY)
AUDIT_FAILURES = Counter("rrc_audit_failures_total", "Audited calls whose event could not be built or written",
                         ["reason"], registry=REGISTRY)


def count_failure(reason: str, **fields: Any) -> None:
    AUDIT_FAILURES.labels(reason).inc()
    log.error("audit event not written: %s", reason, extra={"audit_failure": reason, **fields})


async def record(runtime: Runtime, worker: Any, event: AuditEvent, timeout: float | None = None) -> bool:
    """Publish `event` (keyed by its first affected id) and wait for the broker; False, counted, on failure."""
    fields = {"audit_id": event.audit_id, "action": event.action, "actor": event.actor,
              "request_id": event.request_id, "affected": event.affected[:5]}
    if worker is None:
        count_failure("no_worker", **fields)
        return False
    try:
        await publish_record(runtime, worker, runtime.topics.audit.get_topic_name(), event.key,
                             event.model_dump_json().encode(), timeout or PUBLISH_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - an audit failure must not turn a done change into an error
        count_failure(type(exc).__name__, error=str(exc)[:300], **fields)
        return False
    AUDIT_EVENTS.labels(event.outcome.value).inc()
    runtime.views.audit.add(event.model_dump(mode="json"))
    return True
