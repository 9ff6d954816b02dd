"""Deployment requests over the real broker with a moved clock and a SIGKILL in the middle.

Two severe earthquakes in Turkey (900 km apart: two crises, the same roster) are planned and approved. In crisis
A, of the ten first choices three decline, two never answer and five accept; the worker is killed with SIGKILL
while those answers are being applied and restarted; then the clock moves 13 hours (a severe crisis gives 12 to
answer), the expiry sweep expires the silent offers, and every later offer is accepted. Crisis B accepts every
offer. Both interventions end fully staffed by escalation, no expert is held or deployed twice, and every state
change is on rrc.deployments once (a repeat after the kill carries the same event id, which consumers drop).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest

from responders.deployments.owner import STAFFING_UPDATED
from responders.partners.subscriptions import SubscriptionCreate, create_subscription
from responders.deployments.commands import AnswerRequest
from responders.plans.commands import ApprovePlan, CrisisCommand
from responders.roster import generate_roster
from streams.broker.local import free_port
from streams.clock import set_skew
from vocabulary.signals import make_signal_id
from tests.kafka_helpers import consume, produce
from tests.receiver import Receiver
from tests.workers import spawn_worker, topic_exists, wait_for

pytestmark = pytest.mark.integration

SKEW_S = 13 * 3600


def quake(ref: str, lat: float, lon: float) -> dict:
    sid = f"{ref}-s1"
    return {"signal_id": make_signal_id("staffing", sid), "source": "staffing", "source_id": sid, "kind": "disaster",
            "hazard": "earthquake", "title": f"M7.1 earthquake {ref}", "countries": ["TUR"],
            "location": {"lat": lat, "lon": lon}, "severity": "severe",
            "observed_at": datetime.now(timezone.utc).isoformat(), "references": [f"usgs:{ref}"]}


def qualified_roster(n: int = 100, webhook: str | None = None) -> list:
    """Generated experts made eligible for every role of the severe earthquake template (every skill at level 5,
    available for 400 days, cleared, nothing booked), so the two crises compete for the same people."""
    from config.plan_templates import load_templates
    from responders.roster.models import Expert
    from responders.roster.values import Clearance, DateRange

    template = next(t for t in load_templates().templates if t.template_id == "earthquake_severe")
    skills = sorted({s for role in template.roles for s in role.skills})
    experts, _ = generate_roster(n, 0, seed=5, epoch=date.today().replace(day=1))
    today = date.today()
    return [Expert.model_validate({**e.model_dump(), "skills": {s: 5 for s in skills},
                                   "availability": [DateRange(start=today - timedelta(days=1),
                                                              end=today + timedelta(days=400))],
                                   "deployments": [], "clearance": Clearance(cleared=True, level=3),
                                   "max_deployment_days": 365, "active": True,
                                   **({"contact": {"email": e.contact.email, "webhook_url": f"{webhook}/{e.expert_id}"}}
                                      if webhook else {})})
            for e in experts]


class Deployments:
    """Everything read from rrc.deployments so far (one consumer kept open)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        from aiokafka import AIOKafkaConsumer

        self.consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                         auto_offset_reset="earliest", enable_auto_commit=False)
        self.events: list[dict] = []
        self.snapshots: dict[str, dict] = {}

    async def poll(self) -> None:
        batches = await self.consumer.getmany(timeout_ms=300, max_records=5000)
        for records in batches.values():
            for r in records:
                msg = json.loads(r.value)
                if msg.get("type") == STAFFING_UPDATED:
                    self.snapshots[msg["intervention_id"]] = msg
                else:
                    self.events.append(msg)


async def commands(bootstrap: str, topic: str, items: list[CrisisCommand]) -> None:
    records = [c.record() for c in items]
    await produce(bootstrap, topic, [(r.key, r.value, r.headers) for r in records])


