"""Subscriptions: creation, secret rotation with an overlap window, what they want, what is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from responders.partners.signing import decode_secret, headers, new_secret, verify
from responders.partners.subscriptions import (
    SubscriptionCreate,
    active_secrets,
    create_subscription,
    disable,
    public_view,
    rotate_secret,
    wants,
)

from .factories import T0, event, subscription


def test_create_returns_an_active_subscription_and_its_secret():
    sub, secret = subscription(event_types=["rrc.crisis.*"], hazards=["flood"])
    assert sub.status == "active" and sub.partner_id == "P-1" and sub.subscription_id.startswith("sub_")
    assert decode_secret(secret) and active_secrets(sub, T0) == [secret]
    assert sub.created_at == T0 and sub.filters.hazards == ["flood"]
    assert secret not in repr(sub)


def test_a_given_secret_is_kept():
    secret = new_secret()
    _sub, got = subscription(secret=secret)
    assert got == secret


@pytest.mark.parametrize("body", [
    {"url": "https://p.example/h", "event_types": []},
    {"url": "https://p.example/h", "event_types": ["crisis.opened"]},
    {"url": "http://p.example/h", "event_types": ["rrc.*"]},  # plain http only for loopback
    {"url": "ftp://p.example/h", "event_types": ["rrc.*"]},
    {"url": "https://user:pw@p.example/h", "event_types": ["rrc.*"]},
    {"url": "/relative", "event_types": ["rrc.*"]},
    {"url": "https://p.example/h", "event_types": ["rrc.*"], "secret": "x"},
    {"url": "https://p.example/h", "event_types": ["rrc.*"], "filters": {"countries": ["ZZZ"]}},
])
def test_invalid_bodies_are_refused(body):
    with pytest.raises(ValidationError):
        SubscriptionCreate(**body)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]:9/h",
                                 "https://p.example:8443/hooks?x=1"])
def test_accepted_urls(url):
    assert SubscriptionCreate(url=url, event_types=["rrc.*"]).url == url


def test_rotation_keeps_the_old_secret_for_the_overlap_only():
    sub, old = subscription()
    rotated, new = rotate_secret(sub, T0 + timedelta(days=1), overlap_s=3600)
    assert new != old
    during = T0 + timedelta(days=1, minutes=30)
    assert active_secrets(rotated, during) == [new, old]
    h = headers(active_secrets(rotated, during), "msg", int(during.timestamp()), b"{}")
    for secret in (old, new):  # a partner on either secret accepts deliveries during the overlap
        verify(secret, h, b"{}", now=int(during.timestamp()))
    assert active_secrets(rotated, T0 + timedelta(days=1, hours=1)) == [new]
    assert sub.secrets[0].expires_at is None  # the original record is unchanged


def test_rotating_again_drops_expired_and_never_extends_an_expiry():
    sub, s1 = subscription()
    sub, s2 = rotate_secret(sub, T0, overlap_s=600)
    sub, s3 = rotate_secret(sub, T0 + timedelta(seconds=60), overlap_s=3600)
    assert active_secrets(sub, T0 + timedelta(seconds=120)) == [s3, s2, s1]
    assert active_secrets(sub, T0 + timedelta(seconds=700)) == [s3, s2]
    sub, s4 = rotate_secret(sub, T0 + timedelta(hours=5), overlap_s=0)
    assert [s.secret for s in sub.secrets] == [s4] and active_secrets(sub, T0 + timedelta(hours=5)) == [s4]


def test_negative_overlap_is_refused():
    sub, _ = subscription()
    with pytest.raises(ValueError):
        rotate_secret(sub, T0, overlap_s=-1)


def test_wants_checks_status_type_and_filters():
    sub, _ = subscription(event_types=["rrc.crisis.*"], countries=["TUR"])
    assert wants(sub, event("rrc.crisis.opened", countries=["TUR"]))
    assert not wants(sub, event("rrc.plan.proposed", countries=["TUR"]))
    assert not wants(sub, event("rrc.crisis.opened", countries=["GRC"]))
    off = disable(sub, "410 Gone")
    assert off.status == "disabled" and off.disabled_reason == "410 Gone"
    assert not wants(off, event("rrc.crisis.opened", countries=["TUR"]))


def test_filter_event_types_narrow_the_subscription_types():
    sub, _ = create_subscription("P-1", SubscriptionCreate(url="https://p.example/h", event_types=["rrc.*"],
                                                           filters={"event_types": ["rrc.crisis.closed"]}), T0)
    assert wants(sub, event("rrc.crisis.closed")) and not wants(sub, event("rrc.crisis.opened"))


def test_public_view_has_no_secrets():
    sub, secret = subscription()
    sub, new = rotate_secret(sub, T0, overlap_s=60)
    view = public_view(sub)
    text = repr(view)
    assert secret not in text and new not in text and "secrets" not in view
    assert view["subscription_id"] == sub.subscription_id and view["url"] == sub.url
    assert [s["expires_at"] for s in view["signing_secrets"]] == [None, "2024-05-01T12:01:00Z"]


def test_subscription_round_trips_through_json():
    sub, _ = subscription(hazards=["flood"])
    again = type(sub).model_validate_json(sub.model_dump_json())
    assert again == sub
