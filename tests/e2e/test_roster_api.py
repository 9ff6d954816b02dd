"""Roster over the API: create, read, update, deactivate, bulk import with a report; experts see only themselves."""

from __future__ import annotations

import io

import pytest

from responders.roster import export_experts_csv, generate_roster

pytestmark = pytest.mark.e2e


def test_expert_lifecycle_and_import(server):
    coordinator = server.client(server.token("coordinator"))
    experts, partners = generate_roster(6, 2, seed=11)
    first = experts[0].model_dump(mode="json")
    r = coordinator.post("/v1/experts", json=first)
    assert r.status_code == 201, r.text
    assert r.json()["objectives"]
    assert coordinator.post("/v1/experts", json=first).status_code == 409
    eid = first["expert_id"]
    r = coordinator.patch(f"/v1/experts/{eid}", json={"seniority": "principal"})
    assert r.status_code == 200 and r.json()["seniority"] == "principal"
    r = coordinator.patch(f"/v1/experts/{eid}", json={"skills": {"no_such_skill": 3}})
    assert r.status_code == 422 and "skills" in r.json()["detail"]
    assert coordinator.delete(f"/v1/experts/{eid}").json()["active"] is False

    buf = io.StringIO()
    export_experts_csv(experts[1:], buf)
    csv_text = buf.getvalue() + "exp-bad,,,,,,,,,,,,,,,,,,\n"
    r = coordinator.post("/v1/experts/import", content=csv_text.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["applied"] == 5 and report["rejected"] == 1
    assert {i["field"] for i in report["issues"]} >= {"name"}
    listed = coordinator.get("/v1/experts", params={"active": "true", "limit": 500}).json()
    assert {e.expert_id for e in experts[1:]} <= {e["expert_id"] for e in listed["items"]}

    own = server.client(server.token("expert", "--expert-id", experts[1].expert_id))
    assert own.get(f"/v1/experts/{experts[1].expert_id}").status_code == 200
    assert own.get(f"/v1/experts/{experts[2].expert_id}").status_code == 404
    assert own.get("/v1/experts").status_code == 403

    r = coordinator.post("/v1/partners", json=partners[0].model_dump(mode="json"))
    assert r.status_code == 201, r.text
    partner = server.client(server.token("partner", "--partner-id", partners[0].partner_id))
    assert partner.get(f"/v1/partners/{partners[0].partner_id}").status_code == 200
    assert partner.get(f"/v1/partners/{partners[1].partner_id}").status_code == 404


def test_webhook_targets_on_private_or_local_hosts_are_refused(server):
    coordinator = server.client(server.token("coordinator"))
    experts, partners = generate_roster(2, 1, seed=23)
    expert = {**experts[0].model_dump(mode="json"), "expert_id": "exp-ssrf-1"}
    expert["contact"]["webhook_url"] = "http://169.254.169.254/latest/meta-data/"
    r = coordinator.post("/v1/experts", json=expert)
    assert r.status_code == 422 and r.json()["detail"].startswith("contact.webhook_url:"), r.text
    assert "link-local" in r.json()["detail"]
    partner = {**partners[0].model_dump(mode="json"), "partner_id": "p-ssrf-1"}
    r = coordinator.post("/v1/partners", json=partner)
    assert r.status_code == 201, r.text
    r = coordinator.patch(f"/v1/partners/{partner['partner_id']}",
                          json={"contact": {"webhook_url": "http://localhost:8080/hook"}})
    assert r.status_code == 422 and "local name" in r.json()["detail"], r.text


def test_an_import_is_what_its_content_type_says(server):
    """A body sent as text/csv is CSV even when it looks like JSON (found by schemathesis), and a `format` that
    contradicts the content type is a 415 naming both."""
    admin = server.admin()
    r = admin.post("/v1/experts/import", content=b'{"x]": []}', headers={"Content-Type": "text/csv"})
    assert r.status_code == 422 and "unknown CSV columns" in r.json()["detail"], r.text
    r = admin.post("/v1/partners/import", params={"format": "json"}, content=b"partner_id\n",
                   headers={"Content-Type": "text/csv"})
    assert r.status_code == 415 and "format: json" in r.json()["detail"] and "text/csv" in r.json()["detail"]
