"""The audit event builder: which calls are audited, action names, affected ids and their bound, the wire form."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.audit.events import (MAX_AFFECTED, AuditEvent, Outcome, RequestFacts, action_name, affected_ids,
                              audit_outcome, build_event)
from api.auth.roles import Principal, Role

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
COORDINATOR = Principal(token_id="0123456789abcdef", role=Role.COORDINATOR)
EXPERT = Principal(token_id="fedcba9876543210", role=Role.EXPERT, expert_id="exp-7")


def facts(**overrides) -> RequestFacts:
    values = dict(method="POST", path="/v1/experts", status=201, principal=COORDINATOR, route="/v1/experts",
                  request_id="req-1", body=json.dumps({"expert_id": "exp-1", "name": "A"}).encode())
    values.update(overrides)
    return RequestFacts(**values)


@pytest.mark.parametrize("method, route, action", [
    ("POST", "/v1/experts", "experts.create"),
    ("PATCH", "/v1/experts/{record_id}", "experts.update"),
    ("PUT", "/v1/experts/{record_id}", "experts.replace"),
    ("DELETE", "/v1/experts/{record_id}", "experts.delete"),
    ("POST", "/v1/experts/import", "experts.import"),
    ("POST", "/v1/signals", "signals.create"),
    ("POST", "/v1/signals/feed", "signals.feed"),
    ("POST", "/v1/plans/{plan_id}/approve", "plans.approve"),
    ("POST", "/v1/deployment-requests/{request_id}/accept", "deployment-requests.accept"),
    ("DELETE", "/v1/subscriptions/{subscription_id}", "subscriptions.delete"),
    ("post", "/v1/partners", "partners.create"),
])
def test_action_names_come_from_the_route_template(method, route, action):
    assert action_name(method, route) == action


@pytest.mark.parametrize("method, path, status, authenticated, expected", [
    ("POST", "/v1/experts", 201, True, Outcome.APPLIED),
    ("PATCH", "/v1/experts/e1", 200, True, Outcome.APPLIED),
    ("DELETE", "/v1/experts/e1", 204, True, Outcome.APPLIED),
    ("POST", "/v1/signals", 202, True, Outcome.APPLIED),
    ("POST", "/v1/experts", 403, True, Outcome.DENIED),
    ("POST", "/v1/experts", 401, False, None),       # nobody to attribute it to
    ("POST", "/v1/experts", 403, False, None),
    ("POST", "/v1/experts", 409, True, None),        # nothing changed
    ("PATCH", "/v1/experts/e1", 422, True, None),
    ("DELETE", "/v1/experts/e1", 404, True, None),
    ("POST", "/v1/signals", 429, True, None),
    ("POST", "/v1/signals", 503, True, None),
    ("GET", "/v1/experts", 200, True, None),         # reads are not audited
    ("HEAD", "/v1/experts", 200, True, None),
    ("POST", "/v10/experts", 201, True, None),       # outside /v1
    ("POST", "/health", 200, True, None),
])
def test_which_calls_are_audited(method, path, status, authenticated, expected):
    assert audit_outcome(method, path, status, authenticated) is expected


def test_a_successful_create_becomes_one_applied_event():
    event = build_event(facts(), at=AT, audit_id="a-1")
    assert event is not None
    assert event.model_dump(mode="json") == {
        "version": 1, "audit_id": "a-1", "at": "2025-03-01T09:30:00Z", "actor": "0123456789abcdef",
        "role": "coordinator", "expert_id": None, "partner_id": None, "office_id": None, "on_behalf_of": None,
        "channel": None, "action": "experts.create",
        "operation": "POST /v1/experts", "path": "/v1/experts", "status": 201, "outcome": "applied",
        "request_id": "req-1", "affected": ["exp-1"], "affected_total": 1}
    assert event.key == "exp-1"


def test_path_parameters_come_first_then_body_ids_each_once():
    body = json.dumps({"expert_id": "exp-1", "crisis_id": "cr-9", "name": "x_id", "count": 3,
                       "accepted": ["s1", "s2", "exp-1", 7], "other_id": ""}).encode()
    assert affected_ids({"record_id": "exp-1", "n": 5}, body) == ["exp-1", "5", "cr-9", "s1", "s2"]


@pytest.mark.parametrize("body", [None, b"", b"not json", b"[1, 2]", b'"exp-1"', b'{"accepted": "s1"}'])
def test_bodies_without_ids_add_none(body):
    assert affected_ids({"record_id": "e1"}, body) == ["e1"]


def test_accepted_signal_ids_are_bounded_and_counted():
    accepted = [f"sig-{i:04d}" for i in range(250)]
    event = build_event(facts(path="/v1/signals", route="/v1/signals", status=202,
                              body=json.dumps({"accepted": accepted, "rejections": []}).encode()), at=AT)
    assert event.action == "signals.create" and event.operation == "POST /v1/signals"
    assert event.affected == accepted[:MAX_AFFECTED] and event.affected_total == 250
    assert event.key == "sig-0000"


def test_a_refused_call_is_a_denied_event_naming_the_path_target_only():
    event = build_event(facts(method="PATCH", path="/v1/experts/exp-3", route="/v1/experts/{record_id}",
                              status=403, principal=EXPERT, path_params={"record_id": "exp-3"},
                              body=b'{"error": "forbidden", "detail": "role expert may not ...", "x_id": "leak"}'),
                        at=AT)
    assert event.outcome is Outcome.DENIED and event.status == 403
    assert event.action == "experts.update" and event.operation == "PATCH /v1/experts/{record_id}"
    assert (event.actor, event.role, event.expert_id) == ("fedcba9876543210", Role.EXPERT, "exp-7")
    assert event.affected == ["exp-3"]


@pytest.mark.parametrize("overrides", [
    {"status": 422}, {"status": 500}, {"method": "GET", "status": 200}, {"principal": None},
    {"path": "/metrics", "route": "/metrics"},
])
def test_unaudited_calls_build_nothing(overrides):
    assert build_event(facts(**overrides), at=AT) is None


def test_without_a_route_template_only_the_resource_names_the_action():
    event = build_event(facts(method="DELETE", path="/v1/experts/exp-1", route=None, status=200), at=AT)
    assert event.action == "experts.delete" and event.operation == "DELETE /v1/experts/exp-1"


def test_the_key_falls_back_to_the_audit_id_without_affected_ids():
    event = build_event(facts(body=b'{"applied": 3, "rejected": 0}', route="/v1/experts/import",
                              path="/v1/experts/import", status=200), at=AT, audit_id="a-9")
    assert event.affected == [] and event.affected_total == 0 and event.key == "a-9"


def test_audit_ids_are_fresh_uuids_and_times_are_utc():
    one = build_event(facts(), at=datetime(2025, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=2))))
    two = build_event(facts(), at=AT)
    assert one.audit_id != two.audit_id and len(one.audit_id) == 36
    assert one.at == AT and one.at.tzinfo == UTC


def test_the_wire_form_round_trips_and_refuses_naive_times():
    event = build_event(facts(), at=AT)
    assert AuditEvent.model_validate_json(event.model_dump_json()) == event
    with pytest.raises(ValueError):
        AuditEvent.model_validate({**event.model_dump(), "at": datetime(2025, 1, 1)})
    with pytest.raises(ValueError):
        AuditEvent.model_validate({**event.model_dump(), "affected": [str(i) for i in range(MAX_AFFECTED + 1)]})
