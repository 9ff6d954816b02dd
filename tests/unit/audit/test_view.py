"""The audit read view: one entry per audit id, filters, newest-first pagination, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from api.audit.events import RequestFacts, build_event
from api.auth.roles import Principal, Role
from streams.views.audit import AuditFilter, AuditView, BadAuditEvent
from vocabulary.pagination import BadCursor, encode_cursor

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
ALICE = Principal(token_id="aaaaaaaaaaaaaaaa", role=Role.COORDINATOR)
BOB = Principal(token_id="bbbbbbbbbbbbbbbb", role=Role.EXPERT, expert_id="exp-b")


def event(minute: int, principal=ALICE, method="POST", path="/v1/experts", route="/v1/experts", status=201,
          params=None, body: dict | None = None) -> dict:
    facts = RequestFacts(method=method, path=path, status=status, principal=principal, route=route,
                         path_params=params or {}, body=json.dumps(body or {}).encode())
    return build_event(facts, at=T0 + timedelta(minutes=minute)).model_dump(mode="json")


@pytest.fixture
def view() -> AuditView:
    v = AuditView()
    v.add(event(0, body={"expert_id": "exp-1"}))
    v.add(event(1, method="PATCH", path="/v1/experts/exp-1", route="/v1/experts/{record_id}", status=200,
                params={"record_id": "exp-1"}, body={"expert_id": "exp-1"}))
    v.add(event(2, path="/v1/signals", route="/v1/signals", status=202, body={"accepted": ["s1", "s2"]}))
    v.add(event(3, principal=BOB, status=403))
    v.add(event(4, method="DELETE", path="/v1/experts/exp-1", route="/v1/experts/{record_id}", status=200,
                params={"record_id": "exp-1"}, body={"expert_id": "exp-1"}))
    return v


def actions(page) -> list[str]:
    return [e["action"] for e in page.items]


def test_everything_newest_first(view):
    page = view.list(AuditFilter(), 50, None)
    assert page.total == 5 and page.next is None
    assert actions(page) == ["experts.delete", "experts.create", "signals.create", "experts.update",
                             "experts.create"]
    assert [e["outcome"] for e in page.items] == ["applied", "denied", "applied", "applied", "applied"]


@pytest.mark.parametrize("flt, expected", [
    (AuditFilter(entity="exp-1"), ["experts.delete", "experts.update", "experts.create"]),
    (AuditFilter(entity="s2"), ["signals.create"]),
    (AuditFilter(entity="nothing"), []),
    (AuditFilter(actor=BOB.token_id), ["experts.create"]),
    (AuditFilter(action="experts.update"), ["experts.update"]),
    (AuditFilter(outcome="denied"), ["experts.create"]),
    (AuditFilter(actor=ALICE.token_id, action="experts.create"), ["experts.create"]),
    (AuditFilter(since=T0 + timedelta(minutes=2)), ["experts.delete", "experts.create", "signals.create"]),
    (AuditFilter(until=T0 + timedelta(minutes=2)), ["experts.update", "experts.create"]),
    (AuditFilter(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)),
     ["signals.create", "experts.update"]),
])
def test_filters(view, flt, expected):
    assert actions(view.list(flt, 50, None)) == expected


def test_pages_follow_the_cursor_without_overlap(view):
    seen, cursor = [], None
    while True:
        page = view.list(AuditFilter(), 2, cursor)
        assert page.total == 5 and len(page.items) <= 2
        seen.extend(e["audit_id"] for e in page.items)
        cursor = page.next
        if cursor is None:
            break
    assert seen == [e["audit_id"] for e in view.list(AuditFilter(), 50, None).items]


def test_the_same_audit_id_is_kept_once(view):
    first = view.list(AuditFilter(), 1, None).items[0]
    assert view.add(dict(first)) is False
    view.apply_message(json.dumps(first).encode())
    assert len(view) == 5


@pytest.mark.parametrize("cursor", ["not a cursor", encode_cursor({"a": 1}), encode_cursor(["a", "b"]),
                                    encode_cursor([{"a": 1}, "x"]), encode_cursor([None])])
def test_foreign_cursors_are_refused(view, cursor):
    with pytest.raises(BadCursor):
        view.list(AuditFilter(), 2, cursor)


def test_records_without_the_needed_fields_are_refused():
    view = AuditView()
    with pytest.raises(BadAuditEvent):
        view.apply_message(b'{"audit_id": "x"}')
    good = event(0)
    with pytest.raises(BadAuditEvent):
        view.add({**good, "at": "2025-05-01T08:00:00"})
    assert len(view) == 0
