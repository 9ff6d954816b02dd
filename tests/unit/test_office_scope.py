"""Office scope and approval rules: what a coordinator of each kind of office sees and may approve, who a refusal
names, and the audit and identity rules that go with offices."""

from __future__ import annotations

import copy

import pytest
import yaml

from api.audit.events import Outcome, RequestFacts, build_event
from api.auth.identities import UnknownSubject, check_issuable, problem_of
from api.auth.roles import Principal, Role
from api.auth.scope import OfficeScope
from api.errors import Forbidden
from config.offices import OFFICES_PATH, OfficesError, load_offices
from responders.roster import generate_roster
from responders.roster.store import RosterStore
from tests.factories import T0

OFFICES = load_offices()
CRISES = {"cri-idn": {"countries": ["IDN"], "severity": "severe"},
          "cri-idn-x": {"countries": ["IDN"], "severity": "extreme"},
          "cri-per": {"countries": ["PER"], "severity": "severe"},
          "cri-border": {"countries": ["PER", "BRA"], "severity": "moderate"}}


def coordinator(office: str) -> Principal:
    return Principal(token_id=f"t-{office}", role=Role.COORDINATOR, office_id=office)


def scope(principal: Principal) -> OfficeScope:
    return OfficeScope.of(principal, OFFICES, CRISES)


@pytest.mark.parametrize("office, seen", [
    ("co-jakarta", {"cri-idn", "cri-idn-x"}),
    ("ro-asia-pacific", {"cri-idn", "cri-idn-x"}),
    ("co-lima", {"cri-per", "cri-border"}),
    ("co-brasilia", {"cri-border"}),  # a crisis across a border is seen by every office covering one country
    ("ro-americas", {"cri-per", "cri-border"}),
    ("co-dakar", set()),
    ("hq", set(CRISES)),
])
def test_a_coordinator_sees_the_crises_of_the_offices_countries(office, seen):
    s = scope(coordinator(office))
    assert {cid for cid in CRISES if s.sees_crisis(cid)} == seen
    assert not s.sees_crisis("cri-unknown") or s.whole  # not in the view (yet): out of a limited scope


def test_admins_partners_and_headquarters_are_not_limited_by_office():
    for principal in (Principal("a", Role.ADMIN), Principal("a", Role.ADMIN, office_id="co-lima"),
                      Principal("p", Role.PARTNER, partner_id="P1"), coordinator("hq")):
        assert scope(principal).whole and scope(principal).countries() is None
    assert "IDN" in scope(coordinator("ro-asia-pacific")).countries()
    assert "IDN" not in scope(coordinator("co-lima")).countries()


@pytest.mark.parametrize("office, crisis, allowed", [
    ("co-jakarta", "cri-idn", True),
    ("co-jakarta", "cri-idn-x", False),
    ("ro-asia-pacific", "cri-idn-x", True),
    ("hq", "cri-idn-x", True),
    ("co-lima", "cri-idn", False),
    ("co-brasilia", "cri-border", True),
])
def test_who_may_approve_follows_the_rules_per_severity(office, crisis, allowed):
    s, principal = scope(coordinator(office)), coordinator(office)
    if allowed:
        s.require_approver(principal, crisis)
    else:
        with pytest.raises(Forbidden) as refused:
            s.require_approver(principal, crisis)
        assert refused.value.detail.startswith("office:")


def test_a_refusal_names_the_nearest_office_that_may_approve():
    with pytest.raises(Forbidden) as refused:
        scope(coordinator("co-jakarta")).require_approver(coordinator("co-jakarta"), "cri-idn-x")
    assert "ro-asia-pacific may approve it" in refused.value.detail
    assert [o.office_id for o in OFFICES.approvers(["IDN"], "extreme")] == ["ro-asia-pacific", "hq"]
    assert [o.office_id for o in OFFICES.approvers(["PER", "BRA"], "severe")][:2] == ["co-lima", "co-brasilia"]


def test_approval_rules_must_cover_every_severity_and_include_headquarters(tmp_path):
    raw = yaml.safe_load(OFFICES_PATH.read_text(encoding="utf-8"))
    for change, message in ((lambda r: r["approvals"].pop("extreme"), "no rule for severity extreme"),
                            (lambda r: r["approvals"].update(minor=["country"]), "minor must include headquarters")):
        broken = copy.deepcopy(raw)
        change(broken)
        path = tmp_path / "offices.yaml"
        path.write_text(yaml.safe_dump(broken), encoding="utf-8")
        with pytest.raises(OfficesError, match=message):
            load_offices(path)
        load_offices.cache_clear()


def test_every_audit_event_names_the_office_and_a_recorded_answer_both_identities():
    facts = RequestFacts(method="POST", path="/v1/deployment-requests/req-1/answer", status=200,
                         principal=coordinator("co-lima"), route="/v1/deployment-requests/{request_id}/answer",
                         path_params={"request_id": "req-1"}, extra={"on_behalf_of": "exp-7", "channel": "phone"})
    event = build_event(facts, at=T0)
    assert (event.actor, event.office_id, event.on_behalf_of, event.channel) == ("t-co-lima", "co-lima", "exp-7",
                                                                                 "phone")
    assert event.action == "deployment-requests.answer" and event.affected == ["req-1"]


def test_a_read_is_audited_only_when_the_route_asks():
    admin = Principal("t-admin", Role.ADMIN, office_id="hq")
    base = dict(method="GET", path="/v1/subscriptions/sub-1", status=200, principal=admin,
                route="/v1/subscriptions/{subscription_id}", path_params={"subscription_id": "sub-1"})
    assert build_event(RequestFacts(**base), at=T0) is None
    event = build_event(RequestFacts(**base, read=True), at=T0)
    assert event.outcome is Outcome.READ and event.action == "subscriptions.read" and event.office_id == "hq"
    assert build_event(RequestFacts(**{**base, "status": 404}, read=True), at=T0) is None


def test_tokens_exist_only_for_ids_on_the_roster_and_offices_in_the_file():
    experts, partners = generate_roster(2, 2, seed=3)
    roster = RosterStore()
    roster.experts.put(experts[0].model_copy(update={"expert_id": "E1", "active": True}))
    roster.experts.put(experts[1].model_copy(update={"expert_id": "E2", "active": False}))
    roster.partners.put(partners[0].model_copy(update={"partner_id": "P1", "active": True}))
    assert problem_of(roster, OFFICES, Role.EXPERT, expert_id="E1") is None
    assert problem_of(roster, OFFICES, Role.EXPERT, expert_id="E2") == "expert_id: expert 'E2' is deactivated"
    assert problem_of(roster, OFFICES, Role.PARTNER, partner_id="P9").startswith("partner_id: no partner 'P9'")
    assert problem_of(roster, OFFICES, Role.COORDINATOR, office_id="co-jakarta") is None
    with pytest.raises(UnknownSubject, match="no office 'co-nowhere'"):
        check_issuable(roster, OFFICES, Role.COORDINATOR, office_id="co-nowhere")
