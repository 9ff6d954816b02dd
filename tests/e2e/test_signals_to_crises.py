"""Feeds in through the API, crises out of the read view: the whole chain over the real broker."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def test_gdacs_feed_becomes_crises(server, shared_data):
    coordinator = server.client(server.token("coordinator"))
    body = (shared_data / "gdacs" / "gdacs_rss_2019-12-30.xml").read_bytes()
    r = coordinator.post("/v1/signals/feed", params={"format": "gdacs"}, content=body)
    assert r.status_code == 202, r.text
    assert len(r.json()["accepted"]) == 16 and r.json()["rejections"] == []

    page = wait_until(lambda: coordinator.get("/v1/crises", params={"limit": 500, "country": "MUS"}).json(),
                      lambda p: p["total"] >= 1, what="the CALVINIA-19 crisis")
    crisis = page["items"][0]
    assert crisis["hazard"] == "tropical_cyclone" and "MUS" in crisis["countries"]
    detail = coordinator.get(f"/v1/crises/{crisis['crisis_id']}").json()
    assert detail["signal_count"] == len(detail["signals"]) >= 1
    # December 2019 is history (older than a cyclone's quiet period): recorded, closed, and said to be history
    assert detail["history"] and detail["history"][0]["change"] == "history"
    assert detail["status"] == "closed" and detail["historical"] is True
    ids, cursor = [], None
    while True:  # every signal of the crisis, one page of one at a time
        page = coordinator.get(f"/v1/crises/{crisis['crisis_id']}/signals",
                               params={"limit": 1, **({"cursor": cursor} if cursor else {})}).json()
        assert page["total"] == detail["signal_count"] and len(page["items"]) <= 1
        ids += [m["signal_id"] for m in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(ids) == sorted(m["signal_id"] for m in detail["signals"])
    assert all(m["crisis_id"] == crisis["crisis_id"] and m["observed_at"] for m in detail["signals"])
    bad = coordinator.get(f"/v1/crises/{crisis['crisis_id']}/signals", params={"cursor": "bm9wZQ"})
    assert bad.status_code == 400 and "cursor" in bad.json()["detail"]
    assert coordinator.get("/v1/crises/cri-nope/signals").status_code == 404

    severe = coordinator.get("/v1/crises", params={"min_severity": "severe", "limit": 500}).json()
    assert severe["total"] >= 1 and all(c["severity"] in ("severe", "extreme") for c in severe["items"])
    first = coordinator.get("/v1/crises", params={"limit": 2}).json()
    assert len(first["items"]) <= 2
    if first["next"]:
        second = coordinator.get("/v1/crises", params={"limit": 2, "cursor": first["next"]}).json()
        assert {c["crisis_id"] for c in second["items"]}.isdisjoint({c["crisis_id"] for c in first["items"]})


def test_exercise_crises_hidden_from_partners_without_grant(server, shared_data):
    coordinator = server.client(server.token("coordinator"))
    body = (shared_data / "cap" / "philippines_pagasa_typhoon_alert_TEST_2014-11-03.cap").read_bytes()
    r = coordinator.post("/v1/signals/feed", params={"format": "cap"}, content=body)
    assert r.status_code == 202, r.text
    page = wait_until(lambda: coordinator.get("/v1/crises", params={"exercise": "true", "country": "PHL"}).json(),
                      lambda p: p["total"] >= 1, what="the exercise crisis")
    exercise_id = page["items"][0]["crisis_id"]
    assert page["items"][0]["exercise"] is True

    partner = server.client(server.token("partner", "--partner-id", "p-unicef"))
    seen = partner.get("/v1/crises", params={"limit": 500, "exercise": "true"}).json()
    assert all(not c["exercise"] for c in seen["items"])
    assert partner.get(f"/v1/crises/{exercise_id}").status_code == 404
    granted = server.client(server.token("partner", "--partner-id", "p-ocha", "--grant", "exercise"))
    assert granted.get(f"/v1/crises/{exercise_id}").status_code == 200


def test_bad_input_gets_clear_errors(server):
    coordinator = server.client(server.token("coordinator"))
    r = coordinator.post("/v1/signals", json={"signal_id": "x", "source": "s", "source_id": "1", "kind": "disaster",
                                              "hazard": "earthquake", "title": "t", "countries": ["XXX"],
                                              "observed_at": "2024-01-01T00:00:00Z"})
    assert r.status_code == 422 and "countries" in r.json()["detail"]
    r = coordinator.post("/v1/signals/feed", params={"format": "nope"}, content=b"<x/>")
    assert r.status_code == 400 and "format" in r.json()["detail"]
    r = coordinator.post("/v1/signals/feed", params={"format": "json"}, content=b"x" * (3 * 1024 * 1024))
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    expert = server.client(server.token("expert", "--expert-id", "e-1"))
    assert expert.post("/v1/signals", json={}).status_code == 403
    assert server.client().get("/v1/crises").status_code == 401
