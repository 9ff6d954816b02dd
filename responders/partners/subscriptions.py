"""A partner's webhook subscription: where to deliver, what to deliver, and the secrets that sign deliveries.

The record keeps the signing secrets themselves, not hashes: the sender needs them to sign every delivery. They
are excluded from `repr` and from `public_view`, which is what the API shows; the secret is returned to the
partner exactly twice, when the subscription is created and when it is rotated.

Rotation adds a new secret and keeps the old ones until `now + overlap_s`; during that window every delivery is
signed by both, so the partner can switch its verifier at any moment without a failed delivery. Secrets past their
expiry are dropped at the next rotation and never sign.

Subscription URLs must be https, except for loopback hosts (local receivers and tests). Functions are pure: time
is passed in and a new record is returned.
"""

from __future__ import annotations

import ipaddress
import secrets as _random
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from responders.partners.filters import (
    EventFacts,
    Grant,
    SubscriptionFilter,
    any_type_matches,
    facts_of,
    validate_type_pattern,
)
from responders.partners.signing import decode_secret, new_secret
from vocabulary.cloudevents import CloudEvent

MAX_URL_LENGTH = 2048
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_url(url: str) -> str:
    """An absolute https URL (http only for loopback hosts), without credentials or fragment."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"url longer than {MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError("url must be an absolute https URL")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ValueError("url must use https (plain http only for loopback receivers)")
    if parts.username is not None or parts.password is not None:
        raise ValueError("url must not carry credentials")
    if parts.fragment:
        raise ValueError("url must not have a fragment")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ValueError(f"url has an invalid port: {exc}") from exc
    return url


def _patterns(v: list[str]) -> list[str]:
    return list(dict.fromkeys(validate_type_pattern(p) for p in v))


class SubscriptionCreate(BaseModel):
    """What a partner sends to subscribe."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    event_types: list[str] = Field(min_length=1, max_length=50)
    filters: SubscriptionFilter = Field(default_factory=SubscriptionFilter)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return validate_url(v)

    @field_validator("event_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        return _patterns(v)


class SigningSecret(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: str = Field(repr=False)
    created_at: AwareDatetime
    expires_at: AwareDatetime | None = None

    @field_validator("secret")
    @classmethod
    def _usable(cls, v: str) -> str:
        decode_secret(v)
        return v

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


class Subscription(SubscriptionCreate):
    """A stored subscription: what the partner asked for (url, event types, filters: validated as at creation)
    and what rrc keeps about it."""

    subscription_id: str
    partner_id: str
    created_at: AwareDatetime
    grant: Grant = Field(default_factory=Grant, description="what the creating partner token may see beyond "
                                                           "public, real events (exercise, restricted)")
    status: Literal["active", "disabled"] = "active"
    disabled_reason: str | None = None
    secrets: list[SigningSecret] = Field(min_length=1, repr=False)


def new_subscription_id() -> str:
    return "sub_" + _random.token_hex(10)


def create_subscription(partner_id: str, body: SubscriptionCreate, now: datetime, secret: str | None = None,
                        *, subscription_id: str | None = None, grant: Grant | None = None) -> tuple[Subscription, str]:
    """A new active subscription and its signing secret (generated unless given)."""
    secret = secret or new_secret()
    sub = Subscription(subscription_id=subscription_id or new_subscription_id(), partner_id=partner_id,
                       url=body.url, event_types=list(body.event_types), filters=body.filters, created_at=now,
                       grant=grant or Grant(),
                       secrets=[SigningSecret(secret=secret, created_at=now)])
    return sub, secret


def rotate_secret(sub: Subscription, now: datetime, overlap_s: float,
                  secret: str | None = None) -> tuple[Subscription, str]:
    """Add a new secret; the still-active old ones keep signing until `now + overlap_s` (0: stop at once)."""
    if overlap_s < 0:
        raise ValueError(f"overlap_s must be >= 0, not {overlap_s}")
    secret = secret or new_secret()
    until = now + timedelta(seconds=overlap_s)
    kept = [s.model_copy(update={"expires_at": min(until, s.expires_at) if s.expires_at else until})
            for s in sub.secrets if s.active(now)]
    kept = [s for s in kept if s.active(now)]
    rotated = sub.model_copy(update={"secrets": [SigningSecret(secret=secret, created_at=now), *kept]})
    return rotated, secret


def active_secrets(sub: Subscription, now: datetime) -> list[str]:
    """The secrets that sign a delivery made at `now`, newest first."""
    return [s.secret for s in sub.secrets if s.active(now)]


def disable(sub: Subscription, reason: str) -> Subscription:
    """The subscription stopped (e.g. the partner answered 410 Gone); it keeps its secrets for a re-enable."""
    return sub.model_copy(update={"status": "disabled", "disabled_reason": reason})


def wants(sub: Subscription, event: CloudEvent | EventFacts) -> bool:
    """Is `sub` active, subscribed to the event's type, and does the event pass its filters.

    Pass `facts_of(event)` instead of the event when testing many subscriptions against one event.
    """
    if sub.status != "active":
        return False
    facts = event if isinstance(event, EventFacts) else facts_of(event)
    return any_type_matches(sub.event_types, facts.type) and sub.filters.matches(facts)


def public_view(sub: Subscription) -> dict[str, Any]:
    """The subscription as shown to its partner and to admins: everything but the secrets themselves."""
    view = sub.model_dump(mode="json", exclude={"secrets"})
    view["signing_secrets"] = [{"created_at": s["created_at"], "expires_at": s["expires_at"]}
                               for s in sub.model_dump(mode="json", include={"secrets"})["secrets"]]
    return view