def answer(st: dict, request: dict, accept: bool, at: datetime, n: int) -> AnswerRequest:
    return AnswerRequest(command_id=f"test-answer-{request['request_id']}-{n}", crisis_id=st["crisis_id"],
                         intervention_id=request["intervention_id"], request_id=request["request_id"],
                         expert_id=request["expert_id"], accept=accept,
                         reason=None if accept else "not available", actor="test-expert", role="expert", issued_at=at)


async def _at_least(fetch, n: int):
    got = await fetch()
    return got if len(got) >= n else None


async def test_escalation_staffs_every_seat_without_double_booking_across_a_sigkill(kafka_bootstrap, topic_prefix,
                                                                                    tmp_path):
    skew = tmp_path / "clock-skew"
    set_skew(skew, 0)
    receiver = await Receiver().__aenter__()  # the experts' notification webhooks
    partner_rx = await Receiver().__aenter__()  # a partner's webhook
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_BROKER=kafka_bootstrap, RRC_TOPIC_PREFIX=topic_prefix, RRC_DATA_DIR=str(tmp_path / "data"),
               RRC_API_PORT=str(free_port()), RRC_LOG_LEVEL="INFO", RRC_SESSION_TIMEOUT_S="10",
               RRC_CLOCK_SKEW_FILE=str(skew), RRC_EXPIRY_SWEEP_INTERVAL_S="1", RRC_NOTIFY_RETRY_S="[]",
               RRC_NOTIFY_TIMEOUT_S="2", RRC_ALLOW_PRIVATE_TARGETS="true")
    t = lambda name: f"{topic_prefix}{name}"  # noqa: E731
    experts = qualified_roster(webhook=receiver.url)
    worker = spawn_worker(env, tmp_path / "worker1.log")
    deployments = Deployments(kafka_bootstrap, t("rrc.deployments"))
    try:
        await wait_for(lambda: topic_exists(kafka_bootstrap, t("rrc.ledger")), 90, "topics")
        await produce(kafka_bootstrap, t("rrc.roster.experts"),
                      [(e.expert_id.encode(), e.model_dump_json().encode(), None) for e in experts])
        # A partner subscribed to everything: what it receives must never name or reach an expert.
        partner_sub, _ = create_subscription("ptn-watch", SubscriptionCreate(url=f"{partner_rx.url}/all",
                                                                             event_types=["rrc.*"]),
                                             datetime.now(timezone.utc))
        await produce(kafka_bootstrap, t("rrc.subscriptions"),
                      [(partner_sub.subscription_id.encode(), partner_sub.model_dump_json().encode(), None)])
        await asyncio.sleep(2)  # the roster view reads the compacted topic from the start
        await produce(kafka_bootstrap, t("rrc.signals.raw"),
                      [(None, json.dumps(s).encode(), [("rrc-format", b"json")])
                       for s in (quake("eq-a", 37.2, 37.0), quake("eq-b", 40.9, 27.5))])

        async def proposed():
            recs = await consume(kafka_bootstrap, t("rrc.plans"), expect=2, timeout=2)
            plans = [json.loads(r.value) for r in recs]
            found = {p["plan"]["title"]: p["plan"] for p in plans if p["type"] == "rrc.plan.proposed"}
            return found if len(found) == 2 else None

        plans = await wait_for(proposed, 90, "two proposed plans")
        plan_a = next(p for t_, p in plans.items() if "eq-a" in t_)
        plan_b = next(p for t_, p in plans.items() if "eq-b" in t_)
        assert sum(r["count"] for r in plan_a["roles"]) == 10
        now = datetime.now(timezone.utc)
        await commands(kafka_bootstrap, t("rrc.commands"), [
            ApprovePlan(command_id=f"approve-{p['plan_id']}", crisis_id=p["crisis_id"], plan_id=p["plan_id"],
                        actor="test-coordinator", role="coordinator", issued_at=now)
            for p in (plan_a, plan_b)])
        await deployments.consumer.start()

        async def approved():
            recs = await consume(kafka_bootstrap, t("rrc.plans"), expect=4, timeout=2)
            results = [json.loads(r.value).get("result") for r in recs]
            return [r for r in results if r and r["command_id"].startswith("approve-")]

        results = await wait_for(lambda: _at_least(approved, 2), 60, "two approvals")
        assert sorted(r["status_code"] for r in results) == [201, 201], results

        def of(plan):
            return next((s for s in deployments.snapshots.values() if s["staffing"]["plan_id"] == plan["plan_id"]),
                        None)

        async def first_offers():
            await deployments.poll()
            st = of(plan_a)
            if st is None:
                return None
            offered = [r for r in st["staffing"]["requests"].values() if r["state"] == "offered"]
            return (st, offered) if len(offered) == 10 else None

        st_a, first = await wait_for(first_offers, 60, "ten first offers in crisis A",
                                     lambda: f"{len(deployments.events)} events")
        first.sort(key=lambda r: (r["role"], r["seat"]))
        declines, silent, accepts = first[:3], first[3:5], first[5:]
        answered: set[str] = {r["request_id"] for r in first}

        # Half the answers, then SIGKILL while they are being applied; the rest while the worker is down.
        await commands(kafka_bootstrap, t("rrc.commands"),
                       [answer(st_a, r, False, now, 1) for r in declines] + [answer(st_a, r, True, now, 1)
                                                                             for r in accepts[:3]])
        await asyncio.sleep(0.3)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        await commands(kafka_bootstrap, t("rrc.commands"), [answer(st_a, r, True, now, 1) for r in accepts[3:]])
        worker = spawn_worker(env, tmp_path / "worker2.log")

        # Time moves past the silent offers' deadline: the sweep expires them and the seats move on.
        set_skew(skew, SKEW_S)
        later = datetime.now(timezone.utc) + timedelta(seconds=SKEW_S)

        async def settled():
            await deployments.poll()
            sends = []
            for plan in (plan_a, plan_b):
                st = of(plan)
                if st is None:
                    continue
                for r in st["staffing"]["requests"].values():
                    if r["state"] == "offered" and r["request_id"] not in answered:
                        answered.add(r["request_id"])
                        sends.append(answer(st, r, True, max(later, datetime.fromisoformat(r["offered_at"])), 2))
            if sends:
                await commands(kafka_bootstrap, t("rrc.commands"), sends)
            done = [of(p) for p in (plan_a, plan_b)]
            return done if all(d and all(s["filled"] for s in d["seats"]) for d in done) else None

        final_a, final_b = await wait_for(settled, 180, "both interventions fully staffed",
                                          lambda: json.dumps([s["seats"] for s in deployments.snapshots.values()])[:2000])
        await asyncio.sleep(2)
        await deployments.poll()
        public = await consume(kafka_bootstrap, t("rrc.response-events"), expect=10**6, timeout=4)
        records = await consume(kafka_bootstrap, t("rrc.notifications.deliveries"), expect=10**6, timeout=2)
    finally:
        await receiver.__aexit__(None, None, None)
        await partner_rx.__aexit__(None, None, None)
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=40)
        except subprocess.TimeoutExpired:
            worker.kill()
        await deployments.consumer.stop()

    requests_a = final_a["staffing"]["requests"]
    state = {rid: r["state"] for rid, r in requests_a.items()}
    assert all(state[r["request_id"]] == "declined" for r in declines)
    assert all(state[r["request_id"]] == "expired" for r in silent)
    assert all(state[r["request_id"]] == "confirmed" for r in accepts)
    for final in (final_a, final_b):
        seated = [s["filled_by"] for s in final["seats"]]
        assert len(seated) == len(set(seated)) and all(seated)

    # No expert deployed twice, or held for overlapping days: across both crises, an expert's confirmed requests
    # never overlap, and the silent and declining experts of A fill no seat there.
    holding = defaultdict(list)
    for final in (final_a, final_b):
        for r in final["staffing"]["requests"].values():
            if r["state"] in ("offered", "accepted", "confirmed", "deployed"):
                holding[r["expert_id"]].append((r["start"], r["end"], r["request_id"]))
    for expert, spans in holding.items():
        spans.sort()
        for (s1, e1, _), (s2, e2, _) in zip(spans, spans[1:]):
            assert s2 > e1, f"{expert} is held twice: {spans}"
    refused = {r["expert_id"] for r in declines + silent}
    assert not refused & {s["filled_by"] for s in final_a["seats"]}
    assert sum(len(f["staffing"]["requests"]) for f in (final_a, final_b)) > 20, "escalation made more offers"

    # Every state change exactly once: one event id per (request, transition); repeats share the id.
    by_change = defaultdict(set)
    for e in deployments.events:
        if e.get("request_id"):
            by_change[(e["request_id"], e["type"])].add(e["event_id"])
    assert all(len(ids) == 1 for ids in by_change.values()), {k: v for k, v in by_change.items() if len(v) > 1}
    expected_type = {"declined": "rrc.deployment.declined", "expired": "rrc.deployment.expired",
                     "confirmed": "rrc.deployment.accepted"}
    for final in (final_a, final_b):
        for rid, r in final["staffing"]["requests"].items():
            assert (rid, "rrc.deployment.requested") in by_change, rid
            if r["state"] in expected_type:
                assert (rid, expected_type[r["state"]]) in by_change, (rid, r["state"])
    escalations = [e for e in deployments.events if e["type"] == "rrc.deployment.escalated"]
    assert {e["intervention_id"] for e in escalations} >= {final_a["intervention_id"]}
    filled_roles = {(e["intervention_id"], e["role"]) for e in deployments.events if e["type"] == "rrc.role.filled"}
    assert filled_roles == {(f["intervention_id"], s["role"]) for f in (final_a, final_b) for s in f["seats"]}

    # The public copies name roles, never people.
    deployment_public = [r for r in public if dict(r.headers).get("ce_type", b"").startswith(b"rrc.deployment.")]
    assert deployment_public
    people = [e.expert_id for e in experts] + [e.name for e in experts]
    for r in deployment_public:
        assert not any(p in r.value.decode() for p in people), r.value
    repeats = len([e for e in deployments.events if e.get("request_id")]) - sum(len(v) for v in by_change.values())
    print(f"deployment events repeated after the SIGKILL (same ids): {repeats}")

    # Every offer reached its expert's webhook (at least once; repeats carry the same webhook-id), with a record.
    offered = {e["request_id"]: e["expert_id"] for e in deployments.events if e["type"] == "rrc.deployment.requested"}
    assert all(r.body for r in receiver.requests), [(r.method, r.path, r.headers) for r in receiver.requests if not r.body][:3]
    got = {r.json()["request_id"]: r.path.rsplit("/", 1)[-1] for r in receiver.requests
           if r.json()["event_type"] == "rrc.deployment.requested"}
    assert got == offered
    assert all(r.headers["webhook-id"].startswith("ntf-") for r in receiver.requests)
    delivered = {json.loads(r.value)["request_id"] for r in records if json.loads(r.value)["outcome"] == "delivered"}
    assert set(offered) <= delivered

    # The partner got the public story (crises, plans, deployments by role) and nothing personal: no expert id,
    # name, email or phone in any body it received.
    types = {r.json()["type"] for r in partner_rx.requests}
    assert {"rrc.crisis.opened", "rrc.plan.proposed", "rrc.intervention.launched", "rrc.deployment.requested",
            "rrc.deployment.accepted", "rrc.role.filled"} <= types, types
    personal = [e.expert_id for e in experts] + [e.name for e in experts] + [
        str(v) for e in experts for v in (e.contact.email, e.contact.phone, e.contact.webhook_url) if v]
    for r in partner_rx.requests:
        text = r.body.decode()
        leaked = [p for p in personal if p in text]
        assert not leaked, (r.json()["type"], leaked[:3])
