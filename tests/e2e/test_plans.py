"""Plans end to end through the API on the real broker and worker: a GDACS Orange alert becomes a crisis, then a
proposed plan staffed from a generated roster; approving it launches one intervention, approving again none."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from responders.roster import export_experts_csv, export_partners_csv, generate_roster
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def orange_earthquake_feed(shared_data, at: datetime | None = None) -> bytes:
    """The real GDACS RSS of 2019-12-30 cut down to its Vanuatu earthquake item, alert level raised to Orange and
    its dates moved to `at` (now by default): the shared samples hold no Orange earthquake, and a 2019 earthquake is
    history (older than its quiet period), which is never planned for. Everything else is as published."""
    text = (shared_data / "gdacs" / "gdacs_rss_2019-12-30.xml").read_text(encoding="utf-8")
    items = re.findall(r"<item>.*?</item>", text, re.S)
    item = next(i for i in items if "<gdacs:eventtype>EQ</gdacs:eventtype>" in i and "VUT" in i)
    item = item.replace("<gdacs:alertlevel>Green</gdacs:alertlevel>", "<gdacs:alertlevel>Orange</gdacs:alertlevel>")
    when = format_datetime(at or datetime.now(timezone.utc) - timedelta(minutes=5), usegmt=True)
    for tag in ("gdacs:fromdate", "gdacs:todate", "pubDate"):
        item = re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{when}</{tag}>", item)
    head, tail = text[:text.index("<item>")], text[text.rindex("</item>") + len("</item>"):]
    return (head + item + tail).encode()


@pytest.fixture(scope="module")
def staffed(server):
    admin = server.client(server.token("admin"))
    experts, partners = generate_roster(400, 30, seed=3, epoch=date.today().replace(day=1))
    for kind, body in (("experts", export_experts_csv(experts)), ("partners", export_partners_csv(partners))):
        r = admin.post(f"/v1/{kind}/import", content=body.encode(), headers={"Content-Type": "text/csv"})
        assert r.status_code == 200 and r.json()["applied"] == (400 if kind == "experts" else 30), r.text
    wait_until(lambda: admin.get("/v1/experts", params={"limit": 1}).json(), lambda p: p["total"] == 400,
               what="roster in the view")
    return server


def test_orange_earthquake_to_plan_to_one_intervention(staffed, shared_data):
    coordinator = staffed.client(staffed.token("coordinator"))
    r = coordinator.post("/v1/signals/feed", params={"format": "gdacs"}, content=orange_earthquake_feed(shared_data))
    assert r.status_code == 202 and len(r.json()["accepted"]) == 1, r.text

    crises = wait_until(lambda: coordinator.get("/v1/crises", params={"hazard": "earthquake"}).json(),
                        lambda p: p["total"] >= 1, what="the earthquake crisis")
    crisis = next(c for c in crises["items"] if "VUT" in c["countries"])
    assert crisis["severity"] == "severe"
    plans = wait_until(lambda: coordinator.get("/v1/plans", params={"crisis_id": crisis["crisis_id"]}).json(),
                       lambda p: p["total"] >= 1, timeout=15, what="a proposed plan")
    [plan] = plans["items"]
    assert plan["status"] == "proposed" and plan["version"] == 1 and plan["hazard"] == "earthquake"
    detail = coordinator.get(f"/v1/plans/{plan['plan_id']}").json()
    seated = [e for role in detail["roles"] for e in role["chosen"]]
    assert seated and len(seated) == len(set(seated))
    first = next(role for role in detail["roles"] if role["candidates"])
    assert set(first["candidates"][0]["score_parts"]) and first["objective"]
    assert detail["targets"] and detail["phases"]

    # A coordinator's edit while proposed: one more seat in the first role.
    r = coordinator.patch(f"/v1/plans/{plan['plan_id']}",
                          json={"roles": [{"role": first["role"], "count": first["count"] + 1}]})
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["revision"] == 2
    bad = coordinator.patch(f"/v1/plans/{plan['plan_id']}", json={"roles": [{"role": "no_such_role"}]})
    assert bad.status_code == 422 and "no_such_role" in bad.json()["detail"], bad.text

    r = coordinator.post(f"/v1/plans/{plan['plan_id']}/approve")
    assert r.status_code == 201, r.text
    intervention = r.json()["intervention"]
    assert intervention["status"] == "launched" and intervention["plan"]["status"] == "approved"
    assert intervention["plan"]["revision"] == 2, "the edited plan is what got frozen"

    again = coordinator.post(f"/v1/plans/{plan['plan_id']}/approve")
    assert again.status_code == 200 and again.json()["intervention"]["intervention_id"] == \
        intervention["intervention_id"]
    listed = coordinator.get("/v1/interventions", params={"crisis_id": crisis["crisis_id"]}).json()
    assert listed["total"] == 1
    assert coordinator.patch(f"/v1/plans/{plan['plan_id']}", json={"roles": []}).status_code == 409

    closed = coordinator.post(f"/v1/interventions/{intervention['intervention_id']}/close",
                              json={"reason": "handed over to the country office"})
    assert closed.status_code == 200 and closed.json()["intervention"]["status"] == "closed"


def test_plans_are_for_coordinators_only(staffed):
    partner = staffed.client(staffed.token("partner", "--partner-id", "p-any"))
    assert partner.get("/v1/plans").status_code == 403
    assert partner.post("/v1/plans/pln-x/approve").status_code == 403
    coordinator = staffed.client(staffed.token("coordinator"))
    assert coordinator.post("/v1/plans/pln-missing/approve").status_code == 404
    assert coordinator.get("/v1/interventions/int-missing").status_code == 404
