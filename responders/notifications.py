"""Notifications to experts: pluggable channels, retries, and a delivery record per notification.

A notification (from the rrc.notifications outbox, see `responders.deployments.owner.notification_for`) goes to
every channel the expert can be reached on: a webhook to the expert's endpoint (JSON body, `webhook-id` header =
the notification id, so a receiver can drop a repeat) and, where SMTP is configured, an email. Each channel is
tried up to `1 + len(schedule)` times, waiting the schedule's seconds between attempts; a 4xx other than 408/429
is final. Webhook targets are checked again at send time against local and private addresses (DNS may have
changed since the roster accepted the URL). Nothing here knows Kafka; the clock and the sleep are injected.
"""

from __future__ import annotations

import asyncio
import smtplib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from config.topics import NOTIFICATIONS
from responders.messages import Command
from responders.security.targets import TargetRefused, check_resolved


class OutboxRecord(Command):
    """One notification to send (rrc.notifications): what the notify stage delivers to its recipient's channel.
    Subclasses name the recipient (`NotifyExpert`, `NotifyOffice`), whose id is the key."""

    topic = NOTIFICATIONS
    notification_id: str
    event_type: str
    subject: str
    text: str
    created_at: AwareDatetime


class Recipient(Protocol):
    """Whom a notification is for: an expert (roster record), or an office (its coordinators' shared contact)."""

    name: str
    contact: Any  # email and webhook_url, either may be None


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, retryable: bool, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.status_code = status_code


class Channel(Protocol):
    name: str

    def reaches(self, expert: Recipient) -> bool: ...

    async def send(self, notification: dict[str, Any], expert: Recipient) -> int | None: ...


class WebhookChannel:
    name = "webhook"

    def __init__(self, client: httpx.AsyncClient, *, allow_private: bool = False, timeout_s: float = 10.0) -> None:
        self.client = client
        self.allow_private = allow_private
        self.timeout_s = timeout_s

    def reaches(self, expert: Recipient) -> bool:
        return getattr(expert.contact, "webhook_url", None) is not None  # an office may have no contact

    async def send(self, notification: dict[str, Any], expert: Recipient) -> int | None:
        url = str(expert.contact.webhook_url)
        try:
            await check_resolved(url, allow_private=self.allow_private)
        except TargetRefused as exc:
            raise DeliveryFailed(f"target refused: {exc}", retryable=False) from exc
        except OSError as exc:  # DNS failure: may pass later
            raise DeliveryFailed(f"cannot resolve {url}: {exc}", retryable=True) from exc
        try:
            response = await self.client.post(url, json=notification, timeout=self.timeout_s,
                                              headers={"webhook-id": notification["notification_id"],
                                                       "user-agent": "rrc-notifications"})
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", retryable=True) from exc
        if 200 <= response.status_code < 300:
            return response.status_code
        retryable = response.status_code >= 500 or response.status_code in (408, 429)
        raise DeliveryFailed(f"HTTP {response.status_code}", retryable=retryable, status_code=response.status_code)


class EmailChannel:
    """Email through an SMTP server (blocking smtplib, run in a thread)."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, *, starttls: bool = True, username: str | None = None,
                 password: str | None = None, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout_s = timeout_s

    def reaches(self, expert: Recipient) -> bool:
        return getattr(expert.contact, "email", None) is not None  # an office may have no contact

    def message(self, notification: dict[str, Any], expert: Recipient) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = str(expert.contact.email)
        msg["Subject"] = notification["subject"]
        msg["Message-ID"] = f"<{notification['notification_id']}@rrc>"
        msg.set_content(f"Dear {expert.name},\n\n{notification['text']}\n")
        return msg

    def _send_blocking(self, msg: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(msg)

    async def send(self, notification: dict[str, Any], expert: Recipient) -> int | None:
        try:
            await asyncio.to_thread(self._send_blocking, self.message(notification, expert))
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"recipient refused: {exc}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", retryable=True) from exc
        return None


class Attempt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: str
    n: int
    at: datetime
    ok: bool
    status_code: int | None = None
    error: str | None = None
    latency_ms: float


class DeliveryRecord(BaseModel):
    """What happened to one notification (the value on rrc.notifications.deliveries, keyed by its recipient: an
    expert, or an office's coordinators)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    notification_id: str
    expert_id: str | None = None
    office_id: str | None = None
    request_id: str | None = None
    event_type: str
    outcome: str = Field(description="delivered (on at least one channel), failed, no_channel or unknown_expert "
                                     "(an unknown recipient)")
    delivered_on: list[str] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)
    finished_at: datetime


async def deliver(notification: dict[str, Any], expert: Recipient | None, channels: Sequence[Channel],
                  schedule: Sequence[float], *, clock: Callable[[], datetime],
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> DeliveryRecord:
    """Send on every channel that reaches the expert, retrying per channel; the record says how it went."""
    base = {"notification_id": notification["notification_id"], "expert_id": notification.get("expert_id"),
            "office_id": notification.get("office_id"), "request_id": notification.get("request_id"),
            "event_type": notification["event_type"]}
    if expert is None:
        return DeliveryRecord(**base, outcome="unknown_expert", finished_at=clock())
    usable = [c for c in channels if c.reaches(expert)]
    if not usable:
        return DeliveryRecord(**base, outcome="no_channel", finished_at=clock())
    results = await asyncio.gather(*(_through(c, notification, expert, schedule, clock, sleep) for c in usable))
    attempts = [a for _, tries in results for a in tries]
    delivered = [c.name for c, (ok, _) in zip(usable, results) if ok]
    return DeliveryRecord(**base, outcome="delivered" if delivered else "failed", delivered_on=delivered,
                          attempts=attempts, finished_at=clock())


async def _through(channel: Channel, notification: dict[str, Any], expert: Recipient, schedule: Sequence[float],
                   clock: Callable[[], datetime], sleep: Callable[[float], Awaitable[None]]) -> tuple[bool, list[Attempt]]:
    attempts: list[Attempt] = []
    for n in range(1, len(schedule) + 2):
        started = time.perf_counter()
        at = clock()
        try:
            status = await channel.send(notification, expert)
        except DeliveryFailed as exc:
            attempts.append(Attempt(channel=channel.name, n=n, at=at, ok=False, status_code=exc.status_code,
                                    error=str(exc)[:300], latency_ms=round((time.perf_counter() - started) * 1e3, 2)))
            if not exc.retryable or n > len(schedule):
                return False, attempts
            await sleep(schedule[n - 1])
            continue
        attempts.append(Attempt(channel=channel.name, n=n, at=at, ok=True, status_code=status,
                                latency_ms=round((time.perf_counter() - started) * 1e3, 2)))
        return True, attempts
    return False, attempts
