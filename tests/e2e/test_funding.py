"""Funding, delivery rate and exports over the real broker and worker, with the clock moved (never slept through).

A severe earthquake in Indonesia is approved. Two donors fund it: donor A without earmark (USD), bank B earmarked
to a strategic objective (EUR, booked in USD). Three expenditure reports follow. The delivery rate per source is
spent over allocated; when expenditure trails time (the clock moves two thirds of the way to the planned end)
`rrc.delivery.rate_lagging` fires once with the figures. Each donor sees only its own funding; a partner that does
not fund sees nothing. The IATI export passes the IATI 2.03 schema, the 3W export parses with libhxl, the XLSX
opens with openpyxl with the CSV's header rows, and a coordinator of another office exports nothing of it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import hxl
import openpyxl
import pytest

from streams.clock import set_skew
from tests.e2e.conftest import running_server, wait_until
from tests.e2e.test_delivery import crisis_of, quake
from tests.factories import roster_record
from tests.iati import activities_schema
from tests.integration.test_deployment_staffing import qualified_roster
from tests.kafka_helpers import consume

pytestmark = pytest.mark.e2e


def partner(partner_id: str, kind: str, capabilities: list[str], name: str) -> dict:
    record = roster_record("partners", partner_id)
    return {**record, "organisation": name, "type": kind, "capabilities": capabilities, "resources": [],
            "global_coverage": True}


@pytest.fixture(scope="module")
def funded(kafka_bootstrap, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("funding")
    skew = tmp / "clock-skew"
    set_skew(skew, 0)
    with running_server(kafka_bootstrap, tmp, RRC_CLOCK_SKEW_FILE=str(skew), RRC_DELIVERY_SWEEP_INTERVAL_S="1",
                        RRC_DELIVERY_RATE_LAG_MARGIN="0.15") as server:
        admin = server.admin()
        experts = qualified_roster(30)
        r = admin.post("/v1/experts/import", params={"format": "jsonl"},
                       content="\n".join(e.model_dump_json() for e in experts).encode())
        assert r.status_code == 200, r.text
        for record in (partner("ptn-donor-a", "donor", ["funding"], "Donor A Ministry of Foreign Affairs"),
                       partner("ptn-bank-b", "development_bank", ["funding", "coordination"], "Bank B"),
                       partner("ptn-donor-c", "donor", ["funding"], "Donor C"),
                       partner("ptn-ngo", "ngo", ["logistics"], "Trucks NGO")):
            assert admin.post("/v1/partners", json=record).status_code == 201
        wait_until(lambda: admin.get("/v1/partners", params={"limit": 1}).json(), lambda p: p["total"] >= 4,
                   what="partners in the view")
        wait_until(lambda: admin.get("/v1/experts", params={"limit": 1}).json(), lambda p: p["total"] >= 30,
                   what="roster in the view")
        coordinator = server.client(server.token("coordinator", "--office", "co-jakarta"))
        assert coordinator.post("/v1/signals", json=[quake("fnd-a", -0.9, 119.9)]).status_code == 202
        crisis = crisis_of(coordinator, "fnd-a", timeout=60)
        plan = wait_until(lambda: coordinator.get("/v1/plans", params={"crisis_id": crisis["crisis_id"]}).json(),
                          lambda p: p["total"] >= 1, timeout=60, what="the plan")["items"][0]
        r = coordinator.post(f"/v1/plans/{plan['plan_id']}/approve")
        assert r.status_code == 201, r.text
        iv = r.json()["intervention"]
        wait_until(lambda: coordinator.get(f"/v1/interventions/{iv['intervention_id']}/targets"),
                   lambda r: r.status_code == 200, timeout=60, what="delivery tracking")
        yield dict(server=server, skew=skew, admin=admin, coordinator=coordinator, iv=iv,
                   objective=sorted({role["objective"] for role in iv["plan"]["roles"]})[-1])


def rate_events(server) -> list[dict]:
    records = asyncio.run(consume(server.env["RRC_BROKER"], server.env["RRC_TOPIC_PREFIX"] + "rrc.response-events",
                                  expect=10_000, timeout=3, idle=1.5))
    return [json.loads(r.value) for r in records
            if dict(r.headers or ()).get("ce_type", b"").decode() == "rrc.delivery.rate_lagging"]


def test_funding_expenditure_rates_lag_warning_and_donor_views(funded):
    server, coordinator, iv = funded["server"], funded["coordinator"], funded["iv"]
    iid = iv["intervention_id"]
    base = f"/v1/interventions/{iid}"
    r = coordinator.post(f"{base}/funding", json={"source": "ptn-donor-a", "amount": 600000, "currency": "USD",
                                                  "reference": "DA-2026-17"})
    assert r.status_code == 201, r.text
    r = coordinator.post(f"{base}/funding", json={"source": "ptn-bank-b", "amount": 400000, "currency": "EUR",
                                                  "budget_amount": 430000,
                                                  "earmark": {"objective": funded["objective"]}})
    assert r.status_code == 201, r.text
    # Refusals name the field: a partner that does not fund, an earmark outside the intervention, a missing rate.
    for body, field in (({"source": "ptn-ngo", "amount": 1, "currency": "USD"}, "source"),
                        ({"source": "ptn-donor-c", "amount": 1, "currency": "USD", "earmark": {"country": "FRA"}},
                         "body.earmark.country"),
                        ({"source": "ptn-donor-c", "amount": 1, "currency": "CHF"}, "body.budget_amount")):
        r = coordinator.post(f"{base}/funding", json=body)
        assert r.status_code == 422 and r.json()["detail"].startswith(field), r.text
    today = datetime.now(timezone.utc).date()  # the clock is not moved yet
    for lines in ([("ptn-donor-a", 60000)], [("ptn-bank-b", 43000)], [("ptn-donor-a", 30000)]):
        r = coordinator.post(f"{base}/expenditures", json={"lines": [
            {"spent_on": today.isoformat(), "source": s, "amount": a, "currency": "USD",
             "description": "cash-for-work wages"} for s, a in lines]})
        assert r.status_code == 201, r.text
    r = coordinator.post(f"{base}/expenditures", json={"lines": [{"spent_on": today.isoformat(), "source": "ptn-x",
                                                                  "amount": 1, "currency": "USD",
                                                                  "description": "x"}]})
    assert r.status_code == 422 and r.json()["detail"].startswith("lines[0].source"), r.text

    money = coordinator.get(f"{base}/funding").json()
    assert money["by_source"]["ptn-donor-a"]["delivery_rate"] == pytest.approx(0.15)
    assert money["by_source"]["ptn-bank-b"]["delivery_rate"] == pytest.approx(0.10)
    assert money["by_objective"][funded["objective"]]["allocated"] >= 430000
    assert money["rate"]["lagging"] is False and len(money["expenditures"]) == 3
    overview = coordinator.get("/v1/funding").json()
    assert overview["by_country"]["IDN"]["allocated"] == pytest.approx(1030000)
    assert overview["by_region"]["ro-asia-pacific"]["spent"] == pytest.approx(133000)

    # Expenditure trails time: 13 % spent; two thirds of the intervention's time passes.
    launched, end = datetime.fromisoformat(money["launched_at"]), datetime.fromisoformat(money["ends_at"])
    set_skew(funded["skew"], ((end - launched) * 2 / 3).total_seconds())
    lagging = wait_until(lambda: coordinator.get(f"{base}/funding").json(), lambda m: m["rate"]["announced"],
                         timeout=60, what="the rate lag announced")
    assert lagging["rate"]["lag"] > 0.15
    events = wait_until(lambda: rate_events(server), lambda e: len(e) >= 1, what="rrc.delivery.rate_lagging")
    assert len(events) == 1 and events[0]["intervention_id"] == iid
    assert events[0]["delivery_rate"] == pytest.approx(133000 / 1030000, abs=1e-4)
    assert "ptn-donor-a" not in json.dumps(events[0]), "the public warning names nobody's funding"

    # Each donor sees its own funding only; others get 404 or an empty list, as does a partner that does not fund.
    donor_a = server.client(server.token("partner", "--partner-id", "ptn-donor-a"))
    mine = donor_a.get("/v1/funding/mine").json()
    assert "items" in mine, mine
    [item] = mine["items"]
    assert item["allocated"] == 600000 and item["spent"] == 90000 and item["delivery_rate"] == pytest.approx(0.15)
    assert [f["reference"] for f in item["funding"]] == ["DA-2026-17"] and len(item["expenditures"]) == 2
    text = json.dumps(mine)
    assert "ptn-bank-b" not in text and "430000" not in text and "43000" not in text
    assert not re.search(r"exp-\d{7}", text) and "reporters" not in text, "no personal data of experts"
    bank_b = server.client(server.token("partner", "--partner-id", "ptn-bank-b"))
    assert bank_b.get(f"/v1/funding/mine/{iid}").json()["allocated"] == 430000
    donor_c = server.client(server.token("partner", "--partner-id", "ptn-donor-c"))
    assert donor_c.get("/v1/funding/mine").json()["items"] == []
    assert donor_c.get(f"/v1/funding/mine/{iid}").status_code == 404
    ngo = server.client(server.token("partner", "--partner-id", "ptn-ngo"))
    assert ngo.get("/v1/funding/mine").json()["items"] == []  # it funds nothing
    r = ngo.get(f"/v1/funding/mine/{iid}")
    assert r.status_code == 404 and set(r.json()) >= {"error", "detail"}
    assert donor_a.get(f"{base}/funding").status_code == 403
    assert donor_a.get("/v1/exports/iati.xml").status_code == 403


def test_exports_validate_and_respect_the_office(funded):
    coordinator, iid = funded["coordinator"], funded["iv"]["intervention_id"]
    wait_until(lambda: coordinator.get(f"/v1/interventions/{iid}/funding").json(),
               lambda m: len(m["expenditures"]) >= 3, what="the funded scenario")
    r = coordinator.get("/v1/exports/iati.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    activities_schema().validate(r.text)
    activity = next(a for a in ET.fromstring(r.text) if a.findtext("iati-identifier").endswith(iid))
    assert {e.get("code") for e in activity.iter("recipient-country")} == {"ID"}
    assert len([t for t in activity.iter("transaction")]) == 5  # two commitments, three expenditures
    assert activity.find("result/indicator/period/target") is not None

    three_w = coordinator.get("/v1/exports/3w.csv")
    assert three_w.status_code == 200 and three_w.headers["content-type"].startswith("text/csv")
    source = hxl.data(io.BytesIO(three_w.content))
    tags = [c.get_display_tag(sort_attributes=True) for c in source.columns]
    for tag in ("#org", "#sector", "#activity", "#country+code", "#adm1", "#date+start", "#date+end", "#status",
                "#targeted", "#reached"):
        assert any(t == tag or t.startswith(tag + "+") for t in tags), (tag, tags)
    rows = [row for row in source if row.get("#activity+id") == iid]
    assert rows and {row.get("#country+code") for row in rows} == {"IDN"}

    xlsx = coordinator.get("/v1/exports/3w.xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    header, hashtags = [list(r) for r in sheet.iter_rows(min_row=1, max_row=2, values_only=True)]
    csv_rows = list(csv.reader(io.StringIO(three_w.text)))
    assert header == csv_rows[0] and hashtags == csv_rows[1]

    table = list(csv.DictReader(io.StringIO(coordinator.get("/v1/exports/interventions.csv").text)))
    row = next(r for r in table if r["intervention_id"] == iid)
    assert float(row["delivery_rate"]) == pytest.approx(133000 / 1030000, abs=1e-4) and row["targets"] != "0"

    server = funded["server"]
    elsewhere = server.client(server.token("coordinator", "--office", "co-abuja"))
    assert iid not in elsewhere.get("/v1/exports/3w.csv").text
    assert iid not in elsewhere.get("/v1/exports/iati.xml").text
    assert elsewhere.get(f"/v1/interventions/{iid}/funding").status_code == 404
    expert = server.client(server.token("expert", "--expert-id", "exp-0000001"))
    assert expert.get("/v1/exports/3w.csv").status_code == 403


def test_an_export_refuses_a_parameter_it_does_not_know(funded):
    r = funded["coordinator"].get("/v1/exports/3w.csv", params={"countyr": "IDN"})
    assert r.status_code == 400 and r.json()["detail"].startswith("countyr:"), r.text
    assert funded["coordinator"].get("/v1/exports/iati.xml", params={"limit": 2}).status_code == 400
