"""The audit trail: one event on rrc.audit per state-changing call, the hook that writes it, `GET /v1/audit`."""

from api.audit.events import AuditEvent, Outcome, RequestFacts, action_name, affected_ids, audit_outcome, build_event
from api.audit.hook import AuditTrail, install_audit
from api.audit.routes import router

__all__ = [
    "AuditEvent", "AuditTrail", "Outcome", "RequestFacts", "action_name", "affected_ids", "audit_outcome",
    "build_event", "install_audit", "router",
]
